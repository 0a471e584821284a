import { ErrorCode, isStorageError } from '@blockstack-storage/core/driver';
import { afterEach, describe, expect, it } from 'vitest';
import { createDropboxDriver } from '../src/index.js';
import type { LocalDropboxServer } from '../src/testing/index.js';
import { LOCAL_APP, localDriver, readText, rejection, text } from './support/local-driver.js';

let server: LocalDropboxServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

describe('OAuth2 refresh flow', () => {
  it('gets a token at init, then refreshes once on expired_access_token and retries the call', async () => {
    const local = await localDriver();
    server = local.server;
    expect(server.stats.tokensIssued).toBe(1);
    await local.driver.putMutable('profile', text('v1'));

    server.expireAccessTokens();
    const callsBefore = server.stats.calls['files/upload'] ?? 0;
    await local.driver.putMutable('profile', text('v2'));
    expect(server.stats.tokensIssued).toBe(2);
    // The first attempt was refused with 401, the retry went through.
    expect(server.stats.calls['files/upload']).toBe(callsBefore + 2);
    expect(await readText(await local.driver.getMutable('profile'))).toBe('v2');

    server.expireAccessTokens();
    expect(await readText(await local.driver.getMutable('profile'))).toBe('v2');
    server.expireAccessTokens();
    await local.driver.deleteMutable('profile');
    expect(server.stats.tokensIssued).toBe(4);
  });

  it('retries only once: a token that is expired again after the refresh gives a PermissionError', async () => {
    const local = await localDriver();
    server = local.server;
    const srv = server;
    // Every token the OAuth2 endpoint issues is expired as soon as it is handed out.
    const expiringFetch = (async (input: string | URL | Request, init?: RequestInit) => {
      const response = await srv.fetch(input, init);
      if (String(input).includes('/oauth2/token')) srv.expireAccessTokens();
      return response;
    }) as typeof fetch;
    const driver = createDropboxDriver({ ...LOCAL_APP, fetch: expiringFetch });
    const uploadsBefore = server.stats.calls['files/upload'] ?? 0;
    const error = await rejection(driver.putMutable('never', text('x')));
    expect(isStorageError(error, ErrorCode.Permission)).toBe(true);
    expect(error.message).toMatch(/expired_access_token/);
    expect(server.stats.calls['files/upload']).toBe(uploadsBefore + 2);
  });

  it('refreshes once for many concurrent calls that all hit an expired token', async () => {
    const local = await localDriver();
    server = local.server;
    server.expireAccessTokens();
    await Promise.all(
      Array.from({ length: 8 }, (_, i) => local.driver.putMutable(`concurrent-${i}`, text(`${i}`))),
    );
    expect(server.stats.tokensIssued).toBe(2);
    for (let i = 0; i < 8; i++)
      expect(await readText(await local.driver.getMutable(`concurrent-${i}`))).toBe(`${i}`);
  });

  it('refreshes in the middle of an upload session and finishes it (pieces are replayable)', async () => {
    const local = await localDriver({ sessionThresholdBytes: 64 * 1024 });
    server = local.server;
    const value = new Uint8Array(300 * 1024).map((_, i) => (i * 7) & 0xff);
    async function* body() {
      for (let offset = 0; offset < value.byteLength; offset += 50 * 1024) {
        if (offset === 150 * 1024) server!.expireAccessTokens();
        yield value.subarray(offset, offset + 50 * 1024);
      }
    }
    await local.driver.putImmutable('a'.repeat(64), body());
    expect(server.stats.tokensIssued).toBe(2);
    expect(server.stats.calls['files/upload_session/finish']).toBe(1);
    expect(Buffer.from(server.store.peek('/blockstack/immutable/' + 'a'.repeat(64))!).equals(value)).toBe(
      true,
    );
  });

  it('with a long-lived token and no refresh credentials, an expired token is a PermissionError saying what to do', async () => {
    const local = await localDriver({
      accessToken: 'long-lived-token',
      appKey: '',
      appSecret: '',
      refreshToken: '',
    });
    server = local.server;
    await local.driver.putMutable('x', text('1'));
    server.expireAccessTokens();
    const error = await rejection(local.driver.putMutable('x', text('2')));
    expect(isStorageError(error, ErrorCode.Permission)).toBe(true);
    expect(error.message).toMatch(/\[dropbox\].*expired_access_token/);
    expect(error.message).toMatch(/refresh_token/);
    expect(error.key).toBe('mutable/x'); // the storage key: kind and encoded id
    expect(server.stats.tokensIssued).toBe(0);
  });

  it('a revoked refresh token fails init with a PermissionError that leaks no secret', async () => {
    const local = await localDriver({
      accessToken: 'long-lived-token',
      appKey: '',
      appSecret: '',
      refreshToken: '',
    });
    server = local.server;
    const driver = createDropboxDriver({
      ...LOCAL_APP,
      refreshToken: 'revoked-refresh-token',
      fetch: server.fetch,
    });
    const error = await rejection(driver.init!());
    expect(isStorageError(error, ErrorCode.Permission)).toBe(true);
    expect(error.message).toMatch(/invalid_grant/);
    const everything = `${error.message} ${error.stack} ${JSON.stringify(error)} ${String(error.cause)}`;
    for (const secret of ['revoked-refresh-token', LOCAL_APP.appSecret])
      expect(everything).not.toContain(secret);

    const badApp = createDropboxDriver({ ...LOCAL_APP, appSecret: 'wrong-secret', fetch: server.fetch });
    const refused = await rejection(badApp.putMutable('x', text('1')));
    expect(isStorageError(refused, ErrorCode.Permission)).toBe(true);
    expect(refused.message).toMatch(/invalid_client/);
    expect(`${refused.message} ${JSON.stringify(refused)}`).not.toContain('wrong-secret');
  });

  it('a wrong token is a PermissionError, not retried', async () => {
    const local = await localDriver({
      accessToken: 'not-a-token',
      appKey: '',
      appSecret: '',
      refreshToken: '',
    });
    server = local.server;
    const error = await rejection(local.driver.getMutable('x'));
    expect(isStorageError(error, ErrorCode.Permission)).toBe(true);
    expect(error.retryable).toBe(false);
    expect(error.message).not.toContain('not-a-token');
  });
});
