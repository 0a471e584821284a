import { AbortedError, type StorageErrorOptions } from './errors.js';

/**
 * Waits `ms` milliseconds, or until `signal` fires: then it rejects with `AbortedError` naming the
 * driver and key of `context` (at once when the signal has already fired). `ms` may be `Infinity`,
 * a wait that only an abort ends (a hang injected by a test driver).
 */
export function delay(
  ms: number,
  signal: AbortSignal | undefined,
  context: Pick<StorageErrorOptions, 'driver' | 'key'> = {},
): Promise<void> {
  return new Promise((resolve, reject) => {
    const aborted = () => new AbortedError('Operation aborted', { ...context, cause: signal?.reason });
    if (signal?.aborted) {
      reject(aborted());
      return;
    }
    const timer = Number.isFinite(ms) ? setTimeout(done, Math.max(0, ms)) : undefined;
    function done() {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }
    function onAbort() {
      clearTimeout(timer);
      reject(aborted());
    }
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
