import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createDeflate, createInflate, type Deflate, type Inflate } from 'node:zlib';
import { bodyChunks } from './body.js';
import type { Body } from './driver.js';
import { IntegrityError } from './errors.js';

/**
 * zlib compression for drivers with a `compress` option (the 2017 drivers compressed with zlib and read
 * both forms). Everything streams: memory stays at zlib's window plus one chunk. How a compressed value
 * is marked (object metadata, `Content-Encoding: deflate`, or the zlib header itself) is the driver's
 * choice; these helpers only transform.
 */

/** Streams `body` through zlib deflate. */
export function deflateChunks(body: Body): AsyncIterable<Uint8Array> {
  return through(bodyChunks(body), createDeflate(), undefined);
}

/**
 * Streams stored bytes through zlib inflate.
 * @throws IntegrityError (while streaming) when the stored bytes are not a valid zlib stream.
 */
export function inflateChunks(
  stored: AsyncIterable<Uint8Array>,
  context: { driver?: string; key?: string } = {},
): AsyncIterable<Uint8Array> {
  return through(stored, createInflate(), context);
}

/** True when `head` starts with a zlib header (RFC 1950: deflate, window ≤ 32K, no dictionary, check bits). */
export function looksLikeZlib(head: Uint8Array): boolean {
  if (head.byteLength < 2) return false;
  const cmf = head[0]!;
  const flg = head[1]!;
  return (cmf & 0x0f) === 8 && cmf >> 4 <= 7 && (flg & 0x20) === 0 && ((cmf << 8) | flg) % 31 === 0;
}

/**
 * Inflates stored bytes that start with a zlib header and passes anything else through, for drivers
 * that mark compression by the bytes alone. Uncompressed Blockstack data (bsk2 envelopes, tombstones,
 * JSON, zone files) never starts with a zlib header.
 * @throws IntegrityError (while streaming) when a value with a zlib header is not a valid zlib stream.
 */
export async function* inflateIfZlib(
  stored: AsyncIterable<Uint8Array>,
  context: { driver?: string; key?: string } = {},
): AsyncIterable<Uint8Array> {
  const iterator = stored[Symbol.asyncIterator]();
  let head: Uint8Array = new Uint8Array(0);
  while (head.byteLength < 2) {
    const next = await iterator.next();
    if (next.done) break;
    head = head.byteLength === 0 ? next.value : Buffer.concat([head, next.value]);
  }
  async function* whole(): AsyncIterable<Uint8Array> {
    if (head.byteLength > 0) yield head;
    for (;;) {
      const next = await iterator.next();
      if (next.done) return;
      yield next.value;
    }
  }
  if (looksLikeZlib(head)) yield* inflateChunks(whole(), context);
  else yield* whole();
}

async function* through(
  source: AsyncIterable<Uint8Array>,
  transform: Deflate | Inflate,
  inflateContext: { driver?: string; key?: string } | undefined,
): AsyncIterable<Uint8Array> {
  // Errors of the source surface through the transform, which pipeline destroys with them.
  pipeline(Readable.from(source), transform).catch(() => {});
  try {
    for await (const chunk of transform as AsyncIterable<Uint8Array>) yield chunk;
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    if (inflateContext && (code === 'Z_DATA_ERROR' || code === 'Z_BUF_ERROR')) {
      throw new IntegrityError('The stored value is not a valid zlib stream', {
        ...inflateContext,
        cause: error,
        hint: 'It was damaged, or written by another program; delete and write it again.',
      });
    }
    throw error;
  } finally {
    // A reader that stops early (an aborted upload) also ends the source.
    transform.destroy();
  }
}
