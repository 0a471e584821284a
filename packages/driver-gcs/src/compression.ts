/**
 * The `Content-Encoding` compressed values are stored with. HTTP's `deflate` is exactly zlib's format
 * (RFC 9110), which is what the 2017 driver wrote; GCS serves it back unchanged (it only transcodes
 * gzip), and a plain HTTP client reading the public URL inflates it by itself.
 */
export const COMPRESSED_ENCODING = 'deflate';
/** Custom metadata also marking compressed objects, the same pair the S3 driver writes. */
export const COMPRESSION_METADATA_KEY = 'bss-compression';
export const COMPRESSION_METADATA_VALUE = 'zlib';

/** True when a download's response headers say the object was stored compressed. */
export function isCompressedResponse(headers: Record<string, unknown>): boolean {
  return (
    String(headers['content-encoding'] ?? '').toLowerCase() === COMPRESSED_ENCODING ||
    headers[`x-goog-meta-${COMPRESSION_METADATA_KEY}`] === COMPRESSION_METADATA_VALUE
  );
}
