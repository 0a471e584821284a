import type { DriverFactoryContext, StorageDriver } from '../driver.js';
import { asStorageError, ErrorCode } from '../errors.js';
import { CLIENT_SECTION, type ClientConfig } from './client-config.js';
import type { DriverLoader } from './driver-loader.js';
import { checkMutableWriteRule } from './replication-rule.js';
import { sectionOpener } from './section-opener.js';

/** The configured drivers, built and initialised, with what the core needs to know about each. */
export interface OpenedDrivers {
  /** In `storage_drivers` order. */
  readonly drivers: readonly StorageDriver[];
  /** Listed in `storage_drivers_local`, or declaring `capabilities.visibility: 'local'`. */
  readonly local: ReadonlySet<string>;
  readonly requiredWrite: ReadonlySet<string>;
  /** Human-readable warnings (never containing config values). */
  readonly warnings: readonly string[];
}

/**
 * Builds every driver in `storage_drivers` from its section, calls `init`, and re-checks the mutable
 * write rule with what the drivers declare: a driver whose `capabilities.visibility` is `'local'`
 * counts as local even when the config does not list it. Warns when a non-local driver cannot give URLs
 * (others then cannot find what it stores). `context.deriveKey` is passed to every driver's factory.
 *
 * Every factory also gets `openSection` (see `sectionOpener`), so a meta driver can wrap the drivers
 * its section names. The meta driver owns what it opened: its `init` and `close` must init and close
 * them (they are not in `drivers`); only when its factory throws does this function close them.
 * @throws ConfigurationError; a driver's own init error, unless it is only unavailable (then a warning).
 *   Drivers opened so far are closed on failure.
 */
export async function openConfiguredDrivers(
  config: ClientConfig,
  loader: DriverLoader,
  env?: Readonly<Record<string, string | undefined>>,
  context: Pick<DriverFactoryContext, 'deriveKey'> = {},
): Promise<OpenedDrivers> {
  const drivers: StorageDriver[] = [];
  const opener = sectionOpener(config, loader, { ...context, env, configPath: config.path });
  try {
    for (const name of config.storageDrivers) drivers.push(await opener.open(name, []));
    const declaredLocal = drivers.filter((d) => d.capabilities.visibility === 'local').map((d) => d.name);
    const where = `${config.path ?? '<config given in code>'} [${CLIENT_SECTION}]`;
    checkMutableWriteRule({ requiredWrite: config.requiredWrite, local: config.local, declaredLocal, where });
    const local = new Set([...config.local, ...declaredLocal]);
    const warnings: string[] = [];
    // Configuration errors come before any I/O. A provider that is only unavailable now (a disk not
    // mounted, a network down) does not stop the others: its operations fail until it is back.
    for (const driver of drivers) {
      try {
        await driver.init?.();
      } catch (error) {
        const failure = asStorageError(error, { driver: driver.name });
        if (failure.code !== ErrorCode.Unavailable && failure.code !== ErrorCode.Timeout) throw failure;
        warnings.push(`driver "${driver.name}" is unavailable: ${failure.message}`);
      }
    }
    for (const driver of drivers) {
      if (!local.has(driver.name) && !(driver.capabilities.publicUrls && driver.mutableUrl)) {
        warnings.push(
          `${where}: driver "${driver.name}" is not in storage_drivers_local but cannot give public URLs, so other users cannot find what it stores; add it to storage_drivers_local or configure its public URL`,
        );
      }
    }
    return { drivers, local, requiredWrite: new Set(config.requiredWrite), warnings };
  } catch (error) {
    await Promise.allSettled(drivers.map((d) => d.close?.()));
    throw error;
  }
}

/**
 * Builds (without `init`) the driver of one section of `config`, e.g. for a command that checks each
 * configured driver on its own. Its factory gets `openSection` as in `openConfiguredDrivers`, so a meta
 * driver (erasure over several sections) builds too; closing it closes what it wrapped.
 * @throws ConfigurationError; what the driver's factory throws.
 */
export function openConfigSection(
  config: ClientConfig,
  loader: DriverLoader,
  section: string,
  context: Pick<DriverFactoryContext, 'env' | 'deriveKey'> = {},
): Promise<StorageDriver> {
  return sectionOpener(config, loader, { ...context, configPath: config.path }).open(section, []);
}
