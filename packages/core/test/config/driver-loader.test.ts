import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import {
  DriverLoader,
  DriverRegistry,
  ErrorCode,
  isStorageError,
  openConfiguredDrivers,
  resolveClientConfig,
} from '../../src/index.js';
import { createMemoryDriver } from '../support/memory-driver.js';

// Packages as files in a temp dir: `@blockstack-storage/driver-x` → `<dir>/driver-x.mjs`, imported for real.
async function packageDir(files: Record<string, string>) {
  const dir = await mkdtemp(join(tmpdir(), 'bss-driver-loader-'));
  for (const [name, text] of Object.entries(files)) await writeFile(join(dir, `${name}.mjs`), text);
  return (specifier: string) =>
    import(pathToFileURL(join(dir, `${specifier.replace('@blockstack-storage/', '')}.mjs`)).href);
}

const MODULE = `export default { name: 'echo', create(section) {
  return { name: 'echo', section, capabilities: { mutable: true, immutable: true, visibility: 'public',
    publicUrls: false, list: false, conditionalWrites: false, readYourWrites: 'provider' } };
} };`;

describe('DriverLoader', () => {
  it('loads @blockstack-storage/driver-<name> by name and hands it its section', async () => {
    const loader = new DriverLoader({ importer: await packageDir({ 'driver-echo': MODULE }) });
    const driver = (await loader.create('echo', { bucket: 'b' })) as unknown as { section: unknown };
    expect(driver.section).toEqual({ bucket: 'b' });
  });

  it('fails on an unknown name listing the registered drivers', async () => {
    const loader = new DriverLoader({ importer: await packageDir({}) });
    loader.register(createMemoryDriver({ name: 'mem' }));
    const error = await loader.create('nope', {}).catch((e: unknown) => e as Error);
    expect(isStorageError(error, ErrorCode.Configuration)).toBe(true);
    expect((error as Error).message).toContain('Unknown storage driver "nope"');
    expect((error as Error).message).toContain('Registered: [mem]');
  });

  it('refuses a package whose default export is not a driver module of that name', async () => {
    const importer = await packageDir({ 'driver-bad': 'export default { name: "other", create() {} };' });
    const error = await new DriverLoader({ importer }).create('bad', {}).catch((e: unknown) => e as Error);
    expect((error as Error).message).toContain('does not export a driver module named "bad"');
  });

  it('prefers a registered driver over a package', async () => {
    const mem = createMemoryDriver({ name: 'echo' });
    const loader = new DriverLoader({ importer: await packageDir({ 'driver-echo': MODULE }) }).register(mem);
    expect(await loader.create('echo', {})).toBe(mem);
  });

  it('loads the module of a name without building a driver, from the registration or the package', async () => {
    const mem = createMemoryDriver({ name: 'mem' });
    const loader = new DriverLoader({ importer: await packageDir({ 'driver-echo': MODULE }) }).register(mem);
    expect(await loader.load('mem')).toBe(mem);
    const echo = await loader.load('echo');
    expect(echo.name).toBe('echo');
    expect(typeof (echo as { create?: unknown }).create).toBe('function');
    const error = await loader.load('nope', 'backup').catch((e: unknown) => e as Error);
    expect(isStorageError(error, ErrorCode.Configuration)).toBe(true);
    expect((error as Error).message).toContain(
      'Unknown storage driver "nope" (named by "driver = nope" in [backup])',
    );
  });

  it('is still reachable by its deprecated name DriverRegistry', async () => {
    expect(DriverRegistry).toBe(DriverLoader);
    const registry: DriverRegistry = new DriverRegistry().register(createMemoryDriver({ name: 'mem' }));
    expect(registry).toBeInstanceOf(DriverLoader);
    expect((await registry.create('mem', {})).name).toBe('mem');
  });
});

describe('openConfiguredDrivers', () => {
  it('counts a driver declaring visibility local as local even when the config forgets it', async () => {
    const loader = new DriverLoader()
      .register(createMemoryDriver({ name: 'a' }))
      .register(createMemoryDriver({ name: 'b', publicUrl: 'http://b.example' }));
    const onlyLocalRequired = resolveClientConfig({ storageDrivers: ['a', 'b'], requiredWrite: ['a'] });
    const error = await openConfiguredDrivers(onlyLocalRequired, loader).catch((e: unknown) => e as Error);
    expect(isStorageError(error, ErrorCode.Configuration)).toBe(true);
    expect((error as Error).message).toContain('a declares itself local');

    const fine = resolveClientConfig({ storageDrivers: ['a', 'b'], requiredWrite: ['a', 'b'] });
    const opened = await openConfiguredDrivers(fine, loader);
    expect([...opened.local]).toEqual(['a']);
    expect(opened.drivers.map((d) => d.name)).toEqual(['a', 'b']);
    expect(opened.warnings).toEqual([]);
  });

  it('warns when a driver outside the local list cannot give URLs', async () => {
    const loader = new DriverLoader()
      .register(createMemoryDriver({ name: 'p', publicUrl: 'http://p.example' }))
      .register(createMemoryDriver({ name: 'q', visibility: 'public' }));
    const config = resolveClientConfig({ storageDrivers: ['p', 'q'], requiredWrite: ['p'] });
    const opened = await openConfiguredDrivers(config, loader);
    expect(opened.warnings).toHaveLength(1);
    expect(opened.warnings[0]).toContain(
      'driver "q" is not in storage_drivers_local but cannot give public URLs',
    );
  });
});
