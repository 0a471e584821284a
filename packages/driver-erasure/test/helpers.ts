import { createHash } from 'node:crypto';
import { patternBytes } from '@blockstack-storage/conformance';
import { readBody, type StorageDriver } from '@blockstack-storage/core/driver';
import { type ChaosDriver, createChaosDriver } from '@blockstack-storage/driver-chaos';
import { createSkeletonDriver } from '@blockstack-storage/driver-skeleton';
import { createErasureDriver, type ErasureDriverOptions, type ErasureStorageDriver } from '../src/index.js';

export interface Cluster {
  erasure: ErasureStorageDriver;
  /** The in-memory providers, to damage shards behind the erasure driver's back. */
  stores: StorageDriver[];
  /** The same providers behind chaos drivers, to take them offline. */
  chaos: ChaosDriver[];
}

/** An erasure driver over `k + m` in-memory providers, each behind a chaos driver with no rules. */
export function cluster(
  k: number,
  m: number,
  options: Partial<ErasureDriverOptions> = {},
  stores = Array.from({ length: k + m }, () => createSkeletonDriver()),
): Cluster {
  const chaos = stores.map((store, i) => createChaosDriver(store, { seed: i + 1 }));
  const erasure = createErasureDriver({ drivers: chaos, dataShards: k, parityShards: m, ...options });
  return { erasure, stores, chaos };
}

export function offline(driver: ChaosDriver): void {
  driver.chaos.setRules([{ fault: { kind: 'error', retryable: true }, probability: 1 }]);
}

export function online(driver: ChaosDriver): void {
  driver.chaos.setRules([]);
}

/** Deterministic bytes that look random (so a misplaced piece changes the value): the suite's own. */
export const pattern = patternBytes;

export async function getValue(driver: StorageDriver, id: string): Promise<Uint8Array | null> {
  const object = await driver.getMutable(id);
  return object ? readBody(object.body) : null;
}

/** The raw shard object a provider holds. */
export async function rawShard(store: StorageDriver, id: string): Promise<Uint8Array> {
  const object = await store.getMutable(id);
  if (!object) throw new Error(`no shard for ${id} on ${store.name}`);
  return readBody(object.body);
}

export function sha256Hex(bytes: Uint8Array | string): string {
  return createHash('sha256').update(bytes).digest('hex');
}

export function same(a: Uint8Array | null, b: Uint8Array): boolean {
  return a !== null && Buffer.from(a).equals(Buffer.from(b));
}

/** Every subset of `size` elements of 0..n-1. */
export function subsets(n: number, size: number): number[][] {
  if (size === 0) return [[]];
  if (n < size) return [];
  return [...subsets(n - 1, size), ...subsets(n - 1, size - 1).map((s) => [...s, n - 1])];
}
