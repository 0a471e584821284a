import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { type DatumHealth, type DatumRepair, generateDataKeyPair, openStorage } from '../../src/index.js';
import { newLedger, tempDir } from '../support/client-fixture.js';
import { createMemoryDriver } from '../support/memory-driver.js';

// A chunked value's copy is its signed manifest plus its chunks on the immutable path. The manifest
// alone verifies, so healing must look at the chunks: `sync` copies them before the manifest, and
// `verify` reports a current manifest whose chunks were lost as degraded.

async function all<T>(items: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of items) out.push(item);
  return out;
}

async function setUp() {
  const source = createMemoryDriver({ name: 'source', publicUrl: 'http://127.0.0.1:1/source' });
  const replica = createMemoryDriver({ name: 'replica', publicUrl: 'http://127.0.0.1:1/replica' });
  const registry = await newLedger();
  const dataKey = generateDataKeyPair().privateKey;
  const open = async (drivers: (typeof source)[]) =>
    openStorage({
      name: 'alice.id',
      config: {
        storageDrivers: drivers.map((d) => d.name),
        requiredWrite: drivers.map((d) => d.name),
        metadataDir: await tempDir('bss-meta-'),
      },
      drivers,
      registry,
      dataKey,
      chunkThresholdBytes: 16 * 1024,
      chunkBytes: 16 * 1024,
      onWarning: () => {},
    });
  return { source, replica, open };
}

const chunkKeys = (driver: ReturnType<typeof createMemoryDriver>) =>
  [...driver.store.keys()].filter((key) => key.startsWith('immutable/'));

describe('healing a chunked value', () => {
  it('sync copies its chunks before its manifest, so the replica alone serves the value', async () => {
    const { source, replica, open } = await setUp();
    const value = randomBytes(100 * 1024);
    const writer = await open([source]);
    await writer.putMutable('big', value);
    await writer.close();
    expect(chunkKeys(source).length).toBeGreaterThan(1);

    const syncer = await open([source, replica]);
    const dry: DatumRepair[] = await all(syncer.sync({ dryRun: true }));
    expect(dry.flatMap((r) => r.repaired)).toEqual(['replica']);
    expect(chunkKeys(replica)).toEqual([]);
    await all(syncer.sync());
    expect(chunkKeys(replica).sort()).toEqual(chunkKeys(source).sort());
    const verified: DatumHealth[] = await all(syncer.verify());
    expect(verified.every((d) => d.healthy)).toBe(true);
    await syncer.close();

    const replicaAlone = await open([replica]);
    const read = await replicaAlone.getMutable('big');
    expect(read && Buffer.from(read.data).equals(value)).toBe(true);
    await replicaAlone.close();
  });

  it('verify reports a current manifest whose chunks were lost or damaged as degraded; sync brings them back', async () => {
    const { source, replica, open } = await setUp();
    const value = randomBytes(100 * 1024);
    const client = await open([source, replica]);
    await client.putMutable('big', value);
    const [lost, damaged] = chunkKeys(replica);
    replica.store.delete(lost!);
    const bytes = replica.store.get(damaged!)!;
    bytes[0] = bytes[0]! ^ 1;

    const [health] = await all(client.verify());
    expect(health!.healthy).toBe(false);
    const copy = health!.copies.find((c) => c.driver === 'replica')!;
    expect(copy.state).toBe('degraded');
    expect(copy.parts).toHaveLength(2);
    expect(health!.copies.find((c) => c.driver === 'source')!.state).toBe('current');

    const [repair] = await all(client.sync());
    expect(repair!.repaired).toEqual(['replica']);
    expect(chunkKeys(replica).sort()).toEqual(chunkKeys(source).sort());
    for (const key of chunkKeys(source)) {
      expect(Buffer.from(replica.store.get(key)!).equals(Buffer.from(source.store.get(key)!))).toBe(true);
    }
    const [after] = await all(client.verify());
    expect(after!.healthy).toBe(true);
    expect((await all(client.sync())).flatMap((r) => r.repaired)).toEqual([]);
    await client.close();
  });
});
