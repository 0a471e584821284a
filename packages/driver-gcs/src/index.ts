import type { DriverModule } from '@blockstack-storage/core/driver';
import { createGcsDriverFromConfig, GCS_DRIVER_NAME } from './gcs-driver.js';

export { COMPRESSED_ENCODING, COMPRESSION_METADATA_KEY, COMPRESSION_METADATA_VALUE } from './compression.js';
export { GCS_MAX_OBJECT_BYTES } from './gcs-backend.js';
export {
  createGcsDriver,
  createGcsDriverFromConfig,
  DEFAULT_RESUMABLE_THRESHOLD,
  GCS_DRIVER_NAME,
  type GcsDriverOptions,
  GOOGLE_STORAGE_PUBLIC_BASE,
} from './gcs-driver.js';
export { mapGcsError } from './gcs-errors.js';
export { MAX_OBJECT_NAME_BYTES, MAX_PREFIX_BYTES } from './object-names.js';
export type { UploadKind } from './uploads.js';

/** Loaded by the core when `gcs` appears in `storage_drivers`. */
const gcsDriverModule: DriverModule = {
  name: GCS_DRIVER_NAME,
  create: createGcsDriverFromConfig,
  // Every key createGcsDriverFromConfig reads; the core refuses any other (e.g. a misspelling).
  configKeys: [
    'bucket',
    'project_id',
    'prefix',
    'key_file',
    'api_endpoint',
    'public_read',
    'compress',
    'resumable_threshold',
    'max_retries',
  ],
};
export default gcsDriverModule;
