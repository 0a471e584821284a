import { createHash } from 'node:crypto';
import { afterAll, expect, it } from 'vitest';
import { createS3Driver } from '../src/index.js';
import { recordingClient } from './recording-client.js';
import { describeWithS3, rawClient, removeBucket, testBucketName, testOptions } from './s3-server.js';

describeWithS3('listing', () => {
  const bucket = testBucketName('list');
  afterAll(() => removeBucket(rawClient(), bucket));

  it('follows continuation tokens across pages and stays inside its prefix and path', async () => {
    // Pages of 2 keys (the server's default is 1000), so five values need three pages.
    const recorder = recordingClient({
      before: (name, input) => {
        if (name === 'ListObjectsV2') input.MaxKeys = 2;
      },
    });
    const driver = createS3Driver(testOptions(bucket, { client: recorder.client, prefix: 'tenant-a' }));
    const neighbour = createS3Driver(testOptions(bucket, { prefix: 'tenant-b' }));
    const ids = ['a', 'B', 'c/d', 'ünï', '..'];
    for (const id of ids) await driver.putMutable(id, Uint8Array.of(1));
    await neighbour.putMutable('other tenant', Uint8Array.of(1));
    const hash = createHash('sha256').update('x').digest('hex');
    await driver.putImmutable(hash, new TextEncoder().encode('x'));

    const seen: string[] = [];
    for await (const id of driver.listMutable!()) seen.push(id);
    expect(seen.sort()).toEqual([...ids].sort());
    expect(recorder.names().filter((n) => n === 'ListObjectsV2')).toHaveLength(3);

    const hashes: string[] = [];
    for await (const h of driver.listImmutable!()) hashes.push(h);
    expect(hashes).toEqual([hash]);
  });
});
