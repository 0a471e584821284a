import { createHash, randomBytes } from 'node:crypto';
import { readdir, readFile, writeFile } from 'node:fs/promises';
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

const immutableDir = () => join(home, '.blockstack', 'storage-disk', 'immutable');
const mutableFile = (id: string) => join(home, '.blockstack', 'storage-disk', 'mutable', id);

describe('large values', () => {
  // 40 MiB: over the 1 MiB chunk threshold, so it is stored chunked (4 MiB chunks + a manifest).
  const bytes = randomBytes(40 * 1024 * 1024);

  it('streams a put from a file and a get to stdout and to -o, stored in chunks', async () => {
    await writeFile(join(home, 'big.bin'), bytes);
    const put = await runCli(home, ['put', 'big.bin', 'big.bin', '--json']);
    expect(put.code).toBe(0);
    expect(json(put)).toMatchObject({ id: 'big.bin', size: bytes.byteLength, format: 'bsc1', version: 1 });
    expect((await readFile(mutableFile('big.bin'))).subarray(0, 4).toString()).toBe('bsc1');
    expect((await readdir(immutableDir())).length).toBe(10);

    const got = await runCli(home, ['get', 'big.bin']);
    expect(got.stderr).toBe('');
    expect(got.code).toBe(0);
    expect(got.stdout.equals(bytes)).toBe(true);

    const out = join(home, 'copy.bin');
    const toFile = await runCli(home, ['get', 'big.bin', '-o', out, '--json']);
    expect(toFile.code).toBe(0);
    expect(json(toFile)).toMatchObject({ kind: 'mutable', size: bytes.byteLength, version: 1, file: out });
    expect((await readFile(out)).equals(bytes)).toBe(true);
  });

  it('streams a put from stdin', async () => {
    const piped = bytes.subarray(0, 9 * 1024 * 1024 + 7);
    const put = await runCli(home, ['put', 'piped.bin', '-', '--json'], { input: piped });
    expect(put.code).toBe(0);
    expect(json(put)).toMatchObject({ size: piped.byteLength, format: 'bsc1' });
    expect((await runCli(home, ['get', 'piped.bin'])).stdout.equals(piped)).toBe(true);
  });

  it('streams a large immutable value: the record holds its manifest hash, its SHA-256 is shown', async () => {
    const value = bytes.subarray(0, 12 * 1024 * 1024 + 3);
    await writeFile(join(home, 'release.bin'), value);
    const put = await runCli(home, ['put', 'release.tar', 'release.bin', '--immutable', '--json']);
    expect(put.code).toBe(0);
    const sha256 = createHash('sha256').update(value).digest('hex');
    const stored = json<{ hash: string; sha256: string; chunked: boolean; size: number }>(put);
    expect(stored).toMatchObject({ sha256, chunked: true, size: value.byteLength });
    expect(stored.hash).not.toBe(sha256);
    const out = join(home, 'release.copy');
    const got = await runCli(home, ['get', 'release.tar', '--immutable', '-o', out, '--json']);
    expect(got.code).toBe(0);
    expect(json(got)).toMatchObject({ kind: 'immutable', hash: stored.hash, sha256, chunked: true });
    expect((await readFile(out)).equals(value)).toBe(true);
  });

  it('a get -o of a value with a tampered chunk fails (exit 5) and leaves no file, not even a part', async () => {
    const manifest = await readFile(mutableFile('big.bin'));
    // The manifest lists the chunk hashes just before its 64-byte signature: damage the last chunk.
    const lastHash = manifest.subarray(manifest.length - 64 - 32, manifest.length - 64).toString('hex');
    const chunk = join(immutableDir(), lastHash);
    const stored = await readFile(chunk);
    stored[1000]! ^= 0x01;
    await writeFile(chunk, stored);
    const out = join(home, 'tampered.bin');
    const got = await runCli(home, ['get', 'big.bin', '-o', out]);
    expect(got.code).toBe(5);
    expect(got.stderr).toContain('does not match its hash');
    const left = await readdir(home);
    expect(left.filter((name) => name.startsWith('tampered.bin'))).toEqual([]);
  });
});
