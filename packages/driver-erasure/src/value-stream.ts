import { createHash } from 'node:crypto';
import { AbortedError, bytesEqual, IntegrityError, UnavailableError } from '@blockstack-storage/core/driver';
import type { ReedSolomon } from './reed-solomon.js';
import type { ShardTrailer } from './shard-format.js';
import type { FrameResult, ShardReader } from './shard-reader.js';

export interface ValueStreamContext {
  /** The erasure driver's name, for errors. */
  driver: string;
  key: string;
  /** Labels of the inner drivers (`name[index]`), for errors. */
  labels: readonly string[];
  /** Why shards outside the chosen group were unusable (absent, offline, corrupt header...). */
  earlierProblems: ReadonlyMap<number, { reason: string; transport: boolean }>;
  signal: AbortSignal | undefined;
}

/**
 * Streams the value rebuilt from the shards of one put, stripe by stripe. Every shard of the group
 * is read in lockstep (one frame each in memory); per stripe, the data pieces are used as they are
 * when all verify, otherwise any k verified pieces are decoded. A shard that fails a check is
 * dropped for the rest of the read. At the end the whole value's length and SHA-256 are checked
 * against the trailers, so a value is never returned silently wrong: the stream throws
 * IntegrityError instead (after the bytes already yielded).
 */
export async function* valueStream(
  shards: readonly ShardReader[],
  coder: ReedSolomon,
  context: ValueStreamContext,
): AsyncIterable<Uint8Array> {
  const k = coder.dataShards;
  const n = k + coder.parityShards;
  const problems = new Map(context.earlierProblems);
  let active = [...shards];
  const hash = createHash('sha256');
  let valueBytes = 0;
  try {
    for (let stripe = 0; ; stripe++) {
      checkAborted(context);
      const results = await Promise.all(active.map((shard) => shard.next()));
      checkAborted(context);
      const pieces: Array<{ shard: ShardReader; stripeValueBytes: number; piece: Uint8Array }> = [];
      const trailers: Array<{ shard: ShardReader; trailer: ShardTrailer }> = [];
      results.forEach((result: FrameResult, i) => {
        const shard = active[i]!;
        if (result.kind === 'bad') problems.set(shard.driverIndex, result);
        else if (result.kind === 'trailer') trailers.push({ shard, trailer: result.trailer });
        else pieces.push({ shard, ...result });
      });
      // Every verified frame of one put agrees; a disagreement can only come from a writer bug, and
      // the minority is dropped rather than trusted.
      const ending = trailers.length > pieces.length;
      for (const { shard } of ending ? pieces : trailers) {
        problems.set(shard.driverIndex, { reason: 'ends at a different stripe', transport: false });
        shard.close();
      }
      active = (ending ? trailers : pieces).map((entry) => entry.shard);
      if (active.length < k) throw notEnough(active.length, k, problems, context, stripe);

      if (ending) {
        const trailer = trailers[0]!.trailer;
        const agreed = trailers.every(
          ({ trailer: t }) =>
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

      const stripeValueBytes = pieces[0]!.stripeValueBytes;
      const slots: (Uint8Array | null)[] = new Array(n).fill(null);
      for (const entry of pieces) {
        if (entry.stripeValueBytes === stripeValueBytes) slots[entry.shard.header.shardIndex] = entry.piece;
        else {
          problems.set(entry.shard.driverIndex, { reason: 'stripe length disagrees', transport: false });
          entry.shard.close();
          active = active.filter((shard) => shard !== entry.shard);
        }
      }
      if (active.length < k) throw notEnough(active.length, k, problems, context, stripe);
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
    for (const shard of shards) shard.close();
  }
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
  problems: ReadonlyMap<number, { reason: string; transport: boolean }>,
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
