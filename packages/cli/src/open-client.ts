import {
  type ClientConfig,
  ConfigurationError,
  DRIVER_PACKAGE_PREFIX,
  type DriverModule,
  ErrorCode,
  isStorageError,
  openStorage,
  type StorageClient,
} from '@blockstack-storage/core';
import { createCliDriverLoader, installedDrivers } from './cli-driver-loader.js';
import type { CommandContext } from './command.js';
import type { DriverProgressBoard } from './driver-progress-board.js';
import { resolveIdentity } from './identity.js';
import { loadConfig } from './load-config.js';
import { MAX_READ_BYTES } from './put-limits.js';

/**
 * Opens the user's storage from the config: drivers built and checked against the required/local
 * rule, data key loaded (never created here: that is `init`'s job), name resolved in the embedded
 * ledger. Warnings go to stderr (suppressed by --quiet). The config file is read once, here; drivers
 * come from the CLI's driver loader, as in every other command.
 */
export async function openClient(
  context: CommandContext,
  nameOverride?: string,
  board?: DriverProgressBoard,
  /** A config already loaded (and its secrets told to the redactor), instead of reading the file. */
  loaded?: ClientConfig,
): Promise<{ client: StorageClient; config: ClientConfig }> {
  const config = loaded ?? (await loadConfig(context));
  const identity = await resolveIdentity(config, nameOverride);
  try {
    const drivers = await configuredDriverModules(config);
    // The name registry defaults to the embedded ledger in the config's metadata directory.
    const client = await openStorage({
      name: identity.name,
      config,
      dataKeyPath: identity.dataKeyPath,
      createIdentity: false,
      drivers,
      // The core tells the board of every attempt's bytes on each driver (only when it draws).
      ...(board?.enabled ? { observer: board } : {}),
      env: context.env,
      onWarning: (message) => context.out.warn(message),
      // Files are bigger than application data: reads may take what `put` accepts (see put-limits).
      policy: { maxReadBytes: MAX_READ_BYTES },
    });
    return { client, config };
  } catch (error) {
    throw explainUnknownDriver(error, config);
  }
}

/**
 * The module of each driver the config names, from the CLI's driver loader; openStorage builds one
 * driver per section from them. By driver, not by section: `[s3-eu] driver = s3` and
 * `[s3-us] driver = s3` need the s3 module once.
 * @throws ConfigurationError for a driver that is not installed (see `explainUnknownDriver`).
 */
async function configuredDriverModules(config: ClientConfig): Promise<DriverModule[]> {
  const loader = createCliDriverLoader();
  const modules: DriverModule[] = [];
  // Sections outside storage_drivers too: a meta driver (e.g. erasure) may wrap them. One that cannot be
  // loaded is skipped here; if a meta driver wraps it, opening it reports the unknown driver.
  for (const entry of Object.keys(config.instanceDrivers)) {
    const name = config.instanceDrivers[entry] ?? entry;
    if (modules.some((module) => module.name === name)) continue;
    const listed = config.storageDrivers.includes(entry);
    const loaded = await loader.load(name, entry).catch((error: unknown) => {
      if (listed) throw error;
      return undefined;
    });
    // Always a module: the CLI registers only modules, and a package's default export is checked.
    if (loaded !== undefined && 'create' in loaded) modules.push(loaded);
  }
  return modules;
}

/** The core's hint speaks to programmers (register with openStorage); a CLI user installs a package. */
export function explainUnknownDriver(error: unknown, config: ClientConfig): unknown {
  if (!isStorageError(error, ErrorCode.Configuration) || !/Unknown storage driver/.test(error.message))
    return error;
  const name = error.driver ?? '?';
  const sections = config.storageDrivers.filter((e) => e !== name && config.instanceDrivers[e] === name);
  const where =
    sections.length > 0 ? `named by "driver = ${name}" in [${sections.join('], [')}]` : 'in storage_drivers';
  return new ConfigurationError(`Unknown storage driver "${name}" ${where} of ${config.path}`, {
    driver: name,
    cause: error,
    hint: `Installed: ${installedDrivers().join(', ')}. Install ${DRIVER_PACKAGE_PREFIX}${name} next to the CLI (npm install -g ${DRIVER_PACKAGE_PREFIX}${name}), or remove it from the config.`,
  });
}
