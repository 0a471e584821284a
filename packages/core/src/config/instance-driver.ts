import type { StorageDriver, StoredObject } from '../driver.js';
import { asStorageError, type StorageError } from '../errors.js';

/**
 * A driver that goes by its config section's name: `[s3-eu]` with `driver = s3` builds an s3 driver,
 * which names itself `s3`; wrapped, its `name` is `s3-eu`, and errors it throws (from calls, from
 * streamed bodies and listings) are re-labelled `s3-eu`, so two instances of one driver are told apart
 * in outcomes, errors and the other config lists. Everything else passes straight through.
 *
 * A layer rather than a change to every driver: drivers keep a constant name (their package's), and
 * third-party drivers get instance names without doing anything.
 */
export function withInstanceName(driver: StorageDriver, instance: string): StorageDriver {
  if (driver.name === instance) return driver;
  const inner = driver.name;
  const relabel = (error: unknown): StorageError => relabelError(error, inner, instance);
  const call =
    <A extends unknown[], R>(op: (...args: A) => Promise<R>) =>
    async (...args: A): Promise<R> => {
      try {
        return await op(...args);
      } catch (error) {
        throw relabel(error);
      }
    };
  const found =
    <A extends unknown[]>(op: (...args: A) => Promise<StoredObject | null>) =>
    async (...args: A): Promise<StoredObject | null> => {
      const result = await call(op)(...args);
      return result === null ? null : { ...result, body: relabelStream(result.body, relabel) };
    };
  const wrapped: StorageDriver = {
    name: instance,
    capabilities: driver.capabilities,
    putMutable: call(driver.putMutable.bind(driver)),
    putImmutable: call(driver.putImmutable.bind(driver)),
    getMutable: found(driver.getMutable.bind(driver)),
    getImmutable: found(driver.getImmutable.bind(driver)),
    deleteMutable: call(driver.deleteMutable.bind(driver)),
    deleteImmutable: call(driver.deleteImmutable.bind(driver)),
  };
  if (driver.init) wrapped.init = call(driver.init.bind(driver));
  if (driver.close) wrapped.close = call(driver.close.bind(driver));
  if (driver.mutableUrl) wrapped.mutableUrl = driver.mutableUrl.bind(driver);
  if (driver.listMutable) {
    const list = driver.listMutable.bind(driver);
    wrapped.listMutable = (options) => relabelStream(list(options), relabel);
  }
  if (driver.listImmutable) {
    const list = driver.listImmutable.bind(driver);
    wrapped.listImmutable = (options) => relabelStream(list(options), relabel);
  }
  if (driver.handlesUrl) wrapped.handlesUrl = driver.handlesUrl.bind(driver);
  if (driver.getUrl) wrapped.getUrl = found(driver.getUrl.bind(driver));
  if (driver.repair) wrapped.repair = call(driver.repair.bind(driver));
  return wrapped;
}

/**
 * `error` as a StorageError naming `instance`: one that named the driver (or no driver) gets
 * `instance` as its driver, and `[inner]` in its message becomes `[instance]` (drivers name their
 * section that way, e.g. "[disk] max_object_bytes must be ..."). One naming another driver (an inner
 * driver of a meta driver) is left alone.
 */
export function relabelError(error: unknown, inner: string, instance: string): StorageError {
  const storageError = asStorageError(error, { driver: instance });
  if (storageError.driver !== undefined && storageError.driver !== inner) return storageError;
  const tag = `[${inner}]`;
  const message =
    storageError.driver === undefined
      ? storageError.message.replace(/^\[blockstack-storage\] /, `[blockstack-storage] [${instance}] `)
      : storageError.message.split(tag).join(`[${instance}]`);
  // The error was made for this call alone, so it is re-labelled in place: its class, code, cause and
  // extra fields (retryAfterMs, ...) stay as they are. `driver` is a read-only field by type only.
  Object.defineProperty(storageError, 'driver', { value: instance, enumerable: true, configurable: true });
  storageError.message = message;
  if (typeof storageError.stack === 'string') {
    storageError.stack = storageError.stack.split(tag).join(`[${instance}]`);
  }
  return storageError;
}

async function* relabelStream<T>(
  source: AsyncIterable<T>,
  relabel: (error: unknown) => StorageError,
): AsyncGenerator<T> {
  try {
    yield* source;
  } catch (error) {
    throw relabel(error);
  }
}
