import { mkdir, mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { ODD_DATA_IDS } from '@blockstack-storage/conformance';
import { afterAll, describe, expect, it } from 'vitest';
import { createDiskDriver } from '../src/index.js';

let sandbox = '';
afterAll(() => rm(sandbox, { recursive: true, force: true }));

async function listFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true });
  const nested = await Promise.all(
    entries.map((e) =>
      e.isDirectory() ? listFiles(join(dir, e.name)) : Promise.resolve([join(dir, e.name)]),
    ),
  );
  return nested.flat();
}

describe('disk driver key mapping', () => {
  it('keeps every odd id inside the root, one flat file each, without collisions', async () => {
    sandbox = await mkdtemp(join(tmpdir(), 'bss-disk-keys-'));
    const root = join(sandbox, 'root');
    await mkdir(root);
    const driver = createDiskDriver({ root });
    for (const id of ODD_DATA_IDS) await driver.putMutable(id, new TextEncoder().encode(id));
    const files = await listFiles(sandbox);
    // Nothing written outside the root, and no nested directories under mutable/.
    for (const file of files) expect(relative(root, file).startsWith('..')).toBe(false);
    const mutable = files.filter((f) => relative(root, f).startsWith('mutable/'));
    expect(mutable).toHaveLength(ODD_DATA_IDS.length);
    for (const file of mutable) expect(relative(join(root, 'mutable'), file)).not.toContain('/');
    // File names are at most 255 bytes (the usual file-system limit), even for 1,000-character ids.
    for (const file of mutable)
      expect(Buffer.byteLength(relative(join(root, 'mutable'), file))).toBeLessThanOrEqual(255);
  });
});
