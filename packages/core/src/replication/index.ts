export * from './coordinator.js';
export * from './driver-policy.js';
export type * from './outcome.js';
export * from './replication-error.js';
export * from './transfer-observer.js';
