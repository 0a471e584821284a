import {
  type ClientConfig,
  ConfigurationError,
  ErrorCode,
  isStorageError,
  loadClientConfig,
  resolveConfigPath,
} from '@blockstack-storage/core';
import type { CommandContext } from './command.js';

/**
 * Loads the client config named by --config, else $BLOCKSTACK_CLIENT_CONFIG, else
 * ~/.blockstack/client.ini, and tells the redactor about its secret values before anything prints.
 * @throws ConfigurationError (exit code 3) naming the file and what to do.
 */
export async function loadConfig(context: CommandContext): Promise<ClientConfig> {
  let config: ClientConfig;
  try {
    config = await loadClientConfig({ path: context.global.config, env: context.env });
  } catch (error) {
    const missing = (error as { cause?: { code?: unknown } }).cause?.code === 'ENOENT';
    if (isStorageError(error, ErrorCode.Configuration) && missing) {
      // The core's hint explains the file format; on the command line, init writes it.
      const path = resolveConfigPath({ path: context.global.config, env: context.env });
      throw new ConfigurationError(`No client config at ${path}`, {
        cause: error,
        hint: 'Run "blockstack-storage init --name <you>.id" to create one, or pass --config PATH.',
      });
    }
    throw error;
  }
  context.out.redactor.addSections(config.driverSections);
  return config;
}
