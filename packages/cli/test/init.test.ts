import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { BIN, cliEnv, json, makeHome, runCli, startServe } from './support/cli.js';

let home = '';
let cleanup: () => Promise<void> = async () => {};
beforeAll(async () => {
  ({ home, cleanup } = await makeHome());
});
afterAll(() => cleanup());

describe('init on a machine that already has the name', () => {
  it('refuses a new key for a registered name without --force; --force rekeys and keeps the records', async () => {
    const first = json<{ dataKey: string; publicKey: string }>(
      await runCli(home, ['init', '--name', 'alice.id', '--json']),
    );
    const put = json<{ hash: string }>(
      await runCli(home, ['put', 'pgp-key', '-', '--immutable', '--json'], { input: 'key' }),
    );
    await rm(join(home, '.blockstack', 'client.ini'));
    await rm(first.dataKey);

    const refused = await runCli(home, ['init', '--name', 'alice.id']);
    expect(refused.code).toBe(10);
    expect(refused.stderr).toMatch(
      /^blockstack-storage: alice\.id is already registered in the ledger at .*ledger\.jsonl\nhint: .*--force/,
    );

    const forced = json<{ operation: string; publicKey: string }>(
      await runCli(home, ['init', '--name', 'alice.id', '--force', '--json']),
    );
    expect(forced.operation).toBe('NAME_UPDATE');
    expect(forced.publicKey).not.toBe(first.publicKey);
    const zone = json<{ dataPublicKey: string; text: string }>(await runCli(home, ['zonefile', '--json']));
    expect(zone.dataPublicKey).toBe(forced.publicKey);
    expect(zone.text).toContain(`#${put.hash}`);
    const history = json<{ records: { op: string }[] }>(
      await runCli(home, ['zonefile', 'history', '--json']),
    );
    expect(history.records.map((r) => r.op)).toEqual(['NAME_REGISTRATION', 'NAME_UPDATE', 'NAME_UPDATE']);
    expect((await runCli(home, ['get', 'pgp-key'])).text).toBe('key');
  });

  it('rejects an invalid name (exit 2)', async () => {
    const result = await runCli(home, ['init', '--name', 'Not A Name', '--config', join(home, 'other.ini')]);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/"Not A Name" is not a valid name/);
  });
});

describe('stdout closed early', () => {
  it('get into a pipe that closes stops quietly with exit 0', async () => {
    const { home, cleanup } = await makeHome();
    onTestFinished(cleanup);
    expect((await runCli(home, ['init', '--name', 'bob.id'])).code).toBe(0);
    expect((await runCli(home, ['put', 'big', '-'], { input: randomBytes(6 * 1024 * 1024) })).code).toBe(0);
    const shell = spawnSync(
      'bash',
      [
        '-c',
        `"${process.execPath}" "${BIN}" get big | head -c 10 > /dev/null; echo "exit=\${PIPESTATUS[0]}"`,
      ],
      { cwd: home, env: cliEnv(home), encoding: 'utf8' },
    );
    expect(shell.stdout.trim()).toBe('exit=0');
    expect(shell.stderr).toBe('');
  });
});

describe('Ctrl-C', () => {
  it('interrupts a put waiting on stdin: exit 130, nothing stored', async () => {
    const { home, cleanup } = await makeHome();
    onTestFinished(cleanup);
    expect((await runCli(home, ['init', '--name', 'carol.id'])).code).toBe(0);
    const child = spawn(process.execPath, [BIN, 'put', 'slow', '-', '--verbose'], {
      cwd: home,
      env: cliEnv(home),
    });
    let stderr = '';
    child.stdin.write('the first bytes, and then the writer stalls');
    const closed = new Promise<number | null>((resolve) => child.on('close', resolve));
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
      // Interrupt once it is reading (the signal handler is installed by then).
      if (stderr.includes('reading stdin...')) child.kill('SIGINT');
    });
    expect(await closed).toBe(130);
    expect(stderr).toMatch(
      /blockstack-storage: Interrupted while reading the input\nhint: Nothing was left half-written/,
    );
    expect((await runCli(home, ['get', 'slow'])).code).toBe(4);
  });
});

describe('init --public-url', () => {
  it('writes the URL others use; serve warns when it only answers on loopback', async () => {
    const { home, cleanup } = await makeHome();
    onTestFinished(cleanup);
    const init = json<{ publicUrl: string }>(
      await runCli(home, [
        'init',
        '--name',
        'dave.id',
        '--public-url',
        'http://dave.example:7000/',
        '--json',
      ]),
    );
    expect(init.publicUrl).toBe('http://dave.example:7000/');
    const drivers = json<{ drivers: { settings: Record<string, string> }[] }>(
      await runCli(home, ['drivers', '--json']),
    );
    expect(drivers.drivers[0]!.settings.public_url).toBe('http://dave.example:7000');
    const server = await startServe(home);
    const log = await server.stop();
    expect(log).toMatch(
      /public_url is http:\/\/dave\.example:7000, but this server only answers on 127\.0\.0\.1: pass --host 0\.0\.0\.0/,
    );
    const bad = await runCli(home, [
      'init',
      '--name',
      'dave.id',
      '--force',
      '--public-url',
      'ftp://dave.example',
    ]);
    expect(bad.code).toBe(2);
  });
});
