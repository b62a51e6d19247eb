// Calls and events of the style library (templates, styles, negatives, packs). Spread into shared/contract.ts.
export const libraryCalls = {} as const;
export const libraryEvents = {} as const;
