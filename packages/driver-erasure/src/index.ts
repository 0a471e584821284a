export {
  createErasureDriver,
  DEFAULT_STRIPE_BYTES,
  ERASURE_DRIVER_NAME,
  type ErasureDriverOptions,
  type ErasureStorageDriver,
  type RepairOptions,
} from './erasure-driver.js';
export type { ShardRepairReport } from './shard-repair.js';
export { ReedSolomon } from './reed-solomon.js';
export { FORMAT_VERSION, shardObjectBytes } from './shard-format.js';
export { ERASURE_CONFIG_KEYS, erasureDriverModule } from './driver-module.js';

import { erasureDriverModule } from './driver-module.js';
/** The driver module the core loads for `driver = erasure` (or an `[erasure]` section). */
export default erasureDriverModule;
