export { startHub, type StartHubOptions, type RunningHub } from './start-hub.js';
export { createGaiaHubHandler, type GaiaHubHandler, type GaiaHubOptions } from './request-handler.js';
export {
  type DeleteConditions,
  FileStore,
  type FileStoreOptions,
  type NewestCopy,
  type StoreConditions,
} from './file-store.js';
export type { StoredFileHeader } from './stored-file.js';
export {
  challengeTextOf,
  LATEST_AUTH_VERSION,
  SCOPE_NAMES,
  type ScopeName,
  type TokenScopes,
  type VerifiedToken,
  verifyAuthorization,
} from './authentication.js';
export { bucketAddressOfPublicKey } from './bucket-address.js';
export { HubError } from './hub-errors.js';
