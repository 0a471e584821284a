import { access, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import {
  CLIENT_SECTION,
  type ClientConfig,
  type ClientConfigInput,
  type DriverRegistration,
  DriverRegistry,
  loadClientConfig,
  openConfiguredDrivers,
  resolveClientConfig,
} from '../config/index.js';
import { ConfigurationError } from '../errors.js';
import {
  compressPublicKey,
  type DataKeyPair,
  generateDataKeyPair,
  loadDataKey,
  publicKeyFromPrivate,
  saveDataKey,
} from '../identity/index.js';
import { encodeDataId, validateDataId } from '../keys.js';
import { type NameRegistry, openLocalLedger } from '../registry/index.js';
import { type DriverPolicy, ReplicationCoordinator } from '../replication/index.js';
import { VersionCache } from '../version-cache/index.js';
import { makeZoneFile, parseZoneFile } from '../zonefile/index.js';
import { StorageClient } from './storage-client.js';

/** Options of `openStorage`. */
export interface OpenStorageOptions {
  /** The user's name, e.g. `alice.id`. */
  name: string;
  /**
   * The client config: a path to an INI file, a config object, or omitted to read
   * `$BLOCKSTACK_CLIENT_CONFIG` or `~/.blockstack/client.ini`.
   */
  config?: string | ClientConfig | ClientConfigInput;
  /** The data key: a 32-byte private key or a key pair. Default: read from `dataKeyPath`. */
  dataKey?: Uint8Array | DataKeyPair;
  /** Where the data key file lives. Default `<metadata>/keys/<name>.key`. */
  dataKeyPath?: string;
  /**
   * When the name has no data key file and is not registered: generate a key, save it (mode 0600) and
   * register the name with a zone file listing it. Default true.
   */
  createIdentity?: boolean;
  /** The name registry. Default: the embedded local ledger in the metadata directory. */
  registry?: NameRegistry;
  /** Drivers (or driver modules) to use before looking for installed driver packages. */
  drivers?: readonly DriverRegistration[];
  /** Environment for config and driver secrets. Default `process.env`. */
  env?: Readonly<Record<string, string | undefined>>;
  /** Overrides the config's per-driver timeout and retries, and the read size limit. */
  policy?: DriverPolicy;
  /** Receives warnings (never containing secrets). Default: `process.emitWarning`. */
  onWarning?: (message: string) => void;
}

/**
 * Opens a user's storage: loads and validates the config, builds and initialises the drivers (the
 * seed's mutable-write rule is checked against the config and against what the drivers declare),
 * loads (or creates) the data key, checks it against the name's zone file, and returns the client.
 * @throws ConfigurationError for config, driver or identity problems, naming what to change.
 */
export async function openStorage(options: OpenStorageOptions): Promise<StorageClient> {
  validateDataId(options.name);
  const onWarning =
    options.onWarning ?? ((message) => process.emitWarning(message, 'BlockstackStorageWarning'));
  const config = await resolveConfig(options);
  const registry = new DriverRegistry();
  for (const entry of options.drivers ?? []) registry.register(entry);
  const opened = await openConfiguredDrivers(config, registry, options.env);
  for (const warning of opened.warnings) onWarning(warning);
  const policy: DriverPolicy = {
    timeoutMs: config.driverTimeoutMs,
    retries: config.driverRetries,
    ...options.policy,
  };
  const coordinator = new ReplicationCoordinator({
    drivers: opened.drivers,
    requiredWrite: config.requiredWrite,
    policy,
  });
  let names: NameRegistry | undefined = options.registry;
  let ownLedger: { close(): Promise<void> } | undefined;
  try {
    await mkdir(config.metadataDir, { recursive: true, mode: 0o700 });
    if (names === undefined) {
      const ledger = await openLocalLedger(config.metadataDir);
      ownLedger = ledger;
      names = ledger;
    }
    const keyPair = await resolveIdentity(options, config, names);
    return new StorageClient({
      name: options.name,
      keyPair,
      coordinator,
      registry: names,
      versions: new VersionCache(config.metadataDir),
      local: opened.local,
      requiredWrite: config.requiredWrite,
      readPolicy: config.readPolicy,
      policy,
      configWhere: `${config.path ?? '<config given in code>'} [${CLIENT_SECTION}]`,
      onWarning,
      onClose: async () => {
        await ownLedger?.close();
      },
    });
  } catch (error) {
    await coordinator.close();
    await ownLedger?.close();
    throw error;
  }
}

async function resolveConfig(options: OpenStorageOptions): Promise<ClientConfig> {
  const { config } = options;
  if (config === undefined || typeof config === 'string') {
    return loadClientConfig({ path: config, env: options.env });
  }
  // A ClientConfig (already validated) has `driverSections` frozen; re-validating is cheap and safe.
  return resolveClientConfig(config);
}

/**
 * The data key, checked against the name's zone file. A name not yet registered is registered with a
 * zone file listing the key (generating and saving a key first when there is none and
 * `createIdentity` allows it).
 */
async function resolveIdentity(
  options: OpenStorageOptions,
  config: ClientConfig,
  registry: NameRegistry,
): Promise<DataKeyPair> {
  const name = options.name;
  const keyPath = options.dataKeyPath ?? join(config.metadataDir, 'keys', `${encodeDataId(name)}.key`);
  const entry = await registry.getZoneFile(name);
  let keyPair: DataKeyPair | undefined;
  if (options.dataKey instanceof Uint8Array) {
    keyPair = { privateKey: options.dataKey, publicKey: publicKeyFromPrivate(options.dataKey) };
  } else if (options.dataKey !== undefined) {
    keyPair = {
      privateKey: options.dataKey.privateKey,
      publicKey: publicKeyFromPrivate(options.dataKey.privateKey),
    };
  } else {
    keyPair = (await exists(keyPath)) ? await loadDataKey(keyPath) : undefined;
  }
  if (entry === null) {
    if (keyPair === undefined) {
      if (options.createIdentity === false) {
        throw new ConfigurationError(
          `No data key for ${name} at ${keyPath}, and the name is not registered`,
          {
            hint: 'Pass dataKey or dataKeyPath, or allow createIdentity.',
          },
        );
      }
      keyPair = generateDataKeyPair();
      await mkdir(join(keyPath, '..'), { recursive: true, mode: 0o700 });
      await saveDataKey(keyPath, keyPair);
    }
    await registry.register(name, makeZoneFile({ origin: name, dataPublicKey: keyPair.publicKey }));
    return keyPair;
  }
  if (keyPair === undefined) {
    throw new ConfigurationError(`${name} is registered, but there is no data key at ${keyPath}`, {
      hint: 'Pass the data key listed in the zone file (dataKey or dataKeyPath).',
    });
  }
  const listed = parseZoneFile(entry.text).dataPublicKey;
  if (listed === undefined || !sameKey(publicKeyFromPrivate(keyPair.privateKey), listed)) {
    throw new ConfigurationError(`The data key does not match the one ${name}'s zone file lists`, {
      hint: 'Use the key the zone file lists, or send a NAME_UPDATE publishing the new key first.',
    });
  }
  return keyPair;
}

function sameKey(a: Uint8Array, b: Uint8Array): boolean {
  // A zone file may list an uncompressed (65-byte) key: compare compressed forms.
  return Buffer.from(compressPublicKey(a)).equals(compressPublicKey(b));
}

async function exists(path: string): Promise<boolean> {
  try {
    await access(path);
    return true;
  } catch {
    return false;
  }
}
