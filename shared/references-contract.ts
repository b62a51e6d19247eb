// Calls and events of the reference image library. Spread into shared/contract.ts.
export const referenceCalls = {} as const;
export const referenceEvents = {} as const;
