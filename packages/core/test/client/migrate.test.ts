import { describe, expect, it } from 'vitest';
import {
  type DatumHealth,
  ErrorCode,
  encodeDataId,
  generateDataKeyPair,
  isStorageError,
  listImmutableDataRecords,
  parseZoneFile,
  type StorageClient,
  type StorageDriversChange,
} from '../../src/index.js';
import { newLedger, openUser, str, tempDir, text } from '../support/client-fixture.js';
import { createMemoryDriver } from '../support/memory-driver.js';

// Issue 15, migrate: a new provider brought in (copied, verified, then listed and published), an old
// one taken out (unpublished first, then its copies deleted only when asked).
const memory = (name: string) =>
  createMemoryDriver({ name, publicUrl: `https://${name}.example`, visibility: 'public' });

const show = (r: { steps: unknown; notCurrent: DatumHealth[] }) =>
  JSON.stringify([r.steps, r.notCurrent.map((d) => [d.dataId, d.copies])]);

async function all<T>(items: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of items) out.push(item);
  return out;
}

/** alice.id with data on `a` (required) and `b` (optional), and an empty `x` to migrate to. */
async function setup() {
  const [a, b, x] = [memory('a'), memory('b'), memory('x')];
  const keyPair = generateDataKeyPair();
  const metadataDir = await tempDir('bss-migrate-meta-');
  const ledger = await newLedger();
  const open = (drivers: ReturnType<typeof memory>[], requiredWrite = ['a']) =>
    openUser({
      name: 'alice.id',
      drivers,
      registry: ledger,
      metadataDir,
      dataKey: keyPair.privateKey,
      config: { requiredWrite },
    });
  const before = await open([a, b]);
  await before.putMutable('notes', text('notes v1'));
  await before.putMutable('notes', text('notes v2'));
  await before.putMutable('gone', text('soon deleted'));
  await before.deleteMutable('gone');
  const image = await before.putImmutable('image', text('pixels'));
  await before.close();
  const zone = async () => parseZoneFile((await ledger.getZoneFile('alice.id'))!.text);
  return { a, b, x, open, ledger, zone, image };
}

const stateOn = (report: readonly DatumHealth[], driver: string) =>
  Object.fromEntries(report.map((d) => [d.dataId, d.copies.find((c) => c.driver === driver)?.state]));

describe('migrate', () => {
  it('copies everything to the new driver, verifies it, then lists and publishes it; a rerun does nothing', async () => {
    const { a, b, x, open, zone, image } = await setup();
    b.store.delete(`mutable/${encodeDataId('notes')}`); // the optional driver lost a copy
    const client = await open([a, b, x]);
    const changes: StorageDriversChange[] = [];
    const report = await client.migrate({ to: 'x', updateConfig: async (c) => changes.push(c) });
    expect(report.complete, show(report)).toBe(true);
    expect(report.notCurrent).toEqual([]);
    expect(changes).toEqual([{ add: 'x' }]);
    // Bytes as stored, not re-signed: the new copies are the very bytes of `a`.
    for (const key of [`mutable/${encodeDataId('notes')}`, `mutable/${encodeDataId('gone')}`]) {
      expect(Buffer.compare(x.store.get(key)!, a.store.get(key)!)).toBe(0);
    }
    expect(str(x.store.get(`immutable/${image.hash}`)!)).toBe('pixels');
    // Only the new driver is written to (`sync` heals the others).
    expect(b.store.has(`mutable/${encodeDataId('notes')}`)).toBe(false);
    expect(stateOn(await all(client.verify()), 'x')).toEqual({
      notes: 'current',
      gone: 'current',
      image: 'current',
    });
    const published = await zone();
    expect(published.uris).toContainEqual(
      expect.objectContaining({ name: '_bss-mutable', target: 'https://x.example/mutable/' }),
    );
    // The immutable record kept its URL (a's), which still serves it.
    expect(listImmutableDataRecords(published)[0]!.url).toBe(`https://a.example/immutable/${image.hash}`);

    const again = await client.migrate({ to: 'x', updateConfig: async (c) => changes.push(c) });
    expect(again.complete).toBe(true);
    expect(again.data.every((d) => d.repaired.length === 0)).toBe(true);
    expect(again.steps.find((s) => s.step === 'publish')!.status).toBe('skipped');
    await client.close();
  });

  it('retires a driver: its URLs leave the zone file, it leaves the config, its copies go only when asked', async () => {
    const { a, b, x, open, zone, image } = await setup();
    const client = await open([a, b, x], ['a', 'b']);
    const changes: StorageDriversChange[] = [];
    const updateConfig = async (c: StorageDriversChange) => changes.push(c);
    const kept = await client.migrate({ to: 'x', retire: 'a', updateConfig });
    expect(kept.complete, show(kept)).toBe(true);
    expect(changes).toEqual([{ add: 'x' }, { remove: 'a' }]);
    const after = await zone();
    expect(after.uris.map((u) => u.target)).not.toContain('https://a.example/mutable/');
    expect(after.uris.map((u) => u.target)).toContain('https://x.example/mutable/');
    expect(listImmutableDataRecords(after)[0]!.url).toBe(`https://x.example/immutable/${image.hash}`);
    // Publish and unpublish are two NAME_UPDATEs: a reader of either zone file finds a copy.
    const txids = kept.steps.filter((s) => s.txid !== undefined).map((s) => s.step);
    expect(txids).toEqual(['publish', 'unpublish']);
    expect(a.store.size).toBeGreaterThan(0); // kept without deleteCopies

    const deleted = await client.migrate({ to: 'x', retire: 'a', deleteCopies: true, updateConfig });
    expect(deleted.complete).toBe(true);
    expect(deleted.deleted).toBe(3);
    expect([...a.store.keys()]).toEqual([]);
    // Still readable from the drivers kept.
    expect(str((await client.getMutable('notes'))!.data)).toBe('notes v2');
    expect(str((await client.getImmutable('image'))!.data)).toBe('pixels');
    await client.close();
  });

  it('refuses a retirement that breaks the required-write rule, before writing anything', async () => {
    const { a, b, x, open, zone } = await setup();
    const client = await open([a, b, x], ['a']);
    const zoneBefore = await zone();
    const error = await client.migrate({ to: 'x', retire: 'a' }).catch((e: unknown) => e);
    expect(isStorageError(error, ErrorCode.Configuration)).toBe(true);
    expect((error as Error).message).toMatch(/Retiring a would leave no non-local driver/);
    expect((error as { hint?: string }).hint).toMatch(/add x to storage_drivers_required_write/);
    expect(x.store.size).toBe(0);
    expect(await zone()).toEqual(zoneBefore);
    await client.close();
  });

  it('a dry run reports the plan and changes nothing', async () => {
    const { a, b, x, open, zone } = await setup();
    const client = await open([a, b, x], ['a', 'b']);
    const zoneBefore = await zone();
    const changes: StorageDriversChange[] = [];
    const report = await client.migrate({
      to: 'x',
      retire: 'a',
      dryRun: true,
      updateConfig: async (c) => changes.push(c),
    });
    expect(report.complete, show(report)).toBe(true);
    expect(
      report.data
        .filter((d) => d.repaired.includes('x'))
        .map((d) => d.dataId)
        .sort(),
    ).toEqual(['gone', 'image', 'notes']);
    expect(report.steps.map((s) => `${s.step} ${s.status}`)).toEqual([
      'copy planned',
      'verify planned',
      'add-to-config planned',
      'publish planned',
      'unpublish planned',
      'remove-from-config planned',
      'delete-copies skipped',
    ]);
    expect(x.store.size).toBe(0);
    expect(changes).toEqual([]);
    expect(await zone()).toEqual(zoneBefore);
    await client.close();
  });

  it('stops before the config and the zone file when the new driver does not hold every datum', async () => {
    const { a, b, open, zone } = await setup();
    const x = memory('x');
    // A provider that loses its writes: the verification reads every copy again and catches it.
    x.putMutable = async () => ({});
    const client = await open([a, b, x]);
    const zoneBefore = await zone();
    const changes: StorageDriversChange[] = [];
    const report = await client.migrate({ to: 'x', updateConfig: async (c) => changes.push(c) });
    expect(report.complete).toBe(false);
    expect(report.notCurrent.map((d) => d.dataId).sort()).toEqual(['gone', 'notes']);
    expect(report.steps.at(-1)).toMatchObject({ step: 'verify', status: 'failed' });
    expect(changes).toEqual([]);
    expect(await zone()).toEqual(zoneBefore);
    await client.close();
  });

  it('names a driver the client does not have', async () => {
    const { a, b, open } = await setup();
    const client: StorageClient = await open([a, b]);
    const error = await client.migrate({ to: 'x' }).catch((e: unknown) => e);
    expect(isStorageError(error, ErrorCode.Configuration)).toBe(true);
    expect((error as Error).message).toMatch(/no driver "x" among a, b/);
    await client.close();
  });
});
