import { access, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { MAX_CHUNK_BYTES } from '../chunked/index.js';
import {
  CLIENT_SECTION,
  type ClientConfig,
  type ClientConfigInput,
  DriverLoader,
  type DriverRegistration,
  loadClientConfig,
  openConfiguredDrivers,
  resolveClientConfig,
} from '../config/index.js';
import { ConfigurationError } from '../errors.js';
import {
  compressPublicKey,
  type DataKeyPair,
  defaultDataKeyPath,
  deriveDriverKey,
  generateDataKeyPair,
  loadDataKey,
  publicKeyFromPrivate,
  saveDataKey,
} from '../identity/index.js';
import { validateDataId } from '../keys.js';
import { type LocalLedger, type NameRegistry, openLocalLedger } from '../registry/index.js';
import { type DriverPolicy, ReplicationCoordinator, type TransferObserver } from '../replication/index.js';
import { VersionCache } from '../version-cache/index.js';
import { makeZoneFile, parseZoneFile } from '../zonefile/index.js';
import { lostRegistrationError, recoverLedger } from './recover-ledger.js';
import type { DatumRepair } from './replicas.js';
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
   * register the name with a zone file listing it. Default true. A name whose key file exists is never
   * registered again silently: see `recoverLedger`.
   */
  createIdentity?: boolean;
  /**
   * Recover a lost or damaged ledger (see `recoverLedger`): a damaged embedded ledger is moved aside
   * and a new one started, and a name whose data key exists but which the registry does not hold is
   * registered again with that key. Its mutable data stays readable; the immutable records of its old
   * zone file are lost (a warning says so). Default false: such a name fails with an IntegrityError
   * saying how to recover, and nothing is written.
   */
  recoverLedger?: boolean;
  /** The name registry. Default: the embedded local ledger in the metadata directory. */
  registry?: NameRegistry;
  /** Drivers (or driver modules) to use before looking for installed driver packages. */
  drivers?: readonly DriverRegistration[];
  /** Environment for config and driver secrets. Default `process.env`. */
  env?: Readonly<Record<string, string | undefined>>;
  /** Overrides the config's per-driver timeout and retries, and the read size limit. */
  policy?: DriverPolicy;
  /** Told of the bytes every put and get moves on each driver, attempt by attempt (e.g. to draw progress). */
  observer?: TransferObserver;
  /**
   * Read-repair: a get of own mutable data that saw a stale, missing or invalid copy copies the newest
   * verified copy back to those drivers in the background. Default false.
   */
  readRepair?: boolean;
  /** Told the outcome of every background read-repair (see `readRepair`). */
  onReadRepair?: (repair: DatumRepair) => void;
  /**
   * Mutable values above this many bytes are stored in the chunked format (docs/chunked-format.md),
   * streamed chunk by chunk; at or below it as one bsk2 envelope, exactly as in 2017. Default
   * `DEFAULT_CHUNK_THRESHOLD_BYTES` (1 MiB).
   */
  chunkThresholdBytes?: number;
  /** Plaintext bytes per chunk of a chunked value, 1 B to 16 MiB. Default `DEFAULT_CHUNK_BYTES` (4 MiB). */
  chunkBytes?: number;
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
  checkChunking(options);
  const onWarning =
    options.onWarning ?? ((message) => process.emitWarning(message, 'BlockstackStorageWarning'));
  const config = await resolveConfig(options);
  const loader = new DriverLoader();
  for (const entry of options.drivers ?? []) loader.register(entry);
  // Drivers are built before the data key is loaded (a driver may be needed to find it one day), so
  // keys derived from it are promised now and given once the key is checked against the zone file.
  const dataKeyReady = Promise.withResolvers<DataKeyPair>();
  dataKeyReady.promise.catch(() => {}); // a failed open must not leave an unhandled rejection
  const deriveKey = async (purpose: string) =>
    deriveDriverKey((await dataKeyReady.promise).privateKey, purpose);
  const opened = await openConfiguredDrivers(config, loader, options.env, { deriveKey }).catch((error) => {
    dataKeyReady.reject(error);
    throw error;
  });
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
    ...(options.observer === undefined ? {} : { observer: options.observer }),
  });
  let names: NameRegistry | undefined = options.registry;
  let ownLedger: { close(): Promise<void> } | undefined;
  try {
    await mkdir(config.metadataDir, { recursive: true, mode: 0o700 });
    const keyPath = dataKeyPathOf(options, config);
    // A key file means the name was registered before: only first use (no key yet) registers silently.
    const keyFileExists = options.dataKey === undefined && (await exists(keyPath));
    if (names === undefined) {
      const ledgerFile = join(config.metadataDir, 'ledger', 'ledger.jsonl');
      if (options.recoverLedger && (keyFileExists || options.dataKey !== undefined)) {
        await recoverLedger({
          name: options.name,
          metadataDir: config.metadataDir,
          dataKeyPath: keyPath,
          dataKey: options.dataKey,
          onWarning,
        });
      } else if (keyFileExists && !(await exists(ledgerFile))) {
        // Refused before opening the ledger, which would create an empty one.
        throw lostRegistrationError(options.name, keyPath, `the ledger ${ledgerFile} (missing)`);
      }
      const ledger = await openLocalLedger(config.metadataDir);
      ownLedger = ledger;
      names = ledger;
    }
    const keyPair = await dataKeyCheckedAgainstZoneFile(options, keyPath, keyFileExists, names, onWarning);
    dataKeyReady.resolve(keyPair);
    return new StorageClient({
      name: options.name,
      keyPair,
      coordinator,
      registry: names,
      versions: new VersionCache(config.metadataDir),
      local: opened.local,
      requiredWrite: config.requiredWrite,
      readOrder: config.readOrder,
      readRepair: options.readRepair ?? config.readRepair,
      ...(options.onReadRepair === undefined ? {} : { onReadRepair: options.onReadRepair }),
      ...(options.chunkThresholdBytes === undefined
        ? {}
        : { chunkThresholdBytes: options.chunkThresholdBytes }),
      ...(options.chunkBytes === undefined ? {} : { chunkBytes: options.chunkBytes }),
      configWhere: `${config.path ?? '<config given in code>'} [${CLIENT_SECTION}]`,
      onWarning,
      onClose: async () => {
        await ownLedger?.close();
      },
    });
  } catch (error) {
    dataKeyReady.reject(error);
    await coordinator.close();
    await ownLedger?.close();
    throw error;
  }
}

function checkChunking(options: OpenStorageOptions): void {
  const { chunkThresholdBytes: threshold, chunkBytes } = options;
  if (threshold !== undefined && (!Number.isSafeInteger(threshold) || threshold < 0)) {
    throw new ConfigurationError(`chunkThresholdBytes must be a whole number of bytes, got ${threshold}`);
  }
  if (
    chunkBytes !== undefined &&
    (!Number.isSafeInteger(chunkBytes) || chunkBytes < 1 || chunkBytes > MAX_CHUNK_BYTES)
  ) {
    throw new ConfigurationError(`chunkBytes must be 1 to ${MAX_CHUNK_BYTES} bytes, got ${chunkBytes}`);
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

function dataKeyPathOf(options: OpenStorageOptions, config: ClientConfig): string {
  return options.dataKeyPath ?? defaultDataKeyPath(config.metadataDir, options.name);
}

/**
 * The data key, checked against the name's zone file. A name not yet registered is registered with a
 * zone file listing the key given in code, or a new one when there is no key file and
 * `createIdentity` allows it. A name whose key file exists but which the registry lost is refused
 * (IntegrityError) unless `recoverLedger` is set.
 */
async function dataKeyCheckedAgainstZoneFile(
  options: OpenStorageOptions,
  keyPath: string,
  keyFileExists: boolean,
  registry: NameRegistry,
  onWarning: (message: string) => void,
): Promise<DataKeyPair> {
  const name = options.name;
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
    keyPair = keyFileExists ? await loadDataKey(keyPath) : undefined;
  }
  if (entry === null && keyFileExists) {
    const ledgerPath = (registry as Partial<LocalLedger>).path;
    const where = typeof ledgerPath === 'string' ? `the ledger ${ledgerPath}` : 'the name registry';
    if (!options.recoverLedger) throw lostRegistrationError(name, keyPath, where);
    // A registry given in code: register again with the existing key (the embedded ledger was
    // recovered above, so it holds the name by now).
    const { txid } = await registry.register(
      name,
      makeZoneFile({ origin: name, dataPublicKey: keyPair!.publicKey }),
    );
    onWarning(
      `${name} was registered again (txid ${txid}) with its existing data key: its mutable data stays readable, but the immutable records of its old zone file are gone; put those values again.`,
    );
    return keyPair!;
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
