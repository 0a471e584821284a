import { shortValue } from './value-token.js';

/** What a workload client can do: the mutable-data API of one machine's storage client. */
export interface WorkloadClient {
  /** A short name for histories, e.g. `c1`. */
  readonly id: string;
  /** Writes `data` under `key`. @returns the version it was written as. */
  put(key: string, data: Uint8Array): Promise<{ version: number }>;
  /** @returns the datum and its version, or `null` when absent or deleted. */
  get(key: string): Promise<{ version: number; data: Uint8Array } | null>;
  delete(key: string): Promise<void>;
  close?(): Promise<void>;
}

export type OperationType = 'put' | 'get' | 'delete';

/** The outcome of one operation as the client saw it. */
export type OperationResult =
  | { status: 'ok'; version?: number; value?: string | null }
  | { status: 'error'; code: string; message: string };

/** A fault a chaos driver injected into one of the driver calls an operation made. */
export interface InjectedFault {
  driver: string;
  /** The fault's kind (`staleRead`, `error`, `delay`, ...). */
  kind: string;
}

/**
 * One recorded operation. `start` and `end` come from one logical clock shared by all clients (it
 * ticks at every invocation and every completion), so `a.end < b.start` means a finished before b began.
 */
export interface HistoryEntry {
  id: number;
  client: string;
  key: string;
  type: OperationType;
  start: number;
  end: number;
  /** For puts: the unique value written. */
  written?: string;
  result: OperationResult;
  /**
   * Faults injected into this operation's driver calls, when the chaos drivers report them (see
   * `faultRecorder`); absent when nothing recorded them.
   */
  faults?: InjectedFault[];
}

/** A shared logical clock. */
export class LogicalClock {
  /** @param now the time before the first tick (to continue a history). */
  constructor(private now = 0) {}
  tick(): number {
    return ++this.now;
  }
}

/** One line of a history, for violation reports. */
export function formatEntry(entry: HistoryEntry): string {
  const r = entry.result;
  const outcome =
    r.status === 'error'
      ? `error ${r.code}`
      : entry.type === 'get'
        ? r.value === null
          ? 'null'
          : `v${r.version} ${shortValue(r.value ?? '')}`
        : entry.type === 'put'
          ? `ok v${r.version}`
          : 'ok';
  const what = entry.type === 'put' ? `put ${shortValue(entry.written ?? '')}` : entry.type;
  const faults = (entry.faults ?? []).filter((f) => f.kind !== 'delay').map((f) => `${f.driver}:${f.kind}`);
  const injected = faults.length > 0 ? ` [faults: ${faults.join(', ')}]` : '';
  return `  #${entry.id} [${entry.start}..${entry.end}] ${entry.client} ${what} ${JSON.stringify(entry.key)} -> ${outcome}${injected}`;
}
