import { readFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import {
  CLIENT_SECTION,
  type ClientConfig,
  ConfigurationError,
  encodeDataId,
  parseIni,
} from '@blockstack-storage/core';

/** Who the CLI acts as: `name` and `data_key` of [blockstack-client], written by `init`. */
export interface CliIdentity {
  name: string;
  dataKeyPath: string;
}

/** Where a name's data key lives by default (the same place `openStorage` looks). */
export function defaultDataKeyPath(metadataDir: string, name: string): string {
  return join(metadataDir, 'keys', `${encodeDataId(name)}.key`);
}

/**
 * Reads `name` (and optional `data_key`) from the config's [blockstack-client] section; `--name`
 * (`override`) wins. The core's config loader accepts these two keys there and does not read them.
 * @throws ConfigurationError when no name is configured.
 */
export async function resolveIdentity(config: ClientConfig, override?: string): Promise<CliIdentity> {
  let section: Readonly<Record<string, string>> = {};
  if (config.path !== undefined) {
    section = parseIni(await readFile(config.path), { path: config.path })[CLIENT_SECTION] ?? {};
  }
  const name = override ?? section.name;
  if (name === undefined || name === '') {
    throw new ConfigurationError(`${config.path} [${CLIENT_SECTION}]: no name is set`, {
      hint: 'Add name = alice.id to [blockstack-client] (blockstack-storage init writes it), or pass --name.',
    });
  }
  const dataKeyPath = section.data_key
    ? resolveHome(section.data_key)
    : defaultDataKeyPath(config.metadataDir, name);
  return { name, dataKeyPath };
}

function resolveHome(path: string): string {
  return path.startsWith('~/') ? join(homedir(), path.slice(2)) : path;
}
