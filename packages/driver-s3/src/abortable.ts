import { AbortedError } from '@blockstack-storage/core/driver';
import { S3_DRIVER_NAME } from './config.js';

/** The AbortedError for `signal`, naming the driver and key. */
export function abortedError(signal: AbortSignal | undefined, key: string | undefined): AbortedError {
  return new AbortedError('Operation aborted', { driver: S3_DRIVER_NAME, key, cause: signal?.reason });
}

/**
 * Settles with `promise`, or rejects with AbortedError as soon as `signal` fires: a caller's body
 * stream that stalls must not keep an aborted put waiting for its next chunk.
 */
export function raceAbort<T>(promise: Promise<T>, signal: AbortSignal | undefined, key?: string): Promise<T> {
  if (signal === undefined) return promise;
  if (signal.aborted) {
    promise.catch(() => {});
    return Promise.reject(abortedError(signal, key));
  }
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(abortedError(signal, key));
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(error);
      },
    );
  });
}
