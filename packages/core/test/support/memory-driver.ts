import {
  bodyChunks,
  concatBytes,
  createKeyValueDriver,
  type DriverCapabilities,
  type StorageDriver,
} from '../../src/driver-kit.js';

export interface MemoryDriverOptions {
  name?: string;
  visibility?: 'local' | 'public';
  /** Base URL the values would be served at (makes `publicUrls` true). */
  publicUrl?: string;
}

/** An in-memory driver for tests: a `Map` behind `createKeyValueDriver`. `store` is exposed for tampering. */
export function createMemoryDriver(options: MemoryDriverOptions = {}): StorageDriver & {
  store: Map<string, Uint8Array>;
} {
  const store = new Map<string, Uint8Array>();
  const publicUrl = options.publicUrl?.replace(/\/+$/, '');
  const capabilities: DriverCapabilities = {
    mutable: true,
    immutable: true,
    visibility: options.visibility ?? (publicUrl ? 'public' : 'local'),
    publicUrls: publicUrl !== undefined,
    list: true,
    conditionalWrites: false,
    readYourWrites: 'provider',
  };
  const driver = createKeyValueDriver({
    name: options.name ?? 'memory',
    capabilities,
    async put(key, body) {
      const chunks: Uint8Array[] = [];
      for await (const chunk of bodyChunks(body)) chunks.push(chunk.slice());
      store.set(key, concatBytes(chunks));
      return publicUrl ? { url: `${publicUrl}/${key}` } : {};
    },
    async get(key) {
      const value = store.get(key);
      return value === undefined ? null : { body: bodyChunks(value.slice()), size: value.byteLength };
    },
    async delete(key) {
      store.delete(key);
    },
    async *list(prefix) {
      for (const key of store.keys()) if (key.startsWith(prefix)) yield key;
    },
    ...(publicUrl ? { url: (key: string) => `${publicUrl}/${key}` } : {}),
  });
  return Object.assign(driver, { store });
}
