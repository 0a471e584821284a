export * from './local-ledger.js';
export type * from './name-registry.js';
