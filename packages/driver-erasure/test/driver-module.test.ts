import { mkdir, mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DriverLoader, openConfiguredDrivers, parseClientConfig, readBody } from '@blockstack-storage/core';
import diskDriverModule from '@blockstack-storage/driver-disk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import erasureDriverModule from '../src/index.js';

let root = '';
beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'bss-erasure-module-'));
  for (let i = 0; i < 3; i++) await mkdir(join(root, `shard-${i}`));
});
afterAll(() => rm(root, { recursive: true, force: true }));

function configOf(erasure: string, shardCount = 3): string {
  const shards = Array.from(
    { length: shardCount },
    (_, i) =>
      `[shard-${i}]\ndriver = disk\nroot = ${join(root, `shard-${i}`)}\npublic_url = http://127.0.0.1:${7000 + i}\n`,
  );
  return `[blockstack-client]\nstorage_drivers = store\nstorage_drivers_required_write = store\n[store]\ndriver = erasure\n${erasure}\n${shards.join('')}`;
}

const open = (ini: string) =>
  openConfiguredDrivers(
    parseClientConfig(ini, { path: '/etc/bs/client.ini', env: {} }),
    new DriverLoader().register(erasureDriverModule).register(diskDriverModule),
  );

describe('the erasure driver module', () => {
  it('builds from a section naming k, m and its shard sections; each shard lands on its own disk', async () => {
    const opened = await open(
      configOf('k = 2\nm = 1\nshards = shard-0, shard-1, shard-2\nstripe_bytes = 1024'),
    );
    const [store] = opened.drivers;
    expect(store!.name).toBe('store');
    expect(typeof store!.repair).toBe('function'); // kept under the section's name
    const value = new TextEncoder().encode('x'.repeat(5000));
    await store!.putMutable('profile', value);
    for (let i = 0; i < 3; i++)
      expect(await readdir(join(root, `shard-${i}`, 'mutable'))).toContain('profile');
    const back = await store!.getMutable('profile');
    expect(Buffer.compare(await readBody(back!.body), value)).toBe(0);
    await store!.close?.();
  });

  it('refuses a wrong number of shards, a shard named twice, a missing k, an unknown key', async () => {
    const message = (ini: string) =>
      open(ini).then(
        () => 'opened',
        (e: Error) => e.message,
      );
    expect(await message(configOf('k = 2\nm = 2\nshards = shard-0, shard-1, shard-2'))).toContain(
      '/etc/bs/client.ini [store]: shards names 3 sections; k + m = 4 are needed',
    );
    expect(await message(configOf('k = 2\nm = 1\nshards = shard-0, shard-1, shard-1'))).toContain(
      'shards names [shard-1] twice',
    );
    expect(await message(configOf('m = 1\nshards = shard-0, shard-1, shard-2'))).toContain(
      '[store]: k is required',
    );
    expect(await message(configOf('k = 2\nm = 1\nshard = shard-0'))).toContain(
      'unknown key "shard"; did you mean "shards"?',
    );
    expect(await message(configOf('k = 2\nm = 1\nshards = shard-0, shard-1, nowhere'))).toContain(
      '[store]: names section [nowhere], which is not in the file',
    );
  });
});
