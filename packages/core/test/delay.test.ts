import { describe, expect, it } from 'vitest';
import { delay } from '../src/delay.js';
import { ErrorCode, isStorageError } from '../src/errors.js';

describe('delay', () => {
  it('resolves after the wait', async () => {
    await expect(delay(1, undefined)).resolves.toBeUndefined();
  });

  it('rejects at once with AbortedError naming driver and key when the signal has fired', async () => {
    const error = await delay(60_000, AbortSignal.abort('stop'), { driver: 'd', key: 'k' }).catch((e) => e);
    expect(isStorageError(error, ErrorCode.Aborted)).toBe(true);
    expect(error).toMatchObject({ driver: 'd', key: 'k', cause: 'stop' });
  });

  it('ends an endless wait when the signal fires', async () => {
    const controller = new AbortController();
    const waiting = delay(Number.POSITIVE_INFINITY, controller.signal, { driver: 'd' });
    controller.abort();
    const error = await waiting.catch((e) => e);
    expect(isStorageError(error, ErrorCode.Aborted)).toBe(true);
    expect(error).toMatchObject({ driver: 'd' });
  });
});
