import type { DriverModule } from '@blockstack-storage/core';
import { createSkeletonDriverFromConfig, SKELETON_DRIVER_NAME } from './skeleton-driver.js';

export {
  createSkeletonDriver,
  createSkeletonDriverFromConfig,
  SKELETON_DRIVER_NAME,
  type SkeletonDriverOptions,
} from './skeleton-driver.js';

/** Loaded by the core when `skeleton` appears in `storage_drivers`. */
const driverModule: DriverModule = { name: SKELETON_DRIVER_NAME, create: createSkeletonDriverFromConfig };
export default driverModule;
