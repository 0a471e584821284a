import type { DriverModule } from '@blockstack-storage/core/driver';
import { createDiskDriverFromConfig, DISK_DRIVER_NAME } from './disk-driver.js';
export {
  DISK_DATA_DIRECTORIES,
  DISK_LOCK_DIRECTORY,
  DISK_TEMP_DIRECTORY,
  type DiskLocation,
  diskEtagOf,
  diskLocationOf,
} from './disk-layout.js';

export {
  createDiskDriver,
  createDiskDriverFromConfig,
  DISK_DRIVER_NAME,
  type DiskDriverOptions,
  defaultDiskRoot,
} from './disk-driver.js';

/** Loaded by the core when `disk` appears in `storage_drivers`. */
const diskDriverModule: DriverModule = {
  name: DISK_DRIVER_NAME,
  create: createDiskDriverFromConfig,
  // Every key createDiskDriverFromConfig reads; the core refuses any other (e.g. a misspelling).
  configKeys: ['root', 'public_url', 'max_object_bytes'],
};
export default diskDriverModule;
