/**
 * What this process last wrote to each key, so a read through a cache that serves an older copy can be
 * told apart from the current one: the ETags a read may return (`null`: the key was deleted).
 *
 * Puts to one key that overlap in time may land at the hub in any order, so every outcome of such a
 * group of writes is accepted; a read while a write to the key is in flight accepts anything (either
 * answer is a correct one). Bounded: the least recently written keys are forgotten first, and a
 * forgotten key is read without masking.
 */
export class WriteLedger {
  private readonly entries = new Map<string, LedgerEntry>();

  constructor(private readonly capacity = 10_000) {}

  /** A put or delete of `key` starts. Pair with `succeeded` or `failed`. */
  begin(key: string): void {
    const entry = this.entries.get(key) ?? { accepted: undefined, pending: 0, newGroup: true };
    if (entry.pending === 0) entry.newGroup = true;
    entry.pending++;
    this.touch(key, entry);
  }

  /** It landed: the hub now holds `etag` (`null` after a delete). */
  succeeded(key: string, etag: string | null): void {
    const entry = this.entries.get(key);
    if (!entry) return;
    const value = etag === null ? null : normalizeEtag(etag);
    if (entry.newGroup || entry.accepted === undefined) {
      entry.accepted = new Set([value]);
      entry.newGroup = false;
    } else {
      entry.accepted.add(value);
    }
    entry.pending--;
  }

  /** It failed. `changed`: the hub may hold the new value or the old one (e.g. the connection broke). */
  failed(key: string, changed: boolean): void {
    const entry = this.entries.get(key);
    if (!entry) return;
    if (changed) entry.accepted = undefined;
    entry.pending--;
  }

  /** Another writer's value is the current one (the hub said so): expect it from now on. */
  adopt(key: string, etag: string | null): void {
    const entry = this.entries.get(key);
    if (!entry || entry.pending > 0) return;
    entry.accepted = new Set([etag === null ? null : normalizeEtag(etag)]);
  }

  /** The ETags a read of `key` should return; `undefined` when anything goes (no record, or unknown). */
  expected(key: string): ReadonlySet<string | null> | undefined {
    const entry = this.entries.get(key);
    if (!entry || entry.pending > 0) return undefined;
    return entry.accepted;
  }

  /** Whether a read that found `etag` (`null`: absent) shows what this process wrote last. */
  matches(key: string, etag: string | null | undefined): boolean {
    const expected = this.expected(key);
    if (expected === undefined) return true;
    // A read URL that sends no ETag cannot be checked; only its absence or presence can.
    if (etag === undefined) return [...expected].some((value) => value !== null);
    return expected.has(etag === null ? null : normalizeEtag(etag));
  }

  private touch(key: string, entry: LedgerEntry): void {
    this.entries.delete(key);
    this.entries.set(key, entry);
    if (this.entries.size <= this.capacity) return;
    for (const [oldest, candidate] of this.entries) {
      if (candidate.pending > 0) continue;
      this.entries.delete(oldest);
      return;
    }
  }
}

interface LedgerEntry {
  /** ETags a read may return; `undefined` when the outcome of a write is unknown. */
  accepted: Set<string | null> | undefined;
  /** Writes to the key in flight. */
  pending: number;
  /** The next write to land starts a new group: it replaces what was accepted before. */
  newGroup: boolean;
}

/** ETags compared without quotes or a weak marker (hubs, storage services and CDNs differ on both). */
export function normalizeEtag(etag: string): string {
  return etag
    .trim()
    .replace(/^W\//, '')
    .replace(/^"(.*)"$/, '$1');
}
