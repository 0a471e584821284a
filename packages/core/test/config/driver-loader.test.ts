import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import {
  DriverRegistry,
  ErrorCode,
  isStorageError,
  openConfiguredDrivers,
  resolveClientConfig,
} from '../../src/index.js';
import { createMemoryDriver } from '../support/memory-driver.js';

// Packages as files in a temp dir: `@blockstack-storage/driver-x` → `<dir>/driver-x.mjs`, imported for real.
async function packageDir(files: Record<string, string>) {
  const dir = await mkdtemp(join(tmpdir(), 'bss-registry-'));
  for (const [name, text] of Object.entries(files)) await writeFile(join(dir, `${name}.mjs`), text);
  return (specifier: string) =>
    import(pathToFileURL(join(dir, `${specifier.replace('@blockstack-storage/', '')}.mjs`)).href);
}

const MODULE = `export default { name: 'echo', create(section) {
  return { name: 'echo', section, capabilities: { mutable: true, immutable: true, visibility: 'public',
    publicUrls: false, list: false, conditionalWrites: false, readYourWrites: 'provider' } };
} };`;

describe('DriverRegistry', () => {
  it('loads @blockstack-storage/driver-<name> by name and hands it its section', async () => {
    const registry = new DriverRegistry({ importer: await packageDir({ 'driver-echo': MODULE }) });
    const driver = (await registry.create('echo', { bucket: 'b' })) as unknown as { section: unknown };
    expect(driver.section).toEqual({ bucket: 'b' });
  });

  it('fails on an unknown name listing the registered drivers', async () => {
    const registry = new DriverRegistry({ importer: await packageDir({}) });
    registry.register(createMemoryDriver({ name: 'mem' }));
    const error = await registry.create('nope', {}).catch((e: unknown) => e as Error);
    expect(isStorageError(error, ErrorCode.Configuration)).toBe(true);
    expect((error as Error).message).toContain('Unknown storage driver "nope"');
    expect((error as Error).message).toContain('Registered: [mem]');
  });

  it('refuses a package whose default export is not a driver module of that name', async () => {
    const importer = await packageDir({ 'driver-bad': 'export default { name: "other", create() {} };' });
    const error = await new DriverRegistry({ importer }).create('bad', {}).catch((e: unknown) => e as Error);
    expect((error as Error).message).toContain('does not export a driver module named "bad"');
  });

  it('prefers a registered driver over a package', async () => {
    const mem = createMemoryDriver({ name: 'echo' });
    const registry = new DriverRegistry({ importer: await packageDir({ 'driver-echo': MODULE }) }).register(
      mem,
    );
    expect(await registry.create('echo', {})).toBe(mem);
  });
});

describe('openConfiguredDrivers', () => {
  it('counts a driver declaring visibility local as local even when the config forgets it', async () => {
    const registry = new DriverRegistry()
      .register(createMemoryDriver({ name: 'a' }))
      .register(createMemoryDriver({ name: 'b', publicUrl: 'http://b.example' }));
    const onlyLocalRequired = resolveClientConfig({ storageDrivers: ['a', 'b'], requiredWrite: ['a'] });
    const error = await openConfiguredDrivers(onlyLocalRequired, registry).catch((e: unknown) => e as Error);
    expect(isStorageError(error, ErrorCode.Configuration)).toBe(true);
    expect((error as Error).message).toContain('a declares itself local');

    const fine = resolveClientConfig({ storageDrivers: ['a', 'b'], requiredWrite: ['a', 'b'] });
    const opened = await openConfiguredDrivers(fine, registry);
    expect([...opened.local]).toEqual(['a']);
    expect(opened.drivers.map((d) => d.name)).toEqual(['a', 'b']);
    expect(opened.warnings).toEqual([]);
  });

  it('warns when a driver outside the local list cannot give URLs', async () => {
    const registry = new DriverRegistry()
      .register(createMemoryDriver({ name: 'p', publicUrl: 'http://p.example' }))
      .register(createMemoryDriver({ name: 'q', visibility: 'public' }));
    const config = resolveClientConfig({ storageDrivers: ['p', 'q'], requiredWrite: ['p'] });
    const opened = await openConfiguredDrivers(config, registry);
    expect(opened.warnings).toHaveLength(1);
    expect(opened.warnings[0]).toContain(
      'driver "q" is not in storage_drivers_local but cannot give public URLs',
    );
  });
});
