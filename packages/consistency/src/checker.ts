import { formatEntry, type HistoryEntry } from './history.js';

/** Which guarantee a violation breaks. */
export type ViolationKind =
  /** A client read a version lower than one it had read before. */
  | 'monotonic-read'
  /** A client read a version lower than one it had written (or deleted past) itself. */
  | 'read-your-writes'
  /** A client wrote a version not above every version it had already seen (its next reads may then go back). */
  | 'writes-follow-reads'
  /** A read returned bytes no put wrote, a put's value under another version, or a value from the future. */
  | 'invented-value'
  /** A read found nothing although the client had seen a value and no delete could explain it. */
  | 'lost-value'
  /** A client read a value again after it had seen the key deleted (read `null` or deleted it itself). */
  | 'resurrected-value'
  /**
   * An acknowledged put was replaced by an older version or by another value of its version: a read
   * that began after the acknowledgement (and that every required-write driver answered without a
   * fault) returned less, or nothing, and no delete can have come in between.
   */
  | 'lost-update'
  /** Two acknowledged puts of one key got the same version with different values, no delete between. */
  | 'version-fork';

/** Every kind, in report order. */
export const VIOLATION_KINDS: readonly ViolationKind[] = [
  'monotonic-read',
  'read-your-writes',
  'writes-follow-reads',
  'invented-value',
  'lost-value',
  'resurrected-value',
  'lost-update',
  'version-fork',
];

export interface Violation {
  kind: ViolationKind;
  /** The offending operation. */
  entry: HistoryEntry;
  message: string;
  /** A short history around the violation: the client's earlier operations on the key and the writes that overlap. */
  context: HistoryEntry[];
}

export interface CheckOptions {
  /**
   * The run's required-write drivers. A read during which one of them had an injected fault other
   * than a delay (a stale or corrupt answer, an error) is not evidence of a lost update: the core may
   * then legitimately return an older copy from another driver to a client that never saw the newer
   * one. Default: a fault on any driver excuses the read. Faults are known only for entries that
   * record them (`HistoryEntry.faults`); other reads count as faithfully answered.
   */
  requiredDrivers?: readonly string[];
}

export interface CheckReport {
  violations: Violation[];
  /** Violations per kind (every kind present, 0 when none). */
  kinds: Record<ViolationKind, number>;
  /** Operations by `type:status` (e.g. `get:ok`) and error codes (`error:BSS_STALE_DATA`). */
  counts: Record<string, number>;
  /**
   * Reads that returned a value of the same version as, but different from, the client's own last
   * write (concurrent writers chose the same version); each is also a `version-fork` or `lost-update`.
   */
  forks: number;
}

interface Floor {
  version: number;
  /** The operation that set it (a read, a put or a delete) and why. */
  by: HistoryEntry;
  reason: 'read' | 'write' | 'delete';
  /** Start of the put whose value set it (for a delete: the delete's start). */
  since: number;
}

/** What one client knows about one key. */
interface ClientKeyState {
  floor?: Floor;
  /** Values this client has read or written. */
  seen: Set<string>;
  /** Values it saw before it then saw the key deleted (read `null`, or deleted it itself): never again. */
  replaced: Map<string, HistoryEntry>;
  lastOwnWrite?: HistoryEntry;
}

/**
 * Checks a recorded history for the seed's guarantees, per client and key (each client runs its
 * operations one at a time, so its own operations are totally ordered):
 * - monotonic reads: a read never returns a version below one the client read before, and never a
 *   value the client saw before it saw the key deleted (a resurrected value);
 * - read-your-writes: a read never returns a version below the client's own last write, nor below
 *   the version its own delete moved past; a `null` read needs a delete that may follow the value the
 *   client last saw;
 * - no invented or corrupt data: every value read is exactly a value some put of that key wrote,
 *   begun before the read ended, under the version that put reported (when it reported one).
 * - no lost updates: once a put of version v is acknowledged, no read that begins afterwards returns
 *   a lower version, another value at v, or nothing, unless a delete (acknowledged or not: a failed
 *   one may have taken effect) can have come in between, or a required-write driver answered that
 *   read with a fault (see `CheckOptions.requiredDrivers`). A read by a fresh client with faults off
 *   at the end (`auditFinalState`) is such a read for every key;
 * - no version forks: two acknowledged puts of one key never have the same version and different
 *   values, unless a delete can have come in between (after a delete, versions may start again).
 * Failed operations are allowed (a refused stale read is the client keeping its promise); they are counted.
 */
export function checkHistory(history: readonly HistoryEntry[], options: CheckOptions = {}): CheckReport {
  const counts: Record<string, number> = {};
  const puts = new Map<string, HistoryEntry>();
  const deletesByKey = new Map<string, HistoryEntry[]>();
  for (const entry of history) {
    const status = entry.result.status;
    counts[`${entry.type}:${status}`] = (counts[`${entry.type}:${status}`] ?? 0) + 1;
    if (entry.result.status === 'error') {
      counts[`error:${entry.result.code}`] = (counts[`error:${entry.result.code}`] ?? 0) + 1;
    }
    if (entry.type === 'put' && entry.written !== undefined) puts.set(entry.written, entry);
    if (entry.type === 'delete') deletesByKey.set(entry.key, [...(deletesByKey.get(entry.key) ?? []), entry]);
  }

  const violations: Violation[] = [];
  let forks = 0;
  const states = new Map<string, ClientKeyState>();
  const sorted = [...history].sort((a, b) => a.start - b.start);
  const fail = (kind: ViolationKind, entry: HistoryEntry, message: string, also: HistoryEntry[] = []) =>
    violations.push({ kind, entry, message, context: contextOf(history, entry, puts, also) });
  const did = { read: 'reading', write: 'writing', delete: 'deleting past' } as const;

  for (const entry of sorted) {
    const slot = `${entry.client}\u0000${entry.key}`;
    let state = states.get(slot);
    if (state === undefined) {
      state = { seen: new Set(), replaced: new Map() };
      states.set(slot, state);
    }
    const { floor } = state;
    const result = entry.result;
    if (result.status !== 'ok') continue;

    if (entry.type === 'put') {
      const version = result.version!;
      if (floor && version <= floor.version) {
        fail(
          'writes-follow-reads',
          entry,
          `${entry.client} wrote version ${version} after ${did[floor.reason]} version ${floor.version} (#${floor.by.id})`,
        );
      }
      if (!floor || version >= floor.version) {
        state.floor = { version, by: entry, reason: 'write', since: entry.start };
      }
      state.seen.add(entry.written!);
      state.lastOwnWrite = entry;
      continue;
    }

    if (entry.type === 'delete') {
      // The client moves its known version one past what it knew, so the deleted value cannot return.
      state.floor = { version: (floor?.version ?? 0) + 1, by: entry, reason: 'delete', since: entry.start };
      for (const value of state.seen) state.replaced.set(value, entry);
      continue;
    }

    // A read.
    if (result.value === null || result.value === undefined) {
      if (floor === undefined) continue;
      if (floor.reason !== 'delete') {
        const explained = (deletesByKey.get(entry.key) ?? []).some(
          (d) => d.start < entry.end && d.end > floor.since,
        );
        if (!explained) {
          fail(
            'lost-value',
            entry,
            `${entry.client} read nothing after ${did[floor.reason]} version ${floor.version} (#${floor.by.id}), and no delete can have followed it`,
          );
          continue;
        }
      }
      for (const value of state.seen) state.replaced.set(value, entry);
      continue;
    }
    const version = result.version!;
    const put = puts.get(result.value);
    if (put === undefined || put.key !== entry.key) {
      fail('invented-value', entry, `${entry.client} read a value no put of this key wrote`);
      continue;
    }
    if (put.start > entry.end) {
      fail(
        'invented-value',
        entry,
        `${entry.client} read the value of put #${put.id}, which began after the read ended`,
      );
      continue;
    }
    if (put.result.status === 'ok' && put.result.version !== version) {
      fail(
        'invented-value',
        entry,
        `${entry.client} read the value of put #${put.id} as version ${version}, but it was written as version ${put.result.version}`,
      );
      continue;
    }
    if (floor && version < floor.version) {
      fail(
        floor.reason === 'read' ? 'monotonic-read' : 'read-your-writes',
        entry,
        `${entry.client} read version ${version} after ${did[floor.reason]} version ${floor.version} (#${floor.by.id})`,
      );
      continue;
    }
    const gone = state.replaced.get(result.value);
    if (gone !== undefined) {
      fail(
        'resurrected-value',
        entry,
        `${entry.client} read again the value of put #${put.id} (v${version}) after ${gone.type === 'delete' ? 'deleting it' : 'reading the key as deleted'} (#${gone.id})`,
      );
      continue;
    }
    const own = state.lastOwnWrite;
    if (own && own.result.status === 'ok' && own.result.version === version && own.written !== result.value) {
      forks++;
    }
    state.seen.add(result.value);
    if (!floor || version >= floor.version) {
      state.floor = { version, by: entry, reason: 'read', since: put.start };
    }
  }

  const flagged = new Set(violations.map((v) => v.entry.id));
  for (const [key, entries] of byKey(history)) {
    const deletes = deletesByKey.get(key) ?? [];
    checkLostUpdates(entries, deletes, options, flagged, fail);
    checkVersionForks(entries, deletes, fail);
  }
  const kinds = Object.fromEntries(VIOLATION_KINDS.map((k) => [k, 0])) as Record<ViolationKind, number>;
  for (const v of violations) kinds[v.kind]++;
  return { violations, kinds, counts, forks };
}

type Fail = (kind: ViolationKind, entry: HistoryEntry, message: string, also?: HistoryEntry[]) => void;

function byKey(history: readonly HistoryEntry[]): Map<string, HistoryEntry[]> {
  const keys = new Map<string, HistoryEntry[]>();
  for (const entry of history) {
    const list = keys.get(entry.key);
    if (list) list.push(entry);
    else keys.set(entry.key, [entry]);
  }
  return keys;
}

/** Acknowledged puts, with the version each was acknowledged as. */
function acknowledgedPuts(entries: readonly HistoryEntry[]): { put: HistoryEntry; version: number }[] {
  const acked: { put: HistoryEntry; version: number }[] = [];
  for (const put of entries) {
    const { result } = put;
    if (put.type !== 'put' || put.written === undefined || result.status !== 'ok') continue;
    if (result.version !== undefined) acked.push({ put, version: result.version });
  }
  return acked;
}

/** Whether a required-write driver (any driver, when none are named) answered the read with a fault. */
function unfaithful(read: HistoryEntry, options: CheckOptions): boolean {
  return (read.faults ?? []).some(
    (f) => f.kind !== 'delay' && (options.requiredDrivers?.includes(f.driver) ?? true),
  );
}

/**
 * Lost updates seen by reads: for each ok read not already flagged, the acknowledged puts it must
 * reflect are those finished before it began and begun after every delete that can precede the read
 * ended (a delete D can fall between put P and read R unless D ended before P began or began after R
 * ended). The read must return the highest such version, with one of its values, or a higher one.
 */
function checkLostUpdates(
  entries: readonly HistoryEntry[],
  deletes: readonly HistoryEntry[],
  options: CheckOptions,
  flagged: ReadonlySet<number>,
  fail: Fail,
): void {
  const acked = acknowledgedPuts(entries);
  for (const read of entries) {
    const { result } = read;
    if (read.type !== 'get' || result.status !== 'ok' || flagged.has(read.id)) continue;
    if (unfaithful(read, options)) continue;
    const resetAt = Math.max(-Infinity, ...deletes.filter((d) => d.start < read.end).map((d) => d.end));
    let version = 0;
    let top: HistoryEntry[] = [];
    for (const { put, version: v } of acked) {
      if (put.end >= read.start || put.start < resetAt) continue;
      if (v > version) [version, top] = [v, [put]];
      else if (v === version) top.push(put);
    }
    const newest = top[0];
    if (newest === undefined) continue;
    const what = `put #${newest.id} (v${version}), acknowledged before the read began`;
    const who = `${read.client} read`;
    if (result.value === null || result.value === undefined || result.version === undefined) {
      fail('lost-update', read, `${who} nothing after ${what}, and no delete can have come in between`, top);
    } else if (result.version < version) {
      fail('lost-update', read, `${who} version ${result.version} after ${what}`, top);
    } else if (result.version === version && !top.some((p) => p.written === result.value)) {
      fail('lost-update', read, `${who} another value at version ${version} after ${what}`, top);
    }
  }
}

/** Acknowledged puts of one version with different values and no delete that can fall between them. */
function checkVersionForks(
  entries: readonly HistoryEntry[],
  deletes: readonly HistoryEntry[],
  fail: Fail,
): void {
  const byVersion = new Map<number, HistoryEntry[]>();
  for (const { put, version } of acknowledgedPuts(entries).sort((a, b) => a.put.start - b.put.start)) {
    const earlier = byVersion.get(version) ?? [];
    const twin = earlier.find(
      (p) =>
        p.written !== put.written &&
        !deletes.some((d) => d.end > Math.min(p.start, put.start) && d.start < Math.max(p.end, put.end)),
    );
    if (twin !== undefined) {
      const message = `${put.client} and ${twin.client} (#${twin.id}) both wrote version ${version} of the key`;
      fail('version-fork', put, message, [twin]);
    }
    byVersion.set(version, [...earlier, put]);
  }
}

/**
 * The client's last few operations on the key up to `entry`, other clients' writes to it that overlap
 * them, and `also` (e.g. the acknowledged put a read lost).
 */
function contextOf(
  history: readonly HistoryEntry[],
  entry: HistoryEntry,
  puts: ReadonlyMap<string, HistoryEntry>,
  also: readonly HistoryEntry[] = [],
): HistoryEntry[] {
  const own = history
    .filter((e) => e.client === entry.client && e.key === entry.key && e.start <= entry.start)
    .sort((a, b) => a.start - b.start)
    .slice(-6);
  const from = own[0]?.start ?? entry.start;
  const others = history.filter(
    (e) =>
      e.client !== entry.client &&
      e.key === entry.key &&
      e.type !== 'get' &&
      e.end >= from &&
      e.start <= entry.end,
  );
  // The puts whose values the client read, wherever they are in the history.
  const sources = own
    .map((e) => (e.type === 'get' && e.result.status === 'ok' ? puts.get(e.result.value ?? '') : undefined))
    .filter((e): e is HistoryEntry => e !== undefined);
  const picked = new Map([...own, ...others.slice(-8), ...sources, ...also].map((e) => [e.id, e]));
  return [...picked.values()].sort((a, b) => a.start - b.start);
}

/** A violation as a few readable lines: what broke, then the short history that shows it. */
export function formatViolation(violation: Violation): string {
  const lines = violation.context.map(
    (e) => `${formatEntry(e)}${e.id === violation.entry.id ? '   <-- here' : ''}`,
  );
  return [`${violation.kind}: ${violation.message}`, ...lines].join('\n');
}
