import type { DriverModule } from '@blockstack-storage/core/driver';
import { createGaiaDriverFromConfig, GAIA_CONFIG_KEYS } from './config.js';
import { GAIA_DRIVER_NAME } from './options.js';

export { createGaiaDriverFromConfig, GAIA_CONFIG_KEYS } from './config.js';
export { createGaiaDriver } from './gaia-driver.js';
export {
  DEFAULT_KEY_ENV,
  DEFAULT_MAX_OBJECT_BYTES,
  GAIA_DRIVER_NAME,
  type GaiaDriverOptions,
} from './options.js';

/** Loaded by the core when `gaia` appears in `storage_drivers`. */
const driverModule: DriverModule = {
  name: GAIA_DRIVER_NAME,
  create: createGaiaDriverFromConfig,
  // Every key createGaiaDriverFromConfig reads: the core refuses any other, so a misspelled key is
  // an error rather than a setting silently ignored.
  configKeys: GAIA_CONFIG_KEYS,
};
export default driverModule;
