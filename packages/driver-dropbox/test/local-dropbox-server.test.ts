import { Dropbox, DropboxResponseError } from 'dropbox';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  dropboxContentHash,
  type LocalDropboxServer,
  startLocalDropboxServer,
} from '../src/testing/index.js';

// The local server is only useful if it answers like Dropbox: these tests talk to it through the
// official SDK directly (no driver) and check the documented request and response shapes.
let server: LocalDropboxServer;
let dbx: Dropbox;
beforeAll(async () => {
  server = await startLocalDropboxServer();
  dbx = new Dropbox({ accessToken: 'local-access-token', fetch: server.fetch });
});
afterAll(() => server.close());

// biome-ignore lint/suspicious/noExplicitAny: JSON error bodies, checked field by field below
type Json = Record<string, any>;

async function apiError(promise: Promise<unknown>): Promise<DropboxResponseError<Json>> {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(DropboxResponseError);
    return error as DropboxResponseError<Json>;
  }
  throw new Error('expected the call to fail');
}

describe('local Dropbox API v2 server', () => {
  it('stores paths case-insensitively and NFC-normalised, keeping the first display form', async () => {
    const up = await dbx.filesUpload({ path: '/Server-Test/Ünïcode.TXT', contents: Buffer.from('one') });
    expect(up.result.path_display).toBe('/Server-Test/Ünïcode.TXT');
    expect(up.result.path_lower).toBe('/server-test/ünïcode.txt');
    expect(up.result.rev).toMatch(/^[0-9a-f]{9,}$/);
    // Same file through another case and the decomposed form of the same characters.
    const down = await dbx.filesDownload({ path: '/server-test/U\u0308ni\u0308code.txt' });
    expect(Buffer.from((down.result as unknown as { fileBinary: Buffer }).fileBinary).toString()).toBe('one');
    expect(down.result.rev).toBe(up.result.rev);
  });

  it('answers downloads with a header-safe Dropbox-API-Result', async () => {
    await dbx.filesUpload({ path: '/server-test/名前.bin', contents: Buffer.from([1, 2, 3]) });
    const response = await server.fetch('https://content.dropboxapi.com/2/files/download', {
      method: 'POST',
      headers: {
        Authorization: 'Bearer local-access-token',
        'Dropbox-API-Arg': JSON.stringify({ path: '/server-test/名前.bin' }).replace(
          /[\u007f-\uffff]/g,
          (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
        ),
      },
    });
    expect(response.status).toBe(200);
    const result = response.headers.get('dropbox-api-result')!;
    expect(result).toMatch(/^[\x20-\x7e]+$/);
    expect(JSON.parse(result)).toMatchObject({ '.tag': 'file', name: '名前.bin', size: 3 });
    expect([...new Uint8Array(await response.arrayBuffer())]).toEqual([1, 2, 3]);
  });

  it('reports endpoint errors as 409 with error_summary and tagged unions', async () => {
    const missing = await apiError(dbx.filesDownload({ path: '/server-test/absent' }));
    expect(missing.status).toBe(409);
    expect(missing.error.error_summary).toMatch(/^path\/not_found\//);
    expect(missing.error.error).toEqual({ '.tag': 'path', path: { '.tag': 'not_found' } });

    const deleteMissing = await apiError(dbx.filesDeleteV2({ path: '/server-test/absent' }));
    expect(deleteMissing.error.error_summary).toMatch(/^path_lookup\/not_found\//);

    await dbx.filesUpload({ path: '/server-test/exists', contents: Buffer.from('x') });
    const conflict = await apiError(
      dbx.filesUpload({ path: '/server-test/EXISTS', mode: { '.tag': 'add' }, contents: Buffer.from('y') }),
    );
    expect(conflict.error.error_summary).toMatch(/^path\/conflict\/file\//);
    expect(conflict.error.error['.tag']).toBe('path');
    expect(conflict.error.error.reason).toEqual({ '.tag': 'conflict', conflict: { '.tag': 'file' } });

    const disallowed = await apiError(
      dbx.filesUpload({ path: '/server-test/Desktop.ini', contents: Buffer.from('') }),
    );
    expect(disallowed.error.error_summary).toMatch(/^path\/disallowed_name\//);
  });

  it('enforces write modes: update needs the current rev, strict_conflict refuses identical bytes', async () => {
    const first = await dbx.filesUpload({ path: '/server-test/modes', contents: Buffer.from('a') });
    const stale = await apiError(
      dbx.filesUpload({
        path: '/server-test/modes',
        mode: { '.tag': 'update', update: '0000000001abcdef' },
        strict_conflict: true,
        contents: Buffer.from('b'),
      }),
    );
    expect(stale.error.error_summary).toMatch(/^path\/conflict\/file\//);
    const updated = await dbx.filesUpload({
      path: '/server-test/modes',
      mode: { '.tag': 'update', update: first.result.rev },
      strict_conflict: true,
      contents: Buffer.from('b'),
    });
    expect(updated.result.rev).not.toBe(first.result.rev);
    const same = await apiError(
      dbx.filesUpload({
        path: '/server-test/modes',
        mode: { '.tag': 'add' },
        strict_conflict: true,
        contents: Buffer.from('b'),
      }),
    );
    expect(same.error.error_summary).toMatch(/^path\/conflict\/file\//);
  });

  it('checks content_hash and refuses wrong Content-Type on uploads', async () => {
    const mismatch = await apiError(
      dbx.filesUpload({
        path: '/server-test/hash',
        contents: Buffer.from('bytes'),
        content_hash: dropboxContentHash(Buffer.from('other bytes')),
      }),
    );
    expect(mismatch.error.error_summary).toMatch(/^content_hash_mismatch\//);
    const wrongType = await server.fetch('https://content.dropboxapi.com/2/files/upload', {
      method: 'POST',
      headers: {
        Authorization: 'Bearer local-access-token',
        'Content-Type': 'text/html',
        'Dropbox-API-Arg': '{}',
      },
      body: 'x',
    });
    expect(wrongType.status).toBe(400);
    expect(await wrongType.text()).toMatch(/Content-Type/);
  });

  it('runs upload sessions with offsets checked, committing only on finish', async () => {
    const start = await dbx.filesUploadSessionStart({ contents: Buffer.from('abc') });
    const cursor = { session_id: start.result.session_id, offset: 3 };
    const wrongOffset = await apiError(
      dbx.filesUploadSessionAppendV2({ cursor: { ...cursor, offset: 1 }, contents: Buffer.from('def') }),
    );
    expect(wrongOffset.error.error).toEqual({ '.tag': 'incorrect_offset', correct_offset: 3 });
    await dbx.filesUploadSessionAppendV2({ cursor, contents: Buffer.from('def') });
    expect(server.store.peek('/server-test/session')).toBeUndefined();
    const finished = await dbx.filesUploadSessionFinish({
      cursor: { ...cursor, offset: 6 },
      commit: { path: '/server-test/session', mode: { '.tag': 'overwrite' } },
      contents: Buffer.from('g'),
    });
    expect(finished.result.size).toBe(7);
    expect(Buffer.from(server.store.peek('/server-test/session')!).toString()).toBe('abcdefg');
    const again = await apiError(
      dbx.filesUploadSessionFinish({
        cursor: { ...cursor, offset: 7 },
        commit: { path: '/server-test/session' },
        contents: Buffer.from(''),
      }),
    );
    expect(again.error.error_summary).toMatch(/^lookup_failed\/not_found\//);
  });

  it('creates one shared link per file and reports shared_link_already_exists with its metadata', async () => {
    await dbx.filesUpload({ path: '/server-test/linked', contents: Buffer.from('public bytes') });
    const created = await dbx.sharingCreateSharedLinkWithSettings({ path: '/server-test/linked' });
    expect(created.result.url).toMatch(
      /^https:\/\/www\.dropbox\.com\/scl\/fi\/[^/]+\/linked\?rlkey=[0-9a-f]+&dl=0$/,
    );
    const exists = await apiError(dbx.sharingCreateSharedLinkWithSettings({ path: '/server-test/LINKED' }));
    expect(exists.error.error_summary).toMatch(/^shared_link_already_exists\/metadata\//);
    expect(exists.error.error.shared_link_already_exists.metadata.url).toBe(created.result.url);
    const listed = await dbx.sharingListSharedLinks({ path: '/server-test/linked', direct_only: true });
    expect(listed.result.links.map((l) => l.url)).toEqual([created.result.url]);
    const page = await server.fetch(created.result.url);
    expect(await page.text()).toMatch(/<title>/);
    const direct = await server.fetch(created.result.url.replace('dl=0', 'dl=1'));
    expect(await direct.text()).toBe('public bytes');
    await dbx.filesDeleteV2({ path: '/server-test/linked' });
    expect((await server.fetch(created.result.url.replace('dl=0', 'dl=1'))).status).toBe(404);
  });

  it('lists folders in pages with a cursor', async () => {
    for (let i = 0; i < 30; i++)
      await dbx.filesUpload({ path: `/server-list/f${i}`, contents: Buffer.from([i]) });
    const first = await dbx.filesListFolder({ path: '/server-list' });
    expect(first.result.has_more).toBe(true);
    const names = first.result.entries.map((e) => e.name);
    let page = first.result;
    while (page.has_more) {
      page = (await dbx.filesListFolderContinue({ cursor: page.cursor })).result;
      names.push(...page.entries.map((e) => e.name));
    }
    expect(names.sort()).toEqual(Array.from({ length: 30 }, (_, i) => `f${i}`).sort());
    const missing = await apiError(dbx.filesListFolder({ path: '/server-list-absent' }));
    expect(missing.error.error_summary).toMatch(/^path\/not_found\//);
  });

  it('answers 401 for bad and expired tokens and 429 with Retry-After when told to', async () => {
    const bad = new Dropbox({ accessToken: 'wrong', fetch: server.fetch });
    const invalid = await apiError(bad.filesDeleteV2({ path: '/server-test/x' }));
    expect(invalid.status).toBe(401);
    expect(invalid.error.error).toEqual({ '.tag': 'invalid_access_token' });

    server.rateLimit({ retryAfterSeconds: 7, reason: 'too_many_write_operations' });
    const limited = await apiError(dbx.filesDeleteV2({ path: '/server-test/x' }));
    expect(limited.status).toBe(429);
    expect(limited.headers.get('retry-after')).toBe('7');
    expect(limited.error).toEqual({
      error_summary: 'too_many_write_operations/..',
      error: { reason: { '.tag': 'too_many_write_operations' }, retry_after: 7 },
    });

    const own = await startLocalDropboxServer({ accessTokens: ['t'] });
    try {
      own.expireAccessTokens();
      const expired = await apiError(
        new Dropbox({ accessToken: 't', fetch: own.fetch }).filesDeleteV2({ path: '/x' }),
      );
      expect(expired.status).toBe(401);
      expect(expired.error.error_summary).toMatch(/^expired_access_token\//);
    } finally {
      await own.close();
    }
  });

  it('issues access tokens from a refresh token at the OAuth2 endpoint', async () => {
    const refreshing = new Dropbox({
      clientId: 'local-app-key',
      clientSecret: 'local-app-secret',
      refreshToken: 'local-refresh-token',
      fetch: server.fetch,
    });
    const before = server.stats.tokensIssued;
    await refreshing.filesUpload({ path: '/server-test/refreshed', contents: Buffer.from('r') });
    expect(server.stats.tokensIssued).toBe(before + 1);
    const wrong = new Dropbox({
      clientId: 'local-app-key',
      clientSecret: 'local-app-secret',
      refreshToken: 'revoked',
      fetch: server.fetch,
    });
    const refused = await apiError(
      wrong.filesUpload({ path: '/server-test/never', contents: Buffer.from('') }),
    );
    expect(refused.status).toBe(400);
    expect(refused.error.error).toBe('invalid_grant');
  });
});
