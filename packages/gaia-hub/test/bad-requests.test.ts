import { request as httpRequest } from 'node:http';
import { connectToGaiaHub, uploadToGaiaHub } from '@stacks/storage';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AppKey, bearer, hubInfo, makeAppKey, startTestHub, type TestHub } from './support/hub.js';

let hub: TestHub;
let challenge: string;

beforeAll(async () => {
  // A small limit, so oversized bodies stay small: 0.01 MiB = 10485 bytes.
  hub = await startTestHub({ maxFileUploadSizeMegabytes: 0.01 });
  challenge = (await hubInfo(hub)).challenge_text;
});
afterAll(async () => {
  await hub.stop();
});

interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** A raw HTTP request: the path is sent as given (no URL normalisation of "..") and the body may be streamed. */
function send(
  method: string,
  path: string,
  headers: Record<string, string> = {},
  body?: string | AsyncIterable<Uint8Array>,
): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const url = new URL(hub.url);
    const request = httpRequest({ host: url.hostname, port: url.port, method, path, headers }, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () =>
        resolve({
          status: response.statusCode ?? 0,
          headers: response.headers,
          body: Buffer.concat(chunks).toString(),
        }),
      );
      response.on('error', reject);
    });
    request.on('error', reject);
    if (body === undefined || typeof body === 'string') {
      request.end(body);
      return;
    }
    (async () => {
      try {
        for await (const chunk of body) {
          if (request.destroyed) return;
          request.write(chunk);
        }
        request.end();
      } catch {
        // the hub cut the upload short
      }
    })();
  });
}

function storeAs(
  key: AppKey,
  path: string,
  auth: string,
  body = 'data',
  headers: Record<string, string> = {},
) {
  return send('POST', `/store/${key.address}/${path}`, { Authorization: auth, ...headers }, body);
}

const errorOf = (answer: Answer) => JSON.parse(answer.body) as { message: string; error: string };

describe('tokens', () => {
  it('refuses a missing or malformed Authorization with 401 and a {message, error} body', async () => {
    const key = makeAppKey();
    const missing = await send('POST', `/store/${key.address}/a.txt`, {}, 'x');
    expect(missing.status).toBe(401);
    expect(errorOf(missing).error).toBe('ValidationError');
    expect(errorOf(missing).message).toMatch(/Authorization/);
    expect((await storeAs(key, 'a.txt', 'bearer v1:not.a.jwt')).status).toBe(401);
    expect((await storeAs(key, 'a.txt', 'bearer something-legacy')).status).toBe(401);
  });

  it("refuses a forged token: the victim's key as iss, signed by another key", async () => {
    const victim = makeAppKey();
    const attacker = makeAppKey();
    const forged = bearer({ ...attacker, publicKey: victim.publicKey }, challenge);
    const answer = await storeAs(victim, 'a.txt', forged);
    expect(answer.status).toBe(401);
    expect(errorOf(answer).message).toMatch(/signature/);
    expect((await fetch(`${hub.readUrl}${victim.address}/a.txt`)).status).toBe(404);
  });

  it('refuses a token for another bucket (wrong address) with 401', async () => {
    const owner = makeAppKey();
    const other = makeAppKey();
    const answer = await storeAs(owner, 'a.txt', bearer(other, challenge));
    expect(answer.status).toBe(401);
    expect(errorOf(answer).message).toContain(other.address);
  });

  it('refuses an expired token, a token for another challenge, and an unknown scope', async () => {
    const key = makeAppKey();
    const expired = await storeAs(key, 'a.txt', bearer(key, challenge, { exp: Date.now() / 1000 - 60 }));
    expect(expired.status).toBe(401);
    expect(errorOf(expired).message).toMatch(/expired/);
    expect((await storeAs(key, 'a.txt', bearer(key, 'another hub'))).status).toBe(401);
    const scoped = bearer(key, challenge, { scopes: [{ scope: 'everything', domain: '' }] });
    expect((await storeAs(key, 'a.txt', scoped)).status).toBe(401);
    expect(
      (await storeAs(key, 'a.txt', bearer(key, challenge, { exp: Date.now() / 1000 + 60 }))).status,
    ).toBe(202);
  });

  it('keeps a token to its scopes', async () => {
    const key = makeAppKey();
    const auth = bearer(key, challenge, {
      scopes: [
        { scope: 'putFilePrefix', domain: 'public/' },
        { scope: 'deleteFile', domain: 'public/one.txt' },
      ],
    });
    expect((await storeAs(key, 'public/one.txt', auth)).status).toBe(202);
    expect((await storeAs(key, 'private.txt', auth)).status).toBe(401);
    expect(
      (await send('DELETE', `/delete/${key.address}/public/two.txt`, { Authorization: auth })).status,
    ).toBe(401);
    expect(
      (await send('DELETE', `/delete/${key.address}/public/one.txt`, { Authorization: auth })).status,
    ).toBe(202);
  });

  it('revoke-all refuses tokens issued before the timestamp (and tokens without iat) with 401', async () => {
    const key = makeAppKey();
    const now = Math.floor(Date.now() / 1000);
    const old = bearer(key, challenge, { iat: now - 100 });
    expect((await storeAs(key, 'a.txt', old)).status).toBe(202);
    const revoke = await send(
      'POST',
      `/revoke-all/${key.address}`,
      { Authorization: old, 'Content-Type': 'application/json' },
      JSON.stringify({ oldestValidTimestamp: now - 10 }),
    );
    expect(revoke.status).toBe(202);
    const refused = await storeAs(key, 'a.txt', old, 'again', { 'If-None-Match': '*' });
    expect(refused.status).toBe(401);
    expect(errorOf(refused).error).toBe('AuthTokenTimestampValidationError');
    // What connectToGaiaHub makes has no iat, so it is revoked too.
    const config = await connectToGaiaHub(hub.url, key.privateKey);
    await expect(uploadToGaiaHub('b.txt', 'x', config)).rejects.toMatchObject({ name: 'ValidationError' });
    expect((await storeAs(key, 'b.txt', bearer(key, challenge, { iat: now }))).status).toBe(202);
    // Revocations are never undone by an older timestamp.
    const fresh = bearer(key, challenge, { iat: now });
    const back = JSON.stringify({ oldestValidTimestamp: 1 });
    expect(
      (
        await send(
          'POST',
          `/revoke-all/${key.address}`,
          { Authorization: fresh, 'Content-Type': 'application/json' },
          back,
        )
      ).status,
    ).toBe(202);
    expect((await storeAs(key, 'c.txt', old)).status).toBe(401);
  });
});

describe('paths and sizes', () => {
  it('refuses paths that leave the bucket with 403, encoded or not', async () => {
    const key = makeAppKey();
    const auth = bearer(key, challenge);
    for (const path of [
      '../escape.txt',
      'a/../../escape.txt',
      '%2e%2e/escape.txt',
      'a/%2E%2E/b',
      './a',
      'a%00b',
    ]) {
      const answer = await storeAs(key, path, auth);
      expect(answer.status, path).toBe(403);
      expect(errorOf(answer).error).toBe('BadPathError');
    }
    // Names that only look odd are files like any other.
    expect((await storeAs(key, '..hidden/x..y', auth)).status).toBe(202);
  });

  it('refuses an upload over the limit with 413, by Content-Length or by the bytes streamed', async () => {
    const key = makeAppKey();
    const auth = bearer(key, challenge);
    const limit = Math.floor(0.01 * 1024 * 1024);
    expect((await storeAs(key, 'fits.bin', auth, 'x'.repeat(limit))).status).toBe(202);
    const declared = await storeAs(key, 'big.bin', auth, 'x'.repeat(limit + 1));
    expect(declared.status).toBe(413);
    expect(errorOf(declared).error).toBe('PayloadTooLargeError');
    async function* streamed() {
      for (let i = 0; i < 8; i++) yield new Uint8Array(4096);
    }
    // No Content-Length: the body is chunked and counted as it arrives.
    const chunked = await send('POST', `/store/${key.address}/big.bin`, { Authorization: auth }, streamed());
    expect(chunked.status).toBe(413);
    expect((await fetch(`${hub.readUrl}${key.address}/big.bin`)).status).toBe(404);
  });

  it('answers 413 through @stacks/storage too', async () => {
    const config = await connectToGaiaHub(hub.url, makeAppKey().privateKey);
    await expect(uploadToGaiaHub('big.txt', 'y'.repeat(20_000), config)).rejects.toMatchObject({
      name: 'PayloadTooLargeError',
    });
  });
});

describe('reads, listing and CORS', () => {
  it('serves HEAD and GET with the ETag, 304 for a matching If-None-Match, 404 when missing', async () => {
    const key = makeAppKey();
    const stored = await storeAs(key, 'doc.txt', bearer(key, challenge), 'hello', {
      'Content-Type': 'text/plain',
    });
    const etag = JSON.parse(stored.body).etag as string;
    const head = await send('HEAD', `/read/${key.address}/doc.txt`);
    expect(head.status).toBe(200);
    expect(head.headers.etag).toBe(etag);
    expect(head.headers['content-length']).toBe('5');
    expect(head.body).toBe('');
    expect((await send('GET', `/read/${key.address}/doc.txt`, { 'If-None-Match': etag })).status).toBe(304);
    expect((await send('GET', `/read/${key.address}/nothing.txt`)).status).toBe(404);
    expect((await send('HEAD', `/read/${key.address}/nothing.txt`)).status).toBe(404);
  });

  it('lists with stat: name, exists, lastModifiedDate, etag, contentLength, contentType', async () => {
    const key = makeAppKey();
    const auth = bearer(key, challenge);
    const stored = JSON.parse(
      (await storeAs(key, 'x/y.json', auth, '{"a":1}', { 'Content-Type': 'application/json' })).body,
    );
    const answer = await send(
      'POST',
      `/list-files/${key.address}`,
      { Authorization: auth, 'Content-Type': 'application/json' },
      JSON.stringify({ page: null, stat: true }),
    );
    expect(answer.status).toBe(202);
    const listed = JSON.parse(answer.body);
    expect(listed.page).toBeNull();
    expect(listed.entries).toEqual([
      {
        name: 'x/y.json',
        exists: true,
        lastModifiedDate: expect.any(Number),
        etag: stored.etag,
        contentLength: 7,
        contentType: 'application/json',
      },
    ]);
    const unauthorised = await send('POST', `/list-files/${key.address}`, {}, '{}');
    expect(unauthorised.status).toBe(401);
  });

  it('answers a CORS preflight and exposes the ETag', async () => {
    const preflight = await send('OPTIONS', '/store/1abc/x', {
      Origin: 'https://app.example',
      'Access-Control-Request-Method': 'POST',
      'Access-Control-Request-Headers': 'authorization,if-none-match',
    });
    expect(preflight.status).toBe(204);
    expect(preflight.headers['access-control-allow-origin']).toBe('*');
    expect(String(preflight.headers['access-control-allow-headers']).toLowerCase()).toContain(
      'if-none-match',
    );
    expect(String(preflight.headers['access-control-allow-headers']).toLowerCase()).toContain(
      'authorization',
    );
    const info = await send('GET', '/hub_info');
    expect(info.headers['access-control-expose-headers']).toBe('ETag');
  });
});
