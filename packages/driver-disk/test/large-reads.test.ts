import { closeSync, fstatSync, openSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createDiskDriver } from '../src/index.js';

describe('disk driver large reads', () => {
  it('a reader that stops early closes the file once, leaving other descriptors alone', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'bss-disk-early-'));
    const driver = createDiskDriver({ root: dir });
    await driver.putMutable('big', new Uint8Array(6 * 1024 * 1024).fill(7));
    for (let i = 0; i < 20; i++) {
      const object = await driver.getMutable('big');
      for await (const _chunk of object!.body) break; // stop after the first chunk
      // A descriptor opened now may reuse the number the stream had; it must stay open.
      const fd = openSync(join(dir, 'mutable', 'big'), 'r');
      await new Promise((resolve) => setTimeout(resolve, 5));
      expect(() => fstatSync(fd)).not.toThrow();
      closeSync(fd);
    }
    await rm(dir, { recursive: true, force: true });
  });
});
