import type {
  Body,
  DataKind,
  DeleteOptions,
  DriverCapabilities,
  GetOptions,
  ListOptions,
  OperationOptions,
  PutOptions,
  PutResult,
  StorageDriver,
  StoredObject,
} from './driver.js';
import {
  AbortedError,
  asStorageError,
  isStorageError,
  type StorageError,
  TooLargeError,
  throwIfAborted,
  UnsupportedError,
} from './errors.js';
import { decodeDataId, storageKey } from './keys.js';

/**
 * One flat key-value store: what most drivers really are (the seed: "most storage drivers can
 * implement the mutable I/O path and immutable I/O path the same way"). Keys are already validated
 * and encoded: `mutable/<segment>` or `immutable/<sha256 hex>`, only `[a-z0-9_.~/-]`, at most 210
 * characters.
 */
export interface KeyValueBackend {
  readonly name: string;
  readonly capabilities: DriverCapabilities;
  init?(options?: OperationOptions): Promise<void>;
  close?(): Promise<void>;
  /** Stores the body under `key`, replacing any value atomically. */
  put(key: string, body: Body, options: PutOptions): Promise<PutResult>;
  /** @returns the value or `null` if absent. */
  get(key: string, options: GetOptions): Promise<StoredObject | null>;
  /** Deletes; resolves normally if absent. */
  delete(key: string, options: DeleteOptions): Promise<void>;
  /** Streams keys that start with `prefix` (e.g. `mutable/`), in any order. */
  list?(prefix: string, options: OperationOptions): AsyncIterable<string>;
  /** Public URL of `key`, when the backend has one. */
  url?(key: string): string | undefined;
  handlesUrl?(url: string): boolean;
  getUrl?(url: string, options?: GetOptions): Promise<StoredObject | null>;
}

/**
 * Builds a full `StorageDriver` (both I/O paths) from one key-value backend. It validates ids and
 * hashes, keeps the two namespaces apart, checks the abort signal, refuses conditional writes the
 * backend does not declare, and wraps stray errors as typed ones naming the driver and key.
 *
 * The body a backend's `put` receives is checked as it streams: it ends with `TooLargeError` once more
 * than `capabilities.maxObjectBytes` bytes arrive, and with `AbortedError` once the signal fires (also
 * after the last chunk, so a backend that commits when the stream ends never commits an aborted put).
 * A backend only has to stop and leave the old value when its stream throws.
 *
 * Listing yields decoded data ids. Ids whose encoding had to be shortened (over ~200 escaped
 * characters, see `encodeDataId`) cannot be decoded from the key and are not listed.
 */
export function createKeyValueDriver(backend: KeyValueBackend): StorageDriver {
  const name = backend.name;

  const run = async <T>(key: string, signal: AbortSignal | undefined, op: () => Promise<T>): Promise<T> => {
    throwIfAborted(signal, { driver: name, key });
    try {
      return await op();
    } catch (error) {
      // SDKs report an abort in many shapes; once the caller's signal fired, call it what it is.
      if (signal?.aborted && !isStorageError(error)) {
        throw new AbortedError('Operation aborted', { driver: name, key, cause: error });
      }
      throw asStorageError(error, { driver: name, key });
    }
  };

  const put = async (kind: DataKind, id: string, body: Body, options: PutOptions = {}) => {
    const key = storageKey(kind, id, name);
    if (
      (options.ifMatch !== undefined || options.ifNoneMatch !== undefined) &&
      !backend.capabilities.conditionalWrites
    ) {
      throw new UnsupportedError('This driver does not support conditional writes', {
        driver: name,
        key: id,
      });
    }
    const context = { driver: name, key: id };
    const limit = backend.capabilities.maxObjectBytes ?? Number.POSITIVE_INFINITY;
    if (body instanceof Uint8Array) {
      // Whole bytes stay whole: backends send them in one request.
      if (body.byteLength > limit) throw tooLarge(limit, context);
      return run(id, options.signal, () => backend.put(key, body, options));
    }
    const checked = checkedUpload(body, limit, options.signal, context);
    // An SDK consuming the stream may wrap what it throws; the check's own error is the one to report.
    return run(id, options.signal, () =>
      backend.put(key, checked.body, options).catch((error: unknown) => {
        throw checked.failure() ?? error;
      }),
    );
  };
  const get = async (kind: DataKind, id: string, options: GetOptions = {}) => {
    const key = storageKey(kind, id, name);
    const found = await run(id, options.signal, () => backend.get(key, options));
    if (found === null) return found;
    return { ...found, body: guardedBody(found.body, options.signal, { driver: name, key: id }) };
  };
  const remove = async (kind: DataKind, id: string, options: DeleteOptions = {}) => {
    const key = storageKey(kind, id, name);
    return run(id, options.signal, () => backend.delete(key, options));
  };
  async function* list(kind: DataKind, options: ListOptions = {}): AsyncIterable<string> {
    if (!backend.list) throw new UnsupportedError('This driver cannot list', { driver: name });
    const prefix = `${kind}/`;
    throwIfAborted(options.signal, { driver: name });
    try {
      for await (const key of backend.list(prefix, options)) {
        if (!key.startsWith(prefix)) continue;
        const segment = key.slice(prefix.length);
        const id = kind === 'immutable' ? segment : decodeDataId(segment);
        if (id === undefined) continue;
        if (options.prefix !== undefined && !id.startsWith(options.prefix)) continue;
        yield id;
      }
    } catch (error) {
      throw asStorageError(error, { driver: name });
    }
  }

  const driver: StorageDriver = {
    name,
    capabilities: backend.capabilities,
    putImmutable: (hash, body, options) => put('immutable', hash, body, options),
    getImmutable: (hash, options) => get('immutable', hash, options),
    deleteImmutable: (hash, options) => remove('immutable', hash, options),
    putMutable: (dataId, body, options) => put('mutable', dataId, body, options),
    getMutable: (dataId, options) => get('mutable', dataId, options),
    deleteMutable: (dataId, options) => remove('mutable', dataId, options),
  };
  if (backend.init) driver.init = (options) => backend.init!(options);
  if (backend.close) driver.close = () => backend.close!();
  if (backend.url) {
    driver.mutableUrl = (dataId) => backend.url!(storageKey('mutable', dataId, name));
  }
  if (backend.list) {
    driver.listMutable = (options) => list('mutable', options);
    driver.listImmutable = (options) => list('immutable', options);
  }
  if (backend.handlesUrl && backend.getUrl) {
    driver.handlesUrl = (url) => backend.handlesUrl!(url);
    driver.getUrl = (url, options) => backend.getUrl!(url, options);
  }
  return driver;
}

/**
 * Streams `body` on, stopping with `TooLargeError` past `limit` bytes and with `AbortedError` once
 * `signal` fires. `failure()` is the error the check raised, if it raised one.
 */
function checkedUpload(
  body: AsyncIterable<Uint8Array>,
  limit: number,
  signal: AbortSignal | undefined,
  context: { driver: string; key: string },
): { body: AsyncIterable<Uint8Array>; failure: () => StorageError | undefined } {
  let failure: StorageError | undefined;
  const fail = (error: StorageError): never => {
    failure = error;
    throw error;
  };
  const abortIfSignalled = () => {
    if (signal?.aborted) fail(new AbortedError('Put aborted', { ...context, cause: signal.reason }));
  };
  async function* chunks(): AsyncIterable<Uint8Array> {
    let size = 0;
    for await (const chunk of body) {
      abortIfSignalled();
      size += chunk.byteLength;
      if (size > limit) fail(tooLarge(limit, context));
      yield chunk;
    }
    abortIfSignalled();
  }
  return { body: chunks(), failure: () => failure };
}

function tooLarge(limit: number, context: { driver: string; key: string }): TooLargeError {
  return new TooLargeError(`Value exceeds the ${limit}-byte limit of this driver`, {
    ...context,
    hint: 'Store a smaller value, or split it into several.',
  });
}

/**
 * The body of a get stops with `AbortedError` once the caller's signal fires, even when the backend's
 * stream would not notice (a value already in memory, a file stream); stopping the iteration also lets
 * the backend's stream close its file or connection. Errors while streaming are typed like any other.
 */
export async function* guardedBody(
  body: AsyncIterable<Uint8Array>,
  signal: AbortSignal | undefined,
  context: { driver: string; key: string },
): AsyncIterable<Uint8Array> {
  throwIfAborted(signal, context);
  try {
    for await (const chunk of body) {
      throwIfAborted(signal, context);
      yield chunk;
    }
  } catch (error) {
    if (signal?.aborted && !isStorageError(error)) {
      throw new AbortedError('Read aborted', { ...context, cause: error });
    }
    throw asStorageError(error, context);
  }
}
