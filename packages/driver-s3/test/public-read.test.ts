import { PutBucketPolicyCommand } from '@aws-sdk/client-s3';
import { SAMPLE_ZONE_FILE } from '@blockstack-storage/conformance';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createS3Driver } from '../src/index.js';
import { describeWithS3, rawClient, removeBucket, testBucketName, testOptions } from './s3-server.js';

/** What other clients do: a plain HTTP GET of `mutableUrl`, without credentials. */
describeWithS3('public URLs on radosgw', () => {
  const bucket = testBucketName('public');
  const raw = rawClient();
  const prefix = 'apps/demo';
  beforeAll(async () => {
    await createS3Driver(testOptions(bucket)).init!();
    // The operator's part (see README): anonymous read of the mutable path only.
    await raw.send(
      new PutBucketPolicyCommand({
        Bucket: bucket,
        Policy: JSON.stringify({
          Version: '2012-10-17',
          Statement: [
            {
              Effect: 'Allow',
              Principal: '*',
              Action: 's3:GetObject',
              Resource: `arn:aws:s3:::${bucket}/${prefix}/mutable/*`,
            },
          ],
        }),
      }),
    );
  });
  afterAll(() => removeBucket(raw, bucket));

  for (const compress of [false, true]) {
    it(`a value put through the driver is readable at its URL${compress ? ' (compressed)' : ''}`, async () => {
      const driver = createS3Driver(testOptions(bucket, { prefix, compress }));
      const id = `Alice.id/profile ${compress}.json`;
      const put = await driver.putMutable(id, new TextEncoder().encode(SAMPLE_ZONE_FILE));
      const url = driver.mutableUrl!(id)!;
      expect(put.url).toBe(url);
      const response = await fetch(url);
      expect(response.status).toBe(200);
      // fetch inflates `Content-Encoding: deflate` itself: other clients need not know about compress.
      expect(await response.text()).toBe(SAMPLE_ZONE_FILE);
    });
  }

  it('the policy is what makes it public: the immutable path is not readable anonymously', async () => {
    const driver = createS3Driver(testOptions(bucket, { prefix }));
    const value = new TextEncoder().encode('immutable');
    const { createHash } = await import('node:crypto');
    const hash = createHash('sha256').update(value).digest('hex');
    const put = await driver.putImmutable(hash, value);
    expect(put.url).toMatch(/\/immutable\//);
    expect((await fetch(put.url!)).status).toBe(403);
  });
});
