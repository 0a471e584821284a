import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type DatumRepair, openStorage, type StorageClient } from '@blockstack-storage/core';
import diskDriverModule from '@blockstack-storage/driver-disk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import erasureDriverModule from '../src/index.js';

// StorageClient.sync over a config whose only storage driver is an erasure section over six disk
// sections: a wiped shard directory is rebuilt, byte for byte, through StorageDriver.repair.
let root = '';
let client: StorageClient;
const shardDir = (i: number) => join(root, `shard-${i}`);
const shardFile = (i: number, id: string) => join(shardDir(i), 'mutable', id);

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'bss-erasure-sync-'));
  const shards = Array.from({ length: 6 }, (_, i) => `shard-${i}`);
  for (let i = 0; i < 6; i++) await mkdir(shardDir(i));
  const ini = [
    '[blockstack-client]',
    'storage_drivers = erasure',
    'storage_drivers_required_write = erasure',
    `metadata = ${join(root, 'metadata')}`,
    '[erasure]',
    'k = 4',
    'm = 2',
    `shards = ${shards.join(', ')}`,
    ...shards.flatMap((s, i) => [
      `[${s}]`,
      'driver = disk',
      `root = ${shardDir(i)}`,
      `public_url = http://127.0.0.1:${7100 + i}`,
    ]),
    '',
  ].join('\n');
  await writeFile(join(root, 'client.ini'), ini);
  client = await openStorage({
    name: 'alice.id',
    config: join(root, 'client.ini'),
    drivers: [erasureDriverModule, diskDriverModule],
    env: {},
    onWarning: () => {},
  });
});
afterAll(async () => {
  await client?.close();
  await rm(root, { recursive: true, force: true });
});

async function drain(runs: AsyncIterable<DatumRepair>): Promise<DatumRepair[]> {
  const out: DatumRepair[] = [];
  for await (const run of runs) out.push(run);
  return out;
}

describe('sync over an erasure driver', () => {
  it('rebuilds every shard of a wiped provider, identical to what it held', async () => {
    const ids = ['a', 'b', 'c'];
    for (const id of ids)
      await client.putMutable(id, new TextEncoder().encode(`value of ${id} `.repeat(500)));
    const before = await Promise.all(ids.map((id) => readFile(shardFile(4, id))));
    await rm(join(shardDir(4), 'mutable'), { recursive: true });
    await mkdir(join(shardDir(4), 'mutable'));
    // Still readable from the other five.
    const read = await client.getMutable('b');
    expect(new TextDecoder().decode(read!.data)).toBe('value of b '.repeat(500));

    const dry = await drain(client.sync({ dryRun: true }));
    expect(dry.map((d) => [d.dataId, d.repaired])).toEqual(ids.map((id) => [id, ['erasure']]));
    expect(await readdir(join(shardDir(4), 'mutable'))).toEqual([]);

    const runs = await drain(client.sync());
    expect(runs.map((d) => [d.dataId, d.repaired, d.failed])).toEqual(ids.map((id) => [id, ['erasure'], []]));
    for (const [i, id] of ids.entries()) {
      expect(Buffer.compare(await readFile(shardFile(4, id)), before[i]!), id).toBe(0);
    }
    expect((await drain(client.sync())).flatMap((d) => d.repaired)).toEqual([]);
  });
});
