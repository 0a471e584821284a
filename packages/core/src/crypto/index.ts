export * from './backend.js';
export type * from './curve.js';
export * from './ecies.js';
export * from './hash.js';
export * from './hex.js';
