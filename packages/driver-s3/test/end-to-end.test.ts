import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GetObjectCommand, ListObjectsV2Command } from '@aws-sdk/client-s3';
import { openStorage, type StorageClient } from '@blockstack-storage/core';
import { isStorageError } from '@blockstack-storage/core/driver';
import diskDriverModule from '@blockstack-storage/driver-disk';
import { afterAll, beforeAll, expect, it } from 'vitest';
import s3DriverModule from '../src/index.js';
import {
  describeWithS3,
  rawClient,
  removeBucket,
  S3_ACCESS_KEY,
  S3_ENDPOINT,
  S3_REGION,
  S3_SECRET_KEY,
  testBucketName,
} from './s3-server.js';

const text = (s: string) => new TextEncoder().encode(s);
const str = (b: Uint8Array) => new TextDecoder().decode(b);

/**
 * The core client over `storage_drivers = disk,s3` with `storage_drivers_required_write = s3`, from a
 * client.ini like a user's; the S3 keys come from the environment, as a user would keep them.
 */
describeWithS3('end to end: openStorage with disk and s3 (s3 required)', () => {
  const bucket = testBucketName('e2e');
  const raw = rawClient();
  const env = { BLOCKSTACK_S3_API_KEY_ID: S3_ACCESS_KEY, BLOCKSTACK_S3_API_KEY_SECRET: S3_SECRET_KEY };
  const drivers = [diskDriverModule, s3DriverModule];
  let home = '';
  let storage: StorageClient;

  async function writeConfig(file: string, storageDrivers: string, local: string): Promise<string> {
    const path = join(home, file);
    await writeFile(
      path,
      `[blockstack-client]
storage_drivers = ${storageDrivers}
storage_drivers_required_write = s3
storage_drivers_local = ${local}
metadata = ${join(home, 'metadata')}
storage_retries = 0

[disk]
root = ${join(home, 'disk')}

[s3]
bucket = ${bucket}
endpoint = ${S3_ENDPOINT}
region = ${S3_REGION}
force_path_style = true
create_bucket = true
`,
    );
    return path;
  }

  beforeAll(async () => {
    home = await mkdtemp(join(tmpdir(), 'bss-s3-e2e-'));
    await mkdir(join(home, 'disk')); // the [disk] root the config names
    const config = await writeConfig('client.ini', 'disk,s3', 'disk');
    storage = await openStorage({ name: 'alice.id', config, env, drivers, onWarning: () => {} });
  });
  afterAll(async () => {
    await storage?.close();
    await removeBucket(raw, bucket);
    await rm(home, { recursive: true, force: true });
  });

  it('a mutable put lands on S3 and reads back through the client', async () => {
    const put = await storage.putMutable('profile.json', text('{"name":"Alice"}'));
    expect(put.version).toBeGreaterThan(0);
    const got = await storage.getMutable('profile.json');
    expect(str(got!.data)).toBe('{"name":"Alice"}');

    const listed = await raw.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: 'mutable/' }));
    const keys = (listed.Contents ?? []).map((o) => o.Key);
    expect(keys.some((k) => k?.includes('profile.json'))).toBe(true);
  });

  it('a client configured with s3 alone finds the same data (it is really on S3)', async () => {
    const onlyS3 = await writeConfig('s3-only.ini', 's3', '');
    const other = await openStorage({ name: 'alice.id', config: onlyS3, env, drivers, onWarning: () => {} });
    try {
      const got = await other.getMutable('profile.json');
      expect(got?.source).toBe('s3');
      expect(str(got!.data)).toBe('{"name":"Alice"}');

      const release = await storage.putImmutable('release-notes', text('v1.0'));
      const stored = await raw.send(
        new GetObjectCommand({ Bucket: bucket, Key: `immutable/${release.hash}` }),
      );
      expect((await stored.Body!.transformToByteArray()).byteLength).toBeGreaterThan(0);
      expect(str((await other.getImmutable('release-notes'))!.data)).toBe('v1.0');
    } finally {
      await other.close();
    }
  });

  it('a put fails when the required s3 write fails, even though disk took it', async () => {
    await removeBucket(raw, bucket);
    let error: unknown;
    await storage.putMutable('profile.json', text('{"name":"Alice 2"}')).catch((e) => {
      error = e;
    });
    expect(isStorageError(error)).toBe(true);
    expect(String((error as Error).message)).toContain('s3');
  });
});
