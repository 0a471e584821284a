import { createHash } from 'node:crypto';
import { inflateSync } from 'node:zlib';
import { GetObjectCommand } from '@aws-sdk/client-s3';
import { SAMPLE_ZONE_FILE, streamPattern } from '@blockstack-storage/conformance';
import { readBody, type StorageDriver, storageKey } from '@blockstack-storage/core/driver';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { COMPRESSION_METADATA_KEY, createS3Driver } from '../src/index.js';
import { describeWithS3, rawClient, removeBucket, testBucketName, testOptions } from './s3-server.js';

const MiB = 1024 * 1024;
const compressible = new TextEncoder().encode(SAMPLE_ZONE_FILE.repeat(2000));
const sha = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

describeWithS3('compress (zlib, reads both forms)', () => {
  const bucket = testBucketName('compress');
  const raw = rawClient();
  let compressing: StorageDriver;
  let plain: StorageDriver;
  beforeAll(async () => {
    compressing = createS3Driver(testOptions(bucket, { compress: true, multipartThreshold: 5 * MiB }));
    plain = createS3Driver(testOptions(bucket, { compress: false }));
    await compressing.init?.();
  });
  afterAll(() => removeBucket(raw, bucket));

  async function rawObject(key: string) {
    const response = await raw.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
    return { response, bytes: new Uint8Array(await response.Body!.transformToByteArray()) };
  }

  it('stores zlib-compressed bytes, marked, and returns the original', async () => {
    await compressing.putMutable('zone', compressible);
    const { response, bytes } = await rawObject(storageKey('mutable', 'zone'));
    expect(response.ContentEncoding).toBe('deflate');
    expect(response.Metadata?.[COMPRESSION_METADATA_KEY]).toBe('zlib');
    expect(bytes.byteLength).toBeLessThan(compressible.byteLength / 10);
    expect(sha(inflateSync(bytes))).toBe(sha(compressible));
    const object = await compressing.getMutable('zone');
    expect(object?.size).toBeUndefined(); // the stored size is the compressed one, so none is claimed
    expect(sha(await readBody(object!.body))).toBe(sha(compressible));
  });

  it('a driver with compress off reads compressed values, and the other way round', async () => {
    await compressing.putMutable('written-compressed', compressible);
    await plain.putMutable('written-plain', compressible);
    const { response } = await rawObject(storageKey('mutable', 'written-plain'));
    expect(response.ContentEncoding).toBeUndefined();
    for (const driver of [plain, compressing]) {
      for (const id of ['written-compressed', 'written-plain']) {
        expect(sha(await readBody((await driver.getMutable(id))!.body)), id).toBe(sha(compressible));
      }
    }
  });

  it('streams a compressed value of many parts', async () => {
    const total = 24 * MiB;
    const expected = createHash('sha256');
    for await (const chunk of streamPattern(total, 3)) expected.update(chunk);
    await compressing.putMutable('big', streamPattern(total, 3));
    const actual = createHash('sha256');
    for await (const chunk of (await plain.getMutable('big'))!.body) actual.update(chunk);
    expect(actual.digest('hex')).toBe(expected.digest('hex'));
  });
});
