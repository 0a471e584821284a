import type { DriverModule } from '@blockstack-storage/core/driver';
import { CONFIG_KEYS, createConfidentialDriverFromConfig } from './config.js';
import { CONFIDENTIAL_DRIVER_NAME } from './confidential-driver.js';

export { blocksFor, payloadBytes } from './block-format.js';
export { type Clock, realClock } from './clock.js';
export { CONFIG_KEYS, createConfidentialDriverFromConfig } from './config.js';
export {
  CONFIDENTIAL_DRIVER_NAME,
  type ConfidentialDriver,
  type ConfidentialDriverOptions,
  createConfidentialDriver,
  DEFAULT_BLOCK_BYTES,
  DEFAULT_CELLS,
  DEFAULT_SLOT_MS,
} from './confidential-driver.js';
export { KEY_PURPOSE } from './keys.js';
export type { TrafficCounts } from './slot-scheduler.js';

/** Loaded by the core when a section says `driver = confidential` (or is named `[confidential]`). */
const driverModule: DriverModule = {
  name: CONFIDENTIAL_DRIVER_NAME,
  create: createConfidentialDriverFromConfig,
  configKeys: CONFIG_KEYS,
};
export default driverModule;
