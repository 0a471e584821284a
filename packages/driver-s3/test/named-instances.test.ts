import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ListObjectsV2Command } from '@aws-sdk/client-s3';
import { openStorage, type StorageClient } from '@blockstack-storage/core';
import { ErrorCode, encodeDataId, isStorageError } from '@blockstack-storage/core/driver';
import diskDriverModule from '@blockstack-storage/driver-disk';
import { afterAll, beforeAll, expect, it } from 'vitest';
import s3DriverModule from '../src/index.js';
import { startFaultProxy } from './fault-proxy.js';
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
 * Two disk roots and two S3 buckets as four replicas: sections named `[disk-a]`, `[disk-b]`, `[s3-eu]`,
 * `[s3-us]`, each naming its driver (`driver = disk` / `driver = s3`), through openStorage as a user
 * would configure it. Each S3 section has its own credentials from its own environment variables.
 * `[s3-us]` reaches the server through a proxy so it can be taken down mid-test.
 */
describeWithS3('two instances each of disk and s3 in one config', () => {
  const buckets = { eu: testBucketName('inst-eu'), us: testBucketName('inst-us') };
  const raw = rawClient();
  const env = {
    BLOCKSTACK_S3_EU_API_KEY_ID: S3_ACCESS_KEY,
    BLOCKSTACK_S3_EU_API_KEY_SECRET: S3_SECRET_KEY,
    BLOCKSTACK_S3_US_API_KEY_ID: S3_ACCESS_KEY,
    BLOCKSTACK_S3_US_API_KEY_SECRET: S3_SECRET_KEY,
  };
  let home = '';
  let configPath = '';
  let proxy: Awaited<ReturnType<typeof startFaultProxy>>;
  let storage: StorageClient | undefined;
  const root = (name: string) => join(home, name);
  const open = () =>
    openStorage({
      name: 'alice.id',
      config: configPath,
      env,
      drivers: [diskDriverModule, s3DriverModule],
      onWarning: () => {},
    });

  beforeAll(async () => {
    home = await mkdtemp(join(tmpdir(), 'bss-s3-instances-'));
    proxy = await startFaultProxy(S3_ENDPOINT);
    await mkdir(root('disk-a'));
    await mkdir(root('disk-b'));
    configPath = join(home, 'client.ini');
    await writeFile(
      configPath,
      `[blockstack-client]
storage_drivers = disk-a, disk-b, s3-eu, s3-us
storage_drivers_required_write = s3-eu
storage_drivers_local = disk-a, disk-b
storage_retries = 0
metadata = ${join(home, 'metadata')}

[disk-a]
driver = disk
root = ${root('disk-a')}

[disk-b]
driver = disk
root = ${root('disk-b')}

[s3-eu]
driver = s3
bucket = ${buckets.eu}
endpoint = ${S3_ENDPOINT}
region = ${S3_REGION}
force_path_style = true
create_bucket = true

[s3-us]
driver = s3
bucket = ${buckets.us}
endpoint = ${proxy.endpoint}
region = ${S3_REGION}
force_path_style = true
create_bucket = true
max_attempts = 1
`,
    );
    storage = await open();
  });
  afterAll(async () => {
    await storage?.close();
    await proxy?.close();
    await removeBucket(raw, buckets.eu);
    await removeBucket(raw, buckets.us);
    await rm(home, { recursive: true, force: true });
  });

  const objectKeys = async (bucket: string) =>
    ((await raw.send(new ListObjectsV2Command({ Bucket: bucket }))).Contents ?? []).map((o) => o.Key);

  it('a put lands on every root and bucket, outcomes named by section', async () => {
    const put = await storage!.putMutable('notes/today', text('four copies'));
    expect(put.outcomes.map((o) => [o.driver, o.status])).toEqual([
      ['disk-a', 'ok'],
      ['disk-b', 'ok'],
      ['s3-eu', 'ok'],
      ['s3-us', 'ok'],
    ]);
    const file = join('mutable', encodeDataId('notes/today'));
    expect(existsSync(join(root('disk-a'), file))).toBe(true);
    expect(existsSync(join(root('disk-b'), file))).toBe(true);
    expect((await objectKeys(buckets.eu)).some((k) => k?.includes(encodeDataId('notes/today')))).toBe(true);
    expect((await objectKeys(buckets.us)).some((k) => k?.includes(encodeDataId('notes/today')))).toBe(true);
    // Each bucket is published under its own URL: one does not replace the other.
    expect(put.urls.filter((u) => u.includes(buckets.eu))).toHaveLength(1);
    expect(put.urls.filter((u) => u.includes(buckets.us))).toHaveLength(1);

    const immutable = await storage!.putImmutable('release', text('immutable bytes'));
    expect(immutable.outcomes.every((o) => o.status === 'ok')).toBe(true);
    expect(existsSync(join(root('disk-a'), 'immutable', immutable.hash))).toBe(true);
    expect(existsSync(join(root('disk-b'), 'immutable', immutable.hash))).toBe(true);
  });

  it('reads work with a bucket and a root down, and failures name the section', async () => {
    // s3-us becomes unreachable, and disk-a's root is replaced by a file.
    await proxy.close();
    await rm(root('disk-a'), { recursive: true, force: true });
    await writeFile(root('disk-a'), 'not a directory');

    const got = await storage!.getMutable('notes/today');
    expect(str(got!.data)).toBe('four copies');
    const failed = got!.copies.filter((c) => c.status === 'failed').map((c) => c.source);
    expect(failed.sort()).toEqual(['disk-a', 's3-us']);
    expect(str((await storage!.getImmutable('release'))!.data)).toBe('immutable bytes');

    // A put still succeeds (s3-eu is the required one); the optional failures are named by section.
    const put = await storage!.putMutable('notes/today', text('v2'));
    const byDriver = Object.fromEntries(put.outcomes.map((o) => [o.driver, o]));
    expect(byDriver['s3-eu']?.status).toBe('ok');
    expect(byDriver['disk-b']?.status).toBe('ok');
    expect(byDriver['s3-us']?.status).toBe('failed');
    expect(byDriver['disk-a']?.status).toBe('failed');
    const usError = byDriver['s3-us']?.error;
    expect(isStorageError(usError, ErrorCode.Unavailable)).toBe(true);
    expect(usError?.driver).toBe('s3-us');
    expect(usError?.message).toContain('[s3-us]');
    expect(usError?.message).not.toMatch(/\[s3\]/);
    expect(byDriver['disk-a']?.error?.driver).toBe('disk-a');
  });
});
