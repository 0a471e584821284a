import { createHash, randomBytes } from 'node:crypto';
import {
  AbortedError,
  asStorageError,
  type Body,
  ConfigurationError,
  type DataKind,
  type DeleteOptions,
  type DriverCapabilities,
  ErrorCode,
  fixedSizeChunks,
  type GetOptions,
  IntegrityError,
  isStorageError,
  KeyedQueue,
  type OperationOptions,
  type PutOptions,
  type PutResult,
  type StorageDriver,
  type StoredObject,
  TooLargeError,
  throwIfAborted,
  UnavailableError,
  UnsupportedError,
  validateDataId,
  validateHash,
} from '@blockstack-storage/core/driver';
import { deriveCapabilities, largestValueFor } from './capabilities.js';
import { ReedSolomon } from './reed-solomon.js';
import { ShardChannel } from './shard-channel.js';
import {
  encodeHeader,
  encodeTrailer,
  FORMAT_VERSION,
  MAX_STRIPE_BYTES,
  PUT_ID_BYTES,
  shardObjectBytes,
} from './shard-format.js';
import { chooseGroup, putIdOf } from './shard-group.js';
import { messageOf, openShard, type ShardOpening } from './shard-opening.js';
import type { ShardReader } from './shard-reader.js';
import { repairShards, type ShardRepairReport } from './shard-repair.js';
import { StripeEncoder } from './stripe-encoder.js';
import { notEnough, valueStream } from './value-stream.js';
import { valueVersionOf } from './value-version.js';

/** The default name of the erasure driver, as it appears in errors. */
export const ERASURE_DRIVER_NAME = 'erasure';
/** Default stripe: 1 MiB of the value per Reed-Solomon round. */
export const DEFAULT_STRIPE_BYTES = 1024 * 1024;
/** Frames queued per inner driver before the encoder waits for it (bounds a put's memory). */
const QUEUED_FRAMES_PER_SHARD = 2;
const STOPPED = Symbol('stopped');

export interface ErasureDriverOptions {
  /**
   * The inner drivers, one per shard, in a FIXED order: shard i always goes to `drivers[i]`.
   * Use separate providers; `drivers.length` must equal `dataShards + parityShards`.
   */
  drivers: readonly StorageDriver[];
  /** k: shards holding the value itself. Any k intact shards rebuild it. */
  dataShards: number;
  /** m: parity shards. Up to m inner drivers may be lost, offline or damaged. */
  parityShards: number;
  /** Bytes of the value per stripe (one Reed-Solomon round). Default 1 MiB; at most 256 MiB. */
  stripeBytes?: number;
  /**
   * How many shards must be stored for a put to succeed, between k and n. Default n (all):
   * a put then fails if any provider fails, so every acknowledged value survives m later losses.
   * A lower quorum keeps puts working with providers down, at the price of less margin.
   */
  writeQuorum?: number;
  /** Name in errors and logs. Default `"erasure"`. */
  name?: string;
}

/**
 * Builds the erasure-coding meta driver: each value is cut into stripes, each stripe into k data
 * pieces plus m Reed-Solomon parity pieces, and shard i (header, one frame per stripe, trailer) is
 * streamed to `drivers[i]` under the same data id or hash. A get rebuilds the value from any k
 * intact shards of the newest put that has k of them.
 *
 * @throws ConfigurationError when the shard counts, stripe size or quorum do not fit the drivers.
 */
export function createErasureDriver(options: ErasureDriverOptions): ErasureStorageDriver {
  return new ErasureDriver(options);
}

/** The erasure driver: a storage driver that can also rebuild the shards its providers lost. */
export interface ErasureStorageDriver extends StorageDriver {
  /**
   * Checks every shard of the value under `key` and rebuilds, on their providers, the shards that are
   * missing, damaged or left from another put, from k intact ones (see `repairShards`). A dry run only
   * reports them. Writes to one key are serialised with this instance's puts and deletes.
   * @throws IntegrityError / UnavailableError when fewer than k shards are intact; AbortedError.
   */
  repair(kind: DataKind, key: string, options?: RepairOptions): Promise<ShardRepairReport>;
}

export interface RepairOptions extends OperationOptions {
  /** Report what would be rebuilt, write nothing. */
  dryRun?: boolean;
}

class ErasureDriver implements ErasureStorageDriver {
  readonly name: string;
  readonly capabilities: DriverCapabilities;
  private readonly drivers: readonly StorageDriver[];
  private readonly labels: readonly string[];
  private readonly dataShards: number;
  private readonly parityShards: number;
  private readonly stripeBytes: number;
  private readonly writeQuorum: number;
  private readonly coders = new Map<string, ReedSolomon>();
  private readonly locks = new KeyedQueue();
  private lastWrittenAt = 0;

  constructor(options: ErasureDriverOptions) {
    this.name = options.name ?? ERASURE_DRIVER_NAME;
    const fail = (message: string) => {
      throw new ConfigurationError(message, { driver: this.name });
    };
    const { drivers, dataShards: k, parityShards: m } = options;
    if (!Number.isInteger(k) || k < 1) fail('dataShards must be an integer of at least 1');
    if (!Number.isInteger(m) || m < 0) fail('parityShards must be a non-negative integer');
    if (k + m > 255) fail('dataShards + parityShards must be at most 255');
    if (!Array.isArray(drivers) || drivers.length !== k + m)
      fail(`Needs exactly dataShards + parityShards = ${k + m} inner drivers, got ${drivers?.length ?? 0}`);
    const stripeBytes = options.stripeBytes ?? DEFAULT_STRIPE_BYTES;
    if (!Number.isInteger(stripeBytes) || stripeBytes < 1 || stripeBytes > MAX_STRIPE_BYTES)
      fail(`stripeBytes must be an integer from 1 to ${MAX_STRIPE_BYTES}`);
    const writeQuorum = options.writeQuorum ?? k + m;
    if (!Number.isInteger(writeQuorum) || writeQuorum < k || writeQuorum > k + m)
      fail(`writeQuorum must be an integer from dataShards (${k}) to ${k + m}`);
    this.drivers = [...drivers];
    this.labels = drivers.map((d, i) => `${d.name}[${i}]`);
    this.dataShards = k;
    this.parityShards = m;
    this.stripeBytes = stripeBytes;
    this.writeQuorum = writeQuorum;
    this.capabilities = deriveCapabilities(drivers, k, stripeBytes);
    if (!this.capabilities.mutable && !this.capabilities.immutable)
      fail('The inner drivers share no I/O path (mutable or immutable) that all of them serve');
    const innerLimits = drivers.map((d) => d.capabilities.maxObjectBytes).filter((x) => x !== undefined);
    if (innerLimits.length > 0 && largestValueFor(Math.min(...innerLimits), k, stripeBytes) < 1)
      fail('An inner driver’s maxObjectBytes is too small to hold even one shard');
  }

  /**
   * Initialises every inner driver. Up to m of them may be unavailable right now (a provider that is
   * down is what parity is for); any other init error, or more than m unavailable, is thrown.
   */
  async init(options?: OperationOptions): Promise<void> {
    const results = await Promise.allSettled(this.drivers.map((d) => d.init?.(options)));
    const failures = results
      .map((r, i) =>
        r.status === 'rejected' ? asStorageError(r.reason, { driver: this.drivers[i]!.name }) : undefined,
      )
      .filter((e) => e !== undefined);
    const hard = failures.find(
      (e) => !isStorageError(e, ErrorCode.Unavailable) && !isStorageError(e, ErrorCode.Timeout),
    );
    if (hard !== undefined) throw hard;
    if (failures.length > this.parityShards) throw failures[0]!;
  }

  async close(): Promise<void> {
    const results = await Promise.allSettled(this.drivers.map((d) => d.close?.()));
    const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed) throw asStorageError(failed.reason, { driver: this.name });
  }

  putImmutable(hash: string, body: Body, options?: PutOptions): Promise<PutResult> {
    return this.put('immutable', hash, body, options);
  }
  getImmutable(hash: string, options?: GetOptions): Promise<StoredObject | null> {
    return this.get('immutable', hash, options);
  }
  deleteImmutable(hash: string, options?: DeleteOptions): Promise<void> {
    return this.delete('immutable', hash, options);
  }
  putMutable(dataId: string, body: Body, options?: PutOptions): Promise<PutResult> {
    return this.put('mutable', dataId, body, options);
  }
  getMutable(dataId: string, options?: GetOptions): Promise<StoredObject | null> {
    return this.get('mutable', dataId, options);
  }
  deleteMutable(dataId: string, options?: DeleteOptions): Promise<void> {
    return this.delete('mutable', dataId, options);
  }

  async repair(kind: DataKind, key: string, options: RepairOptions = {}): Promise<ShardRepairReport> {
    this.checkRequest(kind, key, options.signal);
    return this.locks.run(`${kind}:${key}`, () =>
      repairShards(
        {
          name: this.name,
          dataShards: this.dataShards,
          drivers: this.drivers,
          labels: this.labels,
          coderFor: (k, m) => this.coderFor(k, m),
          kind,
          key,
          signal: options.signal,
        },
        options,
      ),
    );
  }

  private checkRequest(kind: DataKind, key: string, signal: AbortSignal | undefined): void {
    if (!this.capabilities[kind]) {
      throw new UnsupportedError(`Not every inner driver serves the ${kind} path`, {
        driver: this.name,
        key,
        hint: `Use inner drivers that all serve ${kind} data.`,
      });
    }
    if (kind === 'mutable') validateDataId(key, this.name);
    else validateHash(key, this.name);
    throwIfAborted(signal, { driver: this.name, key });
  }

  private async put(kind: DataKind, key: string, body: Body, options: PutOptions = {}): Promise<PutResult> {
    this.checkRequest(kind, key, options.signal);
    if (options.ifMatch !== undefined || options.ifNoneMatch !== undefined) {
      throw new UnsupportedError('Conditional writes are not supported', {
        driver: this.name,
        key,
        hint: 'A value is spread over several providers; no single one can check the precondition.',
      });
    }
    const limit = this.capabilities.maxObjectBytes;
    if (limit !== undefined && body instanceof Uint8Array && body.byteLength > limit)
      throw this.tooLarge(key);
    return this.locks.run(`${kind}:${key}`, () => {
      throwIfAborted(options.signal, { driver: this.name, key });
      return this.putShards(kind, key, body, options);
    });
  }

  private async putShards(kind: DataKind, key: string, body: Body, options: PutOptions): Promise<PutResult> {
    const n = this.drivers.length;
    const signal = options.signal;
    const controller = new AbortController();
    const channels = this.drivers.map(() => new ShardChannel(QUEUED_FRAMES_PER_SHARD));
    let stopped: { error: unknown } | undefined;
    let onStop: () => void = () => {};
    const stopSignal = new Promise<typeof STOPPED>((resolve) => {
      onStop = () => resolve(STOPPED);
    });
    const stop = (error: unknown) => {
      if (stopped) return;
      stopped = { error };
      onStop();
      controller.abort(error);
      for (const channel of channels) channel.fail(error);
    };
    const onAbort = () =>
      stop(new AbortedError('Put aborted', { driver: this.name, key, cause: signal?.reason }));
    signal?.addEventListener('abort', onAbort, { once: true });

    const putId = randomBytes(PUT_ID_BYTES);
    const failures = new Map<number, unknown>();
    const quorumLost = new Error('write quorum lost');
    const innerOptions: PutOptions = { signal: controller.signal, contentType: 'application/octet-stream' };
    if (options.size !== undefined)
      innerOptions.size = shardObjectBytes(options.size, this.dataShards, this.stripeBytes);
    const innerPuts = this.drivers.map((driver, i) => {
      const channel = channels[i]!;
      return (async () =>
        kind === 'mutable'
          ? driver.putMutable(key, channel, innerOptions)
          : driver.putImmutable(key, channel, innerOptions))().then(
        () => channel.detach(),
        (error: unknown) => {
          channel.detach();
          failures.set(i, error);
          // Stop the others early so that, where they can, they keep the previous value.
          if (n - failures.size < this.writeQuorum) stop(quorumLost);
        },
      );
    });

    try {
      const header = {
        version: FORMAT_VERSION,
        dataShards: this.dataShards,
        parityShards: this.parityShards,
        // Known before the header only for a body given whole (as the core gives its values).
        valueVersion: kind === 'mutable' && body instanceof Uint8Array ? valueVersionOf(body) : 0,
      };
      // Strictly increasing per instance, so a put always looks newer than the one before it.
      const writtenAt = Math.max(Date.now(), this.lastWrittenAt + 1);
      this.lastWrittenAt = writtenAt;
      await Promise.all(
        channels.map((channel, shardIndex) =>
          channel.push(
            encodeHeader({ ...header, shardIndex, stripeBytes: this.stripeBytes, writtenAt, putId }),
          ),
        ),
      );
      const encoder = new StripeEncoder(this.coderFor(this.dataShards, this.parityShards), putId);
      const hash = createHash('sha256');
      const limit = this.capabilities.maxObjectBytes ?? Number.POSITIVE_INFINITY;
      let valueBytes = 0;
      let stripeCount = 0;
      const stripes = fixedSizeChunks(body, this.stripeBytes)[Symbol.asyncIterator]();
      while (true) {
        // Race the caller's stream against a stop, so an abort is not held up by a body that stalls.
        const next = await Promise.race([stripes.next(), stopSignal]);
        if (next === STOPPED) {
          stripes.return?.().catch(() => {});
          break;
        }
        if (next.done) break;
        const stripe = next.value;
        valueBytes += stripe.byteLength;
        if (valueBytes > limit) throw this.tooLarge(key);
        if (options.size !== undefined && valueBytes > options.size) throw this.wrongSize(key, options.size);
        hash.update(stripe);
        const frames = encoder.encode(stripe, stripeCount++);
        await Promise.all(channels.map((channel, i) => channel.push(frames[i]!)));
      }
      if (!stopped) {
        if (options.size !== undefined && valueBytes !== options.size)
          throw this.wrongSize(key, options.size);
        const valueSha256 = hash.digest();
        await Promise.all(
          channels.map((channel, i) =>
            channel.push(encodeTrailer({ valueBytes, stripeCount, valueSha256 }, putId, i)),
          ),
        );
        for (const channel of channels) channel.close();
      }
    } catch (error) {
      stop(error);
    } finally {
      signal?.removeEventListener('abort', onAbort);
    }
    await Promise.all(innerPuts);

    if (stopped && stopped.error !== quorumLost) {
      if (signal?.aborted)
        throw new AbortedError('Put aborted', { driver: this.name, key, cause: signal.reason });
      throw asStorageError(stopped.error, { driver: this.name, key });
    }
    const stored = n - failures.size;
    if (stored < this.writeQuorum) {
      const details = [...failures.entries()]
        .sort(([a], [b]) => a - b)
        .map(([i, error]) => `${this.labels[i]}: ${error instanceof Error ? error.message : String(error)}`)
        .join('; ');
      throw new UnavailableError(
        `Stored ${stored} of ${n} shards; the write quorum is ${this.writeQuorum} (${details})`,
        {
          driver: this.name,
          key,
          cause: failures.values().next().value,
          retryable: [...failures.values()].some((e) => !isStorageError(e) || e.retryable),
          hint: 'The previous value may be partly overwritten; retry the put once the providers are back.',
        },
      );
    }
    return { etag: Buffer.from(putId).toString('hex') };
  }

  /**
   * Reads k shards, not n: the first k drivers in configured order are asked (the data shards, so
   * nothing needs decoding). When their headers all name one put and k > m, no other put can have k
   * shards (two sets of k would overlap), so that put is the value and the other m providers are not
   * asked at all; they are spares, asked only if one of the k fails or holds a bad frame. Otherwise
   * (a shard missing or damaged, two puts, or k <= m) every provider is asked for its header.
   */
  private async get(kind: DataKind, key: string, options: GetOptions = {}): Promise<StoredObject | null> {
    const signal = options.signal;
    this.checkRequest(kind, key, signal);
    const n = this.drivers.length;
    const k = this.dataShards;
    const openings: (ShardOpening | undefined)[] = new Array(n).fill(undefined);
    const open = (indices: readonly number[]) =>
      Promise.all(
        indices.map(async (i) => {
          openings[i] = await openShard(kind, key, this.drivers[i]!, i, n, signal);
        }),
      );
    await open(range(0, k));
    const first = openings.slice(0, k);
    const agreed =
      this.parityShards < k &&
      first.every((o) => o?.state === 'shard') &&
      new Set(first.map((o) => (o?.state === 'shard' ? putIdOf(o.reader) : ''))).size === 1;
    if (!agreed) await open(range(k, n));
    if (signal?.aborted) {
      closeReaders(openings);
      throw new AbortedError('Read aborted', { driver: this.name, key, cause: signal.reason });
    }
    const { chosen, problems, largest } = chooseGroup(openings);
    if (!chosen) {
      closeReaders(openings);
      if (openings.every((o) => o?.state === 'absent')) return null;
      throw notEnough(largest, k, problems, { driver: this.name, key, labels: this.labels });
    }
    for (const opening of openings) {
      if (opening?.state === 'shard' && !chosen.members.includes(opening.reader)) opening.reader.close();
    }
    const header = chosen.members[0]!.header;
    const active = chosen.members.slice(0, header.dataShards);
    const spares = chosen.members.slice(header.dataShards);
    const unasked = range(0, n).filter((i) => openings[i] === undefined);
    const nextSpare = async (): Promise<ShardReader | undefined> => {
      const opened = spares.shift();
      if (opened) return opened;
      while (unasked.length > 0) {
        const i = unasked.shift()!;
        const opening = await openShard(kind, key, this.drivers[i]!, i, n, signal);
        if (opening.state === 'shard' && putIdOf(opening.reader) === chosen.id) return opening.reader;
        if (opening.state === 'shard') opening.reader.close();
        problems.set(
          i,
          opening.state === 'shard'
            ? { reason: 'holds a shard of another put', transport: false }
            : opening.state === 'absent'
              ? { reason: 'absent', transport: false }
              : opening,
        );
      }
      return undefined;
    };
    return {
      body: valueStream(active, this.coderFor(header.dataShards, header.parityShards), {
        driver: this.name,
        key,
        labels: this.labels,
        problems,
        nextSpare,
        release: () => {
          for (const spare of spares.splice(0)) spare.close();
        },
        signal,
      }),
      etag: chosen.id,
    };
  }

  private async delete(kind: DataKind, key: string, options: DeleteOptions = {}): Promise<void> {
    const signal = options.signal;
    this.checkRequest(kind, key, signal);
    await this.locks.run(`${kind}:${key}`, async () => {
      const results = await Promise.allSettled(
        this.drivers.map((d) =>
          kind === 'mutable' ? d.deleteMutable(key, { signal }) : d.deleteImmutable(key, { signal }),
        ),
      );
      if (signal?.aborted)
        throw new AbortedError('Delete aborted', { driver: this.name, key, cause: signal.reason });
      const failed = results.flatMap((r, i) => (r.status === 'rejected' ? [[i, r.reason] as const] : []));
      if (failed.length > 0) {
        throw new UnavailableError(
          `Could not delete the shards on ${failed.map(([i, e]) => `${this.labels[i]} (${messageOf(e)})`).join(', ')}`,
          {
            driver: this.name,
            key,
            cause: failed[0]![1],
            hint: 'Retry the delete; until then a get may fail instead of returning null.',
          },
        );
      }
    });
  }

  private coderFor(dataShards: number, parityShards: number): ReedSolomon {
    const id = `${dataShards}+${parityShards}`;
    let coder = this.coders.get(id);
    if (!coder) {
      coder = new ReedSolomon(dataShards, parityShards);
      this.coders.set(id, coder);
    }
    return coder;
  }

  /** The body's length differs from `PutOptions.size`, which was passed on to the inner drivers. */
  private wrongSize(key: string, size: number): IntegrityError {
    return new IntegrityError(`The body's length differs from the ${size} bytes given as its size`, {
      driver: this.name,
      key,
      hint: 'Pass the exact size, or none.',
    });
  }

  private tooLarge(key: string): TooLargeError {
    return new TooLargeError(`Value exceeds the ${this.capabilities.maxObjectBytes}-byte limit`, {
      driver: this.name,
      key,
      hint: 'Its shards would not fit the smallest inner driver’s limit.',
    });
  }
}

function range(from: number, to: number): number[] {
  return Array.from({ length: Math.max(0, to - from) }, (_, i) => from + i);
}

function closeReaders(openings: readonly (ShardOpening | undefined)[]): void {
  for (const opening of openings) if (opening?.state === 'shard') opening.reader.close();
}
