import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DriverProgressBoard } from '../src/driver-progress-board.js';
import { createProgress, formatBytes } from '../src/progress.js';
import { BIN, cliEnv, makeHome, runCli } from './support/cli.js';
import { installMirrorDriver } from './support/mirror-driver.js';

let home = '';
let cleanup: () => Promise<void> = async () => {};
const BIG = 9 * 1024 * 1024;

beforeAll(async () => {
  ({ home, cleanup } = await makeHome());
  expect((await runCli(home, ['init', '--name', 'alice.id'])).code).toBe(0);
  // A second driver, so a put replicates to two at once.
  await installMirrorDriver(home);
  const config = join(home, '.blockstack', 'client.ini');
  const ini = (await readFile(config, 'utf8'))
    .replace(/^storage_drivers = disk$/m, 'storage_drivers = disk, mirror')
    .replace(/^storage_drivers_local =$/m, 'storage_drivers_local = mirror');
  await writeFile(config, `${ini}\n[mirror]\nroot = ~/mirror\n`);
  await mkdir(join(home, 'mirror')); // a disk root is created by init, or by hand
  await writeFile(join(home, 'big.bin'), randomBytes(BIG));
  await writeFile(join(home, 'small.bin'), randomBytes(1024));
});
afterAll(() => cleanup());

// util-linux `script` runs a command in a pseudo-terminal: stdin, stdout and stderr are then a TTY.
const hasScript = spawnSync('script', ['--version']).status === 0;

function inTerminal(args: string[]): Promise<{ code: number | null; output: string }> {
  const quoted = [process.execPath, BIN, ...args].map((a) => `'${a.replace(/'/g, `'\\''`)}'`).join(' ');
  return new Promise((resolve, reject) => {
    const child = spawn('script', ['-qefc', quoted, '/dev/null'], {
      cwd: home,
      env: cliEnv(home, { COLUMNS: '120' }),
    });
    let output = '';
    child.stdout.on('data', (c: Buffer) => {
      output += c.toString('latin1');
    });
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, output }));
  });
}

describe.skipIf(!hasScript)('progress in a pseudo-terminal', () => {
  it('shows bytes, percentage and rate for a put over 4 MiB', async () => {
    const { code, output } = await inTerminal(['put', 'big.bin', 'big.bin']);
    expect(code).toBe(0);
    expect(output).toContain('\r\x1b[K');
    expect(output).toMatch(
      /reading big\.bin {2}9\.0 MiB \/ 9\.0 MiB {2}\[#{20}\] 100% {2}[\d.]+ (KiB|MiB|GiB)\/s {2}in [\d.]+s/,
    );
    expect(output).toMatch(/stored +big\.bin version 1 \(9437184 bytes, encrypted\)/);
  });

  it('a value stored in chunks shows the bar of its input or output, not a line per chunk and driver', async () => {
    // Over the chunk threshold every value goes in chunks, each its own transfer on each driver: the
    // per-driver board (tested below) stays quiet and the single bar counts the whole value.
    const { code, output } = await inTerminal(['put', 'big-i.bin', 'big.bin', '--immutable']);
    expect(code).toBe(0);
    expect(output).toMatch(/reading big\.bin {2}9\.0 MiB \/ 9\.0 MiB {2}\[#{20}\] 100%/);
    expect(output).not.toMatch(/(disk|mirror) put/);
    const got = await inTerminal(['get', 'big-i.bin', '--immutable', '-o', 'copy2.bin']);
    expect(got.code).toBe(0);
    expect(got.output).toMatch(/writing copy2\.bin {2}9\.0 MiB \/ 9\.0 MiB {2}\[#{20}\] 100%/);
    expect(got.output).not.toMatch(/(disk|mirror) get/);
    expect((await readFile(join(home, 'copy2.bin'))).equals(await readFile(join(home, 'big.bin')))).toBe(
      true,
    );
  });

  it('shows the write of a get to a file', async () => {
    const { code, output } = await inTerminal(['get', 'big.bin', '-o', 'copy.bin']);
    expect(code).toBe(0);
    expect(output).toMatch(/writing copy\.bin {2}9\.0 MiB \/ 9\.0 MiB .*100%/);
  });

  it('shows nothing for small transfers or with --quiet', async () => {
    const small = await inTerminal(['put', 'small.bin', 'small.bin']);
    expect(small.code).toBe(0);
    expect(small.output).not.toMatch(/reading|put {2}|\x1b\[K/);
    const quiet = await inTerminal(['put', 'big.bin', 'big.bin', '--quiet']);
    expect(quiet.code).toBe(0);
    expect(quiet.output).toBe('');
  });
});

describe('progress without a terminal', () => {
  it('is absent when stderr is a pipe, even for large transfers', async () => {
    const put = await runCli(home, ['put', 'big2.bin', 'big.bin']);
    expect(put.code).toBe(0);
    expect(put.stderr).toBe('');
    const get = await runCli(home, ['get', 'big2.bin']);
    expect(get.stdout.byteLength).toBe(BIG);
    expect(get.stderr).toBe('');
  });
});

describe('createProgress', () => {
  function fakeTerminal(): { stream: Writable & { isTTY: boolean; columns: number }; text: () => string } {
    let written = '';
    const stream = Object.assign(
      new Writable({
        write(chunk, _encoding, done) {
          written += chunk.toString();
          done();
        },
      }),
      { isTTY: true, columns: 200 },
    );
    return { stream, text: () => written };
  }

  it('estimates the time left from the rate so far, and redraws at most every 100 ms', () => {
    const terminal = fakeTerminal();
    let clock = 0;
    const progress = createProgress({
      label: 'up',
      total: 100 * 1024 * 1024,
      stream: terminal.stream,
      allowed: true,
      now: () => clock,
    });
    clock = 1000;
    progress.advance(10 * 1024 * 1024); // 10 MiB in 1 s: 90 MiB left at 10 MiB/s
    expect(terminal.text()).toBe(
      '\r\x1b[Kup  10.0 MiB / 100.0 MiB  [##..................] 10%  10.0 MiB/s  ETA 9.0s',
    );
    clock = 1050;
    progress.advance(1024);
    expect(terminal.text().split('\r').length).toBe(2);
    clock = 2000;
    progress.advance(10 * 1024 * 1024 - 1024);
    expect(terminal.text()).toMatch(/20\.0 MiB \/ 100\.0 MiB .* 20% {2}10\.0 MiB\/s {2}ETA 8\.0s$/);
    progress.done();
    expect(terminal.text().endsWith('in 2.0s\n')).toBe(true);
  });

  it('starts for an unknown total only once it passes the threshold', () => {
    const terminal = fakeTerminal();
    const progress = createProgress({
      label: 'stdin',
      total: undefined,
      stream: terminal.stream,
      allowed: true,
    });
    progress.advance(4 * 1024 * 1024);
    expect(terminal.text()).toBe('');
    progress.advance(1);
    expect(terminal.text()).toMatch(/^\r\x1b\[Kstdin {2}4\.0 MiB {2}/);
  });

  it('stays silent when not allowed or not a terminal', () => {
    const terminal = fakeTerminal();
    const off = createProgress({
      label: 'x',
      total: 10 * 1024 * 1024,
      stream: terminal.stream,
      allowed: false,
    });
    off.advance(10 * 1024 * 1024);
    off.done();
    terminal.stream.isTTY = false;
    const pipe = createProgress({
      label: 'x',
      total: 10 * 1024 * 1024,
      stream: terminal.stream,
      allowed: true,
    });
    pipe.advance(10 * 1024 * 1024);
    pipe.done();
    expect(terminal.text()).toBe('');
  });

  it('formats sizes', () => {
    expect([0, 1023, 1536, 5 * 1024 ** 3].map(formatBytes)).toEqual(['0 B', '1023 B', '1.5 KiB', '5.0 GiB']);
  });
});

describe('DriverProgressBoard', () => {
  it('draws one line per driver, redraws them in place, and marks failures', () => {
    let written = '';
    const stream = Object.assign(
      new Writable({
        write(chunk, _encoding, done) {
          written += chunk.toString();
          done();
        },
      }),
      { isTTY: true, columns: 200 },
    );
    let clock = 0;
    const board = new DriverProgressBoard(stream, true, () => clock);
    const mib = 1024 * 1024;
    expect(board.track('disk', 'put', 1024)).toBeUndefined(); // small: not shown
    const disk = board.track('disk', 'put', 8 * mib)!;
    const s3 = board.track('s3', 'put', 8 * mib)!;
    clock = 1000;
    disk.advance(8 * mib);
    disk.done();
    s3.advance(2 * mib);
    s3.done(true);
    board.end();
    const last = written.slice(written.lastIndexOf('\x1b[1A'));
    expect(last).toBe(
      '\x1b[1A\r\x1b[Kdisk put  8.0 MiB / 8.0 MiB  [####################] 100%  8.0 MiB/s  in 1.0s\n' +
        '\r\x1b[Ks3 put    2.0 MiB / 8.0 MiB  [#####...............] 25%  2.0 MiB/s  in 1.0s  FAILED\n',
    );
  });

  it('is off without a terminal', () => {
    const stream = Object.assign(new Writable({ write: (_c, _e, done) => done() }), { isTTY: false });
    const board = new DriverProgressBoard(stream, true);
    expect(board.enabled).toBe(false);
    expect(board.track('disk', 'put', 100 * 1024 * 1024)).toBeUndefined();
  });
});
