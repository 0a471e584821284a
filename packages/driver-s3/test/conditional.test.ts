import { createHash } from 'node:crypto';
import { assertRejectsWith, patternBytes } from '@blockstack-storage/conformance';
import { ErrorCode, readBody, type StorageDriver } from '@blockstack-storage/core/driver';
import { afterAll, beforeAll, expect, it } from 'vitest';
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
const text = (s: string) => new TextEncoder().encode(s);
const read = async (d: StorageDriver, id: string) => {
  const object = await d.getMutable(id);
  return object ? Buffer.from(await readBody(object.body)).toString() : null;
};

describeWithS3('conditional writes (If-None-Match / If-Match)', () => {
  const bucket = testBucketName('conditional');
  const raw = rawClient();
  const recorder = recordingClient();
  let driver: StorageDriver;
  beforeAll(async () => {
    driver = createS3Driver(testOptions(bucket, { client: recorder.client, multipartThreshold: 5 * MiB }));
    await driver.init?.();
  });
  afterAll(() => removeBucket(raw, bucket));

  it('ifNoneMatch "*" creates once, then refuses with ConflictError', async () => {
    const first = await driver.putMutable('create-once', text('one'), { ifNoneMatch: '*' });
    expect(first.etag).toBeTruthy();
    await assertRejectsWith(
      driver.putMutable('create-once', text('two'), { ifNoneMatch: '*' }),
      ErrorCode.Conflict,
      's3',
    );
    expect(await read(driver, 'create-once')).toBe('one');
    // The header really went to the server (the refusal is the server's, not a client-side check).
    const sent = recorder.commands.filter((c) => c.name === 'PutObject' && c.input.IfNoneMatch === '*');
    expect(sent.length).toBe(2);
  });

  it('ifMatch succeeds with the current etag (quoted or bare) and fails with any other', async () => {
    const v1 = await driver.putMutable('compare-and-swap', text('v1'));
    await assertRejectsWith(
      driver.putMutable('compare-and-swap', text('x'), { ifMatch: '"0123456789abcdef0123456789abcdef"' }),
      ErrorCode.Conflict,
      's3',
    );
    const v2 = await driver.putMutable('compare-and-swap', text('v2'), { ifMatch: v1.etag! });
    expect(await read(driver, 'compare-and-swap')).toBe('v2');
    await assertRejectsWith(
      driver.putMutable('compare-and-swap', text('stale'), { ifMatch: v1.etag! }),
      ErrorCode.Conflict,
      's3',
    );
    const bare = v2.etag!.replace(/"/g, '');
    await driver.putMutable('compare-and-swap', text('v3'), { ifMatch: bare });
    expect(await read(driver, 'compare-and-swap')).toBe('v3');
  });

  it('ifMatch on a missing key fails with ConflictError', async () => {
    await assertRejectsWith(
      driver.putMutable('never-written', text('x'), { ifMatch: '"0123456789abcdef0123456789abcdef"' }),
      ErrorCode.Conflict,
      's3',
    );
    expect(await driver.getMutable('never-written')).toBeNull();
  });

  it('the immutable path honours ifNoneMatch too', async () => {
    const value = text('immutable once');
    const hash = createHash('sha256').update(value).digest('hex');
    await driver.putImmutable(hash, value, { ifNoneMatch: '*' });
    await assertRejectsWith(driver.putImmutable(hash, value, { ifNoneMatch: '*' }), ErrorCode.Conflict, 's3');
  });

  it('multipart values: conditions hold and a refused upload leaves no parts behind', async () => {
    const big = patternBytes(12 * MiB, 4);
    const created = await driver.putMutable('big-conditional', big, { ifNoneMatch: '*' });
    expect(created.etag).toBeTruthy();
    await assertRejectsWith(
      driver.putMutable('big-conditional', big, { ifNoneMatch: '*' }),
      ErrorCode.Conflict,
      's3',
    );
    await assertRejectsWith(
      driver.putMutable('big-conditional', big, { ifMatch: '"0123456789abcdef0123456789abcdef-2"' }),
      ErrorCode.Conflict,
      's3',
    );
    expect(await openUploads(raw, bucket)).toEqual([]);
    const replaced = await driver.putMutable('big-conditional', patternBytes(11 * MiB, 5), {
      ifMatch: created.etag!,
    });
    expect(replaced.etag).toBeTruthy();
    expect(replaced.etag).not.toBe(created.etag);
    const object = await driver.getMutable('big-conditional');
    expect(object?.size).toBe(11 * MiB);
    expect(object?.etag).toBe(replaced.etag);
  });
});
