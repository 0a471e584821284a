import { assertRejectsWith } from '@blockstack-storage/conformance';
import { ErrorCode, isStorageError, type StorageDriver } from '@blockstack-storage/core/driver';
import { createSkeletonDriver } from '@blockstack-storage/driver-skeleton';
import { describe, expect, it } from 'vitest';
import { createErasureDriver, shardObjectBytes } from '../src/index.js';

const local = () => createSkeletonDriver();
const publicDriver = () => createSkeletonDriver({ publicUrl: 'http://127.0.0.1:1/' });
/** A driver that declares different capabilities over a skeleton. */
function declaring(overrides: Partial<StorageDriver['capabilities']>): StorageDriver {
  const inner = createSkeletonDriver();
  return Object.assign(Object.create(inner) as StorageDriver, {
    capabilities: { ...inner.capabilities, ...overrides },
  });
}

describe('capabilities derived from the inner drivers', () => {
  it('public only when every inner driver is public; never URLs, listing or conditional writes', () => {
    const allPublic = createErasureDriver({
      drivers: [publicDriver(), publicDriver(), publicDriver()],
      dataShards: 2,
      parityShards: 1,
    });
    expect(allPublic.capabilities).toMatchObject({
      visibility: 'public',
      publicUrls: false,
      list: false,
      conditionalWrites: false,
    });
    expect(allPublic.listMutable).toBeUndefined();
    expect(allPublic.mutableUrl).toBeUndefined();
    const mixed = createErasureDriver({
      drivers: [publicDriver(), publicDriver(), local()],
      dataShards: 2,
      parityShards: 1,
    });
    expect(mixed.capabilities.visibility).toBe('local');
  });

  it('readYourWrites is masked if any inner masks it; paths are those every inner serves', async () => {
    const erasure = createErasureDriver({
      drivers: [local(), declaring({ readYourWrites: 'masked', immutable: false }), local()],
      dataShards: 2,
      parityShards: 1,
    });
    expect(erasure.capabilities.readYourWrites).toBe('masked');
    expect(erasure.capabilities.mutable).toBe(true);
    expect(erasure.capabilities.immutable).toBe(false);
    await assertRejectsWith(
      erasure.putImmutable('a'.repeat(64), Uint8Array.of(1)),
      ErrorCode.Unsupported,
      'erasure',
    );
  });

  it('maxObjectBytes is the largest value whose shards fit the smallest inner limit', () => {
    const erasure = createErasureDriver({
      drivers: [
        createSkeletonDriver({ maxObjectBytes: 5000 }),
        local(),
        createSkeletonDriver({ maxObjectBytes: 9000 }),
      ],
      dataShards: 2,
      parityShards: 1,
      stripeBytes: 1000,
    });
    const limit = erasure.capabilities.maxObjectBytes!;
    expect(shardObjectBytes(limit, 2, 1000)).toBeLessThanOrEqual(5000);
    expect(shardObjectBytes(limit + 1, 2, 1000)).toBeGreaterThan(5000);
  });

  it('refuses impossible configurations with ConfigurationError', () => {
    const bad = [
      { drivers: [local(), local()], dataShards: 2, parityShards: 1 },
      { drivers: [local(), local(), local()], dataShards: 0, parityShards: 3 },
      { drivers: [local(), local(), local()], dataShards: 2, parityShards: 1, writeQuorum: 1 },
      { drivers: [local(), local(), local()], dataShards: 2, parityShards: 1, writeQuorum: 4 },
      { drivers: [local(), local(), local()], dataShards: 2, parityShards: 1, stripeBytes: 0 },
      { drivers: [createSkeletonDriver({ maxObjectBytes: 10 }), local()], dataShards: 1, parityShards: 1 },
    ];
    for (const options of bad) {
      let error: unknown;
      try {
        createErasureDriver(options);
      } catch (e) {
        error = e;
      }
      expect(isStorageError(error, ErrorCode.Configuration), JSON.stringify(Object.keys(options))).toBe(true);
    }
  });
});
