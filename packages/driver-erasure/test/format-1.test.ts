import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { HEADER_BYTES } from '../src/shard-format.js';
import { cluster, getValue, pattern, rawShard, same } from './helpers.js';

const STRIPE = 4096;

/** The same shard as format 1 wrote it: a 68-byte header without the value version. */
function asFormat1(shard: Uint8Array): Uint8Array {
  const fields = shard.slice(0, 36);
  fields[4] = 1;
  const header = Buffer.concat([fields, createHash('sha256').update(fields).digest()]);
  return Buffer.concat([header, shard.subarray(HEADER_BYTES)]);
}

describe('shards written by format 1', () => {
  it('are still read, and repair rebuilds a lost one beside them', async () => {
    const { erasure, stores } = cluster(4, 2, { stripeBytes: STRIPE });
    const value = pattern(3 * STRIPE + 77, 41);
    await erasure.putMutable('old', value);
    for (const store of stores) await store.putMutable('old', asFormat1(await rawShard(store, 'old')));
    expect(same(await getValue(erasure, 'old'), value)).toBe(true);

    await stores[1]!.deleteMutable('old');
    expect((await erasure.repair('mutable', 'old')).rebuilt).toEqual(['skeleton[1]']);
    await stores[0]!.deleteMutable('old');
    await stores[2]!.deleteMutable('old');
    // Shard 1 (format 2 now) with shards 3, 4 and 5 (format 1): one put, rebuilt together.
    expect(same(await getValue(erasure, 'old'), value)).toBe(true);
  });
});
