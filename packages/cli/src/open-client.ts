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
import diskDriverModule from '@blockstack-storage/driver-disk';
import { installedDrivers, loadDriverModule } from './cli-driver-registry.js';
import type { CommandContext } from './command.js';
import type { DriverProgressBoard } from './driver-progress-board.js';
import { resolveIdentity } from './identity.js';
import { loadConfig } from './load-config.js';
import { withTransferProgress } from './progress-driver.js';
import { MAX_READ_BYTES } from './put-limits.js';

/**
 * Opens the user's storage from the config: drivers built and checked against the required/local
 * rule, data key loaded (never created here: that is `init`'s job), name resolved in the embedded
 * ledger. Warnings go to stderr (suppressed by --quiet).
 */
export async function openClient(
  context: CommandContext,
  nameOverride?: string,
  board?: DriverProgressBoard,
): Promise<{ client: StorageClient; config: ClientConfig }> {
  const config = await loadConfig(context);
  const identity = await resolveIdentity(config, nameOverride);
  const drivers: DriverModule[] = [diskDriverModule];
  // By driver, not by section: `[s3-eu] driver = s3` and `[s3-us] driver = s3` need the s3 module once.
  for (const name of new Set(config.storageDrivers.map((entry) => config.instanceDrivers[entry] ?? entry))) {
    if (name === diskDriverModule.name) continue;
    // Drivers installed beside the CLI; unknown ones are left to the core, whose error lists what is installed.
    const module = await loadDriverModule(name);
    if (module !== undefined) drivers.push(module);
  }
  const observed =
    board === undefined ? drivers : drivers.map((module) => withTransferProgress(module, board));
  try {
    // The registry defaults to the embedded ledger in the config's metadata directory.
    const client = await openStorage({
      name: identity.name,
      config: config.path,
      dataKeyPath: identity.dataKeyPath,
      createIdentity: false,
      drivers: observed,
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
