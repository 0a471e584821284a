import { createHash } from 'node:crypto';

export const MiB = 1024 * 1024;

/** Deterministic, non-repeating-looking bytes (so a misplaced chunk changes the hash). */
export function patternBytes(length: number, seed: number): Uint8Array {
  const out = new Uint8Array(length);
  let x = (seed * 2654435761) >>> 0 || 1;
  for (let i = 0; i < length; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = x & 0xff;
  }
  return out;
}

/** Streams `total` bytes in 1 MiB chunks, generating each chunk on demand (never the whole value). */
export async function* streamPattern(total: number, seed: number): AsyncIterable<Uint8Array> {
  for (let offset = 0, n = 0; offset < total; offset += MiB, n++) {
    yield patternBytes(Math.min(MiB, total - offset), seed * 1000 + n);
  }
}

export function sha256Hex(value: Uint8Array | string): string {
  return createHash('sha256').update(value).digest('hex');
}

export function randomTag(): string {
  return Math.random().toString(36).slice(2, 10);
}
