import type { DriverCapabilities, StorageDriver } from '@blockstack-storage/core/driver';
import { shardObjectBytes } from './shard-format.js';

/**
 * What the erasure driver can honestly promise, given its inner drivers:
 * - a path is served only if every inner driver serves it (each holds one shard of every value);
 * - `visibility` is `'public'` only if every inner driver is public. One local inner means other
 *   clients may miss a shard they need, and a config must not count this driver as the public
 *   required-write driver on that basis;
 *   (`createErasureDriver` refuses inner limits too small for even a 1-byte value.)
 * - no public URLs, listing or conditional writes (a value is not one object anywhere);
 * - `readYourWrites` is `'masked'` if any inner masks, else `'provider'`;
 * - `maxObjectBytes` is the largest value whose shard objects all inner drivers accept.
 */
export function deriveCapabilities(
  drivers: readonly StorageDriver[],
  dataShards: number,
  stripeBytes: number,
): DriverCapabilities {
  const all = (test: (c: DriverCapabilities) => boolean) => drivers.every((d) => test(d.capabilities));
  const innerLimits = drivers
    .map((d) => d.capabilities.maxObjectBytes)
    .filter((limit): limit is number => limit !== undefined);
  return {
    mutable: all((c) => c.mutable),
    immutable: all((c) => c.immutable),
    visibility: all((c) => c.visibility === 'public') ? 'public' : 'local',
    publicUrls: false,
    list: false,
    conditionalWrites: false,
    readYourWrites: all((c) => c.readYourWrites === 'provider') ? 'provider' : 'masked',
    maxObjectBytes:
      innerLimits.length === 0
        ? undefined
        : largestValueFor(Math.min(...innerLimits), dataShards, stripeBytes),
  };
}

/** The largest value whose shard object fits in `shardLimit` bytes (binary search; size is monotonic). */
export function largestValueFor(shardLimit: number, dataShards: number, stripeBytes: number): number {
  if (shardObjectBytes(0, dataShards, stripeBytes) > shardLimit) return 0;
  let low = 0;
  let high = Math.min(Number.MAX_SAFE_INTEGER, shardLimit * dataShards);
  while (low < high) {
    const mid = Math.ceil((low + high) / 2);
    if (shardObjectBytes(mid, dataShards, stripeBytes) <= shardLimit) low = mid;
    else high = mid - 1;
  }
  return low;
}
