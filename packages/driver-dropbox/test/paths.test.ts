import { ConfigurationError } from '@blockstack-storage/core/driver';
import { afterEach, describe, expect, it } from 'vitest';
import { keyToPath, normalizeRoot } from '../src/dropbox-paths.js';
import type { LocalDropboxServer } from '../src/testing/index.js';
import { localDriver, readText, text } from './support/local-driver.js';

let server: LocalDropboxServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

describe('paths on a case-insensitive Dropbox', () => {
  it('ids differing only in case or Unicode form are different files on the (case-insensitive) server', async () => {
    const local = await localDriver();
    server = local.server;
    const ids = ['Profile', 'profile', 'PROFILE', '\u00fc', 'u\u0308'];
    for (const id of ids) await local.driver.putMutable(id, text(`value of ${id}`));
    for (const id of ids) expect(await readText(await local.driver.getMutable(id))).toBe(`value of ${id}`);
    expect(server.store.fileCount).toBe(ids.length);
    for (const path of server.store.paths()) expect(path).toBe(path.toLowerCase());
    await local.driver.deleteMutable('profile');
    expect(await readText(await local.driver.getMutable('Profile'))).toBe('value of Profile');
  });

  it('ids whose encoding is a name Dropbox refuses are stored under an escaped name and listed back', async () => {
    const local = await localDriver();
    server = local.server;
    for (const id of ['desktop.ini', 'thumbs.db']) {
      await local.driver.putMutable(id, text(id));
      expect(await readText(await local.driver.getMutable(id))).toBe(id);
    }
    expect(server.store.paths()).toEqual([
      '/blockstack/mutable/~64esktop.ini',
      '/blockstack/mutable/~74humbs.db',
    ]);
    const listed: string[] = [];
    for await (const id of local.driver.listMutable!()) listed.push(id);
    expect(listed.sort()).toEqual(['desktop.ini', 'thumbs.db']);
  });

  it('delete of a missing value resolves, also when the root folder does not exist yet', async () => {
    const local = await localDriver({ root: '/never-created' });
    server = local.server;
    await local.driver.deleteMutable('absent');
    await local.driver.deleteImmutable('c'.repeat(64));
    expect(await local.driver.getMutable('absent')).toBeNull();
    const listed: string[] = [];
    for await (const id of local.driver.listMutable!()) listed.push(id);
    expect(listed).toEqual([]);
  });

  it('lists across pages of list_folder', async () => {
    const local = await localDriver({ root: '/Paged' });
    server = local.server;
    const ids = Array.from({ length: 60 }, (_, i) => `item-${i}`);
    for (const id of ids) await local.driver.putMutable(id, text(id));
    const listed: string[] = [];
    for await (const id of local.driver.listMutable!()) listed.push(id);
    expect(listed.sort()).toEqual([...ids].sort());
    expect(server.stats.calls['files/list_folder/continue']).toBeGreaterThanOrEqual(2);
  });

  it('maps keys under the root and validates the root', () => {
    expect(keyToPath('/blockstack', 'mutable/abc')).toBe('/blockstack/mutable/abc');
    expect(keyToPath('', `immutable/${'d'.repeat(64)}`)).toBe(`/immutable/${'d'.repeat(64)}`);
    expect(normalizeRoot(undefined, 'dropbox')).toBe('/blockstack');
    expect(normalizeRoot('/', 'dropbox')).toBe('');
    expect(normalizeRoot('/Apps/My App/', 'dropbox')).toBe('/Apps/My App');
    for (const bad of ['relative', '/a//b', '/a:b']) {
      expect(() => normalizeRoot(bad, 'dropbox')).toThrow(ConfigurationError);
    }
  });
});
