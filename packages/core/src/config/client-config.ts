import { readFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { ConfigurationError } from '../errors.js';
import { type IniSections, parseIni } from './ini.js';
import { checkKnownKeys, editDistance } from './known-keys.js';
import { checkMutableWriteRule } from './replication-rule.js';

/** The config section the client itself reads. */
export const CLIENT_SECTION = 'blockstack-client';
/** Environment variable naming the config file (overridden by an explicit path). */
export const CONFIG_PATH_ENV = 'BLOCKSTACK_CLIENT_CONFIG';
/**
 * The key of a driver section that names the driver it configures (`[s3-eu]` with `driver = s3`), so
 * one driver can be configured twice. The core reads it; it is not handed to the driver.
 */
export const DRIVER_KEY = 'driver';

/**
 * Every key `[blockstack-client]` may hold; any other is refused, so a misspelling is not ignored.
 * `name` and `data_key` are the user's name and data-key path: loaded into `ClientConfig.name` and
 * `.dataKeyPath` for the command line (and applications sharing its config); `openStorage` takes the
 * name and key path as options instead.
 */
export const CLIENT_CONFIG_KEYS = [
  'storage_drivers',
  'storage_drivers_required_write',
  'storage_drivers_local',
  'metadata',
  'storage_read_policy',
  'storage_timeout_ms',
  'storage_retries',
  'read_repair',
  'name',
  'data_key',
] as const;

/**
 * How `getMutable` chooses among drivers' copies.
 * - `newest`: ask every driver at once and return the highest valid version.
 * - `first`: ask drivers in configured order and return the first valid copy at or above the version
 *   this client already knows.
 */
export type ReadOrder = 'newest' | 'first';
/** @deprecated The old name of `ReadOrder` ("policy" now means only the timeout/retry `DriverPolicy`). */
export type ReadPolicy = ReadOrder;

/** A validated client configuration. */
export interface ClientConfig {
  /** The file it was read from; `undefined` for a config built in code. */
  readonly path: string | undefined;
  /**
   * `storage_drivers`: every driver used for reads and writes, in read order. Each entry names a config
   * section, and is the name the driver goes by everywhere (the other lists, errors, outcomes).
   */
  readonly storageDrivers: readonly string[];
  /**
   * For each entry of `storageDrivers`, the driver it is built with: its section's `driver` key, else
   * the entry itself (`[disk]` is the disk driver; `[disk-b]` with `driver = disk` is a second one).
   * Also holds the other driver sections of the file, which a meta driver may wrap by name (see
   * `DriverFactoryContext.openSection`); their `driver` key is checked only when one is opened.
   */
  readonly instanceDrivers: Readonly<Record<string, string>>;
  /** `storage_drivers_required_write`: drivers that must all succeed for a put or delete to succeed. */
  readonly requiredWrite: readonly string[];
  /** `storage_drivers_local`: drivers whose data other clients cannot see. */
  readonly local: readonly string[];
  /** `metadata`: directory for the version cache, ledger and keys. */
  readonly metadataDir: string;
  /** `storage_read_policy`: how `getMutable` chooses among copies unless told otherwise. */
  readonly readOrder: ReadOrder;
  /** `read_repair`: a get that saw a copy behind the newest heals it in the background. */
  readonly readRepair: boolean;
  /** `storage_timeout_ms`: per-driver, per-attempt time limit. */
  readonly driverTimeoutMs: number;
  /** `storage_retries`: retries of an operation that failed with a retryable error. */
  readonly driverRetries: number;
  /**
   * One section per driver (env overrides applied, `driver` key removed), handed to its factory: every
   * entry of `storageDrivers`, and every other section of the file but `[blockstack-client]` (drivers a
   * meta driver wraps, e.g. the shards of an erasure section, or a driver kept aside).
   */
  readonly driverSections: Readonly<Record<string, Readonly<Record<string, string>>>>;
  /** `name`: the user the command line acts as, e.g. `alice.id`; `undefined` when not set. */
  readonly name?: string | undefined;
  /**
   * `data_key`: the user's data key file (`~` expanded); `undefined` when not set, and then the key
   * lives at `defaultDataKeyPath(metadataDir, name)`.
   */
  readonly dataKeyPath?: string | undefined;
}

/** What a config built in code may give; everything but `storageDrivers` has a default. */
export interface ClientConfigInput {
  /** The file the values came from, for error messages (a loaded `ClientConfig` keeps its own). */
  path?: string;
  storageDrivers: readonly string[];
  /** Section → driver name, for sections not named after their driver. */
  instanceDrivers?: Readonly<Record<string, string>>;
  requiredWrite?: readonly string[];
  local?: readonly string[];
  metadataDir?: string;
  readOrder?: ReadOrder;
  /** @deprecated The old name of `readOrder`. */
  readPolicy?: ReadOrder;
  readRepair?: boolean;
  driverTimeoutMs?: number;
  driverRetries?: number;
  /** Sections of the drivers in `storageDrivers` and of any other driver a meta driver wraps. */
  driverSections?: Readonly<Record<string, Readonly<Record<string, string>>>>;
  name?: string | undefined;
  dataKeyPath?: string | undefined;
}

export interface LoadConfigOptions {
  /** Config file path; beats `BLOCKSTACK_CLIENT_CONFIG` and the default `~/.blockstack/client.ini`. */
  path?: string;
  /** Environment for the path variable and secret overrides. Default `process.env`. */
  env?: Readonly<Record<string, string | undefined>>;
  /** Home directory for `~` and the defaults. Default `os.homedir()`. */
  home?: string;
}

const DRIVER_NAME = /^[a-z0-9][a-z0-9_-]{0,63}$/;
const DEFAULT_TIMEOUT_MS = 30_000;
const DEFAULT_RETRIES = 2;

/** The config file to read: `options.path`, else `$BLOCKSTACK_CLIENT_CONFIG`, else `~/.blockstack/client.ini`. */
export function resolveConfigPath(options: LoadConfigOptions = {}): string {
  const home = options.home ?? homedir();
  const env = options.env ?? process.env;
  const chosen = options.path ?? env[CONFIG_PATH_ENV] ?? join(home, '.blockstack', 'client.ini');
  return resolve(expandHome(chosen, home));
}

/**
 * Reads, parses and validates the client config file (see `resolveConfigPath` for which file).
 * @throws ConfigurationError naming the file, section and key, for a missing or invalid file.
 */
export async function loadClientConfig(options: LoadConfigOptions = {}): Promise<ClientConfig> {
  const path = resolveConfigPath(options);
  let bytes: Uint8Array;
  try {
    bytes = await readFile(path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new ConfigurationError(
      code === 'ENOENT' ? `No client config at ${path}` : `Cannot read the client config ${path} (${code})`,
      {
        cause: error,
        hint: `Create it with a [${CLIENT_SECTION}] section (storage_drivers = ...), or pass another path or set ${CONFIG_PATH_ENV}.`,
      },
    );
  }
  return parseClientConfig(bytes, { ...options, path });
}

/**
 * Parses and validates client config text. Environment variables `BLOCKSTACK_<SECTION>_<KEY>` (section
 * and key upper-cased, `-` and `.` as `_`) override or add keys of the driver sections, so secrets need
 * not sit in the file: `BLOCKSTACK_S3_API_KEY_SECRET` sets `api_key_secret` in `[s3]`, and
 * `BLOCKSTACK_S3_EU_API_KEY_SECRET` sets it in `[s3-eu]`. A section's `driver` key names the driver it
 * configures (default: the section's name). Keys of `[blockstack-client]` are checked here (see
 * `CLIENT_CONFIG_KEYS`); keys of driver sections when the driver is built (`DriverModule.configKeys`).
 * @throws ConfigurationError.
 */
export function parseClientConfig(
  text: string | Uint8Array,
  options: LoadConfigOptions & { path?: string } = {},
): ClientConfig {
  const where = options.path ?? '<config>';
  const sections = parseIni(text, { path: where });
  const client = sections[CLIENT_SECTION];
  if (client === undefined) {
    throw new ConfigurationError(`${where}: section [${CLIENT_SECTION}] is missing`, {
      hint: `Add [${CLIENT_SECTION}] with at least storage_drivers = <driver names>.`,
    });
  }
  checkKnownKeys(client, CLIENT_CONFIG_KEYS, `${where} [${CLIENT_SECTION}]`, {
    what: `[${CLIENT_SECTION}]`,
  });
  const home = options.home ?? homedir();
  const list = (key: string) => parseList(client[key], where, key);
  const storageDrivers = list('storage_drivers');
  const metadata = client.metadata;
  const driverSections: Record<string, Readonly<Record<string, string>>> = Object.create(null);
  const instanceDrivers: Record<string, string> = Object.create(null);
  const env = options.env ?? process.env;
  // Sections not in storage_drivers are allowed (a driver kept aside), but a listed driver with no
  // section beside an unlisted one of a near name is a misspelling that would silently use defaults.
  const unlisted = Object.keys(sections).filter((s) => s !== CLIENT_SECTION && !storageDrivers.includes(s));
  for (const name of storageDrivers) {
    // One edit (a swap counts as one): `[dsik]`, `[gsc]`; not `[disk-b]` kept beside a default `disk`.
    const near = sections[name] === undefined ? unlisted.find((s) => editDistance(name, s) <= 1) : undefined;
    if (near !== undefined) {
      throw new ConfigurationError(
        `${where}: storage_drivers lists "${name}", which has no [${name}] section, and [${near}] is not listed; did you mean [${name}]?`,
        {
          driver: name,
          hint: `Rename the section [${near}] to [${name}], or list ${near} in storage_drivers.`,
        },
      );
    }
  }
  // Unlisted sections are kept too: a meta driver may wrap them by name (`shards = disk-a, disk-b`).
  const sectionNames = [...storageDrivers, ...unlisted];
  for (const name of sectionNames) {
    const { [DRIVER_KEY]: driver, ...section } = applyEnvOverrides(name, sections[name], sectionNames, env);
    driverSections[name] = section;
    if (driver !== undefined) instanceDrivers[name] = driver;
  }
  return buildConfig(
    {
      storageDrivers,
      instanceDrivers,
      requiredWrite: list('storage_drivers_required_write'),
      local: list('storage_drivers_local'),
      metadataDir:
        metadata === undefined || metadata === ''
          ? undefined
          : resolve(options.path ? dirname(options.path) : '.', expandHome(metadata, home)),
      readOrder: parseReadOrder(client.storage_read_policy, where),
      readRepair: parseBoolean(client.read_repair, where, 'read_repair'),
      driverTimeoutMs: parseWhole(client.storage_timeout_ms, where, 'storage_timeout_ms', 1),
      driverRetries: parseWhole(client.storage_retries, where, 'storage_retries', 0),
      driverSections,
      name: client.name === '' ? undefined : client.name,
      // Relative to the working directory, as the command line has always read it.
      dataKeyPath:
        client.data_key === undefined || client.data_key === ''
          ? undefined
          : expandHome(client.data_key, home),
    },
    options.path,
    home,
  );
}

/**
 * Validates a config built in code, with the same rules as a file.
 * @throws ConfigurationError.
 */
export function resolveClientConfig(input: ClientConfigInput, home = homedir()): ClientConfig {
  return buildConfig(input, input.path, home);
}

function buildConfig(input: ClientConfigInput, path: string | undefined, home: string): ClientConfig {
  const where = path ?? '<config given in code>';
  const storageDrivers = [...input.storageDrivers];
  const requiredWrite = [...(input.requiredWrite ?? [])];
  const local = [...(input.local ?? [])];
  const fail = (message: string, hint: string): never => {
    throw new ConfigurationError(`${where} [${CLIENT_SECTION}]: ${message}`, { hint });
  };
  if (storageDrivers.length === 0) {
    fail('storage_drivers is empty or missing', 'List at least one driver, e.g. storage_drivers = disk.');
  }
  for (const [key, names] of [
    ['storage_drivers', storageDrivers],
    ['storage_drivers_required_write', requiredWrite],
    ['storage_drivers_local', local],
  ] as const) {
    const seen = new Set<string>();
    for (const name of names) {
      if (!DRIVER_NAME.test(name)) {
        fail(
          `${key} has an invalid driver name ${JSON.stringify(name.slice(0, 64))}`,
          'Driver names are lower-case letters, digits, "_" and "-", up to 64 characters.',
        );
      }
      if (seen.has(name)) fail(`${key} lists "${name}" twice`, 'List each driver once.');
      seen.add(name);
      if (key !== 'storage_drivers' && !storageDrivers.includes(name)) {
        fail(
          `${key} lists "${name}", which is not in storage_drivers (${storageDrivers.join(', ')})`,
          `Add "${name}" to storage_drivers or remove it from ${key}.`,
        );
      }
    }
  }
  const instanceDrivers: Record<string, string> = Object.create(null);
  for (const name of storageDrivers) {
    const driver = input.instanceDrivers?.[name] ?? input.driverSections?.[name]?.[DRIVER_KEY] ?? name;
    if (!DRIVER_NAME.test(driver)) {
      throw new ConfigurationError(
        `${where} [${name}]: ${DRIVER_KEY} = ${JSON.stringify(driver.slice(0, 64))} is not a driver name`,
        {
          hint: `Name an installed driver, e.g. ${DRIVER_KEY} = disk or ${DRIVER_KEY} = s3 (lower-case letters, digits, "_" and "-").`,
        },
      );
    }
    instanceDrivers[name] = driver;
  }
  checkMutableWriteRule({ requiredWrite, local, where: `${where} [${CLIENT_SECTION}]` });
  const timeout = input.driverTimeoutMs ?? DEFAULT_TIMEOUT_MS;
  const retries = input.driverRetries ?? DEFAULT_RETRIES;
  if (!Number.isSafeInteger(timeout) || timeout < 1) {
    fail('storage_timeout_ms must be a whole number of milliseconds ≥ 1', 'E.g. storage_timeout_ms = 30000.');
  }
  if (!Number.isSafeInteger(retries) || retries < 0 || retries > 20) {
    fail('storage_retries must be a whole number from 0 to 20', 'E.g. storage_retries = 2.');
  }
  const sections: Record<string, Readonly<Record<string, string>>> = Object.create(null);
  for (const name of storageDrivers) {
    const { [DRIVER_KEY]: _driver, ...section } = input.driverSections?.[name] ?? {};
    sections[name] = section;
  }
  // Other sections (drivers a meta driver may wrap): their names and driver keys are checked when one
  // is opened (`openSection`), so a section kept aside for later does not stop the config loading.
  for (const [name, given] of Object.entries(input.driverSections ?? {})) {
    if (name === CLIENT_SECTION || storageDrivers.includes(name)) continue;
    const { [DRIVER_KEY]: driver, ...section } = given;
    sections[name] = section;
    instanceDrivers[name] = input.instanceDrivers?.[name] ?? driver ?? name;
  }
  return Object.freeze({
    path,
    storageDrivers: Object.freeze(storageDrivers),
    instanceDrivers: Object.freeze(instanceDrivers),
    requiredWrite: Object.freeze(requiredWrite),
    local: Object.freeze(local),
    metadataDir: resolve(expandHome(input.metadataDir ?? join(home, '.blockstack', 'metadata'), home)),
    readOrder: input.readOrder ?? input.readPolicy ?? 'newest',
    readRepair: input.readRepair ?? false,
    driverTimeoutMs: timeout,
    driverRetries: retries,
    driverSections: Object.freeze(sections),
    name: input.name,
    dataKeyPath: input.dataKeyPath === undefined ? undefined : expandHome(input.dataKeyPath, home),
  });
}

function parseList(value: string | undefined, where: string, key: string): string[] {
  if (value === undefined) return [];
  const names = value
    .split(',')
    .map((part) => part.trim())
    .filter((part) => part !== '');
  if (names.length > 64) {
    throw new ConfigurationError(`${where} [${CLIENT_SECTION}] ${key}: more than 64 drivers listed`);
  }
  return names;
}

function parseBoolean(value: string | undefined, where: string, key: string): boolean | undefined {
  if (value === undefined || value === '') return undefined;
  if (value === 'true' || value === 'false') return value === 'true';
  throw new ConfigurationError(`${where} [${CLIENT_SECTION}] ${key} must be "true" or "false"`, {
    hint: `Write ${key} = true or ${key} = false.`,
  });
}

function parseReadOrder(value: string | undefined, where: string): ReadOrder | undefined {
  if (value === undefined || value === '') return undefined;
  if (value === 'newest' || value === 'first') return value;
  throw new ConfigurationError(
    `${where} [${CLIENT_SECTION}] storage_read_policy must be "newest" or "first"`,
    { hint: '"newest" asks every driver and returns the highest version; "first" follows the list order.' },
  );
}

function parseWhole(value: string | undefined, where: string, key: string, min: number): number | undefined {
  if (value === undefined || value === '') return undefined;
  const number = /^\d{1,9}$/.test(value) ? Number(value) : Number.NaN;
  if (!(number >= min)) {
    throw new ConfigurationError(`${where} [${CLIENT_SECTION}] ${key} must be a whole number ≥ ${min}`);
  }
  return number;
}

/** Env var prefix of a section: `s3` → `BLOCKSTACK_S3_`. */
export function envPrefixOf(section: string): string {
  return `BLOCKSTACK_${section.toUpperCase().replace(/[-.]/g, '_')}_`;
}

function applyEnvOverrides(
  driver: string,
  fileSection: IniSections[string] | undefined,
  allDrivers: readonly string[],
  env: Readonly<Record<string, string | undefined>>,
): Readonly<Record<string, string>> {
  const out: Record<string, string> = Object.create(null);
  Object.assign(out, fileSection ?? {});
  const prefix = envPrefixOf(driver);
  // `disk` and `disk_x` share the prefix BLOCKSTACK_DISK_: a variable belongs to the longest match.
  const longer = allDrivers.map(envPrefixOf).filter((p) => p.length > prefix.length && p.startsWith(prefix));
  for (const [name, value] of Object.entries(env)) {
    if (value === undefined || !name.startsWith(prefix) || name === CONFIG_PATH_ENV) continue;
    if (longer.some((p) => name.startsWith(p))) continue;
    const key = name.slice(prefix.length).toLowerCase();
    if (key !== '') out[key] = value;
  }
  return out;
}

function expandHome(path: string, home: string): string {
  if (path === '~') return home;
  if (path.startsWith('~/')) return join(home, path.slice(2));
  return isAbsolute(path) ? path : path;
}
