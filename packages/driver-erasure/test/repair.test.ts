import { ErrorCode, isStorageError, type StorageDriver } from '@blockstack-storage/core/driver';
import { describe, expect, it } from 'vitest';
import { createErasureDriver } from '../src/index.js';
import { cluster, getValue, pattern, rawShard, same } from './helpers.js';

const STRIPE = 64 * 1024;
const VALUE_BYTES = 4 * STRIPE + 12_345;

function repairable(k = 4, m = 2) {
  const { stores, chaos } = cluster(k, m);
  const erasure = createErasureDriver({
    drivers: chaos,
    dataShards: k,
    parityShards: m,
    stripeBytes: STRIPE,
  });
  return { erasure, stores, chaos };
}

describe('repair rebuilds the shards providers lost', () => {
  it('a wiped provider gets back the very bytes it held; a second repair finds nothing to do', async () => {
    const { erasure, stores } = repairable();
    const value = pattern(VALUE_BYTES, 31);
    await erasure.putMutable('wiped', value);
    const before = await Promise.all(stores.map((s) => rawShard(s, 'wiped')));
    await stores[4]!.deleteMutable('wiped');
    await stores[0]!.deleteMutable('wiped');

    const dry = await erasure.repair('mutable', 'wiped', { dryRun: true });
    expect(dry).toEqual({ value: 'present', rebuilt: ['skeleton[0]', 'skeleton[4]'], failed: [] });
    expect(await stores[4]!.getMutable('wiped')).toBeNull();

    const report = await erasure.repair('mutable', 'wiped');
    expect(report).toEqual({ value: 'present', rebuilt: ['skeleton[0]', 'skeleton[4]'], failed: [] });
    const after = await Promise.all(stores.map((s) => rawShard(s, 'wiped')));
    for (let i = 0; i < 6; i++) expect(Buffer.compare(after[i]!, before[i]!), `shard ${i}`).toBe(0);
    expect((await erasure.repair('mutable', 'wiped')).rebuilt).toEqual([]);
    expect(same(await getValue(erasure, 'wiped'), value)).toBe(true);
  });

  it('a damaged frame and a shard of another put are rebuilt; immutable data too', async () => {
    const { erasure, stores } = repairable();
    const value = pattern(VALUE_BYTES, 32);
    await erasure.putMutable('mixed', value);
    const before = await Promise.all(stores.map((s) => rawShard(s, 'mixed')));
    const damaged = before[1]!.slice();
    damaged[damaged.byteLength - 300]! ^= 1;
    await stores[1]!.putMutable('mixed', damaged);
    await erasure.putMutable('other', pattern(1000, 33));
    await stores[5]!.putMutable('mixed', await rawShard(stores[5]!, 'other'));
    expect((await erasure.repair('mutable', 'mixed')).rebuilt).toEqual(['skeleton[1]', 'skeleton[5]']);
    const after = await Promise.all(stores.map((s) => rawShard(s, 'mixed')));
    for (let i = 0; i < 6; i++) expect(Buffer.compare(after[i]!, before[i]!), `shard ${i}`).toBe(0);

    const hash = 'ab'.repeat(32);
    await erasure.putImmutable(hash, value);
    const shard3 = (await stores[3]!.getImmutable(hash))!;
    await stores[3]!.deleteImmutable(hash);
    expect(shard3).not.toBeNull();
    expect((await erasure.repair('immutable', hash)).rebuilt).toEqual(['skeleton[3]']);
    expect(await stores[3]!.getImmutable(hash)).not.toBeNull();
  });

  it('an absent value is reported absent; too few shards left is an IntegrityError; an offline provider is left for later', async () => {
    const { erasure, stores, chaos } = repairable(2, 2);
    expect(await erasure.repair('mutable', 'none')).toEqual({ value: 'absent', rebuilt: [], failed: [] });
    await erasure.putMutable('lost', pattern(5000, 34));
    await stores[0]!.deleteMutable('lost');
    await stores[1]!.deleteMutable('lost');
    await stores[2]!.deleteMutable('lost');
    const error = await erasure.repair('mutable', 'lost').catch((e: unknown) => e);
    expect(isStorageError(error, ErrorCode.Integrity)).toBe(true);

    await erasure.putMutable('down', pattern(5000, 35));
    await stores[0]!.deleteMutable('down');
    chaos[2]!.chaos.setRules([{ fault: { kind: 'error', retryable: true }, probability: 1 }]);
    const report = await erasure.repair('mutable', 'down');
    expect(report.rebuilt).toEqual(['skeleton[0]']);
    expect(report.failed.map((f) => f.driver)).toEqual(['skeleton[2]']);
  });

  it('never overwrites a shard that changed after it was judged (conditional rebuild)', async () => {
    const { stores, chaos } = cluster(4, 2);
    // Provider 4 lets "another writer" store its shard just before the repair's rebuilt one arrives.
    const racing = {
      ...chaos[4]!,
      name: chaos[4]!.name,
      capabilities: chaos[4]!.capabilities,
      putMutable: async (...args: Parameters<StorageDriver['putMutable']>) => {
        if (args[2]?.ifNoneMatch === '*')
          await stores[4]!.putMutable(args[0], new TextEncoder().encode('newer'));
        return chaos[4]!.putMutable(...args);
      },
    } as StorageDriver;
    const drivers = chaos.map((d, i) => (i === 4 ? racing : d));
    const erasure = createErasureDriver({ drivers, dataShards: 4, parityShards: 2, stripeBytes: STRIPE });
    await erasure.putMutable('raced', pattern(VALUE_BYTES, 36));
    await stores[4]!.deleteMutable('raced');
    const report = await erasure.repair('mutable', 'raced');
    expect(report.rebuilt).toEqual([]);
    expect(report.failed.map((f) => [f.driver, f.error.code])).toEqual([['skeleton[4]', 'BSS_CONFLICT']]);
    expect(new TextDecoder().decode(await rawShard(stores[4]!, 'raced'))).toBe('newer');
  });
});
