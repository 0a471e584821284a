/**
 * The version a stored value carries in itself, so the erasure driver can order two puts of one key
 * by it rather than by the writers' clocks:
 * - a bsk2 envelope (`bsk2.<key>.<sig>.<netstring of {..., "version":n,"timestamp":t}>`): the version
 *   is in the payload's last fields, so the tail is read;
 * - a versioned tombstone (`delete-<millis>+<version>:...`).
 * Nothing is verified here (the core verifies what a get returns); a forged version can only make the
 * driver choose a value the core then refuses. 0 when the value carries no version.
 */
export function valueVersionOf(value: Uint8Array): number {
  const head = latin1(value.subarray(0, 48));
  const tombstone = /^delete-(?:0|[1-9][0-9]{0,15})\+([1-9][0-9]{0,15}):/.exec(head);
  if (tombstone) return safe(tombstone[1]!);
  if (!head.startsWith('bsk2.')) return 0;
  const tail = latin1(value.subarray(Math.max(0, value.byteLength - 64)));
  const envelope = /"version":([1-9][0-9]{0,15}),"timestamp":[0-9]{1,16}\},$/.exec(tail);
  return envelope ? safe(envelope[1]!) : 0;
}

function safe(digits: string): number {
  const version = Number(digits);
  return Number.isSafeInteger(version) ? version : 0;
}

function latin1(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('latin1');
}
