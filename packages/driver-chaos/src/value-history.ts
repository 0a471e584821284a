import type { DataKind } from '@blockstack-storage/core/driver';

/** A value once stored, with the etag the provider gave it (when it gave one). */
export interface PastValue {
  bytes: Uint8Array;
  etag?: string;
}

/**
 * The values once stored under each key through the chaos driver, oldest first, so a stale read can
 * return a real older value (as an eventually consistent provider would) rather than made-up bytes.
 * Deletes are kept as gaps: after a delete every earlier value counts as older (a stale read may then
 * resurrect it, as a lagging replica would). Bounded: at most `depth` entries per key, each value at
 * most `maxValueBytes` (larger values are not kept).
 */
export class ValueHistory {
  private readonly entries = new Map<string, (PastValue | null)[]>();

  constructor(
    private readonly depth: number,
    readonly maxValueBytes: number,
  ) {}

  /** Records a stored value and its etag, or `null` for a delete. */
  record(kind: DataKind, id: string, bytes: Uint8Array | null, etag?: string): void {
    if (bytes !== null && bytes.byteLength > this.maxValueBytes) return;
    const key = `${kind}/${id}`;
    const list = this.entries.get(key) ?? [];
    list.push(bytes === null ? null : etag === undefined ? { bytes } : { bytes, etag });
    if (list.length > this.depth) list.shift();
    this.entries.set(key, list);
  }

  /** Values stored before the current state of the key, oldest first (empty when there is none). */
  older(kind: DataKind, id: string): PastValue[] {
    const list = this.entries.get(`${kind}/${id}`) ?? [];
    return list.slice(0, -1).filter((v): v is PastValue => v !== null);
  }
}
