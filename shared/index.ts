export * from './contract';
export * from './domain';
export * from './result';
