import { randomBytes } from 'node:crypto';
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { json, makeHome, runCli } from './support/cli.js';

let home = '';
let cleanup: () => Promise<void> = async () => {};
beforeAll(async () => {
  ({ home, cleanup } = await makeHome());
});
afterAll(() => cleanup());

const configPath = () => join(home, '.blockstack', 'client.ini');

describe('command line', () => {
  it('--help lists every command and the exit codes', async () => {
    const result = await runCli(home, ['--help']);
    expect(result.code).toBe(0);
    for (const name of ['init', 'put', 'get', 'rm', 'ls', 'stat', 'zonefile', 'drivers', 'doctor', 'serve']) {
      expect(result.text).toMatch(new RegExp(`^  ${name} +\\S`, 'm'));
    }
    expect(result.text).toMatch(/^ +3 +config missing or invalid/m);
    expect(result.text).toMatch(/^ +5 +data failed its hash or signature check/m);
  });

  it.each(['init', 'put', 'get', 'rm', 'ls', 'stat', 'zonefile', 'drivers', 'doctor', 'serve'])(
    '"%s --help" shows usage, options and an example of the command',
    async (name) => {
      const result = await runCli(home, [name, '--help']);
      expect(result.code).toBe(0);
      expect(result.text).toMatch(new RegExp(`^Usage: blockstack-storage ${name}\\b`));
      expect(result.text).toMatch(/Global options:\n.*--config PATH/);
      expect(result.text).toMatch(new RegExp(`Examples:\\n  blockstack-storage .*${name}`));
      // "help <command>" is the same text.
      expect((await runCli(home, ['help', name])).text).toBe(result.text);
    },
  );

  it('bad command lines exit 2 with a pointer to --help', async () => {
    const unknown = await runCli(home, ['frobnicate']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toBe(
      'blockstack-storage: Unknown command "frobnicate"; commands: init, put, get, rm, ls, stat, verify, sync, migrate, import-2017, zonefile, drivers, doctor, serve, hub\nhint: See "blockstack-storage --help".\n',
    );
    const option = await runCli(home, ['get', 'x', '--bogus']);
    expect(option.code).toBe(2);
    expect(option.stderr).toMatch(/Unknown option '--bogus'\nhint: See "blockstack-storage get --help"/);
    const missing = await runCli(home, ['put']);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/Missing argument: usage is "blockstack-storage put <id> \[file\|-\]/);
    const extra = await runCli(home, ['get', 'a', 'b']);
    expect(extra.code).toBe(2);
    expect((await runCli(home, [])).code).toBe(2);
  });
});

describe('configuration errors exit 3', () => {
  it('missing config: says where it looked and to run init', async () => {
    const result = await runCli(home, ['put', 'x', '-'], { input: 'x' });
    expect(result.code).toBe(3);
    expect(result.stderr).toBe(
      `blockstack-storage: No client config at ${configPath()}\nhint: Run "blockstack-storage init --name <you>.id" to create one, or pass --config PATH.\n`,
    );
    const asJson = await runCli(home, ['ls', '--json', '--config', join(home, 'nope.ini')]);
    expect(asJson.code).toBe(3);
    expect(JSON.parse(asJson.stderr)).toEqual({
      error: expect.objectContaining({
        code: 'BSS_CONFIGURATION',
        exitCode: 3,
        message: `No client config at ${join(home, 'nope.ini')}`,
      }),
    });
  });

  it('unknown driver: names it and what is installed', async () => {
    const path = join(home, 'unknown.ini');
    await writeFile(
      path,
      '[blockstack-client]\nname = alice.id\nstorage_drivers = disk, floppy\nstorage_drivers_required_write = floppy\n[disk]\nroot = ~/unknown-disk\n',
    );
    const result = await runCli(home, ['--config', path, 'get', 'x']);
    expect(result.code).toBe(3);
    expect(result.stderr).toMatch(
      /^blockstack-storage: \[floppy\] Unknown storage driver "floppy" in storage_drivers of .*unknown\.ini\nhint: Installed: disk\b.*@blockstack-storage\/driver-floppy/,
    );
    const drivers = await runCli(home, ['--config', path, 'drivers', '--json']);
    expect(drivers.code).toBe(3);
    const report = json<{ drivers: { name: string; error?: { code: string } }[] }>(drivers);
    expect(report.drivers.find((d) => d.name === 'floppy')?.error?.code).toBe('BSS_CONFIGURATION');
    // An installed driver the config does not use is listed with what it declares.
    const only = join(home, 'only-floppy.ini');
    await writeFile(
      only,
      '[blockstack-client]\nname = alice.id\nstorage_drivers = floppy\nstorage_drivers_required_write = floppy\n',
    );
    const listed = json<{
      drivers: { name: string; configured: boolean; capabilities?: { visibility: string } }[];
    }>(await runCli(home, ['--config', only, 'drivers', '--json']));
    expect(listed.drivers.find((d) => d.name === 'disk')).toMatchObject({
      configured: false,
      installed: true,
      capabilities: { mutable: true, immutable: true, visibility: 'local', list: true },
    });
  });

  it('required/local rule violated: names the lists', async () => {
    const listed = join(home, 'local.ini');
    await writeFile(
      listed,
      '[blockstack-client]\nname = alice.id\nstorage_drivers = disk\nstorage_drivers_required_write = disk\nstorage_drivers_local = disk\n',
    );
    const result = await runCli(home, ['--config', listed, 'put', 'x', '-'], { input: 'x' });
    expect(result.code).toBe(3);
    expect(result.stderr).toMatch(
      /mutable puts need a driver in storage_drivers_required_write that is not in storage_drivers_local; required: \[disk\], local: \[disk\]/,
    );
    expect(result.stderr).toMatch(/\nhint: .*public_url/);
    // A disk driver without public_url declares itself local: refused at open, with the reason.
    const declared = join(home, 'declared.ini');
    await writeFile(
      declared,
      '[blockstack-client]\nname = alice.id\nstorage_drivers = disk\nstorage_drivers_required_write = disk\n[disk]\nroot = ~/declared-disk\n',
    );
    const open = await runCli(home, ['--config', declared, 'put', 'x', '-'], { input: 'x' });
    expect(open.code).toBe(3);
    expect(open.stderr).toMatch(/disk declares itself local/);
    const drivers = await runCli(home, ['--config', declared, 'drivers', '--json']);
    expect(drivers.code).toBe(3);
    expect(json<{ rule: { holds: boolean } }>(drivers).rule.holds).toBe(false);
  });

  it('drivers shows secret settings as *** and never prints them', async () => {
    const path = join(home, 'secret.ini');
    const secret = 'hunter2-very-secret-value';
    await writeFile(
      path,
      `[blockstack-client]\nname = alice.id\nstorage_drivers = disk\nstorage_drivers_required_write = disk\n[disk]\nroot = ~/secret-disk\npublic_url = http://127.0.0.1:6270\napi_token = ${secret}\n`,
    );
    const human = await runCli(home, ['--config', path, 'drivers']);
    const machine = await runCli(home, ['--config', path, 'drivers', '--json']);
    // The disk driver has no api_token key, so it cannot be built (exit 3), but the section is shown.
    expect(human.code).toBe(3);
    expect(human.text).toContain('unknown key "api_token"');
    expect(human.text).toContain('api_token = ***');
    expect(human.text + human.stderr + machine.text + machine.stderr).not.toContain(secret);
    expect(json<{ rule: { holds: boolean } }>(machine).rule.holds).toBe(true);
    // An environment override is a secret too.
    const fromEnv = await runCli(home, ['--config', path, 'drivers'], {
      env: { BLOCKSTACK_DISK_SECRET_KEY: 'env-secret-123456' },
    });
    expect(fromEnv.text).toContain('secret_key = ***');
    expect(fromEnv.text).not.toContain('env-secret-123456');
  });
});

describe('tampered data exits 5', () => {
  beforeAll(async () => {
    const init = await runCli(home, ['init', '--name', 'alice.id']);
    expect(init.code).toBe(0);
  });

  it('a mutable value with a flipped byte is refused, never printed', async () => {
    const secretText = `confidential ${randomBytes(8).toString('hex')}`;
    expect((await runCli(home, ['put', 'diary', '-', '--public'], { input: secretText })).code).toBe(0);
    const file = join(home, '.blockstack', 'storage-disk', 'mutable', 'diary');
    const stored = await readFile(file, 'utf8');
    // Change one character of the payload (the base64 data), keeping the envelope well-formed.
    const tampered = stored.replace(/"data":"(.)/, (_m, c: string) => `"data":"${c === 'A' ? 'B' : 'A'}`);
    expect(tampered).not.toBe(stored);
    await writeFile(file, tampered);
    const get = await runCli(home, ['get', 'diary']);
    expect(get.code).toBe(5);
    expect(get.stdout.byteLength).toBe(0);
    expect(get.stderr).toMatch(
      /^blockstack-storage: No copy of alice\.id's datum verifies \[disk: invalid\] \(key "diary"\)\n/,
    );
    expect(get.stderr).toMatch(/\nhint: /);
    expect(get.stderr.trim().split('\n').length).toBeLessThanOrEqual(3);
    const verbose = await runCli(home, ['get', 'diary', '--verbose']);
    expect(verbose.code).toBe(5);
    expect(get.stderr).not.toContain('caused by');
    expect(verbose.stderr.startsWith(get.stderr)).toBe(true);
    expect(verbose.stderr).toMatch(
      /\n {2}caused by: IntegrityError \[BSS_INTEGRITY\]: .*signature does not verify/,
    );
    const stat = await runCli(home, ['stat', 'diary', '--json']);
    expect(stat.code).toBe(5);
    expect(JSON.parse(stat.stderr).error.code).toBe('BSS_INTEGRITY');
  });

  it('a driver rolled back to an older version cannot make a get go backwards (exit 6)', async () => {
    const file = join(home, '.blockstack', 'storage-disk', 'mutable', 'counter');
    expect((await runCli(home, ['put', 'counter', '-'], { input: '1' })).code).toBe(0);
    const v1 = await readFile(file);
    expect((await runCli(home, ['put', 'counter', '-'], { input: '2' })).code).toBe(0);
    expect((await runCli(home, ['get', 'counter'])).text).toBe('2');
    await writeFile(file, v1);
    const get = await runCli(home, ['get', 'counter', '--json']);
    expect(get.code).toBe(6);
    expect(get.stdout.byteLength).toBe(0);
    expect(JSON.parse(get.stderr).error).toMatchObject({ code: 'BSS_STALE_DATA', exitCode: 6 });
  });

  it('immutable bytes that no longer match their hash are refused', async () => {
    const put = json<{ hash: string }>(
      await runCli(home, ['put', 'pgp-key', '-', '--immutable', '--json'], { input: 'key material' }),
    );
    await writeFile(join(home, '.blockstack', 'storage-disk', 'immutable', put.hash), 'other material');
    const get = await runCli(home, ['get', 'pgp-key', '--immutable']);
    expect(get.code).toBe(5);
    expect(get.stdout.byteLength).toBe(0);
    expect(get.stderr).toMatch(/SHA-256/);
  });

  it('a failing required-write driver fails the put with exit 9, one line per driver', async () => {
    // A directory where the value's file must go: the disk driver's rename fails.
    await mkdir(join(home, '.blockstack', 'storage-disk', 'mutable', 'blocked'));
    const result = await runCli(home, ['put', 'blocked', '-'], { input: 'x' });
    expect(result.code).toBe(9);
    expect(result.stderr).toMatch(/^blockstack-storage: putMutable failed on disk \(required\)/);
    expect(result.stderr).toMatch(/\n {2}disk \(required\): .*EISDIR/);
    expect(result.stderr).toMatch(/\nhint: .*blockstack-storage doctor/);
    const asJson = await runCli(home, ['put', 'blocked', '-', '--json'], { input: 'x' });
    expect(JSON.parse(asJson.stderr).error).toMatchObject({
      code: 'BSS_REPLICATION',
      exitCode: 9,
      drivers: [{ driver: 'disk', required: true, status: 'failed' }],
    });
  });

  it('an edited ledger fails to open', async () => {
    const dir = join(home, '.blockstack', 'metadata', 'ledger');
    const ledger = join(dir, (await readdir(dir)).find((f) => f.endsWith('.jsonl'))!);
    const text = await readFile(ledger, 'utf8');
    await writeFile(
      ledger,
      text.replace(/"timestamp":(\d)/, (_m, d: string) => `"timestamp":${(Number(d) + 1) % 10}`),
    );
    const result = await runCli(home, ['zonefile', 'history']);
    expect(result.code).toBe(5);
    expect(result.stderr).toMatch(/ledger/i);
  });
});
