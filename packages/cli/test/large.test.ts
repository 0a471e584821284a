import { randomBytes } from 'node:crypto';
import { truncate, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { json, makeHome, runCli } from './support/cli.js';

let home = '';
let cleanup: () => Promise<void> = async () => {};
beforeAll(async () => {
  ({ home, cleanup } = await makeHome());
  expect((await runCli(home, ['init', '--name', 'alice.id'])).code).toBe(0);
});
afterAll(() => cleanup());

describe('large values', () => {
  it('reads back an encrypted value whose signed envelope is over 64 MiB', async () => {
    // 40 MiB grows to about 71 MiB encrypted and signed: over the core's default read limit.
    const bytes = randomBytes(40 * 1024 * 1024);
    await writeFile(join(home, 'big.bin'), bytes);
    expect((await runCli(home, ['put', 'big.bin', 'big.bin'])).code).toBe(0);
    const got = await runCli(home, ['get', 'big.bin']);
    expect(got.stderr).toBe('');
    expect(got.code).toBe(0);
    expect(got.stdout.equals(bytes)).toBe(true);
  });

  it('refuses a file over the mutable limit before reading it (exit 11)', async () => {
    const sparse = join(home, 'sparse.bin');
    await writeFile(sparse, '');
    await truncate(sparse, 200 * 1024 * 1024); // sparse: no 200 MiB of disk or memory needed
    const result = await runCli(home, ['put', 'sparse.bin', sparse, '--json']);
    expect(result.code).toBe(11);
    expect(JSON.parse(result.stderr).error).toMatchObject({
      code: 'BSS_TOO_LARGE',
      message: `${sparse} is larger than 128 MiB, the most this command puts at once`,
    });
    expect(json<{ mutable: unknown[] }>(await runCli(home, ['ls', '--mutable', '--json'])).mutable).toEqual([
      { id: 'big.bin', drivers: ['disk'] },
    ]);
  });
});
