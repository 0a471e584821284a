import { createHash } from 'node:crypto';
import {
  bodyChunks,
  ConflictError,
  concatBytes,
  createKeyValueDriver,
  type StorageDriver,
} from '../../src/driver-kit.js';

/**
 * An in-memory driver with conditional writes (`ifMatch` / `ifNoneMatch: '*'`, etag = SHA-256 of the
 * bytes), like the disk, S3 and GCS drivers: for tests of racing writers. `store` is exposed.
 */
export function createConditionalMemoryDriver(name: string): StorageDriver & {
  store: Map<string, Uint8Array>;
} {
  const store = new Map<string, Uint8Array>();
  const etagOf = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');
  const driver = createKeyValueDriver({
    name,
    capabilities: {
      mutable: true,
      immutable: true,
      visibility: 'public',
      publicUrls: false,
      list: true,
      conditionalWrites: true,
      readYourWrites: 'provider',
    },
    async put(key, body, options) {
      const chunks: Uint8Array[] = [];
      for await (const chunk of bodyChunks(body)) chunks.push(chunk.slice());
      const bytes = concatBytes(chunks);
      const current = store.get(key);
      const mismatch =
        (options.ifNoneMatch === '*' && current !== undefined) ||
        (options.ifMatch !== undefined && (current === undefined || etagOf(current) !== options.ifMatch));
      if (mismatch) throw new ConflictError('The stored value changed', { driver: name, key });
      store.set(key, bytes);
      return { etag: etagOf(bytes) };
    },
    async get(key) {
      const value = store.get(key);
      return value === undefined
        ? null
        : { body: bodyChunks(value.slice()), size: value.byteLength, etag: etagOf(value) };
    },
    async delete(key) {
      store.delete(key);
    },
    async *list(prefix) {
      for (const key of store.keys()) if (key.startsWith(prefix)) yield key;
    },
  });
  return Object.assign(driver, { store });
}
