import type { Writable } from 'node:stream';

/** Transfers smaller than this never show a progress bar ("over a few MiB"). */
export const PROGRESS_THRESHOLD_BYTES = 4 * 1024 * 1024;
const REDRAW_MS = 100;

/** A progress display for one transfer. */
export interface Progress {
  /** Counts `bytes` more as transferred. */
  advance(bytes: number): void;
  /** Ends the display (draws the final state and a newline, if it was showing). */
  done(): void;
}

export interface ProgressOptions {
  /** What is moving, e.g. `reading hello.bin`. */
  label: string;
  /** Total bytes when known (a file); `undefined` for a pipe. */
  total: number | undefined;
  stream: Writable & { isTTY?: boolean; columns?: number };
  /** False with --quiet or --json. */
  allowed: boolean;
  now?: () => number;
}

/**
 * A one-line progress bar on stderr with bytes, percentage, rate and ETA, redrawn at most ten times a
 * second. Shown only when stderr is a terminal and the transfer is over `PROGRESS_THRESHOLD_BYTES`
 * (a known total over it, or an unknown one once it passes it), so pipes and logs never get it.
 */
export function createProgress(options: ProgressOptions): Progress {
  const { stream, total, label } = options;
  const now = options.now ?? (() => performance.now());
  const enabled = options.allowed && stream.isTTY === true;
  const started = now();
  let transferred = 0;
  let showing = false;
  let lastDraw = Number.NEGATIVE_INFINITY;
  const draw = (final: boolean) => {
    const text = transferLine({ label, transferred, total, elapsedMs: now() - started, final });
    // \r and erase-line redraw in place; the line is cut to the terminal width so it never wraps.
    stream.write(`\r\x1b[K${fitLine(text, stream)}${final ? '\n' : ''}`);
  };
  return {
    advance(bytes) {
      transferred += bytes;
      if (!enabled) return;
      if (!showing) {
        const big =
          total !== undefined ? total > PROGRESS_THRESHOLD_BYTES : transferred > PROGRESS_THRESHOLD_BYTES;
        if (!big) return;
        showing = true;
      }
      const time = now();
      if (time - lastDraw < REDRAW_MS) return;
      lastDraw = time;
      draw(false);
    },
    done() {
      if (showing) draw(true);
      showing = false;
    },
  };
}

/** One transfer's state as text: `label  3.0 MiB / 9.0 MiB  [######..............] 33%  12.0 MiB/s  ETA 0.5s`. */
export function transferLine(input: {
  label: string;
  transferred: number;
  total: number | undefined;
  elapsedMs: number;
  final: boolean;
}): string {
  const { label, transferred, total, final } = input;
  const elapsedS = Math.max(input.elapsedMs / 1000, 1e-3);
  const rate = transferred / elapsedS;
  const parts = [
    label,
    total === undefined ? formatBytes(transferred) : `${formatBytes(transferred)} / ${formatBytes(total)}`,
  ];
  if (total !== undefined && total > 0) {
    const fraction = Math.min(1, transferred / total);
    parts.push(`${bar(fraction)} ${Math.floor(fraction * 100)}%`);
  }
  parts.push(`${formatBytes(rate)}/s`);
  if (!final && total !== undefined && rate > 0)
    parts.push(`ETA ${formatDuration((total - transferred) / rate)}`);
  if (final) parts.push(`in ${formatDuration(elapsedS)}`);
  return parts.join('  ');
}

/** Cuts a line to the terminal's width; a terminal of unknown size (columns 0, as under some pty wrappers) gets it whole. */
export function fitLine(text: string, stream: { columns?: number }): string {
  return stream.columns ? text.slice(0, Math.max(20, stream.columns - 1)) : text;
}

function bar(fraction: number): string {
  const cells = 20;
  const full = Math.round(fraction * cells);
  return `[${'#'.repeat(full)}${'.'.repeat(cells - full)}]`;
}

/** `1536` → `1.5 KiB`. */
export function formatBytes(bytes: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return unit === 0 ? `${Math.round(value)} B` : `${value.toFixed(1)} ${units[unit]}`;
}

function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds)) return '?';
  if (seconds < 10) return `${seconds.toFixed(1)}s`;
  const s = Math.round(seconds);
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  return m < 60
    ? `${m}m${String(s % 60).padStart(2, '0')}s`
    : `${Math.floor(m / 60)}h${String(m % 60).padStart(2, '0')}m`;
}
