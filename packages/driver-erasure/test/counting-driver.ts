import type { StorageDriver, StoredObject } from '@blockstack-storage/core/driver';

/**
 * A provider wrapped to count the gets it answers and the body bytes its readers pull. Bodies come in
 * 4 KiB chunks (as a network or disk stream would), so a reader that stops early pulls little.
 */
const CHUNK_BYTES = 4096;

export interface CountingDriver extends StorageDriver {
  readonly counts: { gets: number; bytes: number };
  reset(): void;
}

export function counting(inner: StorageDriver): CountingDriver {
  const counts = { gets: 0, bytes: 0 };
  async function* measured(body: AsyncIterable<Uint8Array>): AsyncIterable<Uint8Array> {
    for await (const chunk of body) {
      for (let at = 0; at < chunk.byteLength; at += CHUNK_BYTES) {
        const piece = chunk.subarray(at, at + CHUNK_BYTES);
        counts.bytes += piece.byteLength;
        yield piece;
      }
    }
  }
  const got = (object: StoredObject | null): StoredObject | null => {
    counts.gets++;
    return object && { ...object, body: measured(object.body) };
  };
  return {
    ...inner,
    name: inner.name,
    capabilities: inner.capabilities,
    counts,
    reset: () => {
      counts.gets = 0;
      counts.bytes = 0;
    },
    putMutable: inner.putMutable.bind(inner),
    putImmutable: inner.putImmutable.bind(inner),
    deleteMutable: inner.deleteMutable.bind(inner),
    deleteImmutable: inner.deleteImmutable.bind(inner),
    getMutable: async (id, options) => got(await inner.getMutable(id, options)),
    getImmutable: async (hash, options) => got(await inner.getImmutable(hash, options)),
  };
}
