import {
  CLIENT_SECTION,
  type ClientConfig,
  ConfigurationError,
  defaultDataKeyPath,
} from '@blockstack-storage/core';

/** Who the CLI acts as: `name` and `data_key` of [blockstack-client], written by `init`. */
export interface CliIdentity {
  name: string;
  dataKeyPath: string;
}

/**
 * The user from the loaded config's [blockstack-client] `name` (`--name`, `override`, wins) and their
 * data key file: `data_key` when set, else the core's default place (where `openStorage` looks).
 * Async for its callers' sake; the file is not read again.
 * @throws ConfigurationError when no name is configured.
 */
export async function resolveIdentity(config: ClientConfig, override?: string): Promise<CliIdentity> {
  const name = override ?? config.name;
  if (name === undefined || name === '') {
    throw new ConfigurationError(`${config.path} [${CLIENT_SECTION}]: no name is set`, {
      hint: 'Add name = alice.id to [blockstack-client] (blockstack-storage init writes it), or pass --name.',
    });
  }
  return { name, dataKeyPath: config.dataKeyPath ?? defaultDataKeyPath(config.metadataDir, name) };
}
