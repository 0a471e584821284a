import type { Writable } from 'node:stream';
import type { Transfer, TransferObserver } from '@blockstack-storage/core';
import { fitLine, PROGRESS_THRESHOLD_BYTES, transferLine } from './progress.js';

const REDRAW_MS = 100;

/** One driver's transfer on the board. */
export interface DriverTransfer {
  advance(bytes: number): void;
  /** The driver finished (or failed: `failed` shows on its line). */
  done(failed?: boolean): void;
}

// The core calls `transferStarted` at every attempt of a put or get on each driver (openStorage's
// `observer`); the board draws the ones it shows. It never wraps or touches a driver.

interface Row {
  label: string;
  transferred: number;
  total: number | undefined;
  started: number;
  finished: 'ok' | 'failed' | undefined;
  /** When it finished, so later redraws keep its final rate and time. */
  finishedAt: number | undefined;
}

/**
 * Live progress of a replicated transfer, one line per driver (a put goes to every driver at once),
 * redrawn in place at most ten times a second. Like the single bar, only on a terminal and only for
 * values over the threshold; `end` draws the final state and leaves the cursor below the board.
 */
export class DriverProgressBoard implements TransferObserver {
  private readonly rows: Row[] = [];
  private drawnLines = 0;
  private lastDraw = Number.NEGATIVE_INFINITY;

  constructor(
    private readonly stream: Writable & { isTTY?: boolean; columns?: number },
    /** False with --quiet or --json. */
    allowed: boolean,
    private readonly now: () => number = () => performance.now(),
  ) {
    this.enabled = allowed && stream.isTTY === true;
  }

  /** Whether anything will ever be drawn. */
  readonly enabled: boolean;
  private muted = false;

  /**
   * Shows no further transfers. For a value streamed in chunks: each chunk is its own transfer on each
   * driver, so the command's single bar (bytes read or written) shows the value's progress instead.
   */
  mute(): void {
    this.muted = true;
  }

  /**
   * Adds a line for `driver` moving `total` bytes (`undefined` when unknown).
   * @returns the transfer to count on, or `undefined` when this one is not shown (board off, or small).
   */
  track(driver: string, verb: 'put' | 'get', total: number | undefined): DriverTransfer | undefined {
    if (!this.enabled || this.muted || (total !== undefined && total <= PROGRESS_THRESHOLD_BYTES))
      return undefined;
    const row: Row = {
      label: `${driver} ${verb}`,
      transferred: 0,
      total,
      started: this.now(),
      finished: undefined,
      finishedAt: undefined,
    };
    this.rows.push(row);
    this.draw(true);
    return {
      advance: (bytes) => {
        row.transferred += bytes;
        this.draw(false);
      },
      done: (failed = false) => {
        row.finished = failed ? 'failed' : 'ok';
        row.finishedAt = this.now();
        this.draw(true);
      },
    };
  }

  /** The core's observer hook: a line per driver transfer worth showing (a driver is named by its section). */
  transferStarted(transfer: Transfer): DriverTransfer | undefined {
    return this.track(transfer.driver, transfer.operation, transfer.size);
  }

  /** Draws the final state of every line and moves below the board. */
  end(): void {
    if (this.drawnLines === 0) return;
    this.draw(true);
    this.stream.write('\n');
    this.drawnLines = 0;
    this.rows.length = 0;
  }

  private draw(force: boolean): void {
    const time = this.now();
    if (!force && time - this.lastDraw < REDRAW_MS) return;
    this.lastDraw = time;
    const width = Math.max(...this.rows.map((r) => r.label.length));
    const lines = this.rows.map((row) => {
      const text = transferLine({
        label: row.label.padEnd(width),
        transferred: row.transferred,
        total: row.total,
        elapsedMs: (row.finishedAt ?? time) - row.started,
        final: row.finished !== undefined,
      });
      return fitLine(row.finished === 'failed' ? `${text}  FAILED` : text, this.stream);
    });
    // Back to the first line of the board, then rewrite every line in place.
    const up = this.drawnLines > 1 ? `\x1b[${this.drawnLines - 1}A` : '';
    this.stream.write(`${up}${lines.map((line) => `\r\x1b[K${line}`).join('\n')}`);
    this.drawnLines = lines.length;
  }
}
