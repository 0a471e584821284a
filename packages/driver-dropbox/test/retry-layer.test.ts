/**
 * Retries live in one layer: the driver makes one attempt per call and core's policy layer adds its
 * `retries`. Counted against a local server on 127.0.0.1 that answers every request with 503 (or 429
 * with Retry-After), standing in for Dropbox through the driver's `fetch`.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { withDriverPolicy } from '@blockstack-storage/core';
import {
  ErrorCode,
  isStorageError,
  RateLimitedError,
  type StorageDriver,
} from '@blockstack-storage/core/driver';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createDropboxDriver } from '../src/index.js';
import { rejection, text } from './support/local-driver.js';

let server: Server;
let baseUrl = '';
let requests = 0;
let answer: { status: number; headers: Record<string, string>; body: string } = {
  status: 503,
  headers: { 'content-type': 'text/plain' },
  body: 'service unavailable',
};

beforeAll(async () => {
  server = createServer((req, res) => {
    requests++;
    req.resume();
    req.on('end', () => res.writeHead(answer.status, answer.headers).end(answer.body));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));
beforeEach(() => {
  answer = { status: 503, headers: { 'content-type': 'text/plain' }, body: 'service unavailable' };
});

function driver(): StorageDriver {
  const localFetch = ((input: string | URL | Request, init?: RequestInit) => {
    const target = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
    return fetch(target.replace(/^https:\/\/[^/]+/, baseUrl), init);
  }) as typeof fetch;
  // A plain access token: no refresh requests, so every request is an attempt at the operation.
  return createDropboxDriver({ accessToken: 'always-failing-token', fetch: localFetch });
}

async function attemptsOf(call: () => Promise<unknown>): Promise<number> {
  const before = requests;
  const error = await rejection(call());
  expect(isStorageError(error)).toBe(true);
  expect(error.retryable).toBe(true);
  return requests - before;
}

describe('one retry layer against an always-503 Dropbox', () => {
  it('a bare driver makes exactly 1 attempt per call', async () => {
    const d = driver();
    expect(await attemptsOf(() => d.getMutable('k'))).toBe(1);
    expect(await attemptsOf(() => d.putMutable('k', text('v')))).toBe(1);
    expect(await attemptsOf(() => d.deleteMutable('k'))).toBe(1);
  });

  it('withDriverPolicy({ retries: 2 }) makes exactly 3 attempts per call', async () => {
    const d = withDriverPolicy(driver(), { retries: 2, baseDelayMs: 1, maxDelayMs: 1 });
    expect(await attemptsOf(() => d.getMutable('k'))).toBe(3);
    expect(await attemptsOf(() => d.putMutable('k', text('v')))).toBe(3);
    expect(await attemptsOf(() => d.deleteMutable('k'))).toBe(3);
  });

  it('429 with Retry-After as an HTTP date is one attempt and a RateLimitedError carrying the delay', async () => {
    // Dropbox sends seconds; an HTTP date (which RFC 9110 allows too) used to be dropped.
    answer = {
      status: 429,
      headers: {
        'content-type': 'text/plain',
        'retry-after': new Date(Date.now() + 3_600_000).toUTCString(),
      },
      body: 'too_many_requests',
    };
    const before = requests;
    const error = await rejection(driver().getMutable('k'));
    expect(isStorageError(error, ErrorCode.RateLimited)).toBe(true);
    expect(error).toBeInstanceOf(RateLimitedError);
    // About an hour: the date has one-second resolution and a little time passed.
    expect(error.retryAfterMs).toBeGreaterThan(3_500_000);
    expect(error.retryAfterMs).toBeLessThanOrEqual(3_600_000);
    expect(requests - before).toBe(1);
  });
});
