import { assertRejectsWith } from '@blockstack-storage/conformance';
import { ErrorCode, isStorageError, readBody } from '@blockstack-storage/core/driver';
import { describe, expect, it } from 'vitest';
import { HEADER_BYTES } from '../src/shard-format.js';
import {
  cluster,
  getValue,
  offline,
  online,
  pattern,
  rawShard,
  same,
  sha256Hex,
  subsets,
} from './helpers.js';

const STRIPE = 64 * 1024;
// Five stripes, the last one short: shards hold padded last pieces.
const VALUE_BYTES = 4 * STRIPE + 12_345;

describe('erasure driver over 4 data + 2 parity providers', () => {
  it('any 2 of the 6 providers wiped: every get still returns the value', async () => {
    const { erasure, stores } = cluster(4, 2, { stripeBytes: STRIPE });
    const value = pattern(VALUE_BYTES, 1);
    for (const lost of subsets(6, 2)) {
      await erasure.putMutable('wiped', value);
      for (const i of lost) await stores[i]!.deleteMutable('wiped');
      expect(same(await getValue(erasure, 'wiped'), value), `lost ${lost}`).toBe(true);
    }
  });

  it('any 2 of the 6 providers offline: every get still returns the value', async () => {
    const { erasure, chaos } = cluster(4, 2, { stripeBytes: STRIPE });
    const value = pattern(VALUE_BYTES, 2);
    await erasure.putMutable('offline', value);
    for (const lost of subsets(6, 2)) {
      for (const i of lost) offline(chaos[i]!);
      expect(same(await getValue(erasure, 'offline'), value), `offline ${lost}`).toBe(true);
      for (const i of lost) online(chaos[i]!);
    }
    // Immutable data too.
    const hash = sha256Hex(value);
    await erasure.putImmutable(hash, value);
    offline(chaos[0]!);
    offline(chaos[5]!);
    const object = await erasure.getImmutable(hash);
    expect(same(object && (await readBody(object.body)), value)).toBe(true);
  });

  it('3 providers offline: a retryable UnavailableError naming them', async () => {
    const { erasure, chaos } = cluster(4, 2, { stripeBytes: STRIPE });
    await erasure.putMutable('three-down', pattern(1000, 3));
    for (const i of [1, 3, 4]) offline(chaos[i]!);
    const error = await erasure.getMutable('three-down').catch((e: unknown) => e);
    expect(isStorageError(error, ErrorCode.Unavailable)).toBe(true);
    const message = (error as Error).message;
    for (const label of ['skeleton[1]', 'skeleton[3]', 'skeleton[4]'])
      expect(message).toContain(`${label}: get failed`);
    for (const label of ['skeleton[0]', 'skeleton[2]', 'skeleton[5]'])
      expect(message).not.toContain(`${label}: get failed`);
    expect((error as { retryable: boolean }).retryable).toBe(true);
    expect((error as { driver: string }).driver).toBe('erasure');
  });

  it('3 providers wiped: an IntegrityError (not null, not a wrong value)', async () => {
    const { erasure, stores } = cluster(4, 2, { stripeBytes: STRIPE });
    await erasure.putMutable('three-wiped', pattern(1000, 4));
    for (const i of [0, 2, 5]) await stores[i]!.deleteMutable('three-wiped');
    await assertRejectsWith(erasure.getMutable('three-wiped'), ErrorCode.Integrity, 'erasure');
    // All wiped: the value is simply absent.
    for (const i of [1, 3, 4]) await stores[i]!.deleteMutable('three-wiped');
    expect(await erasure.getMutable('three-wiped')).toBeNull();
  });

  it('a flipped byte anywhere in one shard is detected and the value still rebuilds', async () => {
    const { erasure, stores } = cluster(4, 2, { stripeBytes: STRIPE });
    const value = pattern(VALUE_BYTES, 5);
    await erasure.putMutable('flipped', value);
    const shardBytes = (await rawShard(stores[0]!, 'flipped')).byteLength;
    // Header, first frame's length field, a piece, a frame checksum, the trailer's value hash.
    const positions = [
      5,
      HEADER_BYTES + 1,
      HEADER_BYTES + 1000,
      HEADER_BYTES + 4 + STRIPE / 4 + 3,
      shardBytes - 40,
    ];
    for (const shard of [0, 3, 5]) {
      for (const position of positions) {
        await erasure.putMutable('flipped', value);
        const damaged = await rawShard(stores[shard]!, 'flipped');
        damaged[position]! ^= 0x10;
        await stores[shard]!.putMutable('flipped', damaged);
        expect(same(await getValue(erasure, 'flipped'), value), `shard ${shard} byte ${position}`).toBe(true);
      }
    }
  });

  it('flipped bits on two providers (at read time) still rebuild; on three they fail with IntegrityError', async () => {
    const { erasure, chaos } = cluster(4, 2, { stripeBytes: STRIPE });
    const value = pattern(VALUE_BYTES, 6);
    await erasure.putMutable('bits', value);
    for (const i of [1, 4])
      chaos[i]!.chaos.setRules([{ fault: { kind: 'flippedBytes', count: 3 }, probability: 1 }]);
    expect(same(await getValue(erasure, 'bits'), value)).toBe(true);
    chaos[2]!.chaos.setRules([{ fault: { kind: 'flippedBytes', count: 3 }, probability: 1 }]);
    const object = await erasure.getMutable('bits').catch((e: unknown) => e);
    // Depending on where the bits land the failure shows at open (header) or while streaming.
    const error = isStorageError(object)
      ? object
      : await readBody((object as { body: AsyncIterable<Uint8Array> }).body).catch((e: unknown) => e);
    expect(isStorageError(error, ErrorCode.Integrity), 'IntegrityError expected').toBe(true);
  });

  it('a truncated shard is detected and the value still rebuilds', async () => {
    const { erasure, stores, chaos } = cluster(4, 2, { stripeBytes: STRIPE });
    const value = pattern(VALUE_BYTES, 7);
    await erasure.putMutable('truncated', value);
    const whole = await rawShard(stores[2]!, 'truncated');
    for (const cut of [0, 10, HEADER_BYTES, HEADER_BYTES + 2, HEADER_BYTES + 5000, whole.byteLength - 1]) {
      await stores[2]!.putMutable('truncated', whole.subarray(0, cut));
      expect(same(await getValue(erasure, 'truncated'), value), `cut at ${cut}`).toBe(true);
    }
    // Torn responses from two providers at once.
    await stores[2]!.putMutable('truncated', whole);
    for (const i of [0, 5]) chaos[i]!.chaos.setRules([{ fault: { kind: 'tornResponse' }, probability: 1 }]);
    expect(same(await getValue(erasure, 'truncated'), value)).toBe(true);
  });

  it('shards of an older value are never mixed with a newer one', async () => {
    const { erasure, stores } = cluster(4, 2, { stripeBytes: STRIPE });
    const older = pattern(VALUE_BYTES, 8);
    const newer = pattern(VALUE_BYTES, 9); // same length: only the put id tells them apart
    await erasure.putMutable('versions', older);
    const oldShards = await Promise.all(stores.map((s) => rawShard(s, 'versions')));
    await erasure.putMutable('versions', newer);

    // One provider went back to the old shard: the newer value (5 shards) wins.
    await stores[0]!.putMutable('versions', oldShards[0]!);
    expect(same(await getValue(erasure, 'versions'), newer)).toBe(true);
    // Two old shards, and a third provider lost its shard: exactly k = 4 newer shards remain.
    await stores[1]!.putMutable('versions', oldShards[1]!);
    expect(same(await getValue(erasure, 'versions'), newer)).toBe(true);
    // Three old, three new: neither has k, and mixing them must not happen.
    await stores[2]!.putMutable('versions', oldShards[2]!);
    await assertRejectsWith(erasure.getMutable('versions'), ErrorCode.Integrity, 'erasure');
    // Four old: the older value is the only complete one, and comes back whole.
    await stores[3]!.putMutable('versions', oldShards[3]!);
    expect(same(await getValue(erasure, 'versions'), older)).toBe(true);
  });

  it('an abort in the middle of a multi-stripe put leaves the previous value readable', async () => {
    const { erasure } = cluster(4, 2, { stripeBytes: STRIPE });
    const previous = pattern(VALUE_BYTES, 10);
    await erasure.putMutable('abort', previous);
    const controller = new AbortController();
    async function* body(): AsyncIterable<Uint8Array> {
      yield pattern(STRIPE, 11);
      yield pattern(STRIPE, 12);
      controller.abort(new Error('test abort'));
      yield pattern(STRIPE, 13);
    }
    await assertRejectsWith(
      erasure.putMutable('abort', body(), { signal: controller.signal }),
      ErrorCode.Aborted,
      'erasure',
    );
    expect(same(await getValue(erasure, 'abort'), previous)).toBe(true);
  });

  it('an abort while the body of the caller stalls ends the put at once and keeps the previous value', async () => {
    const { erasure } = cluster(4, 2, { stripeBytes: STRIPE });
    const previous = pattern(1000, 20);
    await erasure.putMutable('stalled', previous);
    const controller = new AbortController();
    async function* body(): AsyncIterable<Uint8Array> {
      yield pattern(STRIPE, 21);
      controller.abort(new Error('test abort'));
      await new Promise(() => {}); // never yields again
    }
    await assertRejectsWith(
      erasure.putMutable('stalled', body(), { signal: controller.signal }),
      ErrorCode.Aborted,
      'erasure',
    );
    expect(same(await getValue(erasure, 'stalled'), previous)).toBe(true);
  });

  it('a body whose length differs from options.size is refused and the previous value kept', async () => {
    const { erasure } = cluster(4, 2, { stripeBytes: STRIPE });
    const previous = pattern(1000, 22);
    await erasure.putMutable('sized', previous);
    for (const size of [999, 1001, 10 * STRIPE]) {
      await assertRejectsWith(
        erasure.putMutable('sized', pattern(1000, 23), { size }),
        ErrorCode.Integrity,
        'erasure',
      );
      expect(same(await getValue(erasure, 'sized'), previous), `size ${size}`).toBe(true);
    }
    await erasure.putMutable('sized', pattern(1000, 23), { size: 1000 });
    expect(same(await getValue(erasure, 'sized'), pattern(1000, 23))).toBe(true);
  });

  it('with the default write quorum (all 6), one provider down fails the put and keeps the old value', async () => {
    const { erasure, chaos } = cluster(4, 2, { stripeBytes: STRIPE });
    const previous = pattern(VALUE_BYTES, 14);
    await erasure.putMutable('quorum', previous);
    offline(chaos[4]!);
    const error = await erasure.putMutable('quorum', pattern(VALUE_BYTES, 15)).catch((e: unknown) => e);
    expect(isStorageError(error, ErrorCode.Unavailable)).toBe(true);
    expect((error as Error).message).toContain('skeleton[4]');
    online(chaos[4]!);
    expect(same(await getValue(erasure, 'quorum'), previous)).toBe(true);
  });

  it('with writeQuorum 5, a put succeeds with one provider down and reads back', async () => {
    const { erasure, chaos, stores } = cluster(4, 2, { stripeBytes: STRIPE, writeQuorum: 5 });
    offline(chaos[0]!);
    const value = pattern(VALUE_BYTES, 16);
    await erasure.putMutable('quorum5', value);
    online(chaos[0]!);
    expect(await stores[0]!.getMutable('quorum5')).toBeNull();
    expect(same(await getValue(erasure, 'quorum5'), value)).toBe(true);
    offline(chaos[1]!);
    offline(chaos[2]!);
    // Two down out of six: only 4 shards could be stored, below the quorum of 5.
    await assertRejectsWith(erasure.putMutable('quorum5-b', value), ErrorCode.Unavailable, 'erasure');
  });

  it('deletes every shard, and reports providers that could not delete', async () => {
    const { erasure, stores, chaos } = cluster(4, 2, { stripeBytes: STRIPE });
    await erasure.putMutable('gone', pattern(100, 17));
    await erasure.deleteMutable('gone');
    for (const store of stores) expect(await store.getMutable('gone')).toBeNull();
    expect(await erasure.getMutable('gone')).toBeNull();
    await erasure.putMutable('gone', pattern(100, 17));
    offline(chaos[3]!);
    const error = await erasure.deleteMutable('gone').catch((e: unknown) => e);
    expect(isStorageError(error, ErrorCode.Unavailable)).toBe(true);
    expect((error as Error).message).toContain('skeleton[3]');
  });

  it('streams a put with bounded buffering: a slow provider holds the encoder back', async () => {
    const stripe = 16 * 1024;
    const stripes = 64;
    let produced = 0;
    let consumedBySlow = 0;
    let maxAhead = 0;
    const { erasure, stores } = cluster(4, 2, { stripeBytes: stripe });
    // Provider 5 takes its chunks one event-loop turn at a time; the source must not run ahead of it.
    const slow = stores[5]!;
    const slowPut = slow.putMutable.bind(slow);
    slow.putMutable = (id, body, options) =>
      slowPut(
        id,
        (async function* () {
          for await (const chunk of body as AsyncIterable<Uint8Array>) {
            await new Promise((resolve) => setImmediate(resolve));
            consumedBySlow++;
            yield chunk;
          }
        })(),
        options,
      );
    async function* source(): AsyncIterable<Uint8Array> {
      for (let i = 0; i < stripes; i++) {
        produced++;
        // Chunks consumed = header + frames: frames consumed is one less.
        maxAhead = Math.max(maxAhead, produced - Math.max(0, consumedBySlow - 1));
        yield pattern(stripe, 100 + i);
      }
    }
    await erasure.putMutable('bounded', source());
    expect(consumedBySlow).toBe(stripes + 2);
    // Queue of 2 frames per shard, one stripe being encoded, one being read from the source.
    expect(maxAhead).toBeLessThanOrEqual(5);
  });
});
