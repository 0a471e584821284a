import { randomInt } from 'node:crypto';
import {
  AbortedError,
  asStorageError,
  readBody,
  type StorageDriver,
  UnavailableError,
} from '@blockstack-storage/core/driver';
import { sealCover } from './block-format.js';
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
}
interface ReadJob extends Job {
  resolve: (bytes: Uint8Array | null) => void;
  reject: (error: unknown) => void;
}
interface WriteJob extends Job {
  bytes: Uint8Array;
  resolve: () => void;
  reject: (error: unknown) => void;
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
 * slot sends exactly one put and one get of one block each, at the same instant. A real block write
 * takes the put of the next slot and a real block read its get; whatever a slot has no real work
 * for carries cover traffic instead: a put of a fresh cover block to the next cell of a random
 * cycle through all cells (so within a cycle no cell is written twice, as real puts to distinct ids
 * are not), and a get, read whole, of a random cell not used in the slots around it (see
 * `spacing`). So the provider sees
 * the same request shape, sizes and times whatever the user does; only the names differ, and those
 * are keyed. (On a brand-new store, cover gets of cells not yet written miss for the first cycle.)
 */
export class SlotScheduler {
  readonly counts: TrafficCounts = { slots: 0, realReads: 0, realWrites: 0, coverReads: 0, coverWrites: 0 };
  private readonly reads: ReadJob[] = [];
  private readonly writes: WriteJob[] = [];
  /** Names of the cells cover puts write next, in order: random permutations of all cells, one after another. */
  private upcoming: string[] = [];
  /** Names put or got in the last `spacing` slots, with how often. */
  private readonly recent: string[] = [];
  private readonly recentCounts = new Map<string, number>();
  /**
   * Cover gets avoid cells put or got in the last `spacing` slots or due to be put in the next
   * `spacing`. Otherwise cover traffic would, by chance, read a name twice or read and write one
   * name close together, and a real read (which takes a cover get's place and does neither) would
   * show as such a coincidence gone missing.
   */
  private readonly spacing: number;
  private readonly stopping = new AbortController();
  private nextCover: { name: string; bytes: Uint8Array };
  private running: Promise<void> | undefined;
  private keepAlive: ReturnType<typeof setInterval> | undefined;

  constructor(private readonly options: SlotSchedulerOptions) {
    this.spacing = Math.min(32, Math.floor(options.cells / 4));
    this.nextCover = this.sealNextCover();
  }

  /** Starts the slots; the first goes out at once. */
  start(): void {
    this.running ??= this.loop();
  }

  /** Stops the slots after the one in flight; queued jobs fail with UnavailableError. */
  async stop(): Promise<void> {
    this.stopping.abort();
    await this.running;
    for (const job of [...this.reads.splice(0), ...this.writes.splice(0)]) {
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
      const job: ReadJob = { name, key, signal, state: 'queued', resolve, reject, onAbort: () => {} };
      // A read already sent is let go: the slot still reads the block whole, so the abort shows nowhere.
      job.onAbort = () => {
        if (job.state === 'queued') remove(this.reads, job);
        if (job.state !== 'settled') this.fail(job, this.aborted(job));
      };
      this.enqueue(this.reads, job);
    });
  }

  /**
   * Writes the block `name` in a slot's put; resolves once the provider acknowledged it. An abort
   * while queued fails the job; once sent, the put's outcome stands (it may have been stored).
   */
  write(name: string, bytes: Uint8Array, key: string, signal: AbortSignal | undefined): Promise<void> {
    return new Promise((resolve, reject) => {
      const job: WriteJob = { name, key, bytes, signal, state: 'queued', resolve, reject, onAbort: () => {} };
      job.onAbort = () => {
        if (job.state !== 'queued') return;
        remove(this.writes, job);
        this.fail(job, this.aborted(job));
      };
      this.enqueue(this.writes, job);
    });
  }

  private enqueue<J extends Job & { reject: (error: unknown) => void }>(queue: J[], job: J): void {
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
    queue.push(job);
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
    const write = this.writes.shift();
    const read = this.reads.shift();
    this.counts.slots++;
    const cover = write ? undefined : this.nextCover;
    const writeName = write?.name ?? cover!.name;
    const readName = read?.name ?? this.coverReadName();
    if (write) write.state = 'sent';
    if (read) read.state = 'sent';
    this.noteRecent(writeName);
    this.noteRecent(readName);
    await Promise.all([this.put(write, writeName, write?.bytes ?? cover!.bytes), this.get(read, readName)]);
    // Sealed between slots, so that a cover put leaves as fast as a real one (sealed by its writer).
    if (cover) this.nextCover = this.sealNextCover();
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

  private async get(job: ReadJob | undefined, name: string): Promise<void> {
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
    } catch (error) {
      if (job && job.state !== 'settled')
        this.fail(job, asStorageError(error, { driver: this.options.driverName, key: job.key }));
    }
  }

  /** A cover read's name: a cell (all exist after a store's first cycle), not one used lately or due soon. */
  private coverReadName(): string {
    const soon = new Set(this.upcoming.slice(0, this.spacing));
    soon.add(this.nextCover.name);
    let name = '';
    for (let attempt = 0; attempt < 32; attempt++) {
      name = this.options.names.cell(randomInt(this.options.cells));
      if (!soon.has(name) && !this.recentCounts.has(name)) break;
    }
    return name;
  }

  /** Notes a name this slot uses, forgetting what left the last `2 × spacing` uses (a put and a get a slot). */
  private noteRecent(name: string): void {
    this.recent.push(name);
    this.recentCounts.set(name, (this.recentCounts.get(name) ?? 0) + 1);
    if (this.recent.length <= 2 * this.spacing) return;
    const old = this.recent.shift()!;
    const left = this.recentCounts.get(old)! - 1;
    if (left === 0) this.recentCounts.delete(old);
    else this.recentCounts.set(old, left);
  }

  /** The next cell of the cover cycle, keeping at least `spacing` more queued (a new random order of all cells each cycle). */
  private nextCellName(): string {
    while (this.upcoming.length <= this.spacing) {
      const order = Array.from({ length: this.options.cells }, (_, i) => i);
      for (let i = order.length - 1; i > 0; i--) {
        const j = randomInt(i + 1);
        [order[i], order[j]] = [order[j]!, order[i]!];
      }
      this.upcoming.push(...order.map((i) => this.options.names.cell(i)));
    }
    return this.upcoming.shift()!;
  }

  private sealNextCover(): { name: string; bytes: Uint8Array } {
    const name = this.nextCellName();
    return { name, bytes: sealCover(this.options.blockKey, name, this.options.blockBytes) };
  }

  private settle(job: Job): void {
    job.state = 'settled';
    job.signal?.removeEventListener('abort', job.onAbort);
  }

  private fail(job: Job & { reject: (error: unknown) => void }, error: unknown): void {
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
    const busy = !this.stopping.signal.aborted && this.reads.length + this.writes.length > 0;
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
