import {
  type ClientConfig,
  type DriverModule,
  openStorage,
  type StorageClient,
} from '@blockstack-storage/core';
import diskDriverModule from '@blockstack-storage/driver-disk';
import { loadDriverModule } from './cli-driver-registry.js';
import type { CommandContext } from './command.js';
import { resolveIdentity } from './identity.js';
import { loadConfig } from './load-config.js';

/**
 * Opens the user's storage from the config: drivers built and checked against the required/local
 * rule, data key loaded (never created here: that is `init`'s job), name resolved in the embedded
 * ledger. Warnings go to stderr (suppressed by --quiet).
 */
export async function openClient(
  context: CommandContext,
  nameOverride?: string,
): Promise<{ client: StorageClient; config: ClientConfig }> {
  const config = await loadConfig(context);
  const identity = await resolveIdentity(config, nameOverride);
  const drivers: DriverModule[] = [diskDriverModule];
  for (const name of config.storageDrivers) {
    if (name === diskDriverModule.name) continue;
    // Drivers installed beside the CLI; unknown ones are left to the core, whose error lists what is installed.
    const module = await loadDriverModule(name);
    if (module !== undefined) drivers.push(module);
  }
  // The registry defaults to the embedded ledger in the config's metadata directory.
  const client = await openStorage({
    name: identity.name,
    config: config.path,
    dataKeyPath: identity.dataKeyPath,
    createIdentity: false,
    drivers,
    env: context.env,
    onWarning: (message) => context.out.warn(message),
  });
  return { client, config };
}
