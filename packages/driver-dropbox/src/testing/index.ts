export { dropboxContentHash } from '../content-hash.js';
export {
  type LocalDropboxServer,
  type LocalDropboxServerOptions,
  type LocalDropboxStats,
  MAX_UPLOAD_REQUEST_BYTES,
  type RateLimitOptions,
  startLocalDropboxServer,
} from './local-dropbox-server.js';
export { LocalDropboxApiError, LocalDropboxStore } from './local-dropbox-store.js';
