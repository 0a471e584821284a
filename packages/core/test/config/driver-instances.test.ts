import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  DriverLoader,
  type DriverModule,
  ErrorCode,
  isStorageError,
  openStorage,
  parseClientConfig,
  readBody,
  type StorageDriver,
  UnavailableError,
  withInstanceName,
} from '../../src/index.js';
import { newLedger, str, tempDir, text } from '../support/client-fixture.js';
import { createMemoryDriver } from '../support/memory-driver.js';
import { createTempDirDriver } from '../support/temp-dir-driver.js';

/** A driver module of temp-dir drivers (like the disk driver: `root`, `public_url`), that names itself `tempdir`. */
const tempDirModule: DriverModule = {
  name: 'tempdir',
  configKeys: ['root', 'public_url'],
  create: (section) => {
    if (!section.root) throw new UnavailableError('[tempdir] root is required', { driver: 'tempdir' });
    return createTempDirDriver({ name: 'tempdir', root: section.root, publicUrl: section.public_url });
  },
};

const failure = (promise: Promise<unknown>) =>
  promise.then(
    () => {
      throw new Error('expected a failure');
    },
    (e: unknown) => e as Error & { driver?: string; hint?: string },
  );

describe('a section that names its driver', () => {
  it('parses [name] driver = x into instanceDrivers, hands the section without the driver key', () => {
    const config = parseClientConfig(
      `[blockstack-client]
storage_drivers = disk, disk-b, s3-eu
storage_drivers_required_write = disk-b, s3-eu
[disk]
root = /a
[disk-b]
driver = disk
root = /b
[s3-eu]
driver = s3
bucket = eu
`,
      { env: { BLOCKSTACK_S3_EU_REGION: 'eu-west-1' } },
    );
    expect(config.instanceDrivers).toEqual({ disk: 'disk', 'disk-b': 'disk', 's3-eu': 's3' });
    expect(config.driverSections['disk-b']).toEqual({ root: '/b' });
    expect(config.driverSections['s3-eu']).toEqual({ bucket: 'eu', region: 'eu-west-1' });
  });

  it('refuses a driver key that is not a driver name', () => {
    const error = (() => {
      try {
        parseClientConfig(
          '[blockstack-client]\nstorage_drivers = a\nstorage_drivers_required_write = a\n[a]\ndriver = ../x\n',
          { path: '/etc/c.ini', env: {} },
        );
      } catch (e) {
        return e as Error;
      }
      throw new Error('expected a ConfigurationError');
    })();
    expect(isStorageError(error, ErrorCode.Configuration)).toBe(true);
    expect(error.message).toContain('/etc/c.ini [a]: driver = "../x" is not a driver name');
  });

  it('builds two instances of one module, each named after its section', async () => {
    const loader = new DriverLoader().register(tempDirModule);
    const [a, b] = [await tempDir(), await tempDir()];
    const one = await loader.create('tempdir', { root: a }, { instance: 'tmp-a' });
    const two = await loader.create('tempdir', { root: b }, { instance: 'tmp-b' });
    expect([one.name, two.name]).toEqual(['tmp-a', 'tmp-b']);
    await one.putMutable('k', text('one'));
    await two.putMutable('k', text('two'));
    expect(str(await readBody((await one.getMutable('k'))!.body, 100))).toBe('one');
    expect(str(await readBody((await two.getMutable('k'))!.body, 100))).toBe('two');
    // Named after the driver: the very driver the module built, as before.
    const plain = await loader.create('tempdir', { root: a });
    expect(plain.name).toBe('tempdir');
  });

  it('labels errors of an instance with its name: factory, calls, streamed bodies and listings', async () => {
    const loader = new DriverLoader().register(tempDirModule);
    const factory = await failure(loader.create('tempdir', {}, { instance: 'tmp-a' }));
    expect(factory.driver).toBe('tmp-a');
    expect(factory.message).toBe('[blockstack-storage] [tmp-a] [tmp-a] root is required.');

    // A driver whose every path fails, named `inner`, wrapped as `outer`.
    const broken: StorageDriver = {
      ...createMemoryDriver({ name: 'inner' }),
      name: 'inner',
      getMutable: async () => ({
        body: (async function* () {
          yield text('x');
          throw new UnavailableError('[inner] connection reset', { driver: 'inner', key: 'k' });
        })(),
      }),
      putMutable: async () => {
        throw new Error('socket hang up');
      },
      async *listMutable() {
        yield 'a';
        throw new UnavailableError('list failed', {});
      },
      deleteMutable: async () => {
        throw new UnavailableError('other driver down', { driver: 'elsewhere' });
      },
    };
    const outer = withInstanceName(broken, 'outer');
    const put = await failure(outer.putMutable('k', text('v')));
    expect(isStorageError(put, ErrorCode.Unavailable)).toBe(true);
    expect(put.driver).toBe('outer');
    const got = await outer.getMutable('k');
    const body = await failure(readBody(got!.body, 100));
    expect(body.driver).toBe('outer');
    expect(body.message).toBe('[blockstack-storage] [outer] [outer] connection reset (key "k").');
    const listed: string[] = [];
    const list = await failure(
      (async () => {
        for await (const id of outer.listMutable!()) listed.push(id);
      })(),
    );
    expect(listed).toEqual(['a']);
    expect(list.driver).toBe('outer');
    expect(list.message).toBe('[blockstack-storage] [outer] list failed.');
    // An error about another driver (e.g. an inner driver of a meta driver) keeps its name.
    expect((await failure(outer.deleteMutable('k'))).driver).toBe('elsewhere');
  });

  it('names the section when its driver is unknown', async () => {
    const loader = new DriverLoader({
      importer: async () => {
        throw Object.assign(new Error('not found'), { code: 'ERR_MODULE_NOT_FOUND' });
      },
    });
    const error = await failure(loader.create('nope', {}, { instance: 'backup' }));
    expect(error.message).toContain('Unknown storage driver "nope" (named by "driver = nope" in [backup])');
    expect(error.driver).toBe('nope');
  });

  it('refuses a ready driver (not a module) used under another name', async () => {
    const loader = new DriverLoader().register(createMemoryDriver({ name: 'mem' }));
    const error = await failure(loader.create('mem', {}, { instance: 'mem-2' }));
    expect(isStorageError(error, ErrorCode.Configuration)).toBe(true);
    expect(error.message).toContain('registered as a ready driver, not a driver module');
  });
});

describe('openStorage with two instances of one driver', () => {
  async function setUp() {
    const [a, b, metadata, dir] = [await tempDir(), await tempDir(), await tempDir(), await tempDir()];
    const configPath = join(dir, 'client.ini');
    await writeFile(
      configPath,
      `[blockstack-client]
storage_drivers = tmp-a, tmp-b
storage_drivers_required_write = tmp-a
storage_retries = 0
metadata = ${metadata}

[tmp-a]
driver = tempdir
root = ${a}
public_url = http://a.example/

[tmp-b]
driver = tempdir
root = ${b}
public_url = http://b.example/
`,
    );
    return { a, b, configPath, ledger: await newLedger() };
  }

  it('writes a copy to each root, names outcomes by section, and reads with one instance down', async () => {
    const { a, b, configPath, ledger } = await setUp();
    const open = () =>
      openStorage({
        name: 'alice.id',
        config: configPath,
        drivers: [tempDirModule],
        registry: ledger,
        onWarning: () => {},
      });
    const storage = await open();
    const put = await storage.putMutable('notes', text('hello'));
    expect(put.outcomes.map((o) => [o.driver, o.status])).toEqual([
      ['tmp-a', 'ok'],
      ['tmp-b', 'ok'],
    ]);
    const immutable = await storage.putImmutable('blob', text('immutable bytes'));
    expect(immutable.outcomes.map((o) => o.driver)).toEqual(['tmp-a', 'tmp-b']);
    // Each root holds its own copy.
    const copyOf = (root: string) => createTempDirDriver({ root }).getMutable('notes');
    expect(await copyOf(a)).not.toBeNull();
    expect(await copyOf(b)).not.toBeNull();
    // Both instances publish their own URL prefix: neither overwrites the other.
    expect([...put.urls].sort()).toEqual([
      'http://a.example/mutable/notes',
      'http://b.example/mutable/notes',
    ]);
    await storage.close();

    // tmp-a goes down (its root becomes a file): reads come from tmp-b, and say which failed.
    await rm(a, { recursive: true, force: true });
    await writeFile(a, 'not a directory');
    const again = await open();
    const got = await again.getMutable('notes');
    expect(str(got!.data)).toBe('hello');
    expect(got!.copies.find((c) => c.source === 'tmp-b')?.status).toBe('valid');
    expect(str((await again.getImmutable('blob'))!.data)).toBe('immutable bytes');
    // A required-write instance that is down fails the put, and the error names the section.
    const refused = await failure(again.putMutable('notes', text('v2')));
    expect(isStorageError(refused, ErrorCode.Replication)).toBe(true);
    expect(refused.message).toContain('tmp-a');
    expect(refused.message).not.toMatch(/\[tempdir\]/);
    await again.close();
    await rm(a, { force: true });
    await mkdir(a);
    await ledger.close();
  });
});
