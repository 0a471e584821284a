import { createHash } from 'node:crypto';

/** Dropbox hashes content in 4 MiB blocks (its documented `content_hash`). */
const BLOCK_BYTES = 4 * 1024 * 1024;

/**
 * Dropbox's `content_hash`: SHA-256 over the concatenated SHA-256 digests of each 4 MiB block.
 * The local server checks it on uploads that carry one, as Dropbox does.
 */
export function dropboxContentHash(data: Uint8Array): string {
  const outer = createHash('sha256');
  for (let offset = 0; offset < data.byteLength; offset += BLOCK_BYTES) {
    outer.update(
      createHash('sha256')
        .update(data.subarray(offset, offset + BLOCK_BYTES))
        .digest(),
    );
  }
  return outer.digest('hex');
}
