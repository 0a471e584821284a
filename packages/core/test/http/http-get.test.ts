import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseRetryAfter } from '../../src/driver-kit.js';
import {
  bytesToStream,
  ErrorCode,
  httpGet,
  isStorageError,
  type RateLimitedError,
  readUrl,
  type StorageDriver,
} from '../../src/index.js';
import { createMemoryDriver } from '../support/memory-driver.js';
import { startStaticServer, type TestServer } from '../support/static-server.js';

let server: TestServer;
const payload = new TextEncoder().encode('public bytes');

beforeAll(async () => {
  const root = await mkdtemp(join(tmpdir(), 'bss-http-'));
  await mkdir(join(root, 'mutable'));
  await writeFile(join(root, 'mutable', 'profile'), payload);
  await writeFile(join(root, 'big'), new Uint8Array(5000));
  server = await startStaticServer(root, {
    '/hang': () => {},
    '/chunked-big': (_req, res) => {
      res.writeHead(200);
      for (let i = 0; i < 10; i++) res.write(new Uint8Array(1000));
      res.end();
    },
    '/busy': (_req, res) => void res.writeHead(429, { 'retry-after': '7' }).end(),
    '/broken': (_req, res) => void res.writeHead(503).end(),
    '/forbidden': (_req, res) => void res.writeHead(403).end(),
    '/moved': (_req, res) => void res.writeHead(302, { location: '/mutable/profile' }).end(),
  });
});
afterAll(() => server.close());

const failure = (promise: Promise<unknown>) =>
  promise.then(
    () => undefined,
    (e: unknown) => e as Error,
  );

describe('httpGet', () => {
  it('returns the body, follows redirects, and gives null for a missing URL', async () => {
    expect(await httpGet(`${server.url}/mutable/profile`)).toEqual(payload);
    expect(await httpGet(`${server.url}/moved`)).toEqual(payload);
    expect(await httpGet(`${server.url}/nothing-here`)).toBeNull();
  });

  it('refuses bodies over the limit, announced or streamed', async () => {
    const announced = await failure(httpGet(`${server.url}/big`, { maxBytes: 4096 }));
    expect(isStorageError(announced, ErrorCode.TooLarge)).toBe(true);
    const streamed = await failure(httpGet(`${server.url}/chunked-big`, { maxBytes: 4096 }));
    expect(isStorageError(streamed, ErrorCode.TooLarge)).toBe(true);
    expect((await httpGet(`${server.url}/chunked-big`, { maxBytes: 10_000 }))?.byteLength).toBe(10_000);
  });

  it('times out on a server that never answers, and stops on abort', async () => {
    const timedOut = await failure(httpGet(`${server.url}/hang`, { timeoutMs: 50 }));
    expect(isStorageError(timedOut, ErrorCode.Timeout)).toBe(true);
    const controller = new AbortController();
    const pending = failure(httpGet(`${server.url}/hang`, { signal: controller.signal }));
    controller.abort();
    expect(isStorageError(await pending, ErrorCode.Aborted)).toBe(true);
  });

  it('maps statuses to typed errors', async () => {
    const busy = await failure(httpGet(`${server.url}/busy`));
    expect(isStorageError(busy, ErrorCode.RateLimited)).toBe(true);
    expect((busy as RateLimitedError).retryAfterMs).toBe(7000);
    const broken = await failure(httpGet(`${server.url}/broken`));
    expect(
      isStorageError(broken, ErrorCode.Unavailable) && (broken as { retryable: boolean }).retryable,
    ).toBe(true);
    expect(isStorageError(await failure(httpGet(`${server.url}/forbidden`)), ErrorCode.Permission)).toBe(
      true,
    );
    const refused = await failure(httpGet('http://127.0.0.1:1/x'));
    expect(isStorageError(refused, ErrorCode.Unavailable)).toBe(true);
  });

  it('refuses other schemes and keeps query strings out of errors', async () => {
    expect(isStorageError(await failure(httpGet('file:///etc/passwd')), ErrorCode.InvalidKey)).toBe(true);
    const error = await failure(httpGet(`${server.url}/forbidden?X-Signature=topsecret`));
    expect(error!.message).toContain('/forbidden');
    expect(error!.message).not.toContain('topsecret');
  });

  it('parses Retry-After in seconds or as a date', () => {
    expect(parseRetryAfter('3')).toBe(3000);
    expect(parseRetryAfter(new Date(10_000).toUTCString(), 4_000)).toBe(6000);
    expect(parseRetryAfter('soon')).toBeUndefined();
  });
});

describe('readUrl', () => {
  it('lets a driver claim URLs it reads better, and uses HTTP otherwise', async () => {
    const claimer: StorageDriver = createMemoryDriver({ name: 'claimer' });
    claimer.handlesUrl = (url) => url.startsWith('claim://');
    claimer.getUrl = async (url) => (url === 'claim://x' ? { body: bytesToStream(payload) } : null);
    expect(await readUrl('claim://x', [claimer])).toEqual({ bytes: payload, via: 'claimer' });
    expect(await readUrl('claim://y', [claimer])).toBeNull();
    expect(await readUrl(`${server.url}/mutable/profile`, [claimer])).toEqual({
      bytes: payload,
      via: 'http',
    });
  });
});
