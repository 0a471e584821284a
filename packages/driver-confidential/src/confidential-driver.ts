import { randomBytes } from 'node:crypto';
import {
  AbortedError,
  type Body,
  ConfigurationError,
  type DataKind,
  type DeleteOptions,
  type DriverCapabilities,
  fixedSizeChunks,
  type GetOptions,
  IntegrityError,
  KeyedQueue,
  type OperationOptions,
  type PutOptions,
  type PutResult,
  type StorageDriver,
  type StoredObject,
  throwIfAborted,
  UnavailableError,
  UnsupportedError,
  validateDataId,
  validateHash,
} from '@blockstack-storage/core/driver';
import {
  BadBlockError,
  type Block,
  BlockType,
  MIN_BLOCK_BYTES,
  openBlock,
  payloadBytes,
  sealBlock,
  WRITE_ID_BYTES,
} from './block-format.js';
import { type Clock, realClock } from './clock.js';
import { KEY_BYTES, KEY_PURPOSE, ObjectNames, splitRootKey } from './keys.js';
import { SlotScheduler, type TrafficCounts } from './slot-scheduler.js';

export const CONFIDENTIAL_DRIVER_NAME = 'confidential';
/** Default block: 16 KiB on the wire, of which 16,318 bytes carry the value. */
export const DEFAULT_BLOCK_BYTES = 16 * 1024;
/** Default slot: one put and one get a second. */
export const DEFAULT_SLOT_MS = 1000;
/** Default number of cover cells (objects cover writes rewrite). */
export const DEFAULT_CELLS = 256;
const MAX_BLOCK_BYTES = 16 * 1024 * 1024;
/** Continuation blocks of one put queued at once (two keep consecutive slots busy). */
const WRITES_AHEAD = 2;
/** Values whose block generation is remembered; past this the oldest is forgotten. */
const GENERATIONS_REMEMBERED = 100_000;

export interface ConfidentialDriverOptions {
  /** The driver that stores the blocks. Only its mutable path is used, for both of this driver's paths. */
  inner: StorageDriver;
  /**
   * The 32-byte root key of the names and the encryption (tests, or a key kept elsewhere). Give this
   * or `deriveKey`. Never store it with the data.
   */
  key?: Uint8Array;
  /** Where the root key comes from when `key` is absent: `DriverFactoryContext.deriveKey`. Called at the first operation. */
  deriveKey?: (purpose: string) => Promise<Uint8Array>;
  /** Bytes of every object the provider sees. Default 16 KiB; from 256 bytes to 16 MiB. */
  blockBytes?: number;
  /** Period of the slots in ms (one put and one get of a block each). Default 1000. */
  slotMs?: number;
  /**
   * Instead of `slotMs`: the bandwidth budget in bytes per second, up and down together. The slot
   * period becomes the shortest that keeps `2 × blockBytes` per slot within it.
   */
  bytesPerSecond?: number;
  /** Cover cells: objects that cover writes rewrite, each once per cycle. Default 256. */
  cells?: number;
  /** Time source of the slots (tests give a virtual one). Default: the real clock. */
  clock?: Clock;
  /** Name in errors. Default `"confidential"`. */
  name?: string;
}

/** A confidential driver: a `StorageDriver`, plus what it has sent so far (for benchmarks). */
export interface ConfidentialDriver extends StorageDriver {
  /** Slot period in use, in ms. */
  readonly slotMs: number;
  /** Size of every object on the provider, in bytes. */
  readonly blockBytes: number;
  /** Slots, real and cover requests sent so far (zeros before the first operation). */
  traffic(): TrafficCounts;
}

interface Session {
  names: ObjectNames;
  blockKey: Uint8Array;
  scheduler: SlotScheduler;
  /**
   * The generation each value's continuation blocks use, as last seen by this instance, so that a put
   * need not read the head first (that read would be an access of its own, and a name touched twice
   * close together is a pattern cover traffic lacks).
   */
  generations: Map<string, number>;
}

/**
 * Wraps `inner` so that its provider, and anyone watching the network, sees keyed names, blocks of one
 * size, and one put and one get per slot whatever the user does. See the package README for what is
 * and is not hidden.
 * @throws ConfigurationError for settings out of range or an inner driver without a mutable path.
 */
export function createConfidentialDriver(options: ConfidentialDriverOptions): ConfidentialDriver {
  return new ConfidentialStorageDriver(options);
}

class ConfidentialStorageDriver implements ConfidentialDriver {
  readonly name: string;
  readonly capabilities: DriverCapabilities;
  readonly slotMs: number;
  readonly blockBytes: number;
  private readonly inner: StorageDriver;
  private readonly cells: number;
  private readonly clock: Clock;
  private readonly rootKey: (() => Promise<Uint8Array>) | undefined;
  private readonly locks = new KeyedQueue();
  private session: Promise<Session> | undefined;
  private scheduler: SlotScheduler | undefined;
  private closed = false;

  constructor(options: ConfidentialDriverOptions) {
    this.name = options.name ?? CONFIDENTIAL_DRIVER_NAME;
    const fail = (message: string, hint?: string): never => {
      throw new ConfigurationError(message, { driver: this.name, hint });
    };
    const { inner } = options;
    if (!inner?.capabilities?.mutable)
      fail('The inner driver must serve the mutable path', 'Every block is stored as a mutable object.');
    this.blockBytes = options.blockBytes ?? DEFAULT_BLOCK_BYTES;
    if (
      !Number.isInteger(this.blockBytes) ||
      this.blockBytes < MIN_BLOCK_BYTES ||
      this.blockBytes > MAX_BLOCK_BYTES
    )
      fail(`blockBytes must be an integer from ${MIN_BLOCK_BYTES} to ${MAX_BLOCK_BYTES}`);
    const innerLimit = inner.capabilities.maxObjectBytes;
    if (innerLimit !== undefined && innerLimit < this.blockBytes)
      fail(`blockBytes (${this.blockBytes}) is over the inner driver's ${innerLimit}-byte limit`);
    if (options.slotMs !== undefined && options.bytesPerSecond !== undefined)
      fail('Give slotMs or bytesPerSecond, not both');
    if (options.bytesPerSecond !== undefined) {
      if (!(options.bytesPerSecond > 0)) fail('bytesPerSecond must be a positive number');
      this.slotMs = Math.ceil((2 * this.blockBytes * 1000) / options.bytesPerSecond);
    } else this.slotMs = options.slotMs ?? DEFAULT_SLOT_MS;
    if (!Number.isInteger(this.slotMs) || this.slotMs < 1 || this.slotMs > 3_600_000)
      fail('The slot period must be an integer number of ms from 1 to 3,600,000');
    this.cells = options.cells ?? DEFAULT_CELLS;
    if (!Number.isInteger(this.cells) || this.cells < 1 || this.cells > 1_000_000)
      fail('cells must be an integer from 1 to 1,000,000');
    if (options.key !== undefined) {
      if (!(options.key instanceof Uint8Array) || options.key.byteLength !== KEY_BYTES)
        fail(`key must be ${KEY_BYTES} bytes`);
      const key = options.key.slice();
      this.rootKey = async () => key;
    } else if (options.deriveKey) {
      const derive = options.deriveKey;
      this.rootKey = () => derive(KEY_PURPOSE);
    } else {
      fail(
        'Needs a key: none was given and no data key is available to derive one from',
        'Open it through openStorage (which derives the key from the user’s data key), or pass `key`.',
      );
    }
    this.inner = inner;
    this.clock = options.clock ?? realClock;
    this.capabilities = {
      mutable: true,
      immutable: true,
      // Other clients cannot read it: they have neither the names nor the key.
      visibility: 'local',
      publicUrls: false,
      list: false,
      conditionalWrites: false,
      readYourWrites: inner.capabilities.readYourWrites,
    };
  }

  traffic(): TrafficCounts {
    return {
      ...(this.scheduler?.counts ?? { slots: 0, realReads: 0, realWrites: 0, coverReads: 0, coverWrites: 0 }),
    };
  }

  async init(options?: OperationOptions): Promise<void> {
    await this.inner.init?.(options);
  }

  async close(): Promise<void> {
    this.closed = true;
    const session = await this.session?.catch(() => undefined);
    await session?.scheduler.stop();
    await this.inner.close?.();
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

  private check(kind: DataKind, key: string, signal: AbortSignal | undefined): void {
    if (kind === 'mutable') validateDataId(key, this.name);
    else validateHash(key, this.name);
    throwIfAborted(signal, { driver: this.name, key });
    if (this.closed) throw new UnavailableError('The driver was closed', { driver: this.name, key });
  }

  /** The keys and the running scheduler, made at the first operation (the data key may load late). */
  private async open(key: string, signal: AbortSignal | undefined): Promise<Session> {
    this.session ??= this.startSession();
    const session = this.session;
    session.catch(() => {
      if (this.session === session) this.session = undefined; // a later operation may try again
    });
    return abortable(
      session,
      signal,
      () => new AbortedError('Operation aborted', { driver: this.name, key }),
    );
  }

  private async startSession(): Promise<Session> {
    let root: Uint8Array;
    try {
      root = await this.rootKey!();
    } catch (error) {
      throw new ConfigurationError('Could not derive the key of the names and blocks', {
        driver: this.name,
        cause: error,
        hint: 'The user’s data key must be available (openStorage loads it).',
      });
    }
    if (!(root instanceof Uint8Array) || root.byteLength !== KEY_BYTES)
      throw new ConfigurationError(`The derived key is not ${KEY_BYTES} bytes`, { driver: this.name });
    const keys = splitRootKey(root);
    const names = new ObjectNames(keys.names);
    const scheduler = new SlotScheduler({
      inner: this.inner,
      clock: this.clock,
      slotMs: this.slotMs,
      blockBytes: this.blockBytes,
      cells: this.cells,
      names,
      blockKey: keys.blocks,
      driverName: this.name,
    });
    if (this.closed) throw new UnavailableError('The driver was closed', { driver: this.name });
    this.scheduler = scheduler;
    scheduler.start();
    return { names, blockKey: keys.blocks, scheduler, generations: new Map() };
  }

  private async get(kind: DataKind, key: string, options: GetOptions = {}): Promise<StoredObject | null> {
    const signal = options.signal;
    this.check(kind, key, signal);
    const session = await this.open(key, signal);
    const headName = session.names.head(kind, key);
    const head = await this.readBlock(session, headName, key, signal);
    if (!head || head.header.type === BlockType.Tombstone) {
      remember(session.generations, `${kind}:${key}`, 0);
      return null;
    }
    if (head.header.type !== BlockType.Head)
      throw this.corrupt(key, 'the head of the value is not a head block');
    remember(session.generations, `${kind}:${key}`, head.header.generation);
    return {
      body: this.valueBody(session, kind, key, head, signal),
      size: head.header.valueBytes,
      etag: Buffer.from(head.header.writeId).toString('hex'),
    };
  }

  /** The value's bytes: the head's payload, then each continuation block read in its own slot. */
  private async *valueBody(
    session: Session,
    kind: DataKind,
    key: string,
    head: Block,
    signal: AbortSignal | undefined,
  ): AsyncIterable<Uint8Array> {
    const { count, valueBytes, writeId, generation } = head.header;
    const capacity = payloadBytes(this.blockBytes);
    throwIfAborted(signal, { driver: this.name, key });
    if (head.payload.byteLength > 0) yield head.payload;
    for (let index = 1; index < count; index++) {
      throwIfAborted(signal, { driver: this.name, key });
      const name = session.names.continuation(kind, key, generation, index);
      const block = await this.readBlock(session, name, key, signal);
      const expected = Math.min(capacity, valueBytes - index * capacity);
      const fits =
        block?.header.type === BlockType.Continuation &&
        block.header.index === index &&
        block.header.payloadLength === expected &&
        Buffer.from(block.header.writeId).equals(Buffer.from(writeId));
      if (!fits) {
        throw new IntegrityError(`Block ${index} of ${count} is missing or belongs to another write`, {
          driver: this.name,
          key,
          retryable: true,
          hint: 'The value was replaced twice while it was read, or the provider lost or rolled back a block; read it again.',
        });
      }
      yield block!.payload;
    }
  }

  private async readBlock(
    session: Session,
    name: string,
    key: string,
    signal: AbortSignal | undefined,
  ): Promise<Block | null> {
    const bytes = await session.scheduler.read(name, key, signal);
    if (!bytes) return null;
    try {
      return openBlock(session.blockKey, name, this.blockBytes, bytes);
    } catch (error) {
      if (error instanceof BadBlockError) throw this.corrupt(key, `a block ${error.message}`);
      throw error;
    }
  }

  private async put(kind: DataKind, key: string, body: Body, options: PutOptions = {}): Promise<PutResult> {
    this.check(kind, key, options.signal);
    if (options.ifMatch !== undefined || options.ifNoneMatch !== undefined) {
      throw new UnsupportedError('Conditional writes are not supported', {
        driver: this.name,
        key,
        hint: 'The provider sees only blocks; a condition on them would show which puts are real.',
      });
    }
    const session = await this.open(key, options.signal);
    return this.locks.run(`${kind}:${key}`, () => this.putBlocks(session, kind, key, body, options));
  }

  /**
   * Writes a value: continuation blocks first, in the generation the live value does not use, then
   * the head, whose put is the commit. An abort or failure before the head leaves the old value whole.
   */
  private async putBlocks(
    session: Session,
    kind: DataKind,
    key: string,
    body: Body,
    options: PutOptions,
  ): Promise<PutResult> {
    const { signal, size } = options;
    throwIfAborted(signal, { driver: this.name, key });
    const writeId = randomBytes(WRITE_ID_BYTES);
    const chunks = fixedSizeChunks(body, payloadBytes(this.blockBytes))[Symbol.asyncIterator]();
    const first = await chunks.next();
    const headPayload = first.done ? new Uint8Array(0) : first.value;
    let valueBytes = headPayload.byteLength;
    let next = first.done ? first : await chunks.next();
    let count = 1;
    let generation = 0;
    const pending = new Set<Promise<void>>();
    let failure: { error: unknown } | undefined;
    try {
      if (!next.done) {
        const live =
          session.generations.get(`${kind}:${key}`) ??
          (await this.liveGeneration(session, kind, key, signal));
        generation = 1 - live;
        while (!next.done) {
          throwIfAborted(signal, { driver: this.name, key });
          if (failure) throw failure.error;
          const payload = next.value;
          valueBytes += payload.byteLength;
          if (size !== undefined && valueBytes > size) throw this.wrongSize(key, size);
          const name = session.names.continuation(kind, key, generation, count);
          const header = {
            type: BlockType.Continuation,
            writeId,
            index: count,
            count: 0,
            valueBytes: 0,
            payloadLength: payload.byteLength,
            generation,
          };
          const write: Promise<void> = session.scheduler
            .write(name, sealBlock(session.blockKey, name, this.blockBytes, header, payload), key, signal)
            .catch((error: unknown) => {
              failure ??= { error };
            })
            .finally(() => pending.delete(write));
          pending.add(write);
          count++;
          if (pending.size >= WRITES_AHEAD) await Promise.race(pending);
          next = await chunks.next();
        }
        await Promise.all(pending);
        if (failure) throw failure.error;
      }
      if (size !== undefined && valueBytes !== size) throw this.wrongSize(key, size);
      throwIfAborted(signal, { driver: this.name, key });
      // Unknown until the head's put is acknowledged (a failed put may still have been stored).
      session.generations.delete(`${kind}:${key}`);
      const headName = session.names.head(kind, key);
      const header = {
        type: BlockType.Head,
        writeId,
        index: 0,
        count,
        valueBytes,
        payloadLength: headPayload.byteLength,
        generation,
      };
      await session.scheduler.write(
        headName,
        sealBlock(session.blockKey, headName, this.blockBytes, header, headPayload),
        key,
        signal,
      );
      remember(session.generations, `${kind}:${key}`, generation);
      return { etag: writeId.toString('hex') };
    } finally {
      // No block of this put may land after the lock is released (it could overwrite the next put's).
      await Promise.allSettled(pending);
      if (!next.done) chunks.return?.().catch(() => {});
    }
  }

  /** The generation the value's continuation blocks now use: read from its head (0 if none). */
  private async liveGeneration(
    session: Session,
    kind: DataKind,
    key: string,
    signal: AbortSignal | undefined,
  ): Promise<number> {
    const headName = session.names.head(kind, key);
    const bytes = await session.scheduler.read(headName, key, signal);
    if (!bytes) return 0;
    try {
      const head = openBlock(session.blockKey, headName, this.blockBytes, bytes);
      return head.header.type === BlockType.Head ? head.header.generation : 0;
    } catch (error) {
      if (error instanceof BadBlockError) return 0; // unreadable: nothing to keep whole
      throw error;
    }
  }

  /** A delete writes a tombstone head (a put like any other); the old blocks stay, unreadable garbage. */
  private async delete(kind: DataKind, key: string, options: DeleteOptions = {}): Promise<void> {
    const signal = options.signal;
    this.check(kind, key, signal);
    const session = await this.open(key, signal);
    await this.locks.run(`${kind}:${key}`, async () => {
      throwIfAborted(signal, { driver: this.name, key });
      const headName = session.names.head(kind, key);
      const header = {
        type: BlockType.Tombstone,
        writeId: randomBytes(WRITE_ID_BYTES),
        index: 0,
        count: 0,
        valueBytes: 0,
        payloadLength: 0,
        generation: 0,
      };
      await session.scheduler.write(
        headName,
        sealBlock(session.blockKey, headName, this.blockBytes, header),
        key,
        signal,
      );
      remember(session.generations, `${kind}:${key}`, 0);
    });
  }

  private corrupt(key: string, problem: string): IntegrityError {
    return new IntegrityError(`Refused a block: ${problem}`, {
      driver: this.name,
      key,
      hint: 'The provider returned data this driver did not write for this name (tampered or moved).',
    });
  }

  private wrongSize(key: string, size: number): IntegrityError {
    return new IntegrityError(`The body's length differs from the ${size} bytes given as its size`, {
      driver: this.name,
      key,
      hint: 'Pass the exact size, or none.',
    });
  }
}

/** Records `value` for `key`, forgetting the oldest entry past the limit. */
function remember(generations: Map<string, number>, key: string, value: number): void {
  generations.delete(key);
  generations.set(key, value);
  if (generations.size > GENERATIONS_REMEMBERED) generations.delete(generations.keys().next().value!);
}

/** `promise`, or a rejection made by `aborted` as soon as `signal` fires. */
function abortable<T>(
  promise: Promise<T>,
  signal: AbortSignal | undefined,
  aborted: () => Error,
): Promise<T> {
  if (!signal) return promise;
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(aborted());
    if (signal.aborted) return onAbort();
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}
