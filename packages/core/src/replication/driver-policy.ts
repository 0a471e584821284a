import { bytesToStream, DEFAULT_MAX_READ_BYTES, readBody } from '../body.js';
import { delay } from '../delay.js';
import type { GetOptions, OperationOptions, PutOptions, StorageDriver, StoredObject } from '../driver.js';
import {
  AbortedError,
  asStorageError,
  isStorageError,
  RateLimitedError,
  type StorageError,
  TimeoutError,
} from '../errors.js';
import { guardedBody } from '../key-value-driver.js';
import {
  countedBody,
  onceDone,
  type TransferObserver,
  watchedBody,
  watchedChunks,
} from './transfer-observer.js';

/** How a driver's operations are bounded and retried. */
export interface DriverPolicy {
  /** Time limit of one attempt, in ms. Default 30 000. */
  timeoutMs?: number;
  /** Retries after a retryable error (so at most `retries + 1` attempts). Default 2. */
  retries?: number;
  /** First backoff delay, in ms; doubles per retry, with jitter. Default 100. */
  baseDelayMs?: number;
  /** Longest backoff delay, in ms. Default 5 000. */
  maxDelayMs?: number;
  /** A `retryAfterMs` longer than this is not waited for: the error is returned at once. Default 60 000. */
  maxRetryAfterMs?: number;
  /** Largest value a wrapped `get` reads, in bytes. Default 64 MiB. */
  maxReadBytes?: number;
  /** Source of jitter in [0, 1). Default `Math.random`. */
  random?: () => number;
}

const DEFAULTS = {
  timeoutMs: 30_000,
  retries: 2,
  baseDelayMs: 100,
  maxDelayMs: 5_000,
  maxRetryAfterMs: 60_000,
  maxReadBytes: DEFAULT_MAX_READ_BYTES,
  random: Math.random,
} satisfies Required<DriverPolicy>;

/**
 * Runs `attempt` under a policy: each attempt gets its own signal that fires on the caller's abort or
 * on the time limit (and the attempt is abandoned then even if the driver ignores its signal); errors
 * marked `retryable` are retried after an exponential backoff with jitter, or after the provider's
 * `retryAfterMs` when it is longer.
 * @throws TimeoutError when the last attempt timed out; AbortedError when the caller aborted; otherwise
 *   the last attempt's error as a StorageError naming `context.driver` and `context.key`.
 */
export async function runWithPolicy<T>(
  context: { driver: string; key?: string },
  policy: DriverPolicy,
  signal: AbortSignal | undefined,
  attempt: (signal: AbortSignal) => Promise<T>,
  replayable = true,
): Promise<T> {
  const p = { ...DEFAULTS, ...stripUndefined(policy) };
  for (let tryNo = 0; ; tryNo++) {
    if (signal?.aborted) throw new AbortedError('Operation aborted', { ...context, cause: signal.reason });
    let error: StorageError;
    try {
      return await attemptOnce(context, p.timeoutMs, signal, attempt);
    } catch (caught) {
      error = asStorageError(caught, context);
    }
    if (!error.retryable || !replayable || tryNo >= p.retries || signal?.aborted) throw error;
    const backoff = Math.min(p.maxDelayMs, p.baseDelayMs * 2 ** tryNo);
    let wait = backoff / 2 + (p.random() * backoff) / 2;
    if (isStorageError(error) && error instanceof RateLimitedError && error.retryAfterMs !== undefined) {
      if (error.retryAfterMs > p.maxRetryAfterMs) throw error;
      wait = Math.max(wait, error.retryAfterMs);
    }
    await delay(wait, signal, context);
  }
}

async function attemptOnce<T>(
  context: { driver: string; key?: string },
  timeoutMs: number,
  callerSignal: AbortSignal | undefined,
  attempt: (signal: AbortSignal) => Promise<T>,
): Promise<T> {
  const controller = new AbortController();
  let rejectEarly: (error: Error) => void = () => {};
  const early = new Promise<never>((_, reject) => {
    rejectEarly = reject;
  });
  const timer = setTimeout(() => {
    const error = new TimeoutError(`No answer within ${timeoutMs} ms`, {
      ...context,
      hint: 'The provider is slow or unreachable; raise storage_timeout_ms if it is just slow.',
    });
    controller.abort(error);
    rejectEarly(error);
  }, timeoutMs);
  const onCallerAbort = () => {
    const error = new AbortedError('Operation aborted', { ...context, cause: callerSignal?.reason });
    controller.abort(error);
    rejectEarly(error);
  };
  callerSignal?.addEventListener('abort', onCallerAbort, { once: true });
  try {
    return await Promise.race([attempt(controller.signal), early]);
  } catch (error) {
    // A driver that honours the signal throws AbortedError; report why it was aborted instead.
    if (controller.signal.aborted && isStorageError(controller.signal.reason)) throw controller.signal.reason;
    throw error;
  } finally {
    clearTimeout(timer);
    callerSignal?.removeEventListener('abort', onCallerAbort);
  }
}

function stripUndefined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}

/**
 * Wraps any driver in `policy` (timeout per attempt, retry with backoff, the caller's signal): a layer
 * around the driver, not code inside it. Puts of streamed bodies are not retried (a stream cannot be
 * replayed). Wrapped `get`s read the whole value inside the attempt, up to `maxReadBytes`, so the time
 * limit and retries cover the transfer too, and return it as a one-chunk stream that stops with
 * `AbortedError` if the caller's signal fires before it is read.
 * `observer` (optional) is told of the bytes each attempt of a put or get moves (see `TransferObserver`).
 */
export function withDriverPolicy(
  driver: StorageDriver,
  policy: DriverPolicy = {},
  observer?: TransferObserver,
): StorageDriver {
  const maxReadBytes = policy.maxReadBytes ?? DEFAULTS.maxReadBytes;
  const name = driver.name;
  const get =
    (op: (key: string, options: GetOptions) => Promise<StoredObject | null>) =>
    (key: string, options: GetOptions = {}) =>
      runWithPolicy({ driver: name, key }, policy, options.signal, async (signal) => {
        const found = await op(key, { ...options, signal });
        if (found === null) return null;
        const started = observer?.transferStarted({ driver: name, operation: 'get', key, size: found.size });
        const watch = started === undefined ? undefined : onceDone(started);
        const source = watch === undefined ? found.body : watchedBody(found.body, watch);
        let bytes: Uint8Array;
        try {
          // The declared size lets readBody refuse an oversized value before reading any of it.
          bytes = await readBody(source, maxReadBytes, { driver: name, key, size: found.size });
        } catch (error) {
          watch?.done(true); // refused before the first chunk: the stream never ran to end the watch
          throw error;
        }
        // The body still answers to the caller's signal after the get resolved, like a bare driver's.
        const body = guardedBody(bytesToStream(bytes), options.signal, { driver: name, key });
        return { ...found, body, size: bytes.byteLength } satisfies StoredObject;
      });
  const simple =
    <O extends OperationOptions, R>(op: (key: string, options: O) => Promise<R>) =>
    (key: string, options?: O) =>
      runWithPolicy({ driver: name, key }, policy, options?.signal, (signal) =>
        op(key, { ...(options as O), signal }),
      );
  // A watched put of bytes hands the driver the same bytes as a stream of chunks (with `size`, which
  // drivers take in bounded memory), so what the driver has consumed can be counted; a streamed body
  // is counted as the driver takes it.
  const putAttempt = async (
    op: (key: string, body: Uint8Array | AsyncIterable<Uint8Array>, options: PutOptions) => Promise<unknown>,
    key: string,
    body: Uint8Array | AsyncIterable<Uint8Array>,
    options: PutOptions,
  ) => {
    const size = body instanceof Uint8Array ? body.byteLength : options.size;
    const started = observer?.transferStarted({ driver: name, operation: 'put', key, size });
    if (started === undefined) return op(key, body, options);
    const watch = onceDone(started);
    try {
      const result =
        body instanceof Uint8Array
          ? await op(key, watchedChunks(body, watch), { ...options, size: body.byteLength })
          : await op(key, countedBody(body, watch), options);
      watch.done(false);
      return result;
    } catch (error) {
      watch.done(true);
      throw error;
    }
  };
  const put =
    (
      op: (
        key: string,
        body: Uint8Array | AsyncIterable<Uint8Array>,
        options: PutOptions,
      ) => Promise<unknown>,
    ) =>
    (key: string, body: Uint8Array | AsyncIterable<Uint8Array>, options: PutOptions = {}) =>
      runWithPolicy(
        { driver: name, key },
        policy,
        options.signal,
        (signal) => putAttempt(op, key, body, { ...options, signal }),
        body instanceof Uint8Array,
      );
  const wrapped: StorageDriver = {
    name,
    capabilities: driver.capabilities,
    putMutable: put(driver.putMutable.bind(driver)) as StorageDriver['putMutable'],
    putImmutable: put(driver.putImmutable.bind(driver)) as StorageDriver['putImmutable'],
    getMutable: get(driver.getMutable.bind(driver)),
    getImmutable: get(driver.getImmutable.bind(driver)),
    deleteMutable: simple(driver.deleteMutable.bind(driver)),
    deleteImmutable: simple(driver.deleteImmutable.bind(driver)),
  };
  if (driver.init) wrapped.init = driver.init.bind(driver);
  if (driver.close) wrapped.close = driver.close.bind(driver);
  if (driver.mutableUrl) wrapped.mutableUrl = driver.mutableUrl.bind(driver);
  if (driver.listMutable) wrapped.listMutable = driver.listMutable.bind(driver);
  if (driver.listImmutable) wrapped.listImmutable = driver.listImmutable.bind(driver);
  // Like a listing, a repair reads a whole value (twice) and may rewrite parts: no per-attempt limit.
  if (driver.repair) wrapped.repair = driver.repair.bind(driver);
  if (driver.handlesUrl && driver.getUrl) {
    wrapped.handlesUrl = driver.handlesUrl.bind(driver);
    wrapped.getUrl = get(driver.getUrl.bind(driver));
  }
  return wrapped;
}
