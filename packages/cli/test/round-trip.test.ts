import { randomBytes } from 'node:crypto';
import { readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { json, makeHome, runCli } from './support/cli.js';

// One HOME for the whole file: init once, then every data command on it, in order.
let home = '';
let cleanup: () => Promise<void> = async () => {};
beforeAll(async () => {
  ({ home, cleanup } = await makeHome());
});
afterAll(() => cleanup());

describe('init', () => {
  it('writes the config, a 0600 data key and registers the name', async () => {
    const result = await runCli(home, ['init', '--name', 'alice.id', '--json']);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const out = json<{
      config: string;
      dataKey: string;
      publicKey: string;
      operation: string;
      ledgerTxid: string;
    }>(result);
    expect(out.config).toBe(join(home, '.blockstack', 'client.ini'));
    expect(out.operation).toBe('NAME_REGISTRATION');
    expect(out.ledgerTxid).toMatch(/^[0-9a-f]{64}$/);
    expect((await stat(out.dataKey)).mode & 0o777).toBe(0o600);
    const ini = await readFile(out.config, 'utf8');
    expect(ini).toMatch(/^name = alice\.id$/m);
    expect(ini).toMatch(/^storage_drivers = disk$/m);
    expect(ini).toMatch(/^storage_drivers_required_write = disk$/m);
    expect(ini).toMatch(/^public_url = http:\/\/127\.0\.0\.1:6270$/m);
    // The private key never reaches the terminal.
    const key = JSON.parse(await readFile(out.dataKey, 'utf8')) as { privateKey: string; publicKey: string };
    expect(key.publicKey).toBe(out.publicKey);
    expect(result.text).not.toContain(key.privateKey);
  });

  it('refuses to overwrite the config or key without --force (exit 10)', async () => {
    const before = await readFile(join(home, '.blockstack', 'client.ini'), 'utf8');
    const result = await runCli(home, ['init', '--name', 'alice.id']);
    expect(result.code).toBe(10);
    expect(result.stderr).toMatch(/already exists at .*client\.ini/);
    expect(result.stderr).toMatch(/hint: .*--force/);
    expect(await readFile(join(home, '.blockstack', 'client.ini'), 'utf8')).toBe(before);
  });

  it('shows the zone file listing the key, and its history', async () => {
    const init = json<{ publicKey: string }>(
      await runCli(home, ['zonefile', 'show', '--json', '--name', 'alice.id']),
    );
    expect(init).toMatchObject({ name: 'alice.id' });
    const shown = await runCli(home, ['zonefile']);
    expect(shown.code).toBe(0);
    expect(shown.text).toContain('$ORIGIN alice.id');
    expect(shown.text).toMatch(/pubkey:data:[0-9a-f]{66}/);
    const history = json<{ records: { op: string }[] }>(
      await runCli(home, ['zonefile', 'history', '--json']),
    );
    expect(history.records.map((r) => r.op)).toEqual(['NAME_REGISTRATION']);
  });
});

describe('mutable data', () => {
  it('puts a file, gets it back to stdout byte for byte, and stats it', async () => {
    const bytes = randomBytes(70_000);
    await writeFile(join(home, 'photo.bin'), bytes);
    const put = await runCli(home, ['put', 'photo.bin', 'photo.bin', '--json']);
    expect(put.code).toBe(0);
    const stored = json<{
      version: number;
      encrypted: boolean;
      drivers: { driver: string; status: string }[];
    }>(put);
    expect(stored).toMatchObject({ version: 1, encrypted: true, size: 70_000 });
    expect(stored.drivers).toEqual([
      expect.objectContaining({ driver: 'disk', status: 'ok', required: true }),
    ]);

    const get = await runCli(home, ['get', 'photo.bin']);
    expect(get.code).toBe(0);
    expect(Buffer.compare(get.stdout, bytes)).toBe(0);

    const info = json<{
      version: number;
      size: number;
      copies: { source: string; status: string; version: number }[];
    }>(await runCli(home, ['stat', 'photo.bin', '--json']));
    expect(info).toMatchObject({ kind: 'mutable', version: 1, size: 70_000, encrypted: true });
    expect(info.copies).toEqual([{ source: 'disk', status: 'valid', version: 1 }]);
  });

  it('pipes binary data through stdin and stdout, every byte value intact', async () => {
    const bytes = Buffer.concat([
      Buffer.from(Array.from({ length: 256 }, (_, i) => i)),
      randomBytes(300_000),
    ]);
    const put = await runCli(home, ['put', 'piped.bin', '-'], { input: bytes });
    expect(put.code).toBe(0);
    expect(put.text).toMatch(/stored +piped\.bin version 1 \(300256 bytes, encrypted\)/);
    const noFileArg = await runCli(home, ['put', 'piped.bin'], { input: bytes });
    expect(noFileArg.text).toMatch(/version 2/);
    const get = await runCli(home, ['get', 'piped.bin']);
    expect(Buffer.compare(get.stdout, bytes)).toBe(0);
    const toFile = await runCli(home, ['get', 'piped.bin', '-o', 'copy.bin']);
    expect(toFile.text).toMatch(/wrote +copy\.bin: piped\.bin version 2/);
    expect(Buffer.compare(await readFile(join(home, 'copy.bin')), bytes)).toBe(0);
  });

  it('stores --public values unencrypted on the disk driver, and new versions count up', async () => {
    await writeFile(join(home, 'profile.json'), '{"name":"Alice"}');
    const first = json<{ version: number; encrypted: boolean }>(
      await runCli(home, ['put', 'profile.json', 'profile.json', '--public', '--json']),
    );
    expect(first).toMatchObject({ version: 1, encrypted: false });
    const raw = await readFile(join(home, '.blockstack', 'storage-disk', 'mutable', 'profile.json'), 'utf8');
    expect(raw.startsWith('bsk2.')).toBe(true);
    // The signed payload carries the data as base64, readable by anyone: nothing is encrypted.
    expect(raw).toContain(`"data":"${Buffer.from('{"name":"Alice"}').toString('base64')}"`);
    const second = json<{ version: number }>(
      await runCli(home, ['put', 'profile.json', 'profile.json', '--public', '--json']),
    );
    expect(second.version).toBe(2);
    const got = json<{ base64: string; version: number; encrypted: boolean }>(
      await runCli(home, ['get', 'profile.json', '--json']),
    );
    expect(got).toMatchObject({ version: 2, encrypted: false });
    expect(Buffer.from(got.base64, 'base64').toString()).toBe('{"name":"Alice"}');
  });

  it('lists ids with the drivers holding them', async () => {
    const listed = json<{ mutable: { id: string; drivers: string[] }[] }>(
      await runCli(home, ['ls', '--json', '--mutable']),
    );
    expect(listed.mutable).toEqual([
      { id: 'photo.bin', drivers: ['disk'] },
      { id: 'piped.bin', drivers: ['disk'] },
      { id: 'profile.json', drivers: ['disk'] },
    ]);
    const prefixed = await runCli(home, ['ls', '--prefix', 'p', '--mutable']);
    expect(prefixed.text.trim().split('\n')).toEqual([
      'mutable    photo.bin  (disk)',
      'mutable    piped.bin  (disk)',
      'mutable    profile.json  (disk)',
    ]);
  });

  it('rm deletes; a later get fails with exit code 4', async () => {
    const removed = await runCli(home, ['rm', 'photo.bin']);
    expect(removed.code).toBe(0);
    expect(removed.text).toMatch(/deleted +photo\.bin/);
    const get = await runCli(home, ['get', 'photo.bin']);
    expect(get.code).toBe(4);
    expect(get.stdout.byteLength).toBe(0);
    expect(get.stderr).toMatch(/^blockstack-storage: No datum "photo\.bin" for alice\.id\nhint: /);
    // Its tombstone stays on the driver, but ls does not show a deleted id.
    const listed = json(await runCli(home, ['ls', '--json', '--mutable'])) as { mutable: { id: string }[] };
    expect(listed.mutable.map((row) => row.id)).not.toContain('photo.bin');
    expect(listed.mutable.length).toBeGreaterThan(0);
    // Deleting what is not there is not an error (deletes are idempotent).
    expect((await runCli(home, ['rm', 'never-stored'])).code).toBe(0);
  });
});

describe('immutable data', () => {
  it('puts by hash with a NAME_UPDATE, gets, stats, lists and removes it', async () => {
    const bytes = randomBytes(5000);
    await writeFile(join(home, 'release.tgz'), bytes);
    const put = json<{ hash: string; txid: string }>(
      await runCli(home, ['put', 'release-1.0', 'release.tgz', '--immutable', '--json']),
    );
    expect(put.hash).toBe((await import('node:crypto')).createHash('sha256').update(bytes).digest('hex'));
    const zone = await runCli(home, ['zonefile']);
    expect(zone.text).toContain(`#${put.hash}`);
    const history = json<{ records: { op: string; txid: string }[] }>(
      await runCli(home, ['zonefile', 'history', '--json']),
    );
    expect(history.records.at(-1)).toMatchObject({ op: 'NAME_UPDATE', txid: put.txid });

    const got = await runCli(home, ['get', 'release-1.0']);
    expect(Buffer.compare(got.stdout, bytes)).toBe(0);
    const info = json(await runCli(home, ['stat', 'release-1.0', '--immutable', '--json']));
    expect(info).toMatchObject({
      kind: 'immutable',
      hash: put.hash,
      size: 5000,
      copies: [{ source: 'disk', status: 'valid' }],
    });
    const listed = json<{ immutable: { id: string; hash: string }[] }>(
      await runCli(home, ['ls', '--immutable', '--json']),
    );
    expect(listed.immutable).toEqual([expect.objectContaining({ id: 'release-1.0', hash: put.hash })]);

    const removed = await runCli(home, ['rm', 'release-1.0', '--immutable', '--json']);
    expect(removed.code).toBe(0);
    expect((await runCli(home, ['get', 'release-1.0', '--immutable'])).code).toBe(4);
    const again = await runCli(home, ['rm', 'release-1.0', '--immutable']);
    expect(again.code).toBe(4);
    expect(again.stderr).toMatch(/No immutable datum "release-1\.0"/);
  });
});
