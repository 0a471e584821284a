import { withDriverPolicy } from '@blockstack-storage/core';
import { ErrorCode, isStorageError, RateLimitedError } from '@blockstack-storage/core/driver';
import { afterEach, describe, expect, it } from 'vitest';
import type { LocalDropboxServer } from '../src/testing/index.js';
import { localDriver, readText, rejection, text } from './support/local-driver.js';

let server: LocalDropboxServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

describe('rate limits', () => {
  it('HTTP 429 too_many_requests becomes a retryable RateLimitedError carrying Retry-After in ms', async () => {
    const local = await localDriver();
    server = local.server;
    server.rateLimit({ retryAfterSeconds: 3 });
    const error = await rejection(local.driver.putMutable('busy', text('x')));
    expect(isStorageError(error, ErrorCode.RateLimited)).toBe(true);
    expect(error).toBeInstanceOf(RateLimitedError);
    expect(error.retryAfterMs).toBe(3000);
    expect(error.retryable).toBe(true);
    expect(error.driver).toBe('dropbox');
    expect(error.message).toMatch(/429 too_many_requests/);
    // The driver itself does not retry: that is the core's policy layer's job.
    expect(server.stats.calls['files/upload']).toBe(1);
    expect(await local.driver.getMutable('busy')).toBeNull();
  });

  it('too_many_write_operations on any call (here a delete, a download, a list) is rate-limited too', async () => {
    const local = await localDriver();
    server = local.server;
    server.rateLimit({ reason: 'too_many_write_operations', retryAfterSeconds: 1 });
    const onDelete = await rejection(local.driver.deleteMutable('x'));
    expect(isStorageError(onDelete, ErrorCode.RateLimited)).toBe(true);
    expect(onDelete.retryAfterMs).toBe(1000);
    expect(onDelete.message).toMatch(/too_many_write_operations/);

    server.rateLimit({ retryAfterSeconds: 2 });
    const onGet = await rejection(local.driver.getMutable('x'));
    expect(onGet.retryAfterMs).toBe(2000);

    server.rateLimit({ retryAfterSeconds: 4 });
    const onList = await rejection(
      (async () => {
        for await (const _ of local.driver.listMutable!()) {
          // drain
        }
      })(),
    );
    expect(onList.retryAfterMs).toBe(4000);
  });

  it('the core retry policy honours the delay and the retried put succeeds', async () => {
    const local = await localDriver();
    server = local.server;
    const driver = withDriverPolicy(local.driver, { retries: 2, baseDelayMs: 1, maxDelayMs: 1 });
    server.rateLimit({ times: 2, retryAfterSeconds: 0, endpoints: ['files/upload'] });
    await driver.putMutable('retried', text('made it'));
    expect(server.stats.calls['files/upload']).toBe(3);
    expect(await readText(await local.driver.getMutable('retried'))).toBe('made it');

    // A delay longer than the policy accepts is returned at once, with the delay, not slept through.
    server.rateLimit({ times: 1, retryAfterSeconds: 3600 });
    const error = await rejection(driver.putMutable('retried', text('later')));
    expect(error.retryAfterMs).toBe(3_600_000);
  });
});
