import { describe, expect, it } from 'vitest';
import {
  ErrorCode,
  isStorageError,
  PermissionError,
  RateLimitedError,
  readBody,
  UnavailableError,
  withDriverPolicy,
} from '../../src/index.js';
import { withChaos } from '../support/chaos-driver.js';
import { createMemoryDriver } from '../support/memory-driver.js';

const bytes = new TextEncoder().encode('value');
const fast = { baseDelayMs: 1, maxDelayMs: 2 };

function setup() {
  const chaotic = withChaos(createMemoryDriver({ name: 'm' }));
  return { chaotic, chaos: chaotic.chaos };
}

describe('withDriverPolicy', () => {
  it('turns a hung operation into a TimeoutError naming driver and key', async () => {
    const { chaotic, chaos } = setup();
    chaos.hang('getMutable');
    const driver = withDriverPolicy(chaotic, { timeoutMs: 20, retries: 0 });
    const error = await driver.getMutable('k').catch((e: unknown) => e);
    expect(isStorageError(error, ErrorCode.Timeout)).toBe(true);
    expect((error as Error).message).toContain('[m]');
    expect((error as Error).message).toContain('"k"');
  });

  it('gives up on a driver that ignores its signal, and retries timeouts', async () => {
    const inner = createMemoryDriver({ name: 'deaf' });
    let calls = 0;
    inner.getMutable = () => {
      calls++;
      return new Promise(() => {});
    };
    const error = await withDriverPolicy(inner, { timeoutMs: 5, retries: 2, ...fast })
      .getMutable('k')
      .catch((e: unknown) => e);
    expect(isStorageError(error, ErrorCode.Timeout)).toBe(true);
    expect(calls).toBe(3);
  });

  it('retries retryable errors and then succeeds', async () => {
    const { chaotic, chaos } = setup();
    await chaotic.putMutable('k', bytes);
    chaos.failNext('getMutable', new UnavailableError('flaky', { driver: 'm' }), 2);
    const found = await withDriverPolicy(chaotic, { retries: 2, ...fast }).getMutable('k');
    expect(new TextDecoder().decode(await readBody(found!.body))).toBe('value');
    expect(chaos.calls.filter((c) => c === 'getMutable')).toHaveLength(3);
  });

  it('stops after the configured retries', async () => {
    const { chaotic, chaos } = setup();
    chaos.failAlways('putMutable', new UnavailableError('down', { driver: 'm' }));
    const error = await withDriverPolicy(chaotic, { retries: 1, ...fast })
      .putMutable('k', bytes)
      .catch((e: unknown) => e);
    expect(isStorageError(error, ErrorCode.Unavailable)).toBe(true);
    expect(chaos.calls).toHaveLength(2);
  });

  it('does not retry errors that are not retryable, nor streamed bodies', async () => {
    const { chaotic, chaos } = setup();
    chaos.failNext('putMutable', new PermissionError('denied', { driver: 'm' }));
    await expect(withDriverPolicy(chaotic, fast).putMutable('k', bytes)).rejects.toThrow(/denied/);
    expect(chaos.calls).toHaveLength(1);

    chaos.failNext('putMutable', new UnavailableError('flaky', { driver: 'm' }));
    async function* stream() {
      yield bytes;
    }
    await expect(withDriverPolicy(chaotic, fast).putMutable('k', stream())).rejects.toThrow(/flaky/);
    expect(chaos.calls).toHaveLength(2);
  });

  it('honours RateLimitedError.retryAfterMs, and refuses to wait longer than maxRetryAfterMs', async () => {
    const { chaotic, chaos } = setup();
    chaos.failNext('deleteMutable', new RateLimitedError('slow down', { driver: 'm', retryAfterMs: 50 }));
    const started = performance.now();
    await withDriverPolicy(chaotic, fast).deleteMutable('k');
    // A lower bound, not a speed threshold: the retry must not come before the provider allowed it.
    expect(performance.now() - started).toBeGreaterThanOrEqual(45);
    expect(chaos.calls).toHaveLength(2);

    chaos.failNext('deleteMutable', new RateLimitedError('later', { driver: 'm', retryAfterMs: 120_000 }));
    const error = await withDriverPolicy(chaotic, fast)
      .deleteMutable('k')
      .catch((e: unknown) => e);
    expect(isStorageError(error, ErrorCode.RateLimited)).toBe(true);
    expect(chaos.calls).toHaveLength(3);
  });

  it("stops on the caller's abort, during an attempt or a backoff", async () => {
    const { chaotic, chaos } = setup();
    chaos.hang('getMutable');
    const controller = new AbortController();
    const pending = withDriverPolicy(chaotic).getMutable('k', { signal: controller.signal });
    controller.abort();
    expect(isStorageError(await pending.catch((e: unknown) => e), ErrorCode.Aborted)).toBe(true);

    chaos.heal();
    chaos.failAlways('deleteMutable', new UnavailableError('down', { driver: 'm' }));
    const second = new AbortController();
    const deleting = withDriverPolicy(chaotic, { baseDelayMs: 60_000, maxDelayMs: 60_000 }).deleteMutable(
      'k',
      {
        signal: second.signal,
      },
    );
    while (!chaos.calls.includes('deleteMutable')) await new Promise((r) => setImmediate(r));
    second.abort();
    expect(isStorageError(await deleting.catch((e: unknown) => e), ErrorCode.Aborted)).toBe(true);
  });

  it("stops a get's body with AbortedError when the caller aborts after the get resolved", async () => {
    const inner = createMemoryDriver({ name: 'm' });
    await inner.putMutable('k', bytes);
    const driver = withDriverPolicy(inner);
    const controller = new AbortController();
    const found = await driver.getMutable('k', { signal: controller.signal });
    controller.abort(new Error('test abort'));
    const error = await readBody(found!.body).catch((e: unknown) => e);
    expect(isStorageError(error, ErrorCode.Aborted)).toBe(true);
    expect((error as Error).message).toContain('[m]');
    // Without an abort the body is read whole, and a later get is unaffected.
    const again = await driver.getMutable('k', { signal: new AbortController().signal });
    expect(await readBody(again!.body)).toEqual(bytes);
  });
});
