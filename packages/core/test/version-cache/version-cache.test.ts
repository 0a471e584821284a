import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { mkdtemp, readdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { VersionCache } from '../../src/index.js';
import { runTs } from '../support/child-process.js';

const WORKER = fileURLToPath(new URL('./version-cache-worker.ts', import.meta.url));
const tempDir = () => mkdtemp(join(tmpdir(), 'bss-versions-'));

describe('VersionCache', () => {
  it('keeps the highest version per (name, data id), never lowering it, across instances', async () => {
    const dir = await tempDir();
    const cache = new VersionCache(dir);
    expect(await cache.get('alice.id', 'profile')).toBe(0);
    expect(await cache.record('alice.id', 'profile', 3)).toBe(3);
    expect(await cache.record('alice.id', 'profile', 2)).toBe(3);
    expect(await cache.record('alice.id', 'profile', 4)).toBe(4);
    expect(await cache.record('alice.id', 'Profile', 1)).toBe(1);
    expect(await cache.record('bob.id', 'profile', 9)).toBe(9);
    const reopened = new VersionCache(dir);
    expect(await reopened.get('alice.id', 'profile')).toBe(4);
    expect(await reopened.get('alice.id', 'Profile')).toBe(1);
    expect(await reopened.get('bob.id', 'profile')).toBe(9);
  });

  it('prunes old markers, keeping the current and previous maximum', async () => {
    const dir = await tempDir();
    const cache = new VersionCache(dir);
    for (let v = 1; v <= 10; v++) await cache.record('alice.id', 'a/b', v);
    const markers = await readdir(join(dir, 'versions', 'alice.id', 'a~2fb'));
    expect(markers.map(Number).sort((x, y) => x - y)).toEqual([9, 10]);
  });

  it('claims a version number no other writer gets, above what is recorded, claimed and asked', async () => {
    const dir = await tempDir();
    const cache = new VersionCache(dir);
    await cache.record('alice.id', 'k', 3);
    // 40 writers at once (two cache instances, as two processes would have): 40 distinct numbers.
    const other = new VersionCache(dir);
    const claimed = await Promise.all(
      Array.from({ length: 40 }, (_, i) => (i % 2 ? cache : other).claim('alice.id', 'k', 1)),
    );
    expect(new Set(claimed).size).toBe(40);
    expect(Math.min(...claimed)).toBe(4);
    expect(await cache.claim('alice.id', 'k', 100)).toBe(100);
    expect(await cache.claim('alice.id', 'k', 1)).toBe(101);
    // A claim is not a version seen or written: reads of the cache ignore it.
    expect(await cache.get('alice.id', 'k')).toBe(3);
    // Recording prunes the claims below what it keeps.
    await cache.record('alice.id', 'k', 101);
    await cache.record('alice.id', 'k', 102);
    const files = await readdir(join(dir, 'versions', 'alice.id', 'k'));
    expect(files.filter((f) => f.endsWith('c')).every((f) => Number(f.slice(0, -1)) >= 101)).toBe(true);
  });

  it('refuses versions that are not whole numbers ≥ 1', async () => {
    const cache = new VersionCache(await tempDir());
    await expect(cache.record('alice.id', 'x', 0)).rejects.toThrow(RangeError);
    await expect(cache.record('alice.id', 'x', 1.5)).rejects.toThrow(RangeError);
  });

  it('stays monotonic with two processes recording at once', async () => {
    const dir = await tempDir();
    const count = 80;
    const odd = runTs(WORKER, [dir, '1', '2', String(count)]);
    const even = runTs(WORKER, [dir, '2', '2', String(count)]);
    expect(await odd.done).toBe(0);
    expect(await even.done).toBe(0);
    expect(odd.lines.at(-1)).toBe('done 0');
    expect(even.lines.at(-1)).toBe('done 0');
    expect(await new VersionCache(dir).get('alice.id', 'profile')).toBe(2 * count);
    // 160 fsynced records from two processes: seconds on a loaded 2-core machine.
  }, 60_000);

  it.each(['record', 'prepare'])(
    'keeps every acknowledged record when a writer is killed mid-run (%s)',
    async (mode) => {
      const dir = await tempDir();
      const writer = runTs(WORKER, [dir, '1', '1', '100000', mode]);
      while (writer.lines.length < 40) await new Promise((resolve) => setTimeout(resolve, 5));
      writer.kill('SIGKILL');
      expect(await writer.done).toBe('SIGKILL');
      const acknowledged = writer.lines
        .filter((l) => l.startsWith('recorded '))
        .map((l) => Number(l.slice(9)));
      const cache = new VersionCache(dir);
      expect(await cache.get('alice.id', 'profile')).toBeGreaterThanOrEqual(Math.max(...acknowledged));
      // And recording continues from there.
      const next = (await cache.get('alice.id', 'profile')) + 1;
      expect(await cache.record('alice.id', 'profile', next)).toBe(next);
    },
  );

  it('a prepared version is not seen until committed, and is gone when abandoned', async () => {
    const dir = await tempDir();
    const cache = new VersionCache(dir);
    await cache.record('alice.id', 'k', 3, 1_000);
    const pending = await cache.prepare('alice.id', 'k', 4, 2_000);
    // In flight (this process lives): reads do not count it, claims go above it.
    expect(await new VersionCache(dir).get('alice.id', 'k')).toBe(3);
    expect(await cache.claim('alice.id', 'k', 1)).toBe(5);
    expect(await cache.commit(pending)).toBe(4);
    expect(await cache.getEntry('alice.id', 'k')).toEqual({ version: 4, writtenAtMs: 2_000 });
    const deletion = await cache.prepare('alice.id', 'k', 6, 3_000, true);
    await cache.abandon(deletion);
    expect(await cache.get('alice.id', 'k')).toBe(4);
    const files = await readdir(join(dir, 'versions', 'alice.id', 'k'));
    expect(files.filter((f) => f.includes('p'))).toEqual([]);
  });

  it('a pending marker of a dead process counts only when it is from before a reboot', async () => {
    const dir = await tempDir();
    const cache = new VersionCache(dir);
    await cache.record('alice.id', 'k', 3, 1_000);
    const child = spawn(process.execPath, ['-e', '']);
    await once(child, 'exit');
    const markers = join(dir, 'versions', 'alice.id', 'k');
    // Killed on this boot before committing: its put was not acknowledged (a commit that ran is not
    // lost without a power cut), so the version is not one seen; claims still go above it.
    await writeFile(join(markers, `5.4000p${bootId()}.${child.pid}`), '');
    expect(await cache.getEntry('alice.id', 'k')).toEqual({ version: 3, writtenAtMs: 1_000 });
    expect(await cache.claim('alice.id', 'k', 1)).toBe(6);
    // Made before a reboot (whatever its pid is now, here ours): its commit may have been lost in a power
    // cut after the put was acknowledged, so it counts.
    await writeFile(join(markers, `7.5000dp0123456789abcdef.${process.pid}`), '');
    expect(await cache.getEntry('alice.id', 'k')).toEqual({ version: 7, writtenAtMs: 5_000, deleted: true });
    expect(await cache.claim('alice.id', 'k', 1)).toBe(8);
  });
});

/** This machine's boot id as the cache spells it (Linux). */
function bootId(): string {
  try {
    return readFileSync('/proc/sys/kernel/random/boot_id', 'latin1')
      .replace(/[^0-9a-f]/g, '')
      .slice(0, 16);
  } catch {
    return '0';
  }
}
