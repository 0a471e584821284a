import { type ClientConfig, loadClientConfig } from '@blockstack-storage/core';
import type { CommandContext } from './command.js';

/**
 * Loads the client config named by --config, else $BLOCKSTACK_CLIENT_CONFIG, else
 * ~/.blockstack/client.ini, and tells the redactor about its secret values before anything prints.
 * @throws ConfigurationError (exit code 3) naming the file and what to do.
 */
export async function loadConfig(context: CommandContext): Promise<ClientConfig> {
  const config = await loadClientConfig({ path: context.global.config, env: context.env });
  context.out.redactor.addSections(config.driverSections);
  return config;
}
