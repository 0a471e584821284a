import { inspect } from 'node:util';
import { HeadBucketCommand } from '@aws-sdk/client-s3';
import { assertRejectsWith } from '@blockstack-storage/conformance';
import { ErrorCode, isStorageError, type StorageError } from '@blockstack-storage/core/driver';
import { afterAll, describe, expect, it } from 'vitest';
import { createS3Driver, mapS3Error } from '../src/index.js';
import {
  describeWithS3,
  rawClient,
  removeBucket,
  S3_ACCESS_KEY,
  testBucketName,
  testOptions,
} from './s3-server.js';

const text = (s: string) => new TextEncoder().encode(s);
const WRONG_SECRET = 'wrong-secret-9f3c2a-must-never-be-printed';

async function failure(promise: Promise<unknown>): Promise<StorageError> {
  try {
    await promise;
  } catch (error) {
    if (isStorageError(error)) return error;
    throw new Error(`not a StorageError: ${inspect(error)}`);
  }
  throw new Error('expected the operation to fail');
}

/** Everything an error could show: message, stack, its cause chain, every property. */
function everythingShown(error: unknown): string {
  return `${String(error)}\n${(error as Error).stack}\n${inspect(error, { depth: 8, showHidden: true })}\n${JSON.stringify(error)}`;
}

describeWithS3('error mapping on radosgw', () => {
  const raw = rawClient();
  const created: string[] = [];
  afterAll(async () => {
    for (const bucket of created) await removeBucket(raw, bucket);
  });

  it('a missing bucket is a ConfigurationError that says how to create it', async () => {
    const bucket = testBucketName('missing');
    const driver = createS3Driver(testOptions(bucket, { createBucket: false }));
    const error = await failure(driver.init!());
    expect(error.code).toBe(ErrorCode.Configuration);
    expect(error.driver).toBe('s3');
    expect(error.message).toContain(`"${bucket}" does not exist`);
    expect(error.message).toContain('create_bucket = true');
    expect(error.message).toContain(`aws s3api create-bucket --bucket ${bucket}`);
    // The same from an operation without an explicit init.
    await assertRejectsWith(driver.putMutable('x', text('x')), ErrorCode.Configuration, 's3');
    await driver.close?.();
  });

  it('create_bucket = true creates a missing bucket', async () => {
    const bucket = testBucketName('created');
    created.push(bucket);
    const driver = createS3Driver(testOptions(bucket, { createBucket: true }));
    await driver.init!();
    await raw.send(new HeadBucketCommand({ Bucket: bucket }));
    await driver.putMutable('x', text('x'));
    // A second driver on the same, now existing, bucket initialises too.
    await createS3Driver(testOptions(bucket, { createBucket: true })).init!();
    await driver.close?.();
  });

  it('create_bucket sends the region; one the server does not serve is a ConfigurationError', async () => {
    // radosgw's region is its zonegroup, "default" here.
    const bucket = testBucketName('region');
    created.push(bucket);
    await createS3Driver(testOptions(bucket, { region: 'default' })).init!();
    await raw.send(new HeadBucketCommand({ Bucket: bucket }));
    const elsewhere = createS3Driver(testOptions(testBucketName('region'), { region: 'eu-west-1' }));
    const error = await failure(elsewhere.init!());
    expect(error.code).toBe(ErrorCode.Configuration);
    expect(error.message).toContain('InvalidLocationConstraint');
    expect(error.message).toContain('region');
  });

  it('a wrong secret is a PermissionError naming the bucket and never the secret', async () => {
    const bucket = testBucketName('perm');
    created.push(bucket);
    await createS3Driver(testOptions(bucket)).init!();
    const driver = createS3Driver(
      testOptions(bucket, {
        credentials: { accessKeyId: S3_ACCESS_KEY, secretAccessKey: WRONG_SECRET },
        createBucket: false,
        maxAttempts: 1,
      }),
    );
    for (const operation of [
      () => driver.init!(),
      () => driver.putMutable('secret-test', text('x')),
      () => driver.getMutable('secret-test'),
      () => driver.deleteMutable('secret-test'),
    ]) {
      const error = await failure(operation());
      expect(error.code).toBe(ErrorCode.Permission);
      expect(error.retryable).toBe(false);
      expect(error.message).toContain(`"${bucket}"`);
      expect(error.message).toMatch(/SignatureDoesNotMatch|AccessDenied/);
      expect(everythingShown(error)).not.toContain(WRONG_SECRET);
    }
  });

  it('an unknown access key is a PermissionError that says to check api_key_id', async () => {
    const bucket = testBucketName('perm2');
    created.push(bucket);
    await createS3Driver(testOptions(bucket)).init!();
    const driver = createS3Driver(
      testOptions(bucket, {
        credentials: { accessKeyId: 'NO-SUCH-KEY-ID', secretAccessKey: WRONG_SECRET },
        maxAttempts: 1,
      }),
    );
    const error = await failure(driver.putMutable('x', text('x')));
    expect(error.code).toBe(ErrorCode.Permission);
    // HeadBucket (the first request) has no body, so radosgw's code is only known on later requests.
    expect(error.message).toMatch(/InvalidAccessKeyId|AccessDenied/);
    expect(error.message).toContain('api_key_id');
    const later = await failure(driver.getMutable('x'));
    expect(later.code).toBe(ErrorCode.Permission);
    expect(everythingShown(error)).not.toContain(WRONG_SECRET);
  });

  it('an endpoint nobody listens on is a retryable UnavailableError', async () => {
    const driver = createS3Driver(
      testOptions('bss-unreachable', { endpoint: 'http://127.0.0.1:9', maxAttempts: 1 }),
    );
    const error = await failure(driver.getMutable('x'));
    expect(error.code).toBe(ErrorCode.Unavailable);
    expect(error.retryable).toBe(true);
    expect(error.message).toContain('http://127.0.0.1:9');
  });
});

describe('error mapping of SDK error shapes', () => {
  const context = { bucket: 'b', key: 'mutable/k', operation: 'PutObject' };
  const sdkError = (name: string, status: number, headers: Record<string, string> = {}) =>
    Object.assign(new Error('UnknownError'), {
      name,
      $metadata: { httpStatusCode: status },
      $response: { statusCode: status, headers },
    });

  it('SlowDown and 503 are retryable RateLimitedErrors with the asked delay', () => {
    const slow = mapS3Error(sdkError('SlowDown', 503, { 'retry-after': '2' }), context);
    expect(slow.code).toBe(ErrorCode.RateLimited);
    expect(slow.retryable).toBe(true);
    expect((slow as StorageError & { retryAfterMs?: number }).retryAfterMs).toBe(2000);
    expect(mapS3Error(sdkError('ServiceUnavailable', 503), context).code).toBe(ErrorCode.RateLimited);
    expect(mapS3Error(sdkError('Unknown', 429), context).code).toBe(ErrorCode.RateLimited);
  });

  it('maps the other codes to their typed errors', () => {
    const cases: Array<[string, number, string]> = [
      ['PreconditionFailed', 412, ErrorCode.Conflict],
      ['ConditionalRequestConflict', 409, ErrorCode.Conflict],
      ['AccessDenied', 403, ErrorCode.Permission],
      ['InvalidAccessKeyId', 403, ErrorCode.Permission],
      ['ExpiredToken', 400, ErrorCode.Permission],
      ['NoSuchBucket', 404, ErrorCode.Configuration],
      ['PermanentRedirect', 301, ErrorCode.Configuration],
      ['EntityTooLarge', 400, ErrorCode.TooLarge],
      ['InternalError', 500, ErrorCode.Unavailable],
    ];
    for (const [name, status, code] of cases) {
      const error = mapS3Error(sdkError(name, status), context);
      expect(error.code, name).toBe(code);
      expect(error.driver).toBe('s3');
      expect(error.key).toBe('mutable/k');
      expect(error.message).toContain('"b"');
    }
  });

  it('maps network, abort and missing-credential errors', () => {
    const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), { code: 'ECONNREFUSED' });
    expect(mapS3Error(refused, context).code).toBe(ErrorCode.Unavailable);
    const abort = Object.assign(new Error('aborted'), { name: 'AbortError' });
    expect(mapS3Error(abort, context).code).toBe(ErrorCode.Aborted);
    const noCredentials = Object.assign(new Error('Could not load credentials from any providers'), {
      name: 'CredentialsProviderError',
    });
    const error = mapS3Error(noCredentials, context);
    expect(error.code).toBe(ErrorCode.Permission);
    expect(error.message).toContain('BLOCKSTACK_S3_API_KEY_ID');
  });
});
