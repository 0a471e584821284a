/**
 * What the Cloud Storage emulator cannot show, against a local server that answers like the GCS JSON
 * API (fake-gcs-api.ts). Each expectation follows Google's documentation of the JSON API:
 * - request preconditions: `ifGenerationMatch=0` succeeds only if no live object exists; any other
 *   value must equal the live generation; otherwise HTTP 412 `conditionNotMet`;
 * - status codes: 403 = the caller lacks a permission on the bucket; 429 = too many requests (back
 *   off, honour `Retry-After`); 408/5xx = transient, retry with exponential backoff; 404 on a bucket
 *   listing = no such bucket;
 * - resumable uploads: a POST with `uploadType=resumable` opens a session (its URI in `Location`), the
 *   data goes by PUT to that URI, and a DELETE on the URI cancels the session (answer 499); an object
 *   appears only when the upload completes.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { assertRejectsWith, patternBytes, streamPattern } from '@blockstack-storage/conformance';
import { withDriverPolicy } from '@blockstack-storage/core';
import { ErrorCode, isStorageError, type RateLimitedError, readBody } from '@blockstack-storage/core/driver';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createGcsDriver, createGcsDriverFromConfig, type UploadKind } from '../src/index.js';
import { apiError, FakeGcsApi } from './fake-gcs-api.js';

const MiB = 1024 * 1024;
const BUCKET = 'fake-bucket';
const fake = new FakeGcsApi();
let endpoint = '';
let keyDir = '';
let keyFile = '';
// A service-account key shaped like Google's, with markers that must never reach an error.
const SECRET_MARKER = 'NEVER-IN-ERRORS-0123456789';

beforeAll(async () => {
  endpoint = await fake.start();
  keyDir = await mkdtemp(join(tmpdir(), 'bss-gcs-key-'));
  keyFile = join(keyDir, 'key.json');
  await writeFile(
    keyFile,
    JSON.stringify({
      type: 'service_account',
      project_id: 'demo',
      private_key_id: SECRET_MARKER,
      private_key: `-----BEGIN PRIVATE KEY-----\n${SECRET_MARKER}\n-----END PRIVATE KEY-----\n`,
      client_email: 'driver@demo.iam.gserviceaccount.com',
    }),
  );
});
afterAll(async () => {
  await fake.stop();
  await rm(keyDir, { recursive: true, force: true });
});
beforeEach(() => fake.reset());

function driver(config: Record<string, string> = {}) {
  return createGcsDriverFromConfig({
    bucket: BUCKET,
    api_endpoint: endpoint,
    key_file: keyFile,
    ...config,
  });
}

async function caught(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected the operation to fail');
}

function expectNoSecrets(error: unknown): void {
  const seen = [
    String(error),
    (error as Error).stack ?? '',
    JSON.stringify(error),
    String((error as Error).cause),
    JSON.stringify((error as Error).cause ?? null),
  ].join('\n');
  expect(seen).not.toContain(SECRET_MARKER);
  expect(seen).not.toContain('PRIVATE KEY');
}

describe('preconditions (ifGenerationMatch)', () => {
  it('ifNoneMatch is sent as ifGenerationMatch=0 and a 412 becomes ConflictError', async () => {
    const d = driver();
    const first = await d.putMutable('cond', Uint8Array.of(1), { ifNoneMatch: '*' });
    expect(fake.requests.at(-1)?.query.get('ifGenerationMatch')).toBe('0');
    expect(first.etag).toMatch(/^\d+$/);
    await assertRejectsWith(
      d.putMutable('cond', Uint8Array.of(2), { ifNoneMatch: '*' }),
      ErrorCode.Conflict,
      'gcs',
    );
    expect(fake.requests.at(-1)?.query.get('ifGenerationMatch')).toBe('0');
  });

  it('ifMatch is sent as the generation; a stale one is a ConflictError, the current one succeeds', async () => {
    const d = driver();
    const first = await d.putMutable('cond', Uint8Array.of(1));
    const second = await d.putMutable('cond', Uint8Array.of(2));
    await assertRejectsWith(
      d.putMutable('cond', Uint8Array.of(3), { ifMatch: first.etag }),
      ErrorCode.Conflict,
      'gcs',
    );
    expect(fake.requests.at(-1)?.query.get('ifGenerationMatch')).toBe(first.etag);
    const third = await d.putMutable('cond', Uint8Array.of(4), { ifMatch: `"${second.etag}"` });
    expect(fake.requests.at(-1)?.query.get('ifGenerationMatch')).toBe(second.etag);
    expect(Number(third.etag)).toBeGreaterThan(Number(second.etag));
    const object = await d.getMutable('cond');
    expect(object?.etag).toBe(third.etag);
    expect([...(await readBody(object!.body))]).toEqual([4]);
  });

  it('a resumable upload carries the precondition when it opens the session', async () => {
    const d = driver({ resumable_threshold: String(64 * 1024) });
    await d.putMutable('big', patternBytes(MiB, 1));
    const err = await caught(d.putMutable('big', patternBytes(MiB, 2), { ifNoneMatch: '*' }));
    expect(isStorageError(err, ErrorCode.Conflict)).toBe(true);
    const open = fake.requests.filter((r) => r.method === 'POST').at(-1);
    expect(open?.query.get('uploadType')).toBe('resumable');
    expect(open?.query.get('ifGenerationMatch')).toBe('0');
  });
});

describe('error mapping', () => {
  it('403 on a put is a PermissionError naming the bucket, with no credentials in it', async () => {
    fake.answer = () =>
      apiError(
        403,
        'forbidden',
        'driver@demo.iam.gserviceaccount.com does not have storage.objects.create access',
      );
    const err = await caught(driver().putMutable('x', Uint8Array.of(1)));
    expect(isStorageError(err, ErrorCode.Permission)).toBe(true);
    expect((err as Error).message).toContain(`bucket "${BUCKET}"`);
    expect((err as { key?: string }).key).toBe('x'); // the caller's id, not the object name
    expect((err as Error).message).toContain('roles/storage.objectUser');
    expect((err as { retryable: boolean }).retryable).toBe(false);
    expectNoSecrets(err);
  });

  it('403 on a get is a PermissionError', async () => {
    fake.answer = () => apiError(403, 'forbidden', 'no storage.objects.get access');
    const err = await caught(driver().getMutable('x'));
    expect(isStorageError(err, ErrorCode.Permission)).toBe(true);
    expect((err as Error).message).toContain(BUCKET);
    expectNoSecrets(err);
  });

  it('429 is a retryable RateLimitedError carrying Retry-After', async () => {
    fake.answer = () =>
      apiError(429, 'rateLimitExceeded', 'The object exceeded the rate limit', { 'retry-after': '7' });
    const err = await caught(driver().getMutable('x'));
    expect(isStorageError(err, ErrorCode.RateLimited)).toBe(true);
    expect((err as RateLimitedError).retryable).toBe(true);
    expect((err as RateLimitedError).retryAfterMs).toBe(7000);
  });

  it('429 on a put is a retryable RateLimitedError too', async () => {
    fake.answer = () => apiError(429, 'rateLimitExceeded', 'slow down');
    const err = await caught(driver().putMutable('x', Uint8Array.of(1)));
    expect(isStorageError(err, ErrorCode.RateLimited)).toBe(true);
    expect((err as RateLimitedError).retryable).toBe(true);
  });

  it('503 is a retryable UnavailableError, on get and on put', async () => {
    fake.answer = () => apiError(503, 'backendError', 'Backend Error');
    for (const op of [driver().getMutable('x'), driver().putMutable('x', Uint8Array.of(1))]) {
      const err = await caught(op);
      expect(isStorageError(err, ErrorCode.Unavailable)).toBe(true);
      expect((err as { retryable: boolean }).retryable).toBe(true);
      expect((err as Error).message).toContain(BUCKET);
    }
  });

  it("reads and deletes are retried on 503 and 429 by core's policy layer, not by the driver", async () => {
    const bare = createGcsDriver({ bucket: BUCKET, apiEndpoint: endpoint });
    const d = withDriverPolicy(bare, { retries: 2, baseDelayMs: 1, maxDelayMs: 1 });
    await d.putMutable('x', Uint8Array.of(9));
    const failing = (method: string, failures: number) => {
      fake.answer = (r) => {
        if (r.method !== method || failures-- <= 0) return undefined;
        return failures % 2
          ? apiError(503, 'backendError', 'Backend Error')
          : apiError(429, 'rateLimitExceeded', 'slow down', { 'retry-after': '0' });
      };
    };
    failing('GET', 2);
    const object = await d.getMutable('x');
    expect([...(await readBody(object!.body))]).toEqual([9]);
    expect(fake.requests.filter((r) => r.method === 'GET')).toHaveLength(3);
    failing('DELETE', 2);
    await d.deleteMutable('x');
    expect(fake.objects.has('mutable/x')).toBe(false);
    // Past the policy's retries the typed error surfaces.
    failing('GET', 3); // 429, 503, 429: the last answer is the error
    await assertRejectsWith(d.getMutable('x'), ErrorCode.RateLimited, 'gcs');
    // The bare driver makes one attempt.
    failing('GET', 1);
    await assertRejectsWith(bare.getMutable('x'), ErrorCode.RateLimited, 'gcs');
  });

  it('an abort while the policy waits to retry is an AbortedError', async () => {
    const d = withDriverPolicy(createGcsDriver({ bucket: BUCKET, apiEndpoint: endpoint }), {
      retries: 5,
      baseDelayMs: 60_000,
      maxDelayMs: 60_000,
    });
    fake.answer = () => apiError(503, 'backendError', 'Backend Error');
    const controller = new AbortController();
    const pending = d.getMutable('x', { signal: controller.signal });
    await until(() => fake.requests.length > 0);
    controller.abort();
    await assertRejectsWith(pending, ErrorCode.Aborted, 'gcs');
  });

  it('init on a missing bucket is a ConfigurationError naming it', async () => {
    fake.answer = () => apiError(404, 'notFound', 'The specified bucket does not exist.');
    const err = await caught(driver().init!());
    expect(isStorageError(err, ErrorCode.Configuration)).toBe(true);
    expect((err as Error).message).toContain(BUCKET);
  });

  it('an unreachable endpoint is a retryable UnavailableError', async () => {
    const d = createGcsDriver({ bucket: BUCKET, apiEndpoint: 'http://127.0.0.1:9' });
    const err = await caught(d.getMutable('x'));
    expect(isStorageError(err, ErrorCode.Unavailable)).toBe(true);
    expect((err as { retryable: boolean }).retryable).toBe(true);
  });
});

describe('listing', () => {
  it('follows nextPageToken until the last page and strips the prefix', async () => {
    const d = driver({ prefix: 'app' });
    const ids = ['a', 'b', 'c', 'd', 'e'];
    for (const id of ids) await d.putMutable(id, Uint8Array.of(1));
    const listed: string[] = [];
    for await (const id of d.listMutable!()) listed.push(id);
    expect(listed.sort()).toEqual(ids);
    const pages = fake.requests.filter((r) => r.method === 'GET' && r.path.endsWith('/o'));
    expect(pages.map((r) => r.query.get('pageToken'))).toEqual([null, '2', '4']);
    expect(pages[0]?.query.get('prefix')).toBe('app/mutable/');
  });
});

describe('simple and resumable uploads', () => {
  function recordingDriver(threshold: number) {
    const kinds: UploadKind[] = [];
    const d = createGcsDriver({
      bucket: BUCKET,
      apiEndpoint: endpoint,
      resumableThresholdBytes: threshold,
      onUpload: (kind) => kinds.push(kind),
    });
    return { d, kinds };
  }

  it('puts up to the threshold are one multipart request; larger ones a resumable session', async () => {
    const { d, kinds } = recordingDriver(256 * 1024);
    await d.putMutable('small', patternBytes(256 * 1024, 1));
    expect(fake.requests.at(-1)?.query.get('uploadType')).toBe('multipart');
    await d.putMutable('large', patternBytes(256 * 1024 + 1, 1));
    const methods = fake.requests.slice(-2).map((r) => `${r.method} ${r.query.get('uploadType')}`);
    expect(methods).toEqual(['POST resumable', 'PUT resumable']);
    // A stream of unknown size is measured up to the threshold before choosing.
    await d.putMutable('streamed-small', streamPattern(200 * 1024, 2));
    await d.putMutable('streamed-large', streamPattern(3 * MiB, 2));
    expect(kinds).toEqual(['simple', 'resumable', 'simple', 'resumable']);
    expect(fake.objects.get('mutable/streamed-large')).toBeDefined();
  });

  it('an abort mid-upload aborts the request, cancels the session and stores nothing', async () => {
    const { d } = recordingDriver(64 * 1024);
    const controller = new AbortController();
    let abortAfter = 2 * MiB;
    fake.onBytes = (received) => {
      if (received >= abortAfter) {
        abortAfter = Number.POSITIVE_INFINITY;
        controller.abort(new Error('test abort'));
      }
    };
    async function* endless(): AsyncIterable<Uint8Array> {
      for (let i = 0; i < 64; i++) yield patternBytes(MiB, i);
    }
    await assertRejectsWith(
      d.putMutable('aborted', endless(), { signal: controller.signal }),
      ErrorCode.Aborted,
      'gcs',
    );
    await until(() => fake.requests.some((r) => r.method === 'DELETE' && r.path.startsWith('/upload/')));
    const put = fake.requests.find((r) => r.method === 'PUT');
    expect(put?.completed).toBe(false);
    expect(put!.bytes).toBeLessThan(64 * MiB);
    const cancel = fake.requests.find((r) => r.method === 'DELETE');
    const opened = fake.requests.find((r) => r.method === 'POST');
    expect(cancel?.query.get('upload_id')).toBeTruthy();
    expect(opened?.query.get('uploadType')).toBe('resumable');
    expect(fake.objects.has('mutable/aborted')).toBe(false);
  });

  it('a failed resumable upload cancels its session', async () => {
    const { d } = recordingDriver(64 * 1024);
    fake.answer = (r) => (r.method === 'PUT' ? apiError(503, 'backendError', 'Backend Error') : undefined);
    await assertRejectsWith(d.putMutable('failing', patternBytes(MiB, 3)), ErrorCode.Unavailable, 'gcs');
    await until(() => fake.requests.some((r) => r.method === 'DELETE'));
  });

  it('a 64 MiB streamed upload keeps memory bounded: the body is pulled only as the server reads', async () => {
    const { d, kinds } = recordingDriver(8 * MiB);
    let received = 0;
    let maxAhead = 0;
    fake.onBytes = (bytes) => {
      received = bytes;
    };
    async function* tracked(): AsyncIterable<Uint8Array> {
      let produced = 0;
      for await (const chunk of streamPattern(64 * MiB, 4)) {
        produced += chunk.byteLength;
        maxAhead = Math.max(maxAhead, produced - received);
        yield chunk;
      }
    }
    await d.putMutable('bounded', tracked(), { size: 64 * MiB });
    expect(kinds).toEqual(['resumable']);
    expect(fake.requests.find((r) => r.method === 'PUT')?.bytes).toBe(64 * MiB);
    // Buffers between us and the server (SDK queue, stream high-water marks, socket buffers) measured
    // about 8 MiB here; a driver that collected the body would be 64 MiB ahead.
    expect(maxAhead).toBeLessThan(24 * MiB);
  });
});

async function until(condition: () => boolean): Promise<void> {
  for (let i = 0; i < 200 && !condition(); i++) await new Promise((resolve) => setTimeout(resolve, 10));
  expect(condition()).toBe(true);
}
