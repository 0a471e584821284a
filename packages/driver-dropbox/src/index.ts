import type { DriverModule } from '@blockstack-storage/core/driver';
import { createDropboxDriverFromConfig } from './config.js';
import { DROPBOX_DRIVER_NAME } from './dropbox-driver.js';

export { createDropboxDriverFromConfig, DROPBOX_ENV } from './config.js';
export type { DropboxCredentials } from './dropbox-client.js';
export {
  createDropboxDriver,
  DEFAULT_SESSION_THRESHOLD_BYTES,
  DROPBOX_DRIVER_NAME,
  DROPBOX_MAX_FILE_BYTES,
  type DropboxDriverOptions,
} from './dropbox-driver.js';
export { DEFAULT_DROPBOX_ROOT } from './dropbox-paths.js';
export { toDirectDownloadUrl } from './shared-links.js';

/** Loaded by the core when `dropbox` appears in `storage_drivers`. */
const dropboxDriverModule: DriverModule = {
  name: DROPBOX_DRIVER_NAME,
  create: createDropboxDriverFromConfig,
  // Every key createDropboxDriverFromConfig reads; the core refuses any other (e.g. a misspelling).
  configKeys: [
    'token',
    'app_key',
    'app_secret',
    'refresh_token',
    'root',
    'compress',
    'shared_links',
    'upload_session_threshold',
  ],
};
export default dropboxDriverModule;
