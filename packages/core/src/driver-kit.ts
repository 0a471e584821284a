/**
 * `@blockstack-storage/core/driver`: everything a driver author needs, and nothing a user of the
 * storage needs (that is the main entry). The contract, the typed errors, key encoding, body and
 * compression helpers, the key-value adapter, and the helpers drivers share (durable renames, lock
 * files, an abort-aware delay, Retry-After parsing).
 */

export {
  bodyChunks,
  bytesEqual,
  bytesToStream,
  concatBytes,
  DEFAULT_MAX_READ_BYTES,
  fixedSizeChunks,
  readBody,
} from './body.js';
export { deflateChunks, inflateChunks, inflateIfZlib, looksLikeZlib } from './compression.js';
export { delay } from './delay.js';
export type * from './driver.js';
export * from './errors.js';
export { parseRetryAfter } from './http/http-get.js';
export { createKeyValueDriver, guardedBody, type KeyValueBackend } from './key-value-driver.js';
export { KeyedQueue } from './keyed-queue.js';
export * from './keys.js';
export { acquireFileLock, type HeldLock } from './registry/file-lock.js';
export { syncDirectory } from './sync-directory.js';
