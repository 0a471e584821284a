/**
 * The skeleton driver: fork this file to port a storage system to blockstack-storage.
 *
 * It mirrors the skeleton driver announced with Blockstack's storage drivers, whose module-level
 * handlers map onto this contract as follows:
 *
 * | 2017 skeleton handler        | here                                              |
 * |------------------------------|---------------------------------------------------|
 * | `storage_init`               | `init()`                                          |
 * | `handles_url` / get by URL   | `handlesUrl()` / `getUrl()` (optional)            |
 * | `make_mutable_url`           | `url()` → the driver's `mutableUrl(dataId)`       |
 * | `put_immutable_handler`      | `put('immutable/<sha256>', ...)`                  |
 * | `put_mutable_handler`        | `put('mutable/<encoded id>', ...)`                |
 * | `get_*_handler`              | `get(key)`                                        |
 * | `delete_*_handler`           | `delete(key)`                                     |
 *
 * Like most drivers (and like the 2017 disk driver), it stores both kinds of data the same way, so
 * it implements ONE key-value backend and `createKeyValueDriver` derives both I/O paths from it.
 *
 * What the core already does for you — do not redo it here:
 * - Authenticity: mutable data arrives signed (bsk2 envelopes); the core verifies on read.
 * - Integrity: immutable data is checked against the SHA-256 hash in the user's zone file.
 * - Confidentiality: the core encrypts unless the user marked the datum public.
 * - Per-key monotonic reads: the core remembers versions and refuses to go backwards.
 * - Replication, retries, timeouts and the caller's abort signal at the start of each operation.
 * - While a put streams: the body you receive throws `AbortedError` once the signal fires and
 *   `TooLargeError` past `capabilities.maxObjectBytes` (`createKeyValueDriver` checks both).
 * - Key safety: keys reach you validated and encoded (`[a-z0-9_.~/-]`, at most ~270 characters,
 *   case-insensitive-safe, no `..`), so you can use them as paths or object names as they are.
 *
 * What the driver owes:
 * - Per-key read-your-writes: a get after a put on the same key returns what was put, to this client.
 *   If the provider is only eventually consistent, mask it (e.g. remember the etag you last wrote per
 *   key and retry or refuse reads that return an older one) and declare `readYourWrites: 'masked'`.
 * - Durability before returning: resolve `put` only once the provider has acknowledged the whole
 *   value durably; never leave a partial value under a key (write elsewhere and rename, or use the
 *   provider's atomic upload), including when the signal aborts mid-stream or the process dies.
 * - Streaming: a `Body` may be an `AsyncIterable` of a large value; send it on in bounded chunks
 *   (`fixedSizeChunks` helps with multipart APIs) instead of collecting it.
 * - Typed errors: throw the core's error classes (`PermissionError`, `RateLimitedError`, ...) with
 *   the driver name, a cause, and a hint of what to do; never put credentials in a message.
 * - Honest capabilities: the conformance suite tests what you declare.
 * - Behavioural confidentiality (optional): the core does nothing to hide access patterns; a driver
 *   that needs to (padding, batching, cover traffic) does it here.
 *
 * This skeleton keeps values in memory, so it is a real, working driver that passes the conformance
 * suite as shipped: replace the `Map` with calls to your provider.
 */
import {
  type Body,
  bodyChunks,
  bytesToStream,
  ConflictError,
  concatBytes,
  createKeyValueDriver,
  type DriverCapabilities,
  type GetOptions,
  type KeyValueBackend,
  type OperationOptions,
  type PutOptions,
  type PutResult,
  type StorageDriver,
  type StoredObject,
} from '@blockstack-storage/core/driver';

/** The name users put in `storage_drivers` to select this driver. */
export const SKELETON_DRIVER_NAME = 'skeleton';

export interface SkeletonDriverOptions {
  /** Base URL to advertise for mutable data (makes the driver `public`). Default: none, local-only. */
  publicUrl?: string;
  /** Largest value accepted, in bytes. Default 256 MiB: everything lives in this process's memory. */
  maxObjectBytes?: number;
}

interface StoredValue {
  bytes: Uint8Array;
  etag: string;
}

/** Builds the skeleton driver. A real driver takes its provider's settings here. */
export function createSkeletonDriver(options: SkeletonDriverOptions = {}): StorageDriver {
  return createKeyValueDriver(new SkeletonBackend(options));
}

/** `DriverModule.create`: builds the driver from its config section (`[skeleton]` in client.ini). */
export function createSkeletonDriverFromConfig(config: Readonly<Record<string, string>>): StorageDriver {
  return createSkeletonDriver({
    publicUrl: config.public_url,
    maxObjectBytes: config.max_object_bytes ? Number(config.max_object_bytes) : undefined,
  });
}

class SkeletonBackend implements KeyValueBackend {
  readonly name = SKELETON_DRIVER_NAME;
  readonly capabilities: DriverCapabilities;
  private readonly values = new Map<string, StoredValue>();
  private readonly publicUrl: string | undefined;
  private nextEtag = 1;

  constructor(options: SkeletonDriverOptions) {
    this.publicUrl = options.publicUrl?.replace(/\/+$/, '');
    this.capabilities = {
      mutable: true,
      immutable: true,
      // Memory is invisible to other clients; a provider others can read declares 'public'.
      visibility: this.publicUrl ? 'public' : 'local',
      publicUrls: this.publicUrl !== undefined,
      list: true,
      conditionalWrites: true,
      maxObjectBytes: options.maxObjectBytes ?? 256 * 1024 * 1024,
      // A Map is strongly consistent; a provider with weaker guarantees would say 'masked'.
      readYourWrites: 'provider',
    };
  }

  /** `storage_init`: connect, check credentials, create the bucket/folder. Called once. */
  async init(_options?: OperationOptions): Promise<void> {}

  /** Release connections. */
  async close(): Promise<void> {
    this.values.clear();
  }

  /**
   * `put_*_handler`: store the whole body under `key`, atomically. Here the chunks are collected
   * and only then swapped in, so an abort or error mid-stream leaves the old value.
   * `createKeyValueDriver` checks the size limit and the abort signal as the body streams: the loop
   * below just stops when the stream throws, before anything is swapped in.
   */
  async put(key: string, body: Body, options: PutOptions): Promise<PutResult> {
    const chunks: Uint8Array[] = [];
    let size = 0;
    for await (const chunk of bodyChunks(body)) {
      size += chunk.byteLength;
      chunks.push(chunk.slice()); // copy: the caller may reuse its buffers
    }
    // Conditional writes are checked at commit time, where a real provider checks them too.
    const current = this.values.get(key);
    if (options.ifNoneMatch === '*' && current) {
      throw new ConflictError('A value already exists (ifNoneMatch: *)', { driver: this.name });
    }
    if (options.ifMatch !== undefined && current?.etag !== options.ifMatch) {
      throw new ConflictError('The stored value changed (ifMatch did not match)', { driver: this.name });
    }
    const etag = `"${this.nextEtag++}"`;
    this.values.set(key, { bytes: concatBytes(chunks, size), etag });
    const url = this.url(key);
    return url ? { etag, url } : { etag };
  }

  /** `get_*_handler`: the value, or `null` when absent (never throw for a missing key). */
  async get(key: string, _options: GetOptions): Promise<StoredObject | null> {
    const value = this.values.get(key);
    if (!value) return null;
    return { body: bytesToStream(value.bytes), size: value.bytes.byteLength, etag: value.etag };
  }

  /** `delete_*_handler`: remove; a missing key is not an error. */
  async delete(key: string): Promise<void> {
    this.values.delete(key);
  }

  /** Lists keys under a prefix (`mutable/` or `immutable/`). Remove it, and set `list: false`, if your provider cannot list. */
  async *list(prefix: string): AsyncIterable<string> {
    for (const key of [...this.values.keys()]) if (key.startsWith(prefix)) yield key;
  }

  /** `make_mutable_url`: where other clients read a mutable datum, if anywhere. */
  url(key: string): string | undefined {
    return this.publicUrl ? `${this.publicUrl}/${key}` : undefined;
  }
}
