import { PutObjectCommand } from '@aws-sdk/client-s3';
import { readBody, type StorageDriver, storageKey } from '@blockstack-storage/core/driver';
import { afterAll, beforeAll, beforeEach, expect, it } from 'vitest';
import { createS3Driver } from '../src/index.js';
import { recordingClient } from './recording-client.js';
import { describeWithS3, rawClient, removeBucket, testBucketName, testOptions } from './s3-server.js';

const text = (s: string) => new TextEncoder().encode(s);
const read = async (d: StorageDriver, id: string) => {
  const object = await d.getMutable(id);
  return object ? Buffer.from(await readBody(object.body)).toString() : null;
};

/**
 * radosgw is read-after-write consistent, so a lagging replica is simulated in front of it: while
 * `staleReads` is positive, a GetObject of the watched key is served from `<key>.stale`, a real object
 * holding an older version (as a lagging replica would serve it, with that version's ETag).
 */
describeWithS3('read-your-writes masking (read_your_writes = masked)', () => {
  const bucket = testBucketName('ryw');
  const raw = rawClient();
  const id = 'profile';
  const key = storageKey('mutable', id);
  let staleReads = 0;
  let gets = 0;
  const hooks = {
    before: (name: string, input: Record<string, unknown>) => {
      if (name !== 'GetObject' || input.Key !== key) return;
      gets++;
      if (staleReads > 0) {
        staleReads--;
        input.Key = `${key}.stale`;
      }
    },
  };
  const masked = createS3Driver(
    testOptions(bucket, {
      client: recordingClient(hooks).client,
      readYourWrites: 'masked',
      maskedReadAttempts: 4,
    }),
  );
  const unmasked = createS3Driver(testOptions(bucket, { client: recordingClient(hooks).client }));

  beforeAll(async () => {
    await masked.init?.();
    await raw.send(new PutObjectCommand({ Bucket: bucket, Key: `${key}.stale`, Body: 'old version' }));
  });
  afterAll(() => removeBucket(raw, bucket));
  beforeEach(() => {
    gets = 0;
    staleReads = 0;
  });

  it('declares how it gets read-your-writes', () => {
    expect(masked.capabilities.readYourWrites).toBe('masked');
    expect(unmasked.capabilities.readYourWrites).toBe('provider');
  });

  it('without masking, a lagging server returns the older version (what masking is for)', async () => {
    await unmasked.putMutable(id, text('new version'));
    staleReads = 2;
    expect(await read(unmasked, id)).toBe('old version');
  });

  it('re-reads until the server returns the version this process wrote', async () => {
    await masked.putMutable(id, text('new version'));
    staleReads = 2;
    expect(await read(masked, id)).toBe('new version');
    expect(gets).toBe(3);
  });

  it('a delete is masked too: a lagging copy is not resurrected', async () => {
    await masked.putMutable(id, text('to be deleted'));
    await masked.deleteMutable(id);
    staleReads = 1;
    expect(await read(masked, id)).toBeNull();
    expect(gets).toBe(2);
  });

  it('after its attempts it trusts the server (another client may have written since)', async () => {
    await masked.putMutable(id, text('mine'));
    staleReads = 100;
    expect(await read(masked, id)).toBe('old version');
    expect(gets).toBe(4);
  });
});
