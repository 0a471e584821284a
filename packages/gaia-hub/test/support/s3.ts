import { randomBytes } from 'node:crypto';
import {
  DeleteBucketCommand,
  DeleteObjectsCommand,
  ListObjectsV2Command,
  S3Client,
} from '@aws-sdk/client-s3';
import { createS3Driver } from '@blockstack-storage/driver-s3';
import { describe, it } from 'vitest';

/** radosgw from `bash scripts/services/s3.sh start`, or the S3 service in BSS_S3_* (the driver-s3 tests' server). */
const ENDPOINT = process.env.BSS_S3_ENDPOINT ?? 'http://127.0.0.1:7480';
const credentials = {
  accessKeyId: process.env.BSS_S3_ACCESS_KEY ?? 'TESTAK',
  secretAccessKey: process.env.BSS_S3_SECRET_KEY ?? 'TESTSK',
};
const REGION = process.env.BSS_S3_REGION ?? 'us-east-1';

const running = await fetch(ENDPOINT, { signal: AbortSignal.timeout(3000) }).then(
  () => true,
  () => false,
);

/** `describe` that needs S3: skipped with a loud line outside CI when it is not running, failing in CI. */
export function describeWithS3(name: string, body: () => void): void {
  if (running) {
    describe(name, body);
    return;
  }
  const why = `S3 server not running at ${ENDPOINT}: start it with bash scripts/services/s3.sh start`;
  if (process.env.CI === 'true' || process.env.CI === '1') {
    describe(name, () => it('needs the S3 server', () => Promise.reject(new Error(why))));
    return;
  }
  console.warn(`\n!!!!!!!! ${why} — skipping "${name}" !!!!!!!!\n`);
  describe.skip(name, body);
}

/** An S3 driver on a fresh bucket of the test server, and a way to remove the bucket afterwards. */
export function s3OnTestServer() {
  const bucket = `bss-gaia-hub-${randomBytes(4).toString('hex')}`;
  const driver = createS3Driver({
    bucket,
    endpoint: ENDPOINT,
    region: REGION,
    forcePathStyle: true,
    credentials,
    createBucket: true,
  });
  return {
    driver,
    async removeBucket() {
      await driver.close?.();
      const client = new S3Client({ endpoint: ENDPOINT, region: REGION, forcePathStyle: true, credentials });
      for (;;) {
        const page = await client.send(new ListObjectsV2Command({ Bucket: bucket }));
        const keys = (page.Contents ?? []).map((o) => ({ Key: o.Key! }));
        if (keys.length === 0) break;
        await client.send(new DeleteObjectsCommand({ Bucket: bucket, Delete: { Objects: keys } }));
      }
      await client.send(new DeleteBucketCommand({ Bucket: bucket }));
      client.destroy();
    },
  };
}

/** An S3 driver whose endpoint nothing listens on: every call fails as unavailable, like a provider outage. */
export function unreachableS3() {
  return createS3Driver({
    bucket: 'unreachable',
    endpoint: 'http://127.0.0.1:9',
    region: REGION,
    forcePathStyle: true,
    credentials,
  });
}
