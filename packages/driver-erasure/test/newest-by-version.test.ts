import { generateDataKeyPair, signMutableEnvelope, signTombstone } from '@blockstack-storage/core';
import { createChaosDriver } from '@blockstack-storage/driver-chaos';
import { createSkeletonDriver } from '@blockstack-storage/driver-skeleton';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createErasureDriver } from '../src/index.js';
import { valueVersionOf } from '../src/value-version.js';
import { getValue, offline, online, same } from './helpers.js';

const key = generateDataKeyPair().privateKey;
const HOUR = 3_600_000;

function envelope(version: number, text: string): Uint8Array {
  const data = new TextEncoder().encode(text);
  return signMutableEnvelope({ fqDataId: 'alice.id/profile', data, version, timestamp: 1_700_000_000 }, key);
}

afterEach(() => {
  vi.restoreAllMocks();
});

describe('the newest put is chosen by the version the value carries', () => {
  it('reads the version of bsk2 envelopes and versioned tombstones, 0 for anything else', () => {
    expect(valueVersionOf(envelope(7, 'x'))).toBe(7);
    expect(valueVersionOf(envelope(123_456, 'y'.repeat(5000)))).toBe(123_456);
    expect(
      valueVersionOf(new TextEncoder().encode(signTombstone('alice.id/profile', key, 1_700_000_000_000, 9))),
    ).toBe(9);
    expect(
      valueVersionOf(new TextEncoder().encode(signTombstone('alice.id/profile', key, 1_700_000_000_000))),
    ).toBe(0);
    expect(valueVersionOf(new TextEncoder().encode('"version":5,"timestamp":1},'))).toBe(0);
    expect(valueVersionOf(new Uint8Array(0))).toBe(0);
  });

  it('two writers with skewed clocks: version 6, written by the clock behind, beats version 5', async () => {
    // k = 2, m = 2, write quorum 2: a put may land on two providers only, and two puts then each have
    // k shards. The writer with the fast clock wrote version 5 to all four; the one with the slow clock
    // wrote version 6 while providers 2 and 3 were down.
    const stores = Array.from({ length: 4 }, () => createSkeletonDriver());
    const chaos = stores.map((store, i) => createChaosDriver(store, { seed: i + 1 }));
    const writer = () =>
      createErasureDriver({ drivers: chaos, dataShards: 2, parityShards: 2, writeQuorum: 2 });
    const [fast, slow] = [writer(), writer()];
    const now = Date.now();
    const v5 = envelope(5, 'five');
    const v6 = envelope(6, 'six');
    vi.spyOn(Date, 'now').mockReturnValue(now + HOUR);
    await fast.putMutable('profile', v5);
    vi.spyOn(Date, 'now').mockReturnValue(now);
    offline(chaos[2]!);
    offline(chaos[3]!);
    await slow.putMutable('profile', v6);
    online(chaos[2]!);
    online(chaos[3]!);
    vi.restoreAllMocks();
    const reader = writer();
    expect(same(await getValue(reader, 'profile'), v6)).toBe(true);
    // Values without a version still go by the clock: the fast clock's put wins.
    vi.spyOn(Date, 'now').mockReturnValue(now + HOUR);
    await fast.putMutable('plain', new TextEncoder().encode('older, fast clock'));
    vi.spyOn(Date, 'now').mockReturnValue(now);
    offline(chaos[2]!);
    offline(chaos[3]!);
    await slow.putMutable('plain', new TextEncoder().encode('newer, slow clock'));
    online(chaos[2]!);
    online(chaos[3]!);
    vi.restoreAllMocks();
    expect(new TextDecoder().decode((await getValue(reader, 'plain'))!)).toBe('older, fast clock');
  });
});
