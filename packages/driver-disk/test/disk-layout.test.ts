import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { storageKey } from '@blockstack-storage/core/driver';
import { describe, expect, it } from 'vitest';
import { createDiskDriver, diskEtagOf, diskLocationOf } from '../src/index.js';

describe('disk layout', () => {
  const root = join('/srv', 'bss-root');

  it('places each kind of value in its own directory under the root, the key as its path', () => {
    const hash = 'ab'.repeat(32);
    expect(diskLocationOf(root, `immutable/${hash}`)).toEqual({
      kind: 'immutable',
      directory: join(root, 'immutable'),
      name: hash,
      path: join(root, 'immutable', hash),
    });
    const key = storageKey('mutable', 'Photos/2026 ünïcode.jpg');
    const location = diskLocationOf(root, key);
    expect(location?.kind).toBe('mutable');
    expect(location?.path).toBe(join(root, ...key.split('/')));
  });

  it('names nothing for a key the driver never writes', () => {
    for (const key of [
      '',
      'mutable',
      'mutable/',
      'mutable/a/b',
      'mutable/..',
      'mutable/.hidden',
      'mutable/UPPER',
      'immutable/abc',
      `immutable/${'AB'.repeat(32)}`,
      '.tmp/123-abc',
      '.locks/mutable@abc',
      '../escape',
      'other/abc',
    ]) {
      expect(diskLocationOf(root, key), key).toBeUndefined();
    }
  });

  it('is where the driver writes, and diskEtagOf is the etag the driver returns', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'bss-layout-'));
    try {
      const driver = createDiskDriver({ root: dir, unsafeNoFsync: true });
      const put = await driver.putMutable('a/b', new TextEncoder().encode('hello'));
      const location = diskLocationOf(dir, storageKey('mutable', 'a/b'))!;
      const info = await stat(location.path, { bigint: true });
      expect(info.size).toBe(5n);
      expect(put.etag).toBe(diskEtagOf(info));
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
