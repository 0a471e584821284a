import { spawnSync } from 'node:child_process';
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { encodeDataId, readBody } from '@blockstack-storage/core/driver';
import { afterEach, describe, expect, it } from 'vitest';
import { createDiskDriver } from '../src/index.js';

// The per-key lock of conditional writes, as a killed writer leaves it (kill -9 between taking the lock
// and releasing it): the next writer must break it, not wait forever or fail.
let root = '';
afterEach(() => rm(root, { recursive: true, force: true }));

describe('the per-key lock', () => {
  it('a lock left by a killed writer is broken by the next put and delete', async () => {
    root = await mkdtemp(join(tmpdir(), 'bss-disk-lock-'));
    const driver = createDiskDriver({ root });
    const first = await driver.putMutable('k', Uint8Array.of(1));
    // A process that has exited: its pid is no longer alive.
    const dead = spawnSync(process.execPath, ['-e', '0']).pid!;
    const lock = join(root, '.locks', `mutable@${encodeDataId('k')}`);
    await writeFile(lock, `${dead} ${hostname()} 0123456789abcdef\n`);
    await driver.putMutable('k', Uint8Array.of(2), { ifMatch: first.etag! });
    const read = await driver.getMutable('k');
    expect([...(await readBody(read!.body))]).toEqual([2]);
    await writeFile(lock, `${dead} ${hostname()} 0123456789abcdef\n`);
    await driver.deleteMutable('k');
    expect(await driver.getMutable('k')).toBeNull();
    // Nothing is left behind in the lock directory.
    expect(await readdir(join(root, '.locks'))).toEqual([]);
  });
});
