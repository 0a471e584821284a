import { createHash } from 'node:crypto';
import {
  asStorageError,
  type DataKind,
  type StorageDriver,
  type StorageError,
  UnavailableError,
} from '@blockstack-storage/core/driver';
import type { ReedSolomon } from './reed-solomon.js';
import { ShardChannel } from './shard-channel.js';
import { encodeHeader, encodeTrailer, shardObjectBytes } from './shard-format.js';
import { chooseGroup, putIdOf } from './shard-group.js';
import { openShard, type ShardOpening } from './shard-opening.js';
import type { ShardReader } from './shard-reader.js';
import { StripeEncoder } from './stripe-encoder.js';
import { notEnough, valueStream } from './value-stream.js';

/** What `repair` found and did for one value. */
export interface ShardRepairReport {
  /** `'absent'` when no provider holds a shard of it (nothing to repair). */
  value: 'present' | 'absent';
  /** Inner drivers (`name[index]`) whose shard was rebuilt, or would be on a dry run. */
  rebuilt: string[];
  /** Inner drivers whose shard is missing or damaged but could not be rebuilt now, with why. */
  failed: { driver: string; error: StorageError }[];
}

export interface ShardRepairTarget {
  /** The erasure driver's name, for errors. */
  name: string;
  /** k of the erasure driver, for the error when no put has k shards. */
  dataShards: number;
  drivers: readonly StorageDriver[];
  labels: readonly string[];
  coderFor: (dataShards: number, parityShards: number) => ReedSolomon;
  kind: DataKind;
  key: string;
  signal: AbortSignal | undefined;
}

const QUEUED_FRAMES = 2;

/**
 * Checks every shard of a value, frame by frame, and rebuilds the ones that are missing, damaged or of
 * another put from the intact ones: the value is read twice (once through every shard, to find the bad
 * ones; once through k good ones, re-encoding each stripe into the bad shards' frames, which are the
 * same bytes the put wrote: same put id, write time and version). A rebuilt shard is streamed to its
 * provider and only completed once the value's SHA-256 has checked out; otherwise its put is aborted.
 * Providers that fail to answer are reported in `failed` and left for the next run.
 * @throws IntegrityError / UnavailableError when fewer than k shards are intact (nothing to rebuild from).
 */
export async function repairShards(
  target: ShardRepairTarget,
  options: { dryRun?: boolean } = {},
): Promise<ShardRepairReport> {
  const { drivers, kind, key, signal } = target;
  const n = drivers.length;
  const context = { driver: target.name, key, labels: target.labels, signal };
  const openAll = () => Promise.all(drivers.map((driver, i) => openShard(kind, key, driver, i, n, signal)));

  // Pass 1: every shard of the newest put, read whole.
  const openings = await openAll();
  const { chosen, problems, largest } = chooseGroup(openings);
  if (!chosen) {
    closeAll(openings);
    if (openings.every((o) => o.state === 'absent')) return { value: 'absent', rebuilt: [], failed: [] };
    throw notEnough(largest, target.dataShards, problems, context);
  }
  closeOthers(openings, chosen.members);
  const header = chosen.members[0]!.header;
  const coder = target.coderFor(header.dataShards, header.parityShards);
  let valueBytes = 0;
  for await (const stripe of valueStream(chosen.members, coder, { ...context, problems })) {
    valueBytes += stripe.byteLength;
  }
  const report: ShardRepairReport = { value: 'present', rebuilt: [], failed: [] };
  const bad: number[] = [];
  for (const [index, problem] of [...problems.entries()].sort(([a], [b]) => a - b)) {
    if (!problem.transport) bad.push(index);
    else {
      report.failed.push({
        driver: target.labels[index]!,
        error: new UnavailableError(`Cannot check its shard: ${problem.reason}`, {
          driver: target.name,
          key,
          hint: 'Run the repair again once the provider is back.',
        }),
      });
    }
  }
  if (bad.length === 0 || options.dryRun) {
    report.rebuilt = bad.map((i) => target.labels[i]!);
    return report;
  }

  // Pass 2: k good shards (the others as spares) rebuild the value; each stripe is re-encoded.
  const again = await openAll();
  const good: ShardReader[] = [];
  for (const [i, opening] of again.entries()) {
    if (opening.state !== 'shard') continue;
    if (!bad.includes(i) && putIdOf(opening.reader) === chosen.id) good.push(opening.reader);
    else opening.reader.close();
  }
  const spares = good.splice(header.dataShards);
  const secondProblems = new Map(problems);
  const rebuild = valueStream(good, coder, {
    ...context,
    problems: secondProblems,
    nextSpare: async () => spares.shift(),
    release: () => {
      for (const spare of spares.splice(0)) spare.close();
    },
  });

  const controller = new AbortController();
  const onAbort = () => controller.abort(signal?.reason);
  signal?.addEventListener('abort', onAbort, { once: true });
  const channels = bad.map(() => new ShardChannel(QUEUED_FRAMES));
  const innerOptions = {
    signal: controller.signal,
    contentType: 'application/octet-stream',
    size: shardObjectBytes(valueBytes, header.dataShards, header.stripeBytes),
  };
  const puts = bad.map((index, j) => {
    const driver = drivers[index]!;
    const channel = channels[j]!;
    const options = { ...innerOptions, ...precondition(driver, openings[index]!) };
    return (async () =>
      kind === 'mutable'
        ? driver.putMutable(key, channel, options)
        : driver.putImmutable(key, channel, options))().finally(() => channel.detach());
  });
  try {
    await Promise.all(
      bad.map((index, j) => channels[j]!.push(encodeHeader({ ...header, shardIndex: index }))),
    );
    const encoder = new StripeEncoder(coder, chosen.members[0]!.header.putId);
    const hash = createHash('sha256');
    let stripeCount = 0;
    let rebuiltBytes = 0;
    for await (const stripe of rebuild) {
      hash.update(stripe);
      rebuiltBytes += stripe.byteLength;
      const frames = encoder.encode(stripe, stripeCount++);
      await Promise.all(bad.map((index, j) => channels[j]!.push(frames[index]!)));
    }
    // The stream has checked the value's SHA-256 against the trailers: the rebuilt shards may complete.
    const trailer = { valueBytes: rebuiltBytes, stripeCount, valueSha256: hash.digest() };
    await Promise.all(bad.map((index, j) => channels[j]!.push(encodeTrailer(trailer, header.putId, index))));
    for (const channel of channels) channel.close();
  } catch (error) {
    for (const reader of [...good, ...spares]) reader.close(); // if the stream never started
    for (const channel of channels) channel.fail(error);
    controller.abort(error);
    await Promise.allSettled(puts);
    throw asStorageError(error, { driver: target.name, key });
  } finally {
    signal?.removeEventListener('abort', onAbort);
  }
  const results = await Promise.allSettled(puts);
  results.forEach((result, j) => {
    const label = target.labels[bad[j]!]!;
    if (result.status === 'fulfilled') report.rebuilt.push(label);
    else
      report.failed.push({
        driver: label,
        error: asStorageError(result.reason, { driver: target.name, key }),
      });
  });
  return report;
}

/**
 * Where the provider can check it, a rebuilt shard replaces only what pass 1 judged: nothing (absent)
 * or the object with that etag. A put that landed there meanwhile makes the write fail (reported in
 * `failed`) instead of being overwritten by an older put's shard.
 */
function precondition(driver: StorageDriver, judged: ShardOpening): { ifMatch?: string; ifNoneMatch?: '*' } {
  if (!driver.capabilities.conditionalWrites) return {};
  if (judged.state === 'absent') return { ifNoneMatch: '*' };
  return judged.etag === undefined ? {} : { ifMatch: judged.etag };
}

function closeAll(openings: readonly ShardOpening[]): void {
  for (const opening of openings) if (opening.state === 'shard') opening.reader.close();
}

function closeOthers(openings: readonly ShardOpening[], keep: readonly ShardReader[]): void {
  for (const opening of openings) {
    if (opening.state === 'shard' && !keep.includes(opening.reader)) opening.reader.close();
  }
}
