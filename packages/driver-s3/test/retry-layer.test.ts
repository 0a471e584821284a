/**
 * Retries live in one layer: the driver makes one attempt per call (the SDK's own retries are off) and
 * core's policy layer adds its `retries`. Counted against a local server that answers every object
 * request with 503 SlowDown (or 429 with Retry-After), standing in for S3.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { withDriverPolicy } from '@blockstack-storage/core';
import {
  ErrorCode,
  isStorageError,
  RateLimitedError,
  type StorageError,
} from '@blockstack-storage/core/driver';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createS3Driver, parseS3Config } from '../src/index.js';

const BUCKET = 'bss-always-failing';
let server: Server;
let endpoint = '';
/** Requests other than the bucket check, i.e. attempts at the operation under test. */
let attempts = 0;
let answer: { status: number; code: string; headers?: Record<string, string> } = {
  status: 503,
  code: 'SlowDown',
};

beforeAll(async () => {
  server = createServer((req, res) => {
    req.resume();
    // HeadBucket succeeds, so each call's requests are its own attempts at the operation.
    if (req.method === 'HEAD' && req.url?.replace(/\?.*$/, '') === `/${BUCKET}`) {
      res.writeHead(200).end();
      return;
    }
    attempts++;
    res.writeHead(answer.status, { 'content-type': 'application/xml', ...answer.headers });
    res.end(
      req.method === 'HEAD'
        ? undefined
        : `<?xml version="1.0" encoding="UTF-8"?><Error><Code>${answer.code}</Code><Message>try later</Message></Error>`,
    );
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));
beforeEach(() => {
  attempts = 0;
  answer = { status: 503, code: 'SlowDown' };
});

function driver(extra: { maxAttempts?: number } = {}) {
  return createS3Driver({
    bucket: BUCKET,
    endpoint,
    region: 'us-east-1',
    forcePathStyle: true,
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
    ...extra,
  });
}

async function failure(promise: Promise<unknown>): Promise<StorageError> {
  try {
    await promise;
  } catch (error) {
    if (isStorageError(error)) return error;
    throw error;
  }
  throw new Error('expected the operation to fail');
}

describe('one retry layer against an always-503 S3', () => {
  it('a bare driver makes exactly 1 attempt per call', async () => {
    const d = driver();
    for (const call of [
      () => d.getMutable('k'),
      () => d.putMutable('k', Uint8Array.of(1)),
      () => d.deleteMutable('k'),
    ]) {
      attempts = 0;
      const error = await failure(call());
      expect(error.retryable).toBe(true);
      expect(attempts).toBe(1);
    }
  });

  it('withDriverPolicy({ retries: 2 }) makes exactly 3 attempts, then surfaces the typed error', async () => {
    const d = withDriverPolicy(driver(), { retries: 2, baseDelayMs: 1, maxDelayMs: 1 });
    const error = await failure(d.getMutable('k'));
    expect(isStorageError(error, ErrorCode.RateLimited)).toBe(true);
    expect(attempts).toBe(3);
    attempts = 0;
    await failure(d.putMutable('k', Uint8Array.of(1)));
    expect(attempts).toBe(3);
  });

  it('the deprecated max_attempts adds no attempts (and warns)', async () => {
    const warnings: Error[] = [];
    const onWarning = (warning: Error) => warnings.push(warning);
    process.on('warning', onWarning);
    try {
      const fromConfig = parseS3Config({ bucket: BUCKET, max_attempts: '5' }, { env: {} });
      expect(fromConfig.maxAttempts).toBe(5);
      const d = driver({ maxAttempts: 5 });
      await failure(d.getMutable('k'));
      expect(attempts).toBe(1);
      await new Promise((resolve) => setImmediate(resolve));
      expect(warnings.map((w) => w.message).join('\n')).toMatch(/max_attempts is deprecated and ignored/);
    } finally {
      process.off('warning', onWarning);
    }
  });

  it('429 with Retry-After is one attempt and a RateLimitedError carrying the delay', async () => {
    answer = { status: 429, code: 'SlowDown', headers: { 'retry-after': '7' } };
    const error = await failure(driver().getMutable('k'));
    expect(error).toBeInstanceOf(RateLimitedError);
    expect((error as RateLimitedError).retryAfterMs).toBe(7000);
    expect(error.retryable).toBe(true);
    expect(attempts).toBe(1);
  });
});
