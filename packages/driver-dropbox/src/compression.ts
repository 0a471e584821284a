import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createDeflate, createInflate } from 'node:zlib';
import { type Body, bodyChunks, IntegrityError } from '@blockstack-storage/core';

/**
 * zlib-compresses a body as a stream (the 2017 drivers' `compress` used zlib too, so values they
 * wrote stay readable). Memory stays bounded: zlib holds only its window.
 */
export async function* deflateBody(body: Body): AsyncIterable<Uint8Array> {
  const deflate = createDeflate();
  // Errors of the source surface through the deflate stream, which pipeline destroys with them.
  pipeline(Readable.from(bodyChunks(body)), deflate).catch(() => {});
  try {
    for await (const chunk of deflate as AsyncIterable<Uint8Array>) yield chunk;
  } finally {
    deflate.destroy();
  }
}

/** True when `head` starts with a zlib header (RFC 1950: deflate method, window <= 32K, no preset dictionary, valid check bits). */
export function looksLikeZlib(head: Uint8Array): boolean {
  if (head.byteLength < 2) return false;
  const cmf = head[0]!;
  const flg = head[1]!;
  return (cmf & 0x0f) === 8 && cmf >> 4 <= 7 && (flg & 0x20) === 0 && ((cmf << 8) | flg) % 31 === 0;
}

/**
 * Reads both forms a `compress = true` driver may find: values it wrote (zlib) are inflated, values
 * written uncompressed (before `compress` was turned on) are passed through. Told apart by the zlib
 * header, which uncompressed Blockstack data (JSON envelopes, zone files, tokens) never starts with.
 * @throws IntegrityError (while streaming) when a zlib stream is corrupt.
 */
export async function* inflateIfCompressed(
  chunks: AsyncIterable<Uint8Array>,
  context: { driver: string; key: string },
): AsyncIterable<Uint8Array> {
  const iterator = chunks[Symbol.asyncIterator]();
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
  if (!looksLikeZlib(head)) {
    yield* whole();
    return;
  }
  const inflate = createInflate();
  pipeline(Readable.from(whole()), inflate).catch(() => {});
  try {
    for await (const chunk of inflate as AsyncIterable<Uint8Array>) yield chunk;
  } catch (error) {
    if (
      (error as { code?: unknown }).code === 'Z_DATA_ERROR' ||
      (error as { code?: unknown }).code === 'Z_BUF_ERROR'
    ) {
      throw new IntegrityError('The stored value is not a valid zlib stream', {
        ...context,
        cause: error,
        hint: 'It was damaged, or written by another program; delete and write it again.',
      });
    }
    throw error;
  } finally {
    inflate.destroy();
  }
}
