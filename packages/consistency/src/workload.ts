import { isStorageError } from '@blockstack-storage/core';
import { seededRandom } from '@blockstack-storage/driver-chaos';
import { recordingFaultsOf } from './fault-recorder.js';
import { type HistoryEntry, LogicalClock, type OperationType, type WorkloadClient } from './history.js';
import { makeValue } from './value-token.js';

export interface WorkloadOptions {
  /** The clients; each runs its operations one at a time, all clients at once. */
  clients: readonly WorkloadClient[];
  /** The keys operated on (a small set, so clients collide). */
  keys: readonly string[];
  /** Operations in total, spread evenly over the clients. */
  operations: number;
  /** Seed of the operation mix. */
  seed: number | string;
  /** Share of puts and deletes; the rest are gets. Default 0.35 and 0.08. */
  putShare?: number;
  deleteShare?: number;
  /** Called after each operation (e.g. to print progress). */
  onOperation?: (entry: HistoryEntry) => void;
}

/**
 * Runs random puts, gets and deletes from several clients at once on a small key set, and records
 * every operation's start, end and result. The operation mix is drawn from the seed per client and
 * step; how operations interleave depends on timing (and on the drivers' seeded delays).
 * @returns the history, in order of completion.
 */
export async function runWorkload(options: WorkloadOptions): Promise<HistoryEntry[]> {
  const clock = new LogicalClock();
  const history: HistoryEntry[] = [];
  const putShare = options.putShare ?? 0.35;
  const deleteShare = options.deleteShare ?? 0.08;
  let nextId = 1;
  const perClient = Math.ceil(options.operations / options.clients.length);

  const runClient = async (client: WorkloadClient) => {
    for (let step = 0; step < perClient; step++) {
      const random = seededRandom(options.seed, client.id, step);
      const key = options.keys[Math.floor(random() * options.keys.length)]!;
      const draw = random();
      const type: OperationType = draw < putShare ? 'put' : draw < putShare + deleteShare ? 'delete' : 'get';
      const written = type === 'put' ? makeValue(client.id, step, key, Math.floor(random() * 64)) : undefined;
      const entry = await runOperation(client, { id: nextId++, key, type, written }, clock);
      history.push(entry);
      options.onOperation?.(entry);
    }
  };
  await Promise.all(options.clients.map(runClient));
  return history;
}

/** What to do: a put of `written`, a get or a delete of `key`. */
export interface OperationSpec {
  id: number;
  key: string;
  type: OperationType;
  /** For puts: the value to write. */
  written?: string;
}

/**
 * Runs one operation on `client` and records it: start and end from `clock`, the result or the error
 * code, and the faults chaos drivers injected into it (see `faultRecorder`).
 */
export async function runOperation(
  client: WorkloadClient,
  spec: OperationSpec,
  clock: LogicalClock,
): Promise<HistoryEntry> {
  const { key, type } = spec;
  const entry: HistoryEntry = {
    id: spec.id,
    client: client.id,
    key,
    type,
    start: clock.tick(),
    end: 0,
    result: { status: 'ok' },
  };
  if (spec.written !== undefined) entry.written = spec.written;
  try {
    await recordingFaultsOf(entry, async () => {
      if (type === 'put') {
        const { version } = await client.put(key, new TextEncoder().encode(spec.written ?? ''));
        entry.result = { status: 'ok', version };
      } else if (type === 'delete') {
        await client.delete(key);
      } else {
        const found = await client.get(key);
        entry.result =
          found === null
            ? { status: 'ok', value: null }
            : { status: 'ok', version: found.version, value: decode(found.data) };
      }
    });
  } catch (error) {
    entry.result = {
      status: 'error',
      code: isStorageError(error) ? error.code : error instanceof Error ? error.name : 'unknown',
      message: error instanceof Error ? error.message : String(error),
    };
  }
  entry.end = clock.tick();
  return entry;
}

function decode(bytes: Uint8Array): string {
  // Fatal decoding: corrupt bytes must not be silently repaired into a plausible value.
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    return `<${bytes.byteLength} bytes, not UTF-8>`;
  }
}
