/**
 * zlib compression, as the 2017 S3 driver had it (`compress`). Compressed objects are marked with
 * `Content-Encoding: deflate` (HTTP's "deflate" is the zlib format, so browsers and `fetch` reading a
 * public URL inflate it themselves) and with the metadata below, which is what the driver checks on read:
 * whatever `compress` says, a read returns the original bytes of both forms. The zlib streaming itself
 * is core's (`deflateChunks`, `inflateChunks`).
 */
export const COMPRESSION_METADATA_KEY = 'bss-compression';
export const COMPRESSION_METADATA_VALUE = 'zlib';
export const COMPRESSED_CONTENT_ENCODING = 'deflate';

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
