import { describe, expect, it } from 'vitest';
import {
  type DatumHealth,
  type DatumRepair,
  ErrorCode,
  encodeDataId,
  generateDataKeyPair,
  isStorageError,
  type StorageClient,
  signMutableEnvelope,
} from '../../src/index.js';
import { newLedger, openUser, str, tempDir, text } from '../support/client-fixture.js';
import { createMemoryDriver } from '../support/memory-driver.js';

const key = (id: string) => `mutable/${encodeDataId(id)}`;

async function all<T>(items: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of items) out.push(item);
  return out;
}

/** `dataId → driver → state`, for assertions people can read. */
function states(report: readonly DatumHealth[]): Record<string, Record<string, string>> {
  return Object.fromEntries(
    report.map((d) => [
      d.dataId,
      Object.fromEntries(d.copies.map((c) => [c.driver, `${c.state}${c.version ? ` v${c.version}` : ''}`])),
    ]),
  );
}

async function setup(extra: { readRepair?: boolean; onReadRepair?: (r: DatumRepair) => void } = {}) {
  const memory = (name: string) =>
    createMemoryDriver({ name, publicUrl: `https://${name}.example`, visibility: 'public' });
  const drivers = [memory('a'), memory('b'), memory('c')] as const;
  const keyPair = generateDataKeyPair();
  const metadataDir = await tempDir('bss-replicas-meta-');
  const ledger = await newLedger();
  const client = await openUser({
    name: 'alice.id',
    drivers: [...drivers],
    registry: ledger,
    metadataDir,
    dataKey: keyPair.privateKey,
    ...extra,
  });
  return { drivers, keyPair, client, ledger };
}

describe('verify and sync (replicas that heal)', () => {
  it('finds seeded divergence, heals it, and a second sync finds nothing to do', async () => {
    const { drivers, client } = await setup();
    const [a, b, c] = drivers;
    for (const id of ['lost', 'stale', 'flipped', 'deleted', 'fine'])
      await client.putMutable(id, text(`${id} v1`));
    // A write lost on one driver.
    b.store.delete(key('lost'));
    // A driver that missed the second version keeps the first.
    const v1 = c.store.get(key('stale'))!;
    await client.putMutable('stale', text('stale v2'));
    c.store.set(key('stale'), v1);
    // A flipped byte.
    const flipped = a.store.get(key('flipped'))!.slice();
    flipped[flipped.length - 3]! ^= 0x01;
    a.store.set(key('flipped'), flipped);
    // A deletion one driver missed.
    const beforeDelete = b.store.get(key('deleted'))!;
    await client.deleteMutable('deleted');
    b.store.set(key('deleted'), beforeDelete);
    // Immutable data lost on one driver.
    const image = await client.putImmutable('image', text('pixels'));
    c.store.delete(`immutable/${image.hash}`);

    const before = await all(client.verify());
    expect(states(before)).toEqual({
      deleted: { a: 'current v2', b: 'stale v1', c: 'current v2' },
      fine: { a: 'current v1', b: 'current v1', c: 'current v1' },
      flipped: { a: 'invalid', b: 'current v1', c: 'current v1' },
      lost: { a: 'current v1', b: 'missing', c: 'current v1' },
      stale: { a: 'current v2', b: 'current v2', c: 'stale v1' },
      image: { a: 'current', b: 'current', c: 'missing' },
    });
    expect(before.filter((d) => !d.healthy).map((d) => d.dataId)).toEqual([
      'deleted',
      'flipped',
      'lost',
      'stale',
      'image',
    ]);
    expect(before.find((d) => d.dataId === 'deleted')).toMatchObject({ deleted: true, newestVersion: 2 });

    const dry = await all(client.sync({ dryRun: true }));
    expect(dry.flatMap((r) => r.repaired.map((d) => `${r.dataId}@${d}`)).sort()).toEqual([
      'deleted@b',
      'flipped@a',
      'image@c',
      'lost@b',
      'stale@c',
    ]);
    expect((await all(client.verify())).filter((d) => !d.healthy)).toHaveLength(5); // a dry run writes nothing

    const repairs: DatumRepair[] = await all(client.sync());
    expect(repairs.flatMap((r) => r.failed)).toEqual([]);
    const after = await all(client.verify());
    expect(after.every((d) => d.healthy)).toBe(true);
    // Every driver holds the same bytes for every datum.
    for (const storeKey of a.store.keys()) {
      expect(Buffer.compare(b.store.get(storeKey)!, a.store.get(storeKey)!)).toBe(0);
      expect(Buffer.compare(c.store.get(storeKey)!, a.store.get(storeKey)!)).toBe(0);
    }
    expect((await all(client.sync())).flatMap((r) => r.repaired)).toEqual([]);
    expect(await client.getMutable('deleted')).toBeNull();
    expect(str((await client.getMutable('stale'))!.data)).toBe('stale v2');
    await client.close();
  });

  it('finds the ids a driver lists though this machine never saw them (a fresh version cache)', async () => {
    const { drivers, keyPair, client, ledger } = await setup();
    await client.putMutable('from-elsewhere', text('x'));
    await client.close();
    drivers[2]!.store.delete(key('from-elsewhere'));
    const fresh: StorageClient = await openUser({
      name: 'alice.id',
      drivers: [...drivers],
      registry: ledger,
      metadataDir: await tempDir('bss-replicas-fresh-'),
      dataKey: keyPair.privateKey,
    });
    const report = await all(fresh.verify());
    expect(states(report)['from-elsewhere']).toEqual({ a: 'current v1', b: 'current v1', c: 'missing' });
    await all(fresh.sync());
    expect((await all(fresh.verify())).every((d) => d.healthy)).toBe(true);
    await fresh.close();
  });

  it('never writes over a copy newer than the one it copies, and settles a fork on one copy', async () => {
    const { drivers, keyPair, client } = await setup();
    const [a, b, c] = drivers;
    await client.putMutable('forked', text('one'), { public: true });
    // Another writer without conditional writes stored version 1 again, with other bytes, on c.
    const twin = signMutableEnvelope(
      {
        fqDataId: 'alice.id:forked',
        data: text('other'),
        version: 1,
        timestamp: Math.floor(Date.now() / 1000) + 5,
      },
      keyPair.privateKey,
    );
    c.store.set(key('forked'), twin);
    const report = (await all(client.verify())).find((d) => d.dataId === 'forked')!;
    // The later-signed twin is the newest; the other copies of version 1 are not current.
    expect(report.copies.map((x) => x.state)).toEqual(['stale', 'stale', 'current']);
    await all(client.sync());
    expect(Buffer.compare(a.store.get(key('forked'))!, twin)).toBe(0);
    expect(Buffer.compare(b.store.get(key('forked'))!, twin)).toBe(0);
    // A newer version on one driver is the one copied; no older copy is written over it.
    await client.putMutable('forked', text('two'), { public: true });
    const v2 = a.store.get(key('forked'))!;
    b.store.set(key('forked'), twin);
    await all(client.sync());
    for (const d of [a, b, c]) expect(Buffer.compare(d.store.get(key('forked'))!, v2)).toBe(0);
    await client.close();
  });
});

describe('verify of immutable data', () => {
  it('reports a copy with other bytes as invalid with an IntegrityError, and sync replaces it', async () => {
    const { drivers, client } = await setup();
    const image = await client.putImmutable('image', text('pixels'));
    drivers[1]!.store.set(`immutable/${image.hash}`, text('not the pixels'));
    const report = (await all(client.verify())).find((d) => d.dataId === 'image')!;
    const bad = report.copies.find((c) => c.driver === 'b')!;
    expect(bad.state).toBe('invalid');
    expect(isStorageError(bad.error, ErrorCode.Integrity)).toBe(true);
    await all(client.sync());
    expect(str(drivers[1]!.store.get(`immutable/${image.hash}`)!)).toBe('pixels');
    await client.close();
  });
});

describe('sync and a losing writer', () => {
  it("keeps the acknowledged copy of a version, not a losing writer's copy of it on an optional driver", async () => {
    // Two machines claimed version 1; the writer whose conditional write lost on the required driver
    // had already reached the optional mirror. Its copy is signed later, yet must not win.
    const required = createMemoryDriver({
      name: 'main',
      publicUrl: 'https://main.example',
      visibility: 'public',
    });
    const mirror = createMemoryDriver({ name: 'mirror' });
    const keyPair = generateDataKeyPair();
    const client = await openUser({
      name: 'alice.id',
      drivers: [required, mirror],
      registry: await newLedger(),
      metadataDir: await tempDir('bss-replicas-meta-'),
      dataKey: keyPair.privateKey,
    });
    await client.putMutable('doc', text('acknowledged'), { public: true });
    const acknowledged = required.store.get(key('doc'))!;
    const loser = signMutableEnvelope(
      {
        fqDataId: 'alice.id:doc',
        data: text('lost the race'),
        version: 1,
        timestamp: Math.floor(Date.now() / 1000) + 60,
      },
      keyPair.privateKey,
    );
    mirror.store.set(key('doc'), loser);
    const report = (await all(client.verify())).find((d) => d.dataId === 'doc')!;
    expect(report.copies.map((c) => `${c.driver}:${c.state}`)).toEqual(['main:current', 'mirror:stale']);
    await all(client.sync());
    expect(Buffer.compare(required.store.get(key('doc'))!, acknowledged)).toBe(0);
    expect(Buffer.compare(mirror.store.get(key('doc'))!, acknowledged)).toBe(0);
    await client.close();
  });
});

describe('read-repair', () => {
  it('heals the copies a get found behind, in the background, and reports it', async () => {
    const repairs: DatumRepair[] = [];
    const { drivers, client } = await setup({ readRepair: true, onReadRepair: (r) => repairs.push(r) });
    const [a, b, c] = drivers;
    await client.putMutable('k', text('v1'));
    const v1 = c.store.get(key('k'))!;
    await client.putMutable('k', text('v2'));
    c.store.set(key('k'), v1); // c missed v2
    b.store.delete(key('k')); // b lost it
    const got = await client.getMutable('k');
    expect(str(got!.data)).toBe('v2'); // the answer does not wait for the repair
    await client.settled();
    expect(repairs.map((r) => r.repaired.sort())).toEqual([['b', 'c']]);
    for (const d of [b, c]) expect(Buffer.compare(d.store.get(key('k'))!, a.store.get(key('k'))!)).toBe(0);
    // Healthy now: the next get repairs nothing.
    await client.getMutable('k');
    await client.settled();
    expect(repairs).toHaveLength(1);
    await client.close();
  });

  it('propagates a deletion a driver missed, and does nothing when the datum exists nowhere', async () => {
    const repairs: DatumRepair[] = [];
    const { drivers, client } = await setup({ readRepair: true, onReadRepair: (r) => repairs.push(r) });
    await client.putMutable('gone', text('x'));
    const old = drivers[1]!.store.get(key('gone'))!;
    await client.deleteMutable('gone');
    drivers[1]!.store.set(key('gone'), old);
    expect(await client.getMutable('gone')).toBeNull();
    expect(await client.getMutable('never-written')).toBeNull();
    await client.settled();
    expect(repairs.map((r) => [r.dataId, r.repaired])).toEqual([['gone', ['b']]]);
    expect(Buffer.compare(drivers[1]!.store.get(key('gone'))!, drivers[0]!.store.get(key('gone'))!)).toBe(0);
    await client.close();
  });

  it('is off by default: a get writes nothing', async () => {
    const { drivers, client } = await setup();
    await client.putMutable('k', text('v1'));
    drivers[2]!.store.delete(key('k'));
    await client.getMutable('k');
    await client.settled();
    expect(drivers[2]!.store.has(key('k'))).toBe(false);
    await client.close();
  });
});
