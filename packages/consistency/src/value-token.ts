/**
 * Values the workload writes: unique per put and self-describing, so the checker can tell which put a
 * read returned (or that it returned bytes nobody wrote). `w:<client>:<seq>:<key>` plus filler so
 * values differ in size too.
 */
export function makeValue(client: string, seq: number, key: string, filler: number): string {
  return `w:${client}:${seq}:${key}:${'.'.repeat(filler)}`;
}

/** The value's identity without the filler, for short history lines. */
export function shortValue(value: string): string {
  const end = value.lastIndexOf(':');
  return end > 0 ? value.slice(0, end) : value;
}
