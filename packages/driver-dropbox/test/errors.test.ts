import { ErrorCode, isStorageError } from '@blockstack-storage/core/driver';
import { DropboxResponseError } from 'dropbox';
import { describe, expect, it } from 'vitest';
import { toStorageError } from '../src/dropbox-errors.js';
import { createDropboxDriver } from '../src/index.js';
import { startLocalDropboxServer } from '../src/testing/index.js';
import { LOCAL_APP, rejection, text } from './support/local-driver.js';

const context = { driver: 'dropbox', key: 'mutable/k', operation: 'upload' };
const http = (status: number, body: unknown, headers: Record<string, string> = {}) =>
  new DropboxResponseError(status, new Headers(headers), body);
const endpoint = (summary: string) => http(409, { error_summary: summary, error: {} });

describe('Dropbox errors become typed errors', () => {
  it('maps endpoint errors by their summary, with what to do next', () => {
    const cases: Array<[unknown, string, boolean]> = [
      [endpoint('path/conflict/file/..'), ErrorCode.Conflict, false],
      [endpoint('path/insufficient_space/.'), ErrorCode.Unavailable, false],
      [endpoint('path/no_write_permission/..'), ErrorCode.Permission, false],
      [endpoint('path/disallowed_name/'), ErrorCode.InvalidKey, false],
      [endpoint('content_hash_mismatch/'), ErrorCode.Unavailable, true],
      [endpoint('lookup_failed/incorrect_offset/..'), ErrorCode.Unavailable, true],
      [endpoint('path/too_many_write_operations/'), ErrorCode.RateLimited, true],
      [http(503, 'Service Unavailable'), ErrorCode.Unavailable, true],
      [http(400, 'Error in call to API function "files/upload": bad'), ErrorCode.Unavailable, false],
      [http(403, { error_summary: 'no_permission/', error: {} }), ErrorCode.Permission, false],
      [http(401, { error_summary: 'missing_scope/sharing.write', error: {} }), ErrorCode.Permission, false],
    ];
    for (const [raw, code, retryable] of cases) {
      const error = toStorageError(raw, context);
      expect(error.code, String(error.message)).toBe(code);
      expect(error.retryable, error.message).toBe(retryable);
      expect(error.driver).toBe('dropbox');
      expect(error.key).toBe('mutable/k');
      expect(error.cause).toBe(raw);
    }
    expect(toStorageError(endpoint('path/insufficient_space/'), context).message).toMatch(/full/);
    expect(
      toStorageError(endpoint('email_not_verified/..'), { ...context, operation: 'shared link creation' })
        .message,
    ).toMatch(/shared_links = false/);
    expect(
      toStorageError(http(401, { error_summary: 'missing_scope/..', error: {} }), context).message,
    ).toMatch(/sharing\.write/);
  });

  it('reads the delay from Retry-After, else from the body', () => {
    const fromHeader = toStorageError(
      http(429, { error_summary: 'too_many_requests/' }, { 'Retry-After': '15' }),
      context,
    );
    expect(fromHeader).toMatchObject({ code: ErrorCode.RateLimited, retryAfterMs: 15_000 });
    const fromBody = toStorageError(
      http(429, {
        error_summary: 'too_many_requests/',
        error: { reason: { '.tag': 'too_many_requests' }, retry_after: 2 },
      }),
      context,
    );
    expect(fromBody).toMatchObject({ retryAfterMs: 2000 });
  });

  it('an unreachable Dropbox is a retryable UnavailableError', async () => {
    const server = await startLocalDropboxServer();
    const driver = createDropboxDriver({ accessToken: 'local-access-token', fetch: server.fetch });
    await server.close();
    const error = await rejection(driver.putMutable('k', text('v')));
    expect(isStorageError(error, ErrorCode.Unavailable)).toBe(true);
    expect(error.retryable).toBe(true);
    expect(error.message).toMatch(/Could not reach Dropbox/);
    const refreshing = createDropboxDriver({ ...LOCAL_APP, fetch: server.fetch });
    const onInit = await rejection(refreshing.init!());
    expect(isStorageError(onInit, ErrorCode.Unavailable)).toBe(true);
    expect(`${onInit.message} ${JSON.stringify(onInit)}`).not.toContain(LOCAL_APP.appSecret);
  });
});
