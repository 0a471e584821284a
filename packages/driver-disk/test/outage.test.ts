import { mkdir, mkdtemp, readdir, rename, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ErrorCode, isStorageError } from '@blockstack-storage/core/driver';
import { afterEach, describe, expect, it } from 'vitest';
import { createDiskDriver } from '../src/index.js';
import { openReplicas } from './support/replicas.js';

// Issue 11, item 3: a transient outage (the disk holding every replica is not mounted) must not be
// remembered as a deletion, and the disk driver must not create an empty root where the disk was.
let work = '';
afterEach(() => rm(work, { recursive: true, force: true }));

const text = (value: string) => new TextEncoder().encode(value);

const open = (roots: string[], metadataDir: string) => openReplicas('outage.id', roots, metadataDir);

async function failure(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected a failure');
}

describe('a disk that is not there', () => {
  it('a missing root is unavailable and is not created; createRoot creates it', async () => {
    work = await mkdtemp(join(tmpdir(), 'bss-outage-'));
    const root = join(work, 'not-mounted');
    const driver = createDiskDriver({ root });
    const error = await failure(driver.getMutable('x'));
    expect(isStorageError(error, ErrorCode.Unavailable)).toBe(true);
    expect((error as Error).message).toContain('does not exist');
    expect(isStorageError(await failure(driver.putMutable('x', text('v'))), ErrorCode.Unavailable)).toBe(
      true,
    );
    await expect(stat(root)).rejects.toMatchObject({ code: 'ENOENT' });

    await createDiskDriver({ root, createRoot: true }).init?.();
    expect((await readdir(root)).sort()).toEqual(['.locks', '.tmp', 'immutable', 'mutable']);
  });

  it('every replica unmounted: reads fail as unavailable, nothing is recorded, the value is back with the disk', async () => {
    work = await mkdtemp(join(tmpdir(), 'bss-outage-'));
    const roots = [0, 1, 2].map((i) => join(work, `replica-${i}`));
    for (const root of roots) await mkdir(root);
    const metadata = join(work, 'metadata');
    const writer = await open(roots, metadata);
    await writer.putMutable('notes', text('acknowledged'));

    for (const root of roots) await rename(root, `${root}.away`);
    // Both the client that was open and a new process on the same machine.
    const later = await open(roots, metadata);
    for (const client of [writer, later]) {
      expect(isStorageError(await failure(client.getMutable('notes')), ErrorCode.Unavailable)).toBe(true);
    }
    for (const root of roots) await rename(`${root}.away`, root);
    for (const client of [writer, later]) {
      const read = await client.getMutable('notes');
      expect(new TextDecoder().decode(read!.data)).toBe('acknowledged');
      expect(read!.version).toBe(1);
    }
    await writer.close();
    await later.close();
  });

  it('every replica empty (an empty mount point): the get says not found but records no deletion', async () => {
    work = await mkdtemp(join(tmpdir(), 'bss-outage-'));
    const roots = [0, 1, 2].map((i) => join(work, `replica-${i}`));
    for (const root of roots) await mkdir(root);
    const metadata = join(work, 'metadata');
    const client = await open(roots, metadata);
    await client.putMutable('notes', text('acknowledged'));

    // The disk's files are gone from view (the mount point shows the empty directory below it).
    for (const root of roots) await rename(join(root, 'mutable'), join(root, 'mutable.away'));
    for (const root of roots) await mkdir(join(root, 'mutable'));
    expect(await client.getMutable('notes')).toBeNull();
    for (const root of roots) {
      await rm(join(root, 'mutable'), { recursive: true });
      await rename(join(root, 'mutable.away'), join(root, 'mutable'));
    }
    // Before the fix this was StaleDataError forever: the absence had been recorded as a deletion.
    const read = await client.getMutable('notes');
    expect(new TextDecoder().decode(read!.data)).toBe('acknowledged');
    // A real deletion is still remembered: it leaves a signed tombstone.
    await client.deleteMutable('notes');
    expect(await client.getMutable('notes')).toBeNull();
    await client.close();
  });
});
