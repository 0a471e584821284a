/**
 * Retries live in one layer: the driver makes one attempt per call (the SDK's and its own retries are
 * gone) and core's policy layer adds its `retries`. Counted against a local server on 127.0.0.1 that
 * answers every request like the JSON API does when it is failing: 503 (or 429 with Retry-After).
 */

import { withDriverPolicy } from '@blockstack-storage/core';
import { ErrorCode, isStorageError, RateLimitedError } from '@blockstack-storage/core/driver';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createGcsDriver, createGcsDriverFromConfig } from '../src/index.js';
import { apiError, FakeGcsApi } from './fake-gcs-api.js';

const BUCKET = 'always-failing';
const fake = new FakeGcsApi();
let endpoint = '';

beforeAll(async () => {
  endpoint = await fake.start();
});
afterAll(() => fake.stop());
beforeEach(() => {
  fake.reset();
  fake.answer = () => apiError(503, 'backendError', 'Backend Error');
});

async function failure(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected the operation to fail');
}

/** Requests one call made: each is an attempt at the operation (a put is one multipart upload). */
async function attemptsOf(call: () => Promise<unknown>): Promise<number> {
  const before = fake.requests.length;
  const error = await failure(call());
  expect(isStorageError(error)).toBe(true);
  expect((error as { retryable: boolean }).retryable).toBe(true);
  return fake.requests.length - before;
}

describe('one retry layer against an always-503 GCS', () => {
  it('a bare driver makes exactly 1 attempt per call', async () => {
    const d = createGcsDriver({ bucket: BUCKET, apiEndpoint: endpoint });
    expect(await attemptsOf(() => d.getMutable('k'))).toBe(1);
    expect(await attemptsOf(() => d.deleteMutable('k'))).toBe(1);
    expect(await attemptsOf(() => d.putMutable('k', Uint8Array.of(1)))).toBe(1);
    expect(await attemptsOf(() => d.init!())).toBe(1);
  });

  it('withDriverPolicy({ retries: 2 }) makes exactly 3 attempts per call', async () => {
    const d = withDriverPolicy(createGcsDriver({ bucket: BUCKET, apiEndpoint: endpoint }), {
      retries: 2,
      baseDelayMs: 1,
      maxDelayMs: 1,
    });
    expect(await attemptsOf(() => d.getMutable('k'))).toBe(3);
    expect(await attemptsOf(() => d.deleteMutable('k'))).toBe(3);
    expect(await attemptsOf(() => d.putMutable('k', Uint8Array.of(1)))).toBe(3);
  });

  it('the deprecated max_retries adds no attempts (and warns)', async () => {
    const warnings: Error[] = [];
    const onWarning = (warning: Error) => warnings.push(warning);
    process.on('warning', onWarning);
    try {
      const d = createGcsDriverFromConfig({ bucket: BUCKET, api_endpoint: endpoint, max_retries: '3' });
      expect(await attemptsOf(() => d.getMutable('k'))).toBe(1);
      await new Promise((resolve) => setImmediate(resolve));
      expect(warnings.map((w) => w.message).join('\n')).toMatch(/max_retries is deprecated and ignored/);
    } finally {
      process.off('warning', onWarning);
    }
  });

  it('429 with Retry-After is one attempt and a RateLimitedError carrying the delay', async () => {
    fake.answer = () => apiError(429, 'rateLimitExceeded', 'slow down', { 'retry-after': '7' });
    const d = createGcsDriver({ bucket: BUCKET, apiEndpoint: endpoint });
    const before = fake.requests.length;
    const error = await failure(d.getMutable('k'));
    expect(isStorageError(error, ErrorCode.RateLimited)).toBe(true);
    expect(error).toBeInstanceOf(RateLimitedError);
    expect((error as RateLimitedError).retryAfterMs).toBe(7000);
    expect(fake.requests.length - before).toBe(1);
  });
});
