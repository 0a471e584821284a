import { randomBytes } from 'node:crypto';
import {
  AbortMultipartUploadCommand,
  DeleteBucketCommand,
  DeleteObjectsCommand,
  ListMultipartUploadsCommand,
  ListObjectsV2Command,
  S3Client,
} from '@aws-sdk/client-s3';
import { describe, it } from 'vitest';
import type { S3DriverOptions } from '../src/index.js';

/**
 * The S3 server the tests use: radosgw from `bash scripts/s3-server.sh start`, or any S3 service given
 * by BSS_S3_ENDPOINT / BSS_S3_ACCESS_KEY / BSS_S3_SECRET_KEY. The secret is never printed.
 */
export const S3_ENDPOINT = process.env.BSS_S3_ENDPOINT ?? 'http://127.0.0.1:7480';
export const S3_ACCESS_KEY = process.env.BSS_S3_ACCESS_KEY ?? 'TESTAK';
export const S3_SECRET_KEY = process.env.BSS_S3_SECRET_KEY ?? 'TESTSK';
export const S3_REGION = process.env.BSS_S3_REGION ?? 'us-east-1';

const NOT_RUNNING = `S3 server not running at ${S3_ENDPOINT}: start it with bash scripts/s3-server.sh start`;

async function probe(): Promise<boolean> {
  try {
    await fetch(S3_ENDPOINT, { signal: AbortSignal.timeout(3000) });
    return true;
  } catch {
    return false;
  }
}

/** Whether the server answered when this test file loaded. */
export const serverRunning = await probe();

/**
 * `describe` for tests that need the server. Without it: outside CI, one loud line and the tests are
 * skipped; with CI=true, a failing test instead (CI must never pass by skipping them).
 */
export function describeWithS3(name: string, body: () => void): void {
  if (serverRunning) {
    describe(name, body);
    return;
  }
  if (process.env.CI === 'true' || process.env.CI === '1') {
    describe(name, () => {
      it('needs the S3 server', () => {
        throw new Error(`${NOT_RUNNING} (CI=true: tests that need it fail rather than skip)`);
      });
    });
    return;
  }
  console.warn(`\n!!!!!!!! ${NOT_RUNNING} — skipping "${name}" !!!!!!!!\n`);
  describe.skip(name, body);
}

/** A fresh bucket name per test file, so files can run in parallel and leave nothing behind. */
export function testBucketName(label: string): string {
  return `bss-${label}-${randomBytes(4).toString('hex')}`;
}

/** Driver options for the test server; the bucket is created by the driver (`createBucket`). */
export function testOptions(bucket: string, extra: Partial<S3DriverOptions> = {}): S3DriverOptions {
  return {
    bucket,
    endpoint: S3_ENDPOINT,
    region: S3_REGION,
    forcePathStyle: true,
    credentials: { accessKeyId: S3_ACCESS_KEY, secretAccessKey: S3_SECRET_KEY },
    createBucket: true,
    ...extra,
  };
}

/** A raw SDK client on the test server, for checking what the driver really stored. */
export function rawClient(): S3Client {
  return new S3Client({
    endpoint: S3_ENDPOINT,
    region: S3_REGION,
    forcePathStyle: true,
    credentials: { accessKeyId: S3_ACCESS_KEY, secretAccessKey: S3_SECRET_KEY },
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  });
}

/** Multipart uploads still open in `bucket` under `prefix`. */
export async function openUploads(client: S3Client, bucket: string, prefix = ''): Promise<string[]> {
  const result = await client.send(new ListMultipartUploadsCommand({ Bucket: bucket, Prefix: prefix }));
  return (result.Uploads ?? []).map((u) => u.Key ?? '');
}

/** Empties and deletes a test bucket (objects and open uploads). Missing buckets are fine. */
export async function removeBucket(client: S3Client, bucket: string): Promise<void> {
  try {
    const uploads = await client.send(new ListMultipartUploadsCommand({ Bucket: bucket }));
    for (const u of uploads.Uploads ?? []) {
      await client.send(
        new AbortMultipartUploadCommand({ Bucket: bucket, Key: u.Key, UploadId: u.UploadId }),
      );
    }
    for (;;) {
      const page = await client.send(new ListObjectsV2Command({ Bucket: bucket }));
      const keys = (page.Contents ?? []).map((o) => ({ Key: o.Key! }));
      if (keys.length === 0) break;
      await client.send(new DeleteObjectsCommand({ Bucket: bucket, Delete: { Objects: keys } }));
    }
    await client.send(new DeleteBucketCommand({ Bucket: bucket }));
  } catch (error) {
    if ((error as { name?: string }).name !== 'NoSuchBucket') throw error;
  }
}
