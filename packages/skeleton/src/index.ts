import type { DriverModule } from '@blockstack-storage/core/driver';
import { createSkeletonDriverFromConfig, SKELETON_DRIVER_NAME } from './skeleton-driver.js';

export {
  createSkeletonDriver,
  createSkeletonDriverFromConfig,
  SKELETON_DRIVER_NAME,
  type SkeletonDriverOptions,
} from './skeleton-driver.js';

/** Loaded by the core when `skeleton` appears in `storage_drivers`. */
const driverModule: DriverModule = {
  name: SKELETON_DRIVER_NAME,
  create: createSkeletonDriverFromConfig,
  // Every key createSkeletonDriverFromConfig reads: the core refuses any other, so a misspelled key is
  // an error rather than a setting silently ignored. Keep it in step when you add settings.
  configKeys: ['public_url', 'max_object_bytes'],
};
export default driverModule;
