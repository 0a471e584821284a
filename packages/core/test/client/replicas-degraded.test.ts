import { describe, expect, it } from 'vitest';
import {
  type DataKind,
  type DatumHealth,
  type DriverRepairReport,
  ErrorCode,
  encodeDataId,
  generateDataKeyPair,
  isStorageError,
  type StorageDriver,
  UnavailableError,
} from '../../src/index.js';
import { newLedger, openUser, str, tempDir, text } from '../support/client-fixture.js';
import { createMemoryDriver } from '../support/memory-driver.js';

// A copy that reads back whole may still have lost a part on a driver with redundancy of its own (an
// erasure shard): `verify` asks such a driver (a dry-run `repair`) and reports the copy `degraded`;
// `sync` rebuilds the part; a migration, which writes only to its new driver, leaves it alone.

type Memory = ReturnType<typeof createMemoryDriver>;

/**
 * A driver with redundancy of its own, small enough to read: every value on two memory drivers (its
 * parts `<name>-0`, `<name>-1`); a get reads the first part that has it; `repair` puts a missing part
 * back from the other. A part marked down cannot be checked.
 */
function createMirroredDriver(name: string) {
  const parts = [createMemoryDriver({ name: `${name}-0` }), createMemoryDriver({ name: `${name}-1` })];
  const down = new Set<number>();
  const repairs: { kind: DataKind; key: string; dryRun: boolean }[] = [];
  const get = (part: Memory, kind: DataKind, key: string) =>
    kind === 'mutable' ? part.getMutable(key) : part.getImmutable(key);
  const driver: StorageDriver = {
    name,
    capabilities: { ...parts[0]!.capabilities, visibility: 'local', publicUrls: false },
    async putMutable(dataId, body) {
      const bytes = body as Uint8Array;
      for (const part of parts) await part.putMutable(dataId, bytes);
      return {};
    },
    async getMutable(dataId) {
      for (const part of parts) {
        const found = await part.getMutable(dataId);
        if (found !== null) return found;
      }
      return null;
    },
    async deleteMutable(dataId) {
      for (const part of parts) await part.deleteMutable(dataId);
    },
    async putImmutable(hash, body) {
      const bytes = body as Uint8Array;
      for (const part of parts) await part.putImmutable(hash, bytes);
      return {};
    },
    async getImmutable(hash) {
      for (const part of parts) {
        const found = await part.getImmutable(hash);
        if (found !== null) return found;
      }
      return null;
    },
    async deleteImmutable(hash) {
      for (const part of parts) await part.deleteImmutable(hash);
    },
    async *listMutable() {
      const ids = new Set<string>();
      for (const part of parts) for await (const id of part.listMutable!()) ids.add(id);
      yield* ids;
    },
    async *listImmutable() {
      const hashes = new Set<string>();
      for (const part of parts) for await (const hash of part.listImmutable!()) hashes.add(hash);
      yield* hashes;
    },
    async repair(kind, key, options = {}): Promise<DriverRepairReport> {
      repairs.push({ kind, key, dryRun: options.dryRun === true });
      const report: { rebuilt: string[]; failed: { driver: string; error: Error }[] } = {
        rebuilt: [],
        failed: [],
      };
      const found = await Promise.all(
        parts.map(async (part, i) => {
          if (down.has(i)) return undefined;
          const stored = await get(part, kind, key);
          if (stored === null) return null;
          const chunks: Uint8Array[] = [];
          for await (const chunk of stored.body) chunks.push(chunk);
          return Buffer.concat(chunks);
        }),
      );
      const whole = found.find((bytes) => bytes instanceof Uint8Array);
      if (whole === undefined) return report;
      for (const [i, part] of parts.entries()) {
        if (found[i] === undefined) {
          report.failed.push({
            driver: part.name,
            error: new UnavailableError('The part is down', { driver: part.name, key }),
          });
        } else if (found[i] === null) {
          report.rebuilt.push(part.name);
          if (options.dryRun) continue;
          if (kind === 'mutable') await part.putMutable(key, whole);
          else await part.putImmutable(key, whole);
        }
      }
      return report;
    },
  };
  return Object.assign(driver, { parts, down, repairs });
}

const memory = (name: string) =>
  createMemoryDriver({ name, publicUrl: `https://${name}.example`, visibility: 'public' });
const mutableKey = (id: string) => `mutable/${encodeDataId(id)}`;

async function all<T>(items: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of items) out.push(item);
  return out;
}

const copyOn = (report: readonly DatumHealth[], dataId: string, driver: string) =>
  report.find((d) => d.dataId === dataId)!.copies.find((c) => c.driver === driver)!;

/** alice.id over a public memory driver `a` (required) and the mirrored driver `m`, with two data. */
async function setup() {
  const a = memory('a');
  const m = createMirroredDriver('m');
  const keyPair = generateDataKeyPair();
  const metadataDir = await tempDir('bss-degraded-meta-');
  const ledger = await newLedger();
  const open = (drivers: StorageDriver[]) =>
    openUser({
      name: 'alice.id',
      drivers,
      registry: ledger,
      metadataDir,
      dataKey: keyPair.privateKey,
      config: { requiredWrite: ['a'] },
    });
  const client = await open([a, m]);
  await client.putMutable('notes', text('notes v1'));
  const image = await client.putImmutable('image', text('pixels'));
  return { a, m, client, open, image };
}

describe('verify sees a lost part of a copy that still reads whole', () => {
  it('reports the copy degraded with the part and why; sync rebuilds it; verify is then healthy', async () => {
    const { m, client, image } = await setup();
    m.parts[1]!.store.delete(mutableKey('notes'));
    m.parts[0]!.store.delete(`immutable/${image.hash}`);
    expect(str((await client.getMutable('notes'))!.data)).toBe('notes v1'); // still reads whole

    const before = await all(client.verify());
    expect(before.map((d) => [d.dataId, d.healthy])).toEqual([
      ['notes', false],
      ['image', false],
    ]);
    expect(copyOn(before, 'notes', 'a').state).toBe('current');
    expect(copyOn(before, 'notes', 'm')).toMatchObject({ state: 'degraded', version: 1, parts: ['m-1'] });
    expect(copyOn(before, 'notes', 'm').reason).toContain('m-1');
    expect(copyOn(before, 'image', 'm')).toMatchObject({ state: 'degraded', parts: ['m-0'] });
    // verify only asked: a dry run, and nothing rebuilt.
    expect(m.repairs.every((r) => r.dryRun)).toBe(true);
    expect(m.parts[1]!.store.has(mutableKey('notes'))).toBe(false);

    const dry = await all(client.sync({ dryRun: true }));
    expect(dry.map((r) => [r.dataId, r.repaired])).toEqual([
      ['notes', ['m']],
      ['image', ['m']],
    ]);
    expect(m.parts[1]!.store.has(mutableKey('notes'))).toBe(false);

    const synced = await all(client.sync());
    // As found: degraded, repaired on m, nothing failed.
    expect(synced.map((r) => [r.dataId, r.repaired, r.failed, copyOn([r], r.dataId, 'm').state])).toEqual([
      ['notes', ['m'], [], 'degraded'],
      ['image', ['m'], [], 'degraded'],
    ]);
    expect(m.parts[1]!.store.has(mutableKey('notes'))).toBe(true);
    expect(m.parts[0]!.store.has(`immutable/${image.hash}`)).toBe(true);
    const after = await all(client.verify());
    expect(after.every((d) => d.healthy)).toBe(true);
    expect((await all(client.sync())).flatMap((r) => r.repaired)).toEqual([]);
    await client.close();
  });

  it('reports a copy whose part cannot be checked degraded with the error; sync reports it failed', async () => {
    const { m, client } = await setup();
    m.down.add(0);
    const before = await all(client.verify());
    const copy = copyOn(before, 'notes', 'm');
    expect(copy.state).toBe('degraded');
    expect(isStorageError(copy.error, ErrorCode.Unavailable)).toBe(true);
    expect(copy.reason).toContain('m-0');
    expect(before.every((d) => !d.healthy)).toBe(true);
    const synced = await all(client.sync());
    expect(synced.map((r) => [r.dataId, r.repaired, r.failed.map((f) => f.driver)])).toEqual([
      ['notes', [], ['m']],
      ['image', [], ['m']],
    ]);
    m.down.clear();
    expect((await all(client.verify())).every((d) => d.healthy)).toBe(true);
    await client.close();
  });
});

describe('a migration writes only to its new driver', () => {
  it("leaves another driver's lost part to sync", async () => {
    const { a, m, client, open } = await setup();
    await client.close();
    m.parts[1]!.store.delete(mutableKey('notes'));
    const x = memory('x');
    const migrating = await open([a, m, x]);
    const report = await migrating.migrate({ to: 'x', updateConfig: async () => {} });
    expect(report.complete).toBe(true);
    expect(report.data.map((d) => [d.dataId, d.repaired])).toEqual([
      ['notes', ['x']],
      ['image', ['x']],
    ]);
    expect(m.repairs.filter((r) => !r.dryRun)).toEqual([]);
    expect(m.parts[1]!.store.has(mutableKey('notes'))).toBe(false);
    expect(copyOn(await all(migrating.verify()), 'notes', 'm').state).toBe('degraded');
    await all(migrating.sync());
    expect(m.parts[1]!.store.has(mutableKey('notes'))).toBe(true);
    await migrating.close();
  });
});
