import { createHash } from 'node:crypto';
import { AbortedError, bytesEqual, IntegrityError, UnavailableError } from '@blockstack-storage/core/driver';
import type { ReedSolomon } from './reed-solomon.js';
import type { ShardTrailer } from './shard-format.js';
import type { ShardProblem } from './shard-opening.js';
import type { FrameResult, ShardReader } from './shard-reader.js';

export interface ValueStreamContext {
  /** The erasure driver's name, for errors. */
  driver: string;
  key: string;
  /** Labels of the inner drivers (`name[index]`), for errors. */
  labels: readonly string[];
  /**
   * Why shards are unusable (absent, offline, corrupt header...), by driver index. The stream adds
   * the shards it drops, so after the stream ends it names every shard that was not whole.
   */
  problems: Map<number, ShardProblem>;
  /**
   * The next shard of the same put not read yet (header checked), to replace one that failed; undefined
   * when there is none left. Its problems, if it cannot be opened, go into `problems`.
   */
  nextSpare?: () => Promise<ShardReader | undefined>;
  /** Called when the stream ends, however it ends: closes the spares it did not take. */
  release?: () => void;
  signal: AbortSignal | undefined;
}

interface Entry {
  shard: ShardReader;
  result: Exclude<FrameResult, { kind: 'bad' }>;
}

/**
 * Streams the value rebuilt from the shards of one put, stripe by stripe. The `shards` given are read
 * in lockstep (one frame each in memory): k of them for a get, so a get reads about the value's size;
 * all of a put's shards to check every one. When one fails a check (or its provider fails) it is
 * dropped for the rest of the read and a spare (`nextSpare`) takes its place, brought to the same
 * stripe. Per stripe, the data pieces are used as they are when all are there, otherwise any k
 * verified pieces are decoded. At the end the whole value's length and SHA-256 are checked against the
 * trailers, so a value is never returned silently wrong: the stream throws IntegrityError instead
 * (after the bytes already yielded).
 */
export async function* valueStream(
  shards: readonly ShardReader[],
  coder: ReedSolomon,
  context: ValueStreamContext,
): AsyncIterable<Uint8Array> {
  const k = coder.dataShards;
  const n = k + coder.parityShards;
  const problems = context.problems;
  const opened = [...shards];
  let active = [...shards];
  const hash = createHash('sha256');
  let valueBytes = 0;
  const drop = (shard: ShardReader, problem: ShardProblem) => {
    problems.set(shard.driverIndex, problem);
    shard.close();
  };
  /** Spares brought to `stripe`, until there are `k` entries or no spare is left. */
  const refill = async (entries: Entry[], stripe: number) => {
    while (entries.length < k && context.nextSpare) {
      const spare = await context.nextSpare();
      if (!spare) return;
      opened.push(spare);
      const result = await frameAt(spare, stripe);
      if (result.kind === 'bad') drop(spare, result);
      else entries.push({ shard: spare, result });
    }
  };
  try {
    for (let stripe = 0; ; stripe++) {
      checkAborted(context);
      const results = await Promise.all(active.map((shard) => shard.next()));
      const entries: Entry[] = [];
      results.forEach((result, i) => {
        if (result.kind === 'bad') drop(active[i]!, result);
        else entries.push({ shard: active[i]!, result });
      });
      await refill(entries, stripe);
      checkAborted(context);
      // Every verified frame of one put agrees; a disagreement can only come from a writer bug, and
      // the minority is dropped rather than trusted.
      const trailers = entries.filter((e) => e.result.kind === 'trailer');
      const ending = trailers.length > entries.length - trailers.length;
      for (const entry of entries) {
        if ((entry.result.kind === 'trailer') !== ending)
          drop(entry.shard, { reason: 'ends at a different stripe', transport: false });
      }
      let kept = entries.filter((e) => (e.result.kind === 'trailer') === ending);
      if (!ending) {
        const length = (kept[0]?.result as { stripeValueBytes: number } | undefined)?.stripeValueBytes;
        for (const entry of kept) {
          if ((entry.result as { stripeValueBytes: number }).stripeValueBytes !== length)
            drop(entry.shard, { reason: 'stripe length disagrees', transport: false });
        }
        kept = kept.filter((e) => (e.result as { stripeValueBytes: number }).stripeValueBytes === length);
      }
      active = kept.map((entry) => entry.shard);
      if (active.length < k) throw notEnough(active.length, k, problems, context, stripe);

      if (ending) {
        const ends = kept.map((e) => (e.result as { trailer: ShardTrailer }).trailer);
        const trailer = ends[0]!;
        const agreed = ends.every(
          (t) =>
            t.valueBytes === trailer.valueBytes &&
            t.stripeCount === trailer.stripeCount &&
            bytesEqual(t.valueSha256, trailer.valueSha256),
        );
        if (!agreed || trailer.stripeCount !== stripe || trailer.valueBytes !== valueBytes) {
          throw new IntegrityError('The shards disagree about the value they end', {
            driver: context.driver,
            key: context.key,
            hint: 'Overwrite the value.',
          });
        }
        if (!bytesEqual(hash.digest(), trailer.valueSha256)) {
          throw new IntegrityError('The rebuilt value does not match its SHA-256', {
            driver: context.driver,
            key: context.key,
            hint: 'More shards are damaged than checksums caught; overwrite the value.',
          });
        }
        return;
      }

      const pieces = kept.map((e) => ({
        shard: e.shard,
        ...(e.result as { stripeValueBytes: number; piece: Uint8Array }),
      }));
      const stripeValueBytes = pieces[0]!.stripeValueBytes;
      const slots: (Uint8Array | null)[] = new Array(n).fill(null);
      for (const entry of pieces) slots[entry.shard.header.shardIndex] = entry.piece;
      const pieceBytes = pieces[0]!.piece.byteLength;
      const data = coder.reconstructData(slots, pieceBytes);
      const out = new Uint8Array(stripeValueBytes);
      for (let i = 0, offset = 0; i < k && offset < stripeValueBytes; i++, offset += pieceBytes) {
        out.set(data[i]!.subarray(0, Math.min(pieceBytes, stripeValueBytes - offset)), offset);
      }
      hash.update(out);
      valueBytes += out.byteLength;
      yield out;
    }
  } finally {
    for (const shard of opened) shard.close();
    context.release?.();
  }
}

/** The frame at `stripe` of a shard whose header was just read: the frames before it are read and checked. */
async function frameAt(shard: ShardReader, stripe: number): Promise<FrameResult> {
  for (let i = 0; i < stripe; i++) {
    const skipped = await shard.next();
    if (skipped.kind === 'bad') return skipped;
    if (skipped.kind === 'trailer')
      return { kind: 'bad', reason: 'ends at a different stripe', transport: false };
  }
  return shard.next();
}

function checkAborted(context: ValueStreamContext): void {
  if (context.signal?.aborted) {
    throw new AbortedError('Read aborted', {
      driver: context.driver,
      key: context.key,
      cause: context.signal.reason,
    });
  }
}

/**
 * The error for "fewer than k usable shards": UnavailableError (retryable) when an inner driver
 * failed to answer, so trying later may work; IntegrityError when the shards are there but damaged
 * or missing, so only overwriting the value helps.
 */
export function notEnough(
  usable: number,
  needed: number,
  problems: ReadonlyMap<number, ShardProblem>,
  context: Pick<ValueStreamContext, 'driver' | 'key' | 'labels'>,
  stripe?: number,
): Error {
  const details = [...problems.entries()]
    .sort(([a], [b]) => a - b)
    .map(([index, problem]) => `${context.labels[index]}: ${problem.reason}`)
    .join('; ');
  const where = stripe === undefined ? '' : ` at stripe ${stripe}`;
  const message = `Only ${usable} usable shards of the ${needed} needed to rebuild the value${where} (${details})`;
  const transport = [...problems.values()].some((problem) => problem.transport);
  const options = { driver: context.driver, key: context.key };
  return transport
    ? new UnavailableError(message, {
        ...options,
        hint: 'Bring the failing providers back and retry.',
      })
    : new IntegrityError(message, {
        ...options,
        hint: 'Too many shards are lost or damaged; overwrite the value from another copy.',
      });
}
