import { createSkeletonDriver } from '@blockstack-storage/driver-skeleton';
import { describe, expect, it } from 'vitest';
import { shardObjectBytes } from '../src/index.js';
import { counting } from './counting-driver.js';
import { cluster, getValue, pattern, rawShard, same } from './helpers.js';

const STRIPE = 64 * 1024;
const VALUE_BYTES = 4 * STRIPE + 12_345; // five stripes
const SHARD_BYTES = shardObjectBytes(VALUE_BYTES, 4, STRIPE);

/** 4 + 2 providers that count what the erasure driver asks of them. */
function countedCluster() {
  const stores = Array.from({ length: 6 }, () => counting(createSkeletonDriver()));
  const { erasure } = cluster(4, 2, { stripeBytes: STRIPE }, stores);
  return { erasure, stores };
}

describe('a get reads k shards of n', () => {
  it('all healthy: only the first k providers are asked, each for its shard once', async () => {
    const { erasure, stores } = countedCluster();
    const value = pattern(VALUE_BYTES, 21);
    await erasure.putMutable('k-only', value);
    for (const store of stores) store.reset();
    expect(same(await getValue(erasure, 'k-only'), value)).toBe(true);
    expect(stores.map((s) => s.counts.gets)).toEqual([1, 1, 1, 1, 0, 0]);
    expect(stores.map((s) => s.counts.bytes)).toEqual([
      SHARD_BYTES,
      SHARD_BYTES,
      SHARD_BYTES,
      SHARD_BYTES,
      0,
      0,
    ]);
  });

  it('a bad frame in one of the k: one spare is asked, brought to that stripe, and the value is whole', async () => {
    const { erasure, stores } = countedCluster();
    const value = pattern(VALUE_BYTES, 22);
    await erasure.putMutable('bad-frame', value);
    const shard = await rawShard(stores[1]!, 'bad-frame');
    shard[shard.byteLength - 200]! ^= 0xff; // the last stripe's frame
    await stores[1]!.putMutable('bad-frame', shard);
    for (const store of stores) store.reset();
    expect(same(await getValue(erasure, 'bad-frame'), value)).toBe(true);
    expect(stores.map((s) => s.counts.gets)).toEqual([1, 1, 1, 1, 1, 0]);
    expect(stores[5]!.counts.bytes).toBe(0);
  });

  it('a provider of the k wiped: the others are asked, and k of them read', async () => {
    const { erasure, stores } = countedCluster();
    const value = pattern(VALUE_BYTES, 23);
    await erasure.putMutable('wiped', value);
    await stores[2]!.deleteMutable('wiped');
    for (const store of stores) store.reset();
    expect(same(await getValue(erasure, 'wiped'), value)).toBe(true);
    expect(stores.map((s) => s.counts.gets)).toEqual([1, 1, 1, 1, 1, 1]);
    // Shard 5 is a spare: asked for its header, never read to the end.
    expect(stores[5]!.counts.bytes).toBe(4096);
    for (const i of [0, 1, 3, 4]) expect(stores[i]!.counts.bytes).toBe(SHARD_BYTES);
  });

  it('a provider of the k offline mid-read: a spare takes its place', async () => {
    const { erasure, stores } = countedCluster();
    const value = pattern(VALUE_BYTES, 24);
    await erasure.putMutable('cut', value);
    // Shard 3 ends in the middle of its third frame: truncated.
    const shard = await rawShard(stores[3]!, 'cut');
    await stores[3]!.putMutable('cut', shard.subarray(0, Math.floor(shard.byteLength / 2)));
    for (const store of stores) store.reset();
    expect(same(await getValue(erasure, 'cut'), value)).toBe(true);
    expect(stores.map((s) => s.counts.gets)).toEqual([1, 1, 1, 1, 1, 0]);
  });
});
