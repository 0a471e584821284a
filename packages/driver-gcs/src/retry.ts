import { AbortedError, isStorageError, RateLimitedError } from '@blockstack-storage/core';

export interface RetryPolicy {
  /** Retries after the first attempt. 0 = none. */
  maxRetries: number;
  /** First backoff delay; each retry doubles it (with jitter), capped at 32 s. */
  baseDelayMs: number;
}

/**
 * Runs an idempotent operation, retrying typed errors marked `retryable` (429, 408, 5xx, network) with
 * exponential backoff and jitter, as Google recommends for Cloud Storage, or after the `Retry-After`
 * the server asked for. `op` must already map its errors to typed ones.
 *
 * The driver retries itself instead of letting the SDK do it: on Node 24 the SDK's retried downloads
 * raise an unhandled rejection in teeny-request (googleapis/google-cloud-node#8670), which would
 * crash the process.
 */
export async function withRetries<T>(
  op: () => Promise<T>,
  policy: RetryPolicy,
  signal: AbortSignal | undefined,
): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await op();
    } catch (error) {
      if (attempt >= policy.maxRetries || !isStorageError(error) || !error.retryable) throw error;
      if (signal?.aborted) throw error;
      const backoff = Math.min(32_000, policy.baseDelayMs * 2 ** attempt) * (0.5 + Math.random() / 2);
      const asked = error instanceof RateLimitedError ? error.retryAfterMs : undefined;
      await sleep(asked ?? backoff, signal, error);
    }
  }
}

function sleep(
  ms: number,
  signal: AbortSignal | undefined,
  last: { driver?: string; key?: string },
): Promise<void> {
  return new Promise((resolve, reject) => {
    const onAbort = () => {
      clearTimeout(timer);
      reject(
        new AbortedError('Operation aborted while waiting to retry', { driver: last.driver, key: last.key }),
      );
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
