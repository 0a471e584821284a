import { spawn } from 'node:child_process';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readBody } from '@blockstack-storage/core/driver';
import { afterAll, describe, expect, it } from 'vitest';
import { createDiskDriver } from '../src/index.js';

const SIZE = 8 * 1024 * 1024;
const writer = new URL('./support/slow-writer.mjs', import.meta.url).pathname;
let root = '';

afterAll(() => rm(root, { recursive: true, force: true }));

/** Starts a writer of `fill`-bytes and SIGKILLs it `delayMs` after it starts writing. */
function killMidWrite(id: string, fill: number, delayMs: number): Promise<'killed' | 'finished'> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [writer, root, id, String(fill), String(SIZE)], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let finished = false;
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (text: string) => {
      if (text.includes('writing')) setTimeout(() => child.kill('SIGKILL'), delayMs);
      if (text.includes('done')) finished = true;
    });
    child.on('error', reject);
    child.on('exit', () => resolve(finished ? 'finished' : 'killed'));
  });
}

describe('disk driver crash safety', () => {
  it('a SIGKILL in the middle of a put leaves the old value or the new one, never a part', async () => {
    root = await mkdtemp(join(tmpdir(), 'bss-disk-crash-'));
    const driver = createDiskDriver({ root });
    await driver.putMutable('crash-key', new Uint8Array(SIZE).fill(1));
    let killed = 0;
    let expectedFill = 1;
    for (let round = 0; round < 8; round++) {
      const fill = round + 2;
      const outcome = await killMidWrite('crash-key', fill, Math.floor(Math.random() * 60));
      if (outcome === 'killed') killed++;
      else expectedFill = fill;
      const object = await driver.getMutable('crash-key');
      const bytes = await readBody(object!.body);
      expect(bytes.byteLength).toBe(SIZE);
      const first = bytes[0]!;
      // Whole value: every byte equals the first, which is the old fill or the new one.
      expect(bytes.every((b) => b === first)).toBe(true);
      expect([expectedFill, fill]).toContain(first);
      if (outcome === 'finished') expect(first).toBe(fill);
      expectedFill = first;
    }
    // The kills must really have landed mid-write, or this test proved nothing.
    expect(killed).toBeGreaterThan(4);
    // The crashed writers' temporary files are cleaned up when a driver next starts.
    await createDiskDriver({ root }).init?.();
    expect(await readdir(join(root, '.tmp'))).toEqual([]);
  }, 120_000);
});
