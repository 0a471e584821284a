import { asStorageError } from '../errors.js';
import type { KeyedQueue } from '../keyed-queue.js';
import type { DatumRepair } from './replicas.js';
import type { CopyReport } from './results.js';

/** Read-repairs running at once, at most; a get finding more divergence then leaves it to the next get. */
const MAX_READ_REPAIRS = 4;

/**
 * Read-repair: when a get of own data saw a copy behind the newest, heals that datum in the background
 * (as `sync` does for one datum, under the client's per-id queue so it never races a put of this
 * client), never delaying the get. At most MAX_READ_REPAIRS at once and one per id.
 */
export class ReadRepairer {
  private readonly inFlight = new Map<string, Promise<void>>();
  private stopped = false;

  constructor(
    private readonly writes: KeyedQueue,
    private readonly repair: (dataId: string) => Promise<DatumRepair>,
    private readonly onRepair: ((repair: DatumRepair) => void) | undefined,
    private readonly onWarning: (message: string) => void,
  ) {}

  /** After a get of `dataId` that saw `copies`: starts a repair when one is behind a verified copy. */
  afterRead(dataId: string, copies: readonly CopyReport[]): void {
    if (this.stopped || this.inFlight.has(dataId) || this.inFlight.size >= MAX_READ_REPAIRS) return;
    // Something verified to copy, and a copy behind it (a datum absent everywhere needs no repair).
    const found = copies.some((c) => c.status === 'valid' || c.status === 'tombstone');
    const behind = copies.some(
      (c) => c.status === 'stale' || c.status === 'missing' || c.status === 'invalid',
    );
    if (!found || !behind) return;
    const running = this.writes
      .run(dataId, () => this.repair(dataId))
      .then(
        (outcome) => this.onRepair?.(outcome),
        (error: unknown) =>
          this.onWarning(
            `Read-repair of ${JSON.stringify(dataId)} failed: ${asStorageError(error, { key: dataId }).message}`,
          ),
      )
      .finally(() => this.inFlight.delete(dataId));
    this.inFlight.set(dataId, running);
  }

  /** Resolves when the repairs started so far have ended. */
  async settled(): Promise<void> {
    await Promise.all(this.inFlight.values());
  }

  /** Starts no more repairs, and waits for those in flight (their conditional writes finish). */
  async stop(): Promise<void> {
    this.stopped = true;
    await this.settled();
  }
}
