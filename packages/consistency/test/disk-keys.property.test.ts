import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative, sep } from 'node:path';
import { encodeDataId, MAX_DATA_ID_BYTES, readBody } from '@blockstack-storage/core';
import { createDiskDriver } from '@blockstack-storage/driver-disk';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

// The disk driver's paths: whatever the id, exactly one file under <root>/mutable, nothing outside the root.
const TRICKY = [
  '..',
  '../',
  '/',
  '\\',
  '.',
  '~',
  'A',
  'a',
  'CON',
  'nul',
  ' ',
  '\u212a',
  'e\u0301',
  '😀',
  '%2e%2e',
  ':',
];
const dataId = fc
  .array(fc.oneof(fc.constantFrom(...TRICKY), fc.string({ unit: 'binary', minLength: 1, maxLength: 3 })), {
    minLength: 1,
    maxLength: 10,
  })
  .map((parts) => parts.join('').replaceAll('\0', ''))
  .filter((id) => id.length > 0 && Buffer.byteLength(id) <= MAX_DATA_ID_BYTES);

async function walk(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...(await walk(path)));
    else out.push(path);
  }
  return out;
}

describe('disk driver key mapping (property)', () => {
  let parent = '';
  let root = '';
  beforeAll(async () => {
    parent = await mkdtemp(join(tmpdir(), 'bss-disk-keys-'));
    root = join(parent, 'root');
  });
  afterAll(() => rm(parent, { recursive: true, force: true }));

  it('stores every id as one file directly under <root>/mutable and reads it back', async () => {
    const driver = createDiskDriver({ root, unsafeNoFsync: true, createRoot: true });
    await driver.init?.();
    const written = new Map<string, string>();
    await fc.assert(
      fc.asyncProperty(dataId, async (id) => {
        await driver.putMutable(id, new TextEncoder().encode(id));
        written.set(id, encodeDataId(id));
        const back = await driver.getMutable(id);
        expect(new TextDecoder().decode(await readBody(back!.body))).toBe(id);
      }),
      { numRuns: 300 },
    );
    // Nothing outside the root; inside it, one file per distinct id, each a direct child of mutable/.
    expect(await readdir(parent)).toEqual(['root']);
    const files = (await walk(root)).map((f) => relative(root, f).split(sep));
    for (const parts of files) {
      expect(parts).toHaveLength(2);
      expect(parts[0]).toBe('mutable');
    }
    expect(new Set(files.map((p) => p[1])).size).toBe(written.size);
    expect(files.length).toBe(written.size);
    await driver.close?.();
  }, 60_000);
});
