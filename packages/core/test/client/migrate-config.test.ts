import { readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ErrorCode, editStorageDrivers, isStorageError, withStorageDrivers } from '../../src/index.js';
import { tempDir } from '../support/client-fixture.js';

// The config rewrite of `migrate`: only the list lines of [blockstack-client] change.
const CONFIG = [
  '# my storage',
  '[blockstack-client]',
  'storage_drivers = disk, s3 ; old s3',
  'storage_drivers_required_write: disk',
  'storage_drivers_local =',
  'metadata = ~/.blockstack/metadata',
  '',
  '[disk]',
  'root = ~/data',
  '',
  '; kept aside until migrated to',
  '[gcs]',
  'storage_drivers = not, this, one',
  '',
].join('\r\n');

describe('the config rewrite of migrate', () => {
  it('adds and removes a driver, keeping comments, other keys, other sections and line endings', () => {
    const added = withStorageDrivers(CONFIG.replace(' ; old s3', ''), { add: 'gcs' });
    expect(added).toBe(CONFIG.replace(' ; old s3', '').replace('disk, s3\r\n', 'disk, s3, gcs\r\n'));
    expect(withStorageDrivers(added, { add: 'gcs' })).toBe(added); // a second time changes nothing
    const removed = withStorageDrivers(added, { remove: 'disk' });
    expect(removed.split('\r\n').slice(0, 5)).toEqual([
      '# my storage',
      '[blockstack-client]',
      'storage_drivers = s3, gcs',
      'storage_drivers_required_write: ',
      'storage_drivers_local =',
    ]);
    expect(removed).toContain('[gcs]\r\nstorage_drivers = not, this, one\r\n');
  });

  it('writes the file atomically with its mode, and refuses a change that breaks the config', async () => {
    const dir = await tempDir('bss-config-edit-');
    const path = join(dir, 'client.ini');
    const text = [
      '[blockstack-client]',
      'storage_drivers = disk',
      'storage_drivers_required_write = disk',
      '',
      '[disk]',
      'root = /data',
      '',
      '[s3]',
      'bucket = b',
      '',
    ].join('\n');
    await writeFile(path, text, { mode: 0o600 });
    expect(await editStorageDrivers(path, { add: 's3' }, {})).toBe(true);
    expect(await readFile(path, 'utf8')).toBe(
      text.replace('storage_drivers = disk\n', 'storage_drivers = disk, s3\n'),
    );
    expect((await stat(path)).mode & 0o777).toBe(0o600);
    expect(await editStorageDrivers(path, { add: 's3' }, {})).toBe(false);

    const before = await readFile(path, 'utf8');
    // disk is the only required-write driver: removing it leaves mutable puts with none.
    const error = await editStorageDrivers(path, { remove: 'disk' }, {}).catch((e: unknown) => e);
    expect(isStorageError(error, ErrorCode.Configuration)).toBe(true);
    expect(await readFile(path, 'utf8')).toBe(before);
    expect(await readdir(dir)).toEqual(['client.ini']); // no temporary file left behind
  });
});
