import {
  type Body,
  createKeyValueDriver,
  type DriverCapabilities,
  type KeyValueBackend,
  type PutOptions,
  readBody,
  type StorageDriver,
  type StoredObject,
} from '@blockstack-storage/core';
import { describe, expect, it } from 'vitest';
import { type ConformanceCase, conformanceCases } from '../src/index.js';

/** A minimal in-memory backend whose behaviour each test breaks in one way. */
class MapBackend implements KeyValueBackend {
  readonly name = 'map';
  capabilities: DriverCapabilities = {
    mutable: true,
    immutable: true,
    visibility: 'local',
    publicUrls: false,
    list: false,
    conditionalWrites: false,
    readYourWrites: 'provider',
  };
  readonly values = new Map<string, Uint8Array>();
  /** Maps a key to where it is stored; the namespace-mixing driver overrides this. */
  where = (key: string) => key;
  /** Whether to store a put; the write-losing driver overrides this. */
  keep = (_key: string) => true;

  async put(key: string, body: Body, options: PutOptions) {
    const bytes = await readBody(body);
    if (options.signal?.aborted) throw new Error('aborted');
    if (this.keep(key)) this.values.set(this.where(key), bytes);
    return {};
  }
  async get(key: string): Promise<StoredObject | null> {
    const bytes = this.values.get(this.where(key));
    return bytes
      ? {
          body: (async function* () {
            yield bytes;
          })(),
        }
      : null;
  }
  async delete(key: string) {
    this.values.delete(this.where(key));
  }
}

async function failures(driver: StorageDriver): Promise<Map<string, string>> {
  const failed = new Map<string, string>();
  const cases: ConformanceCase[] = conformanceCases({ largeValueBytes: 2 * 1024 * 1024 });
  for (const testCase of cases) {
    try {
      await testCase.run(driver);
    } catch (error) {
      failed.set(`${testCase.group}: ${testCase.name}`, (error as Error).message);
    }
  }
  return failed;
}

describe('the conformance suite', () => {
  it('passes a correct driver', async () => {
    expect([...(await failures(createKeyValueDriver(new MapBackend())))]).toEqual([]);
  });

  it('fails a driver that loses writes', async () => {
    const backend = new MapBackend();
    let puts = 0;
    backend.keep = () => ++puts % 3 !== 0; // acknowledges every put, drops every third
    const failed = await failures(createKeyValueDriver(backend));
    expect(failed.has('mutable semantics: read-your-writes after every put')).toBe(true);
  });

  it('fails a driver that mixes the mutable and immutable namespaces', async () => {
    const backend = new MapBackend();
    backend.where = (key) => key.replace(/^(mutable|immutable)\//, '');
    const failed = await failures(createKeyValueDriver(backend));
    expect(failed.has('namespaces: mutable and immutable data are kept apart')).toBe(true);
  });

  it('fails a driver that declares listing it does not have', async () => {
    const backend = new MapBackend();
    backend.capabilities = { ...backend.capabilities, list: true };
    const driver = createKeyValueDriver(backend);
    const failed = await failures({ ...driver, listMutable: undefined, listImmutable: undefined });
    expect(failed.has('capabilities: listing matches the declaration')).toBe(true);
  });

  it('fails a driver that claims conditional writes but ignores them', async () => {
    const backend = new MapBackend();
    backend.capabilities = { ...backend.capabilities, conditionalWrites: true };
    const failed = await failures(createKeyValueDriver(backend));
    expect(failed.get('capabilities: conditional writes match the declaration')).toMatch(
      /etag|Conflict|succeeded/,
    );
  });

  it('fails a driver that returns a torn value for concurrent writers', async () => {
    const backend = new MapBackend();
    const original = backend.put.bind(backend);
    backend.put = async (key, body, options) => {
      const result = await original(key, body, options);
      const stored = backend.values.get(key);
      if (stored && stored.byteLength > 1000) stored[500] = 0xff; // corrupt one byte in the middle
      return result;
    };
    const failed = await failures(createKeyValueDriver(backend));
    expect(
      failed.has('mutable semantics: concurrent puts to one key end with one whole value, never a mix'),
    ).toBe(true);
    expect(failed.has('mutable round trip: 1 MiB')).toBe(true);
  });

  it('fails a driver that throws untyped errors for bad keys', async () => {
    const driver = createKeyValueDriver(new MapBackend());
    const untyped: StorageDriver = {
      ...driver,
      getMutable: async (id, options) => {
        if (id === '') throw new Error('bad id');
        return driver.getMutable(id, options);
      },
    };
    const failed = await failures(untyped);
    expect(
      failed.get('mutable semantics: invalid keys are refused with InvalidKeyError naming the driver'),
    ).toMatch(/typed StorageError/);
  });
});
