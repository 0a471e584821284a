// The entry for people who store data: openStorage, the client, config, results and errors. Driver
// authors import `@blockstack-storage/core/driver` (src/driver-kit.ts), which adds key encoding, the
// key-value adapter, compression and the helpers drivers share.
export { bodyChunks, bytesToStream, concatBytes, DEFAULT_MAX_READ_BYTES, readBody } from './body.js';
// The contract types: users pass drivers and driver modules in, and read `StoredObject` bodies.
export type * from './driver.js';
// throwIfAborted and asStorageError also serve the CLI's own streams and error reports.
export {
  AbortedError,
  asStorageError,
  ConfigurationError,
  ConflictError,
  ErrorCode,
  IntegrityError,
  InvalidKeyError,
  isStorageError,
  NotFoundError,
  PermissionError,
  RateLimitedError,
  StaleDataError,
  StorageError,
  type StorageErrorOptions,
  throwIfAborted,
  TimeoutError,
  TooLargeError,
  UnavailableError,
  UnsupportedError,
} from './errors.js';
// What ids are valid; encodeDataId also gives a name a safe file name (the CLI names key files with it).
export { encodeDataId, MAX_DATA_ID_BYTES, validateDataId } from './keys.js';
export * from './config/index.js';
export * from './crypto/index.js';
export * from './identity/index.js';
export * from './replication/index.js';
export * from './envelope/index.js';
export * from './version-cache/index.js';
export { HTTP_READER_NAME, type HttpGetOptions, httpGet, redactUrl } from './http/http-get.js';
export * from './http/url-reader.js';
export * from './zonefile/index.js';
export * from './registry/index.js';
export * from './client/index.js';
// Import of a 2017 blockstack_client disk store (issue 15).
export * from './legacy/index.js';
// The chunked format (docs/chunked-format.md): how the client stores values above its chunk threshold.
export * from './chunked/index.js';
