import {
  type Body,
  createKeyValueDriver,
  type DriverCapabilities,
  type KeyValueBackend,
  type PutOptions,
  readBody,
  type StorageDriver,
  type StoredObject,
  UnsupportedError,
} from '@blockstack-storage/core/driver';
import { describe, expect, it, vi } from 'vitest';
import { type ConformanceCase, conformanceCases, runConformanceSuite, type TestApi } from '../src/index.js';

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

/** Runs every case: the failures by name, and the skipped ones by name with their reason. */
async function outcomes(driver: StorageDriver) {
  const failed = new Map<string, string>();
  const skipped = new Map<string, string>();
  for (const testCase of conformanceCases({ largeValueBytes: 2 * 1024 * 1024 })) {
    const name = `${testCase.group}: ${testCase.name}`;
    try {
      const outcome = await testCase.run(driver);
      if (outcome) skipped.set(name, outcome.skipped);
    } catch (error) {
      failed.set(name, (error as Error).message);
    }
  }
  return { failed, skipped };
}

/** A driver that serves only the mutable path and refuses the immutable one, as declared. */
function mutableOnly(driver: StorageDriver): StorageDriver {
  const refuse = async (): Promise<never> => {
    throw new UnsupportedError('no immutable path', { driver: driver.name });
  };
  return {
    ...driver,
    capabilities: { ...driver.capabilities, immutable: false },
    putImmutable: refuse,
    getImmutable: refuse,
    deleteImmutable: refuse,
  };
}

describe('cases that do not apply', () => {
  it('are skipped with a reason, not passed, when the driver really lacks the capability', async () => {
    const { failed, skipped } = await outcomes(mutableOnly(createKeyValueDriver(new MapBackend())));
    expect([...failed]).toEqual([]);
    const immutableCases = conformanceCases({ largeValueBytes: 2 * 1024 * 1024 }).filter(
      (c) => c.requires === 'immutable',
    );
    expect(immutableCases.length).toBeGreaterThan(10);
    for (const c of immutableCases) {
      expect(skipped.get(`${c.group}: ${c.name}`)).toMatch(/capabilities\.immutable is false/);
    }
    expect(skipped.get('namespaces: mutable and immutable data are kept apart')).toMatch(/immutable/);
    // The map backend declares neither conditional writes nor a size limit.
    expect(skipped.get('capabilities: get gives the etag a conditional put can replace')).toMatch(
      /conditionalWrites/,
    );
    expect(skipped.get('capabilities: the size limit matches the declaration')).toMatch(/maxObjectBytes/);
    // Cases that apply are not skipped.
    expect(skipped.has('mutable round trip: 1 MiB')).toBe(false);
  });

  it('fail when the driver declares a path absent but serves it', async () => {
    const driver = createKeyValueDriver(new MapBackend());
    const { failed, skipped } = await outcomes({
      ...driver,
      capabilities: { ...driver.capabilities, immutable: false },
    });
    expect(failed.get('immutable semantics: read-your-writes after every put')).toMatch(/UNSUPPORTED/);
    expect(failed.has('namespaces: mutable and immutable data are kept apart')).toBe(true);
    expect([...skipped.keys()].some((name) => name.startsWith('immutable'))).toBe(false);
  });

  it('fail when the driver declares no conditional writes but ignores the condition', async () => {
    const driver = createKeyValueDriver(new MapBackend());
    const { failed } = await outcomes({
      ...driver,
      putMutable: (id, body, options) =>
        driver.putMutable(id, body, { ...options, ifMatch: undefined, ifNoneMatch: undefined }),
    });
    for (const name of [
      'capabilities: conditional writes match the declaration',
      'capabilities: get gives the etag a conditional put can replace',
      'capabilities: of writers racing to replace one etag, exactly one wins',
    ]) {
      expect(failed.get(name)).toMatch(/UNSUPPORTED/);
    }
  });
});

describe('runConformanceSuite', () => {
  /** A runner that records what is registered and runs each test with the given context. */
  function recordingRunner(extra: Partial<TestApi> = {}) {
    const tests: Array<{ name: string; body: (...context: unknown[]) => Promise<void> }> = [];
    const excluded: string[] = [];
    const hooks: Array<() => Promise<void> | void> = [];
    const it = Object.assign(
      (name: string, body: (...context: unknown[]) => Promise<void>) => {
        tests.push({ name, body });
      },
      { skip: (name: string) => excluded.push(name) },
    );
    const api: TestApi = {
      describe: (_name, body) => body(),
      it,
      beforeAll: (body) => {
        hooks.push(body);
      },
      afterAll: () => {},
      ...extra,
    };
    return { api, tests, excluded, hooks };
  }

  it("marks a case that does not apply skipped through the runner's context, with the reason", async () => {
    const { api, tests, excluded, hooks } = recordingRunner();
    runConformanceSuite(api, {
      create: () => mutableOnly(createKeyValueDriver(new MapBackend())),
      largeValueBytes: 1024 * 1024,
      exclude: { 'mutable semantics: overwrite replaces the value': 'the test server cannot' },
    });
    for (const hook of hooks) await hook();
    expect(excluded).toEqual([
      'mutable semantics: overwrite replaces the value (excluded: the test server cannot)',
    ]);
    expect(tests.some((t) => t.name === 'mutable semantics: overwrite replaces the value')).toBe(false);

    const skips = new Map<string, string>();
    for (const test of tests) {
      await test.body({ skip: (reason: string) => skips.set(test.name, reason) });
    }
    expect(skips.get('immutable round trip: empty')).toMatch(/capabilities\.immutable is false/);
    expect(skips.has('mutable round trip: empty')).toBe(false);
    expect(skips.has('contract: has a name and well-formed capabilities')).toBe(false);
  });

  it('uses the api.skip it is given, and without any skip still runs the case (jest)', async () => {
    const apiSkip = vi.fn();
    const withSkip = recordingRunner({ skip: apiSkip });
    runConformanceSuite(withSkip.api, { create: () => mutableOnly(createKeyValueDriver(new MapBackend())) });
    for (const hook of withSkip.hooks) await hook();
    const test = withSkip.tests.find(
      (t) => t.name === 'immutable semantics: delete of a missing key resolves',
    )!;
    await test.body('runner context');
    expect(apiSkip).toHaveBeenCalledWith(expect.stringMatching(/immutable/), 'runner context');

    const bare = recordingRunner();
    runConformanceSuite(bare.api, { create: () => mutableOnly(createKeyValueDriver(new MapBackend())) });
    for (const hook of bare.hooks) await hook();
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    try {
      await bare.tests
        .find((t) => t.name === 'immutable semantics: delete of a missing key resolves')!
        .body();
      expect(warn).toHaveBeenCalledWith(expect.stringMatching(/does not apply/));
    } finally {
      warn.mockRestore();
    }
    // The bodies take no declared parameter, so jest does not treat them as callback-style tests.
    expect(bare.tests.every((t) => t.body.length === 0)).toBe(true);
  });
});
