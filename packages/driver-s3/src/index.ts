import type { DriverModule } from '@blockstack-storage/core/driver';
import { S3_CONFIG_KEYS, S3_DRIVER_NAME } from './config.js';
import { createS3DriverFromConfig } from './s3-driver.js';

export { COMPRESSION_METADATA_KEY, COMPRESSION_METADATA_VALUE } from './compression.js';
export { parseS3Config, S3_CONFIG_KEYS, S3_DRIVER_NAME, S3_ENV } from './config.js';
export {
  MAX_PREFIX_BYTES,
  MAX_S3_KEY_BYTES,
  MIN_PART_BYTES,
  type S3Credentials,
  type S3DriverOptions,
} from './options.js';
export { S3Backend } from './s3-backend.js';
export { createS3Driver, createS3DriverFromConfig } from './s3-driver.js';
export { mapS3Error } from './s3-errors.js';

/** Loaded by the core when `s3` appears in `storage_drivers`. */
const s3DriverModule: DriverModule = {
  name: S3_DRIVER_NAME,
  create: createS3DriverFromConfig,
  configKeys: S3_CONFIG_KEYS,
};
export default s3DriverModule;
