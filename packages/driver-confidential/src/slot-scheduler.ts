import { randomInt } from 'node:crypto';
import {
  AbortedError,
  asStorageError,
  readBody,
  type StorageDriver,
  UnavailableError,
} from '@blockstack-storage/core/driver';
import { BadBlockError, BlockType, openBlock, sealBlock, sealCover } from './block-format.js';
import type { Clock } from './clock.js';
import type { ObjectNames } from './keys.js';

export interface SlotSchedulerOptions {
  inner: StorageDriver;
  clock: Clock;
  slotMs: number;
  blockBytes: number;
  cells: number;
  names: ObjectNames;
  blockKey: Uint8Array;
  /** This driver's name, for errors. */
  driverName: string;
}

interface Job {
  name: string;
  /** The caller's data id or hash, for errors. */
  key: string;
  state: 'queued' | 'sent' | 'settled';
  signal: AbortSignal | undefined;
  onAbort: () => void;
  reject: (error: unknown) => void;
}
interface ReadJob extends Job {
  kind: 'read';
  resolve: (bytes: Uint8Array | null) => void;
}
interface WriteJob extends Job {
  kind: 'write';
  bytes: Uint8Array;
  resolve: () => void;
}
type AnyJob = ReadJob | WriteJob;

/** What a slot's put sends: the name the previous slot got, and what to write back if no real write of it waits. */
interface PairedPut {
  name: string;
  /** The block re-sealed (or a fresh cover block for a cell); undefined if the get failed or missed. */
  bytes: Uint8Array | undefined;
}

/** What the scheduler has sent, for benchmarks and tests. */
export interface TrafficCounts {
  slots: number;
  realReads: number;
  realWrites: number;
  coverReads: number;
  coverWrites: number;
}

/**
 * The only path to the provider: one slot every `slotMs`, on a fixed grid from the start, and each
 * slot sends exactly one put and one get of one block each, at the same instant. Every access is a
 * read-modify-write pair: slot t gets a name and slot t + 1 puts that same name. Whatever the access
 * is — a cover access to the next cell of a random cycle through all cells, a real read (its block is
 * put back re-sealed), a real write (its block is got first, then put), or the core's read of a datum
 * followed by its write (the write rides the put its read's slot pairs with) — the provider sees
 * "get N, then put N one slot later", N a keyed name not used in the slots around it. So sizes,
 * times and the pattern of names are the same whatever the user does; only the names differ, and
 * those are keyed. (On a brand-new store, cover gets of cells not yet written miss for the first cycle.)
 */
export class SlotScheduler {
  readonly counts: TrafficCounts = { slots: 0, realReads: 0, realWrites: 0, coverReads: 0, coverWrites: 0 };
  /** Real reads and writes, in the order they came (one access per slot). */
  private readonly jobs: AnyJob[] = [];
  /** Names of the cells cover accesses use next: random permutations of all cells, one after another. */
  private upcoming: string[] = [];
  /** Names got in the last `spacing` slots, with how often. */
  private readonly recent: string[] = [];
  private readonly recentCounts = new Map<string, number>();
  /**
   * Cover accesses avoid cells used in the last `spacing` slots. Otherwise, at the seam of two cycles,
   * cover traffic would by chance touch a name twice close together, and a real access (which takes a
   * cover access's place) would show as such a coincidence gone missing.
   */
  private readonly spacing: number;
  private readonly stopping = new AbortController();
  /** The put of the next slot (the first slot, which follows no get, puts a cover cell). */
  private paired: PairedPut;
  private running: Promise<void> | undefined;
  private keepAlive: ReturnType<typeof setInterval> | undefined;

  constructor(private readonly options: SlotSchedulerOptions) {
    this.spacing = Math.min(32, Math.floor(options.cells / 4));
    const name = this.nextCoverCell(undefined);
    this.paired = { name, bytes: this.freshCover(name) };
  }

  /** Starts the slots; the first goes out at once. */
  start(): void {
    this.running ??= this.loop();
  }

  /** Stops the slots after the one in flight; queued jobs fail with UnavailableError. */
  async stop(): Promise<void> {
    this.stopping.abort();
    await this.running;
    for (const job of this.jobs.splice(0)) {
      this.settle(job);
      job.reject(
        new UnavailableError('The driver was closed', { driver: this.options.driverName, key: job.key }),
      );
    }
    this.updateKeepAlive();
  }

  /** Reads the block `name` in a slot's get. Resolves to its bytes, or null if the provider has none. */
  read(name: string, key: string, signal: AbortSignal | undefined): Promise<Uint8Array | null> {
    return new Promise((resolve, reject) => {
      const job: ReadJob = {
        kind: 'read',
        name,
        key,
        signal,
        state: 'queued',
        resolve,
        reject,
        onAbort: () => {},
      };
      // A read already sent is let go: the slot still reads the block whole, so the abort shows nowhere.
      job.onAbort = () => {
        if (job.state === 'queued') remove(this.jobs, job);
        if (job.state !== 'settled') this.fail(job, this.aborted(job));
      };
      this.enqueue(job);
    });
  }

  /**
   * Writes the block `name` in a slot's put (after a get of it, unless the last slot got it already);
   * resolves once the provider acknowledged it. An abort while queued fails the job (the put then
   * writes back what its get read); once sent, the put's outcome stands (it may have been stored).
   */
  write(name: string, bytes: Uint8Array, key: string, signal: AbortSignal | undefined): Promise<void> {
    return new Promise((resolve, reject) => {
      const job: WriteJob = {
        kind: 'write',
        name,
        key,
        bytes,
        signal,
        state: 'queued',
        resolve,
        reject,
        onAbort: () => {},
      };
      job.onAbort = () => {
        if (job.state !== 'queued') return;
        remove(this.jobs, job);
        this.fail(job, this.aborted(job));
      };
      this.enqueue(job);
    });
  }

  private enqueue(job: AnyJob): void {
    if (this.stopping.signal.aborted) {
      job.reject(
        new UnavailableError('The driver was closed', { driver: this.options.driverName, key: job.key }),
      );
      return;
    }
    if (job.signal?.aborted) {
      job.reject(this.aborted(job));
      return;
    }
    job.signal?.addEventListener('abort', job.onAbort, { once: true });
    this.jobs.push(job);
    this.updateKeepAlive();
  }

  private async loop(): Promise<void> {
    const { clock, slotMs } = this.options;
    let next = clock.now();
    while (!this.stopping.signal.aborted) {
      // Always yield to the event loop, even when late, so callers and timers keep running.
      await clock.sleep(Math.max(0, next - clock.now()), this.stopping.signal);
      if (this.stopping.signal.aborted) break;
      await this.slot();
      next += slotMs;
      // A provider slower than a slot: skip whole slots, so every request stays on the grid.
      const now = clock.now();
      if (next < now) next += Math.ceil((now - next) / slotMs) * slotMs;
    }
  }

  private async slot(): Promise<void> {
    this.counts.slots++;
    // The put: a real write of the name the last slot got, else that block written back.
    let putName = this.paired.name;
    const write = this.jobs.find((job): job is WriteJob => job.kind === 'write' && job.name === putName);
    let putBytes = write?.bytes ?? this.paired.bytes;
    if (write) remove(this.jobs, write);
    if (!putBytes) {
      // The last get failed or missed: nothing known to write back, so a cover cell takes the put.
      putName = this.nextCoverCell(undefined);
      putBytes = this.freshCover(putName);
    }
    // The get: the oldest real job, never of the name being put now (the get could miss that put).
    const job = this.jobs.find((candidate) => candidate.name !== putName);
    const getName = job?.name ?? this.nextCoverCell(putName);
    if (write) write.state = 'sent';
    const read = job?.kind === 'read' ? job : undefined;
    if (read) {
      read.state = 'sent';
      remove(this.jobs, read);
    }
    this.noteRecent(getName);
    const [, bytes] = await Promise.all([this.put(write, putName, putBytes), this.get(read, getName)]);
    // Sealed between slots, so that the next put leaves as fast whatever it carries.
    this.paired = { name: getName, bytes: job ? this.resealed(getName, bytes) : this.freshCover(getName) };
    this.updateKeepAlive();
  }

  private async put(job: WriteJob | undefined, name: string, bytes: Uint8Array): Promise<void> {
    try {
      await this.options.inner.putMutable(name, bytes, { contentType: 'application/octet-stream' });
      if (job) {
        this.counts.realWrites++;
        this.settle(job);
        job.resolve();
      } else this.counts.coverWrites++;
    } catch (error) {
      if (job) this.fail(job, asStorageError(error, { driver: this.options.driverName, key: job.key }));
    }
  }

  /** The block got, or undefined if the get failed (a miss is null). */
  private async get(job: ReadJob | undefined, name: string): Promise<Uint8Array | null | undefined> {
    try {
      const object = await this.options.inner.getMutable(name);
      // Read whole whether real or cover, and never more than a block (a hostile provider's 2 GiB).
      const bytes = object
        ? await readBody(object.body, this.options.blockBytes + 1, { size: object.size })
        : null;
      if (job) {
        this.counts.realReads++;
        if (job.state !== 'settled') {
          this.settle(job);
          job.resolve(bytes);
        }
      } else this.counts.coverReads++;
      return bytes;
    } catch (error) {
      if (job && job.state !== 'settled')
        this.fail(job, asStorageError(error, { driver: this.options.driverName, key: job.key }));
      return undefined;
    }
  }

  /**
   * A real block as got, sealed again under a fresh nonce (its bytes on the provider change, as a
   * cover cell's do). Undefined for a miss, a failed get, or a block that does not open (putting back
   * what the provider tampered with could undo its repair).
   */
  private resealed(name: string, bytes: Uint8Array | null | undefined): Uint8Array | undefined {
    if (!bytes) return undefined;
    const { blockKey, blockBytes } = this.options;
    try {
      const block = openBlock(blockKey, name, blockBytes, bytes);
      if (block.header.type === BlockType.Cover) return this.freshCover(name);
      return sealBlock(blockKey, name, blockBytes, block.header, block.payload);
    } catch (error) {
      if (error instanceof BadBlockError) return undefined;
      throw error;
    }
  }

  private freshCover(name: string): Uint8Array {
    return sealCover(this.options.blockKey, name, this.options.blockBytes);
  }

  /** The next cell of the cover cycle not got in the last `spacing` slots (nor `avoid`). */
  private nextCoverCell(avoid: string | undefined): string {
    while (this.upcoming.length <= 2 * this.spacing) {
      const order = Array.from({ length: this.options.cells }, (_, i) => i);
      for (let i = order.length - 1; i > 0; i--) {
        const j = randomInt(i + 1);
        [order[i], order[j]] = [order[j]!, order[i]!];
      }
      this.upcoming.push(...order.map((i) => this.options.names.cell(i)));
    }
    const at = this.upcoming.findIndex((name) => name !== avoid && !this.recentCounts.has(name));
    return this.upcoming.splice(Math.max(0, at), 1)[0]!;
  }

  /** Notes the name a slot got, forgetting what left the last `spacing` slots. */
  private noteRecent(name: string): void {
    this.recent.push(name);
    this.recentCounts.set(name, (this.recentCounts.get(name) ?? 0) + 1);
    if (this.recent.length <= this.spacing) return;
    const old = this.recent.shift()!;
    const left = this.recentCounts.get(old)! - 1;
    if (left === 0) this.recentCounts.delete(old);
    else this.recentCounts.set(old, left);
  }

  private settle(job: Job): void {
    job.state = 'settled';
    job.signal?.removeEventListener('abort', job.onAbort);
  }

  private fail(job: Job, error: unknown): void {
    this.settle(job);
    job.reject(error);
    this.updateKeepAlive();
  }

  private aborted(job: Job): AbortedError {
    return new AbortedError('Operation aborted', {
      driver: this.options.driverName,
      key: job.key,
      cause: job.signal?.reason,
    });
  }

  /** Holds the process open while work is queued (the slot timer itself does not). */
  private updateKeepAlive(): void {
    const busy = !this.stopping.signal.aborted && this.jobs.length > 0;
    if (busy && !this.keepAlive) this.keepAlive = setInterval(() => {}, 1 << 30);
    else if (!busy && this.keepAlive) {
      clearInterval(this.keepAlive);
      this.keepAlive = undefined;
    }
  }
}

function remove<T>(queue: T[], item: T): void {
  const at = queue.indexOf(item);
  if (at >= 0) queue.splice(at, 1);
}
