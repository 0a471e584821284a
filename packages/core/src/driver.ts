/**
 * The driver contract: what every storage driver implements.
 *
 * Drivers are deliberately small. The core signs, verifies, encrypts, versions and replicates;
 * a driver moves opaque bytes to and from one provider and guarantees per-key read-your-writes.
 */

/**
 * A value handed to `put`: whole bytes, or a stream of chunks for large values.
 * Drivers must not buffer a streamed body whole (stream it to the provider in bounded chunks).
 */
export type Body = Uint8Array | AsyncIterable<Uint8Array>;

/** What a `get` returns: a one-shot stream of the stored bytes plus what the provider told us. */
export interface StoredObject {
  /** The bytes, streamed. Consume it once; use `readBody` to collect small values. */
  body: AsyncIterable<Uint8Array>;
  /** Size in bytes, when the provider reports it. */
  size?: number;
  /** Provider-specific version tag (S3 ETag, GCS generation, Dropbox rev, content hash on disk). */
  etag?: string;
}

/** Where a put landed. */
export interface PutResult {
  /** URL at which other clients can read the value, when the driver can give one. */
  url?: string;
  /** Version tag of the stored value, usable with `PutOptions.ifMatch` on drivers with conditional writes. */
  etag?: string;
}

export interface OperationOptions {
  /** Aborts the operation; drivers throw `AbortedError` and leave no partial object. */
  signal?: AbortSignal;
}

export interface PutOptions extends OperationOptions {
  /** Size of a streamed body in bytes, when known (lets drivers pick single vs multipart uploads). */
  size?: number;
  /** MIME type to record with the value, where the provider stores one. Defaults to application/octet-stream. */
  contentType?: string;
  /**
   * Conditional write: succeed only if the current value's etag equals this one.
   * Only honoured when `capabilities.conditionalWrites` is true; otherwise `UnsupportedError`.
   */
  ifMatch?: string;
  /** Conditional write: `'*'` succeeds only if no value exists. Same capability rule as `ifMatch`. */
  ifNoneMatch?: '*';
}

export type GetOptions = OperationOptions;
export type DeleteOptions = OperationOptions;
export interface ListOptions extends OperationOptions {
  /** Only ids (mutable) or hashes (immutable) that start with this prefix. */
  prefix?: string;
}

/** Which kind of data an operation concerns. The two live in separate namespaces on every driver. */
export type DataKind = 'mutable' | 'immutable';

/**
 * What a driver declares about itself. The conformance suite reads this to choose its tests, and a
 * wrong declaration fails a test (e.g. `list: true` on a driver that cannot list).
 */
export interface DriverCapabilities {
  /** Serves the mutable path (signed, versioned data addressed by data id). */
  mutable: boolean;
  /** Serves the immutable path (data addressed by its SHA-256 hash). */
  immutable: boolean;
  /**
   * `'local'`: data is invisible to other clients (the seed's `storage_drivers_local`, e.g. disk).
   * `'public'`: other clients can read what this driver stores (via `mutableUrl`, or the URL a put
   * returns, e.g. a Dropbox shared link that cannot be computed without an API call).
   */
  visibility: 'local' | 'public';
  /** `mutableUrl` returns a URL other clients can fetch with plain HTTP GET. */
  publicUrls: boolean;
  /** `listMutable` / `listImmutable` are implemented. */
  list: boolean;
  /** `PutOptions.ifMatch` / `ifNoneMatch` are enforced. */
  conditionalWrites: boolean;
  /** Largest value the driver accepts, in bytes; `undefined` means no limit of its own. */
  maxObjectBytes?: number;
  /**
   * How read-your-writes is obtained: `'provider'` (the provider is strongly consistent per key) or
   * `'masked'` (the driver masks a weaker provider, e.g. by checking the etag it last wrote).
   */
  readYourWrites: 'provider' | 'masked';
}

/**
 * A storage driver. Every method:
 * - honours `options.signal` and throws `AbortedError` when it fires, leaving the old value intact;
 * - throws only `StorageError` subclasses (see `errors.ts`), naming the driver and key;
 * - rejects bad ids / hashes with `InvalidKeyError` before touching the provider.
 *
 * `get*` of a missing value resolves to `null` (it does not throw `NotFoundError`).
 * `delete*` of a missing value resolves normally (deletes are idempotent).
 */
export interface StorageDriver {
  /** The name used in the client config's `storage_drivers` list, e.g. `"disk"`. */
  readonly name: string;
  /** What this driver can do; see `DriverCapabilities`. */
  readonly capabilities: DriverCapabilities;

  /** Prepares the driver (create directories, check the bucket). Called once before any I/O. */
  init?(options?: OperationOptions): Promise<void>;
  /** Releases connections and handles. The driver is unusable afterwards. */
  close?(): Promise<void>;

  /**
   * Stores immutable data under its SHA-256 hash (64 lowercase hex characters).
   * The core verifies the hash on read; drivers store the bytes as given.
   * @returns where it was stored. @throws InvalidKeyError for a malformed hash; StorageError subclasses.
   */
  putImmutable(hash: string, body: Body, options?: PutOptions): Promise<PutResult>;
  /** @returns the stored value, or `null` if absent. */
  getImmutable(hash: string, options?: GetOptions): Promise<StoredObject | null>;
  /** Removes the value; resolves normally if it was absent. */
  deleteImmutable(hash: string, options?: DeleteOptions): Promise<void>;

  /**
   * Stores mutable data (an opaque, already signed envelope) under a data id.
   * @returns where it was stored. @throws InvalidKeyError for an invalid id; StorageError subclasses.
   */
  putMutable(dataId: string, body: Body, options?: PutOptions): Promise<PutResult>;
  /** @returns the stored value, or `null` if absent. Must reflect this client's last put (read-your-writes). */
  getMutable(dataId: string, options?: GetOptions): Promise<StoredObject | null>;
  /** Removes the value; resolves normally if it was absent. */
  deleteMutable(dataId: string, options?: DeleteOptions): Promise<void>;

  /**
   * The URL at which other clients read this mutable datum (the 2017 `make_mutable_url`).
   * @returns `undefined` when `capabilities.publicUrls` is false.
   */
  mutableUrl?(dataId: string): string | undefined;

  /** Streams the data ids stored on the mutable path. Present iff `capabilities.list`. */
  listMutable?(options?: ListOptions): AsyncIterable<string>;
  /** Streams the hashes stored on the immutable path. Present iff `capabilities.list`. */
  listImmutable?(options?: ListOptions): AsyncIterable<string>;

  /**
   * Whether this driver can fetch `url` better than plain HTTP (the 2017 `handles_url`), e.g. a
   * Dropbox shared link. When true, the core calls `getUrl` instead of fetching it itself.
   */
  handlesUrl?(url: string): boolean;
  /** Fetches a URL this driver claimed with `handlesUrl`. @returns the value, or `null` if absent. */
  getUrl?(url: string, options?: GetOptions): Promise<StoredObject | null>;

  /**
   * For drivers that keep redundancy of their own (e.g. the erasure driver's shards on several
   * providers): checks every part of the value under `key` and rebuilds, without changing the value,
   * the parts that are missing or damaged. A copy that reads back whole may still have lost parts, so
   * `StorageClient.sync` calls this for every copy it found current. A dry run only reports.
   * @throws what a get would throw when the value cannot be rebuilt.
   */
  repair?(kind: DataKind, key: string, options?: DriverRepairOptions): Promise<DriverRepairReport>;
}

export interface DriverRepairOptions extends OperationOptions {
  /** Report what would be rebuilt; write nothing. */
  dryRun?: boolean;
}

/** What `StorageDriver.repair` found and did. */
export interface DriverRepairReport {
  /** The parts rebuilt (or that would be, on a dry run), e.g. `disk-a[0]` for a shard. Empty when whole. */
  rebuilt: readonly string[];
  /** Parts that are missing or damaged but could not be rebuilt now (their provider failed), with why. */
  failed: readonly { driver: string; error: Error }[];
}

/** A function that makes a driver from its config section (the `[disk]` / `[s3]` section's keys). */
export type DriverFactory<D extends StorageDriver = StorageDriver> = (
  config: Readonly<Record<string, string>>,
  context?: DriverFactoryContext,
) => D | Promise<D>;

export interface DriverFactoryContext {
  /** Environment to read secrets from (defaults to `process.env`). */
  env?: Readonly<Record<string, string | undefined>>;
  /** Path of the config file the section came from, for error messages. */
  configPath?: string;
  /**
   * The config section (and `storage_drivers` entry) this driver is built from, e.g. `s3-eu` for
   * `[s3-eu] driver = s3`; the driver's own name when the section is named after it. The core labels
   * the built driver with it (`name`, errors), so a factory need not; it may use it in its messages.
   */
  instance?: string;
  /**
   * Builds the driver of another config section, for meta drivers that wrap drivers their section
   * names (e.g. `shards = s3-a, s3-b, disk`). The section need not be in `storage_drivers`.
   * @throws ConfigurationError for a section that does not exist or that would wrap itself.
   */
  openSection?: (section: string) => Promise<StorageDriver>;
  /**
   * A 32-byte key for `purpose` (e.g. `"confidential/names"`), derived with HKDF-SHA256 from the
   * user's data key; never the data key itself. It resolves once `openStorage` has loaded the data key
   * (after drivers are built), so call it when an operation needs it, not in `create` or `init`.
   * Absent when the driver is built without an identity (e.g. by the Gaia hub).
   */
  deriveKey?: (purpose: string) => Promise<Uint8Array>;
}

/** What a driver package exports as its default, so the core can load it by name. */
export interface DriverModule {
  /** The driver's config name, e.g. `"disk"`. */
  name: string;
  /** Builds the driver from its config section. */
  create: DriverFactory;
  /**
   * Every key `create` reads from its config section. When given, the core refuses a section with any
   * other key (naming the file, section and key, and the closest known key), so a misspelling is not
   * silently ignored. Modules without it are not checked.
   */
  configKeys?: readonly string[];
}
