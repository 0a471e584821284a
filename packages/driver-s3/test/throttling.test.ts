import { withDriverPolicy } from '@blockstack-storage/core';
import { ErrorCode, isStorageError, readBody, type StorageError } from '@blockstack-storage/core/driver';
import { afterAll, beforeAll, beforeEach, expect, it } from 'vitest';
import { createS3Driver } from '../src/index.js';
import { type InjectedFault, startFaultProxy } from './fault-proxy.js';
import {
  describeWithS3,
  rawClient,
  removeBucket,
  S3_ENDPOINT,
  testBucketName,
  testOptions,
} from './s3-server.js';

const slowDown: InjectedFault = { status: 503, code: 'SlowDown', headers: { 'retry-after': '3' } };

async function failure(promise: Promise<unknown>): Promise<StorageError> {
  try {
    await promise;
  } catch (error) {
    if (isStorageError(error)) return error;
    throw error;
  }
  throw new Error('expected the operation to fail');
}

/** Real HTTP error answers (parsed by the SDK) injected in front of radosgw, which never throttles. */
describeWithS3('throttling and server errors over HTTP', () => {
  const bucket = testBucketName('throttle');
  let proxy: Awaited<ReturnType<typeof startFaultProxy>>;
  beforeAll(async () => {
    proxy = await startFaultProxy(S3_ENDPOINT);
    await createS3Driver(testOptions(bucket)).init!();
  });
  afterAll(async () => {
    await proxy.close();
    await removeBucket(rawClient(), bucket);
  });
  beforeEach(() => {
    proxy.faults.length = 0;
  });
  const driver = (maxAttempts: number) =>
    createS3Driver(testOptions(bucket, { endpoint: proxy.endpoint, maxAttempts }));

  it('SlowDown is a retryable RateLimitedError carrying Retry-After', async () => {
    const d = driver(1);
    await d.init!();
    proxy.faults.push(slowDown);
    const error = await failure(d.putMutable('k', Uint8Array.of(1)));
    expect(error.code).toBe(ErrorCode.RateLimited);
    expect(error.retryable).toBe(true);
    expect((error as StorageError & { retryAfterMs?: number }).retryAfterMs).toBe(3000);
    expect(error.message).toContain('SlowDown');
    expect(error.message).toContain(bucket);
  });

  it("core's policy layer retries a SlowDown (the driver itself does not)", async () => {
    const bare = driver(1);
    await bare.init!();
    proxy.faults.push({ ...slowDown, headers: {} });
    expect((await failure(bare.putMutable('k', Uint8Array.of(2)))).code).toBe(ErrorCode.RateLimited);
    const d = withDriverPolicy(bare, { retries: 2, baseDelayMs: 1, maxDelayMs: 1 });
    proxy.faults.push({ ...slowDown, headers: {} }, { ...slowDown, headers: {} });
    await d.putMutable('k', Uint8Array.of(2));
    expect(proxy.faults).toHaveLength(0);
    expect([...(await readBody((await d.getMutable('k'))!.body))]).toEqual([2]);
  });

  it('a 500 is a retryable UnavailableError; a 503 on a HEAD (no body) is rate limiting', async () => {
    const d = driver(1);
    await d.init!();
    proxy.faults.push({ status: 500, code: 'InternalError' });
    const error = await failure(d.getMutable('k'));
    expect(error.code).toBe(ErrorCode.Unavailable);
    expect(error.retryable).toBe(true);

    const fresh = driver(1);
    proxy.faults.push({ status: 503, code: 'SlowDown' });
    expect((await failure(fresh.init!())).code).toBe(ErrorCode.RateLimited);
  });
});
