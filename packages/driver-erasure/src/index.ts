export {
  createErasureDriver,
  DEFAULT_STRIPE_BYTES,
  ERASURE_DRIVER_NAME,
  type ErasureDriverOptions,
} from './erasure-driver.js';
export { ReedSolomon } from './reed-solomon.js';
export { FORMAT_VERSION, shardObjectBytes } from './shard-format.js';
