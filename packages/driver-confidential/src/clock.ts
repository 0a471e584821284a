/**
 * Time as the slot scheduler sees it. The real clock is the default; tests give a virtual one so that
 * thousands of adversary trials run in simulated time (the provider's view is stamped with it too).
 */
export interface Clock {
  /** Milliseconds on this clock's scale. */
  now(): number;
  /** Resolves after `ms` (at once for `ms <= 0`), or early, without throwing, once `signal` fires. */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

/** Wall-clock time (`performance.now()`) and `setTimeout`. */
export const realClock: Clock = {
  now: () => performance.now(),
  sleep: (ms, signal) =>
    new Promise<void>((resolve) => {
      if (signal?.aborted) {
        resolve();
        return;
      }
      const done = () => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', done);
        resolve();
      };
      // Not keeping the process alive: the scheduler holds a handle of its own while work is queued.
      const timer = setTimeout(done, Math.max(0, ms));
      timer.unref();
      signal?.addEventListener('abort', done, { once: true });
    }),
};
