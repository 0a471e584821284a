/**
 * What this process last wrote to each key, for `read_your_writes = masked`: the ETag of its last put,
 * or `null` after its delete. Bounded (least recently written entries are forgotten first), so a long
 * running process does not grow without limit; a forgotten key is simply read without masking.
 */
export class WriteLedger {
  private readonly entries = new Map<string, string | null>();

  constructor(private readonly capacity = 10_000) {}

  /** Records a put (`etag`) or a delete (`null`). */
  record(key: string, etag: string | null): void {
    this.entries.delete(key);
    this.entries.set(key, etag === null ? null : normalizeEtag(etag));
    if (this.entries.size > this.capacity) {
      const oldest = this.entries.keys().next().value;
      if (oldest !== undefined) this.entries.delete(oldest);
    }
  }

  /** @returns the ETag last written, `null` if last deleted, `undefined` if this process has no record. */
  expected(key: string): string | null | undefined {
    return this.entries.get(key);
  }

  /** Whether what the server returned (`etag`, or `null` for absent) is what this process last wrote. */
  matches(key: string, etag: string | null): boolean {
    const expected = this.entries.get(key);
    if (expected === undefined) return true;
    return expected === (etag === null ? null : normalizeEtag(etag));
  }

  /** Forgets a key whose put failed in an unknown state. */
  forget(key: string): void {
    this.entries.delete(key);
  }
}

/** ETags compared without quotes or a weak marker (servers differ on both). */
export function normalizeEtag(etag: string): string {
  return etag.replace(/^W\//, '').replace(/^"(.*)"$/, '$1');
}
