import { deflateSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import {
  bytesToStream,
  deflateChunks,
  ErrorCode,
  inflateChunks,
  inflateIfZlib,
  isStorageError,
  looksLikeZlib,
  readBody,
} from '../../src/driver-kit.js';

async function* chunked(bytes: Uint8Array, size: number): AsyncIterable<Uint8Array> {
  for (let i = 0; i < bytes.byteLength; i += size) yield bytes.subarray(i, i + size);
}

describe('zlib helpers for drivers', () => {
  const value = new TextEncoder().encode('bsk2.'.repeat(20_000));

  it('round-trip a streamed value and compress it', async () => {
    const compressed = await readBody(deflateChunks(chunked(value, 4096)));
    expect(compressed.byteLength).toBeLessThan(value.byteLength / 10);
    expect(looksLikeZlib(compressed)).toBe(true);
    expect(Buffer.from(await readBody(inflateChunks(chunked(compressed, 1))))).toEqual(Buffer.from(value));
  });

  it('inflateIfZlib passes uncompressed values through and reads the zlib form of others', async () => {
    expect(Buffer.from(await readBody(inflateIfZlib(chunked(value, 1))))).toEqual(Buffer.from(value));
    expect(Buffer.from(await readBody(inflateIfZlib(bytesToStream(deflateSync(value)))))).toEqual(
      Buffer.from(value),
    );
    expect(await readBody(inflateIfZlib(bytesToStream(new Uint8Array(0))))).toHaveLength(0);
  });

  it('a damaged zlib stream is an IntegrityError naming the driver and key, never bad bytes', async () => {
    const damaged = deflateSync(value);
    damaged[damaged.byteLength - 3]! ^= 0xff;
    const error = await readBody(inflateChunks(bytesToStream(damaged), { driver: 'x', key: 'k' })).catch(
      (e) => e,
    );
    expect(isStorageError(error, ErrorCode.Integrity)).toBe(true);
    expect(error.driver).toBe('x');
  });
});
