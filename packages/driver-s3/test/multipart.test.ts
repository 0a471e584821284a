import { createHash } from 'node:crypto';
import { HeadObjectCommand } from '@aws-sdk/client-s3';
import { assertRejectsWith, patternBytes } from '@blockstack-storage/conformance';
import {
  ErrorCode,
  isStorageError,
  readBody,
  type StorageDriver,
  storageKey,
} from '@blockstack-storage/core/driver';
import { afterAll, beforeAll, beforeEach, expect, it } from 'vitest';
import { createS3Driver } from '../src/index.js';
import { recordingClient } from './recording-client.js';
import {
  describeWithS3,
  openUploads,
  rawClient,
  removeBucket,
  testBucketName,
  testOptions,
} from './s3-server.js';

const MiB = 1024 * 1024;
const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString('hex');
const sha = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');
const PART = 5 * MiB;
const CONCURRENCY = 2;
const PREFIX = 'mp';

describeWithS3('multipart uploads', () => {
  const bucket = testBucketName('multipart');
  const raw = rawClient();
  let failPart: number | undefined;
  let ackedBytes = 0;
  const recorder = recordingClient({
    before: (name, input) => {
      if (name === 'UploadPart' && input.PartNumber === failPart) {
        // What the SDK throws for a 500 from the server (after its own retries).
        throw Object.assign(new Error('injected'), {
          name: 'InternalError',
          $metadata: { httpStatusCode: 500 },
        });
      }
    },
    after: (name, input) => {
      if (name === 'UploadPart') ackedBytes += (input.Body as Uint8Array).byteLength;
    },
  });
  let driver: StorageDriver;

  beforeAll(async () => {
    driver = createS3Driver(
      testOptions(bucket, {
        client: recorder.client,
        prefix: PREFIX,
        multipartThreshold: PART,
        uploadConcurrency: CONCURRENCY,
      }),
    );
    await driver.init?.();
  });
  afterAll(() => removeBucket(raw, bucket));
  beforeEach(() => {
    recorder.commands.length = 0;
    failPart = undefined;
    ackedBytes = 0;
  });

  /** 256 KiB chunks of a deterministic pattern; records how far ahead of the server the reader got. */
  function source(total: number, onChunk?: (pulled: number) => void) {
    let pulled = 0;
    const stats = { maxAhead: 0 };
    async function* chunks(): AsyncIterable<Uint8Array> {
      for (let offset = 0, n = 0; offset < total; offset += 256 * 1024, n++) {
        const chunk = patternBytes(Math.min(256 * 1024, total - offset), 100 + n);
        pulled += chunk.byteLength;
        stats.maxAhead = Math.max(stats.maxAhead, pulled - ackedBytes);
        onChunk?.(pulled);
        yield chunk;
      }
    }
    return { chunks, stats };
  }

  async function sha256Of(body: AsyncIterable<Uint8Array>): Promise<string> {
    const hash = createHash('sha256');
    for await (const chunk of body) hash.update(chunk);
    return hash.digest('hex');
  }

  it('streams a value above the threshold in parts, holding a bounded amount in memory', async () => {
    const total = 40 * MiB;
    const { chunks, stats } = source(total);
    const expected = await sha256Of(source(total).chunks());
    ackedBytes = 0;
    const result = await driver.putMutable('big', chunks());
    const names = recorder.names();
    expect(names.filter((n) => n === 'CreateMultipartUpload')).toHaveLength(1);
    expect(names.filter((n) => n === 'UploadPart')).toHaveLength(8);
    expect(names.filter((n) => n === 'CompleteMultipartUpload')).toHaveLength(1);
    expect(names).not.toContain('PutObject');
    // Parts in flight, the one being filled, and what the threshold check read ahead: never the value.
    expect(stats.maxAhead).toBeLessThanOrEqual((CONCURRENCY + 2) * PART + 256 * 1024);
    expect(stats.maxAhead).toBeLessThan(total / 2);
    const object = await driver.getMutable('big');
    expect(object?.size).toBe(total);
    expect(await sha256Of(object!.body)).toBe(expected);
    expect(await openUploads(raw, bucket, PREFIX)).toEqual([]);

    // radosgw answers CompleteMultipartUpload with an empty ETag; the driver asks for the stored one.
    const complete = recorder.commands.find((c) => c.name === 'CompleteMultipartUpload');
    const head = await raw.send(
      new HeadObjectCommand({ Bucket: bucket, Key: `${PREFIX}/${storageKey('mutable', 'big')}` }),
    );
    expect(head.ETag).toBeTruthy();
    expect(result.etag).toBe(head.ETag);
    if (complete?.output?.ETag === '') expect(recorder.names()).toContain('HeadObject');
    // The etag is usable for a conditional overwrite.
    await driver.putMutable('big', Uint8Array.of(1), { ifMatch: result.etag! });
    expect(hex(await readBody((await driver.getMutable('big'))!.body))).toBe('01');
  });

  it('sends a value of exactly the threshold in one PutObject', async () => {
    const value = patternBytes(PART, 9);
    await driver.putMutable(
      'at-threshold',
      (async function* () {
        yield value.subarray(0, MiB);
        yield value.subarray(MiB);
      })(),
    );
    expect(recorder.names().filter((n) => n !== 'HeadObject')).toEqual(['PutObject']);
    expect(sha(await readBody((await driver.getMutable('at-threshold'))!.body))).toBe(sha(value));
  });

  it('an abort in the middle aborts the upload on the server and keeps the old value', async () => {
    await driver.putMutable('aborted', Uint8Array.of(7));
    recorder.commands.length = 0;
    const controller = new AbortController();
    const { chunks } = source(30 * MiB, (pulled) => {
      if (pulled >= 17 * MiB) controller.abort(new Error('test abort'));
    });
    await assertRejectsWith(
      driver.putMutable('aborted', chunks(), { signal: controller.signal }),
      ErrorCode.Aborted,
      's3',
    );
    expect(recorder.names()).toContain('CreateMultipartUpload');
    expect(recorder.names()).toContain('AbortMultipartUpload');
    expect(recorder.names()).not.toContain('CompleteMultipartUpload');
    expect(await openUploads(raw, bucket, PREFIX)).toEqual([]);
    expect(hex(await readBody((await driver.getMutable('aborted'))!.body))).toBe('07');
  });

  for (const [label, before] of [
    ['below the threshold', 1],
    ['in a multipart upload', 12],
  ] as const) {
    it(`an abort while the body stalls ends the put at once (${label})`, async () => {
      const controller = new AbortController();
      async function* stalls(): AsyncIterable<Uint8Array> {
        for (let i = 0; i < before; i++) yield patternBytes(MiB, i);
        controller.abort(new Error('caller gave up'));
        await new Promise(() => {}); // never yields again
      }
      await assertRejectsWith(
        driver.putMutable(`stalled-${before}`, stalls(), { signal: controller.signal }),
        ErrorCode.Aborted,
        's3',
      );
      expect(await openUploads(raw, bucket, PREFIX)).toEqual([]);
      expect(await driver.getMutable(`stalled-${before}`)).toBeNull();
    });
  }

  it('a body that fails in the middle aborts the upload and keeps the old value', async () => {
    await driver.putMutable('failed-body', Uint8Array.of(8));
    async function* failing(): AsyncIterable<Uint8Array> {
      for (let i = 0; i < 14; i++) yield patternBytes(MiB, i);
      throw new Error('the source broke');
    }
    let caught: unknown;
    await driver.putMutable('failed-body', failing()).catch((error) => {
      caught = error;
    });
    expect(isStorageError(caught)).toBe(true);
    expect(String((caught as Error).message)).toContain('the source broke');
    expect(recorder.names()).toContain('AbortMultipartUpload');
    expect(await openUploads(raw, bucket, PREFIX)).toEqual([]);
    expect(hex(await readBody((await driver.getMutable('failed-body'))!.body))).toBe('08');
  });

  it('a part the server fails aborts the upload with a retryable UnavailableError', async () => {
    failPart = 3;
    await assertRejectsWith(
      driver.putMutable('failed-part', source(30 * MiB).chunks()),
      ErrorCode.Unavailable,
      's3',
    );
    expect(recorder.names()).toContain('AbortMultipartUpload');
    expect(recorder.names()).not.toContain('CompleteMultipartUpload');
    expect(await openUploads(raw, bucket, PREFIX)).toEqual([]);
    expect(await driver.getMutable('failed-part')).toBeNull();
  });
});
