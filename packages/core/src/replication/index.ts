export * from './coordinator.js';
export * from './driver-policy.js';
export type * from './outcome.js';
export * from './replication-error.js';
export {
  type Transfer,
  type TransferObserver,
  type TransferWatch,
  WATCHED_PUT_CHUNK_BYTES,
} from './transfer-observer.js';
