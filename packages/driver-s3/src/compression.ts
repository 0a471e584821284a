import { pipeline, Readable, type Transform } from 'node:stream';
import { createDeflate, createInflate } from 'node:zlib';

/**
 * zlib compression, as the 2017 S3 driver had it (`compress`). Compressed objects are marked with
 * `Content-Encoding: deflate` (HTTP's "deflate" is the zlib format, so browsers and `fetch` reading a
 * public URL inflate it themselves) and with the metadata below, which is what the driver checks on read:
 * whatever `compress` says, a read returns the original bytes of both forms.
 */
export const COMPRESSION_METADATA_KEY = 'bss-compression';
export const COMPRESSION_METADATA_VALUE = 'zlib';
export const COMPRESSED_CONTENT_ENCODING = 'deflate';

/** Streams `source` through zlib deflate, holding only zlib's own window in memory. */
export function deflateChunks(source: AsyncIterable<Uint8Array>): AsyncIterable<Uint8Array> {
  return transform(source, createDeflate({ level: 6 }));
}

/** Streams `source` through zlib inflate. */
export function inflateChunks(source: AsyncIterable<Uint8Array>): AsyncIterable<Uint8Array> {
  return transform(source, createInflate());
}

function transform(source: AsyncIterable<Uint8Array>, stream: Transform): AsyncIterable<Uint8Array> {
  // pipeline() destroys every stage on error or early exit, so a consumer that stops reading
  // (an aborted upload) also ends the source generator.
  return pipeline(Readable.from(source, { objectMode: false }), stream, () => {});
}

/** True when an object's headers say it was written compressed. */
export function isCompressed(
  metadata: Record<string, string> | undefined,
  contentEncoding?: string,
): boolean {
  return (
    metadata?.[COMPRESSION_METADATA_KEY] === COMPRESSION_METADATA_VALUE ||
    contentEncoding?.toLowerCase() === COMPRESSED_CONTENT_ENCODING
  );
}
