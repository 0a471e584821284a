import type { DataKind } from '@blockstack-storage/core';

/**
 * The values once stored under each key through the chaos driver, oldest first, so a stale read can
 * return a real older value (as an eventually consistent provider would) rather than made-up bytes.
 * Deletes are kept as gaps: after a delete every earlier value counts as older (a stale read may then
 * resurrect it, as a lagging replica would). Bounded: at most `depth` entries per key, each value at
 * most `maxValueBytes` (larger values are not kept).
 */
export class ValueHistory {
  private readonly entries = new Map<string, (Uint8Array | null)[]>();

  constructor(
    private readonly depth: number,
    readonly maxValueBytes: number,
  ) {}

  /** Records a stored value, or `null` for a delete. */
  record(kind: DataKind, id: string, bytes: Uint8Array | null): void {
    if (bytes !== null && bytes.byteLength > this.maxValueBytes) return;
    const key = `${kind}/${id}`;
    const list = this.entries.get(key) ?? [];
    list.push(bytes);
    if (list.length > this.depth) list.shift();
    this.entries.set(key, list);
  }

  /** Values stored before the current state of the key, oldest first (empty when there is none). */
  older(kind: DataKind, id: string): Uint8Array[] {
    const list = this.entries.get(`${kind}/${id}`) ?? [];
    return list.slice(0, -1).filter((v): v is Uint8Array => v !== null);
  }
}
