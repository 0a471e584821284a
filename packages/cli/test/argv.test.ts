import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkArgumentEncoding } from '../src/argv.js';
import { BIN, type CliResult, cliEnv, makeHome, runCli } from './support/cli.js';

let home = '';
let cleanup: () => Promise<void> = async () => {};
const mutableDir = () => join(home, '.blockstack', 'storage-disk', 'mutable');

/**
 * Runs the CLI with `shellArgs` spliced into a sh command line, so arguments can be built from raw
 * bytes with printf (Node's spawn only passes strings, always as valid UTF-8).
 */
function runWithShellArgs(shellArgs: string, input: string): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn('sh', ['-c', `exec "$0" "$1" ${shellArgs}`, process.execPath, BIN], {
      cwd: home,
      env: cliEnv(home),
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (chunk: Buffer) => out.push(chunk));
    child.stderr.on('data', (chunk: Buffer) => err.push(chunk));
    child.on('error', reject);
    child.on('close', (code) => {
      const stdout = Buffer.concat(out);
      resolve({ code, stdout, text: stdout.toString(), stderr: Buffer.concat(err).toString() });
    });
    child.stdin.on('error', () => {});
    child.stdin.end(input);
  });
}

beforeAll(async () => {
  ({ home, cleanup } = await makeHome());
  expect((await runCli(home, ['init', '--name', 'alice.id'])).code).toBe(0);
});
afterAll(() => cleanup());

describe.runIf(existsSync('/proc/self/cmdline'))('arguments that are not valid UTF-8', () => {
  it('are refused with a usage error naming the position, and nothing is stored', async () => {
    // Two different ids, "a\xff" and "a\xfe": decoded lossily both would be "a\uFFFD".
    const first = await runWithShellArgs(`put "$(printf 'a\\377')" -`, 'first');
    expect(first.code).toBe(2);
    expect(first.stderr).toMatch(/Argument 2 is not valid UTF-8/);
    const second = await runWithShellArgs(`put "$(printf 'a\\376')" -`, 'second');
    expect(second.code).toBe(2);
    const stored = existsSync(mutableDir()) ? await readdir(mutableDir()) : [];
    expect(stored).toEqual([]);
    // Any position: an invalid --config path is refused the same way.
    const config = await runWithShellArgs(`--config "$(printf 'c\\351.ini')" ls`, '');
    expect(config.code).toBe(2);
    expect(config.stderr).toMatch(/Argument 2 is not valid UTF-8/);
  });

  it('valid UTF-8 passes, even a real U+FFFD, since its bytes can be checked', async () => {
    const put = await runWithShellArgs(`put "$(printf 'caf\\303\\251 \\357\\277\\275')" -`, 'kept');
    expect(put.stderr).toBe('');
    expect(put.code).toBe(0);
    const get = await runCli(home, ['get', 'café \uFFFD']);
    expect(get.code).toBe(0);
    expect(get.text).toBe('kept');
  });
});

describe('checkArgumentEncoding', () => {
  const bytes = (...values: number[]) => new Uint8Array(values);

  it('accepts arguments whose bytes match, and names the position of invalid ones', () => {
    expect(() =>
      checkArgumentEncoding(['put', 'café'], [bytes(0x70, 0x75, 0x74), Buffer.from('café')]),
    ).not.toThrow();
    expect(() => checkArgumentEncoding(['put', 'a\uFFFD'], [Buffer.from('put'), bytes(0x61, 0xff)])).toThrow(
      /^Argument 2 is not valid UTF-8/,
    );
  });

  it('without the raw bytes, refuses U+FFFD (a loss cannot be told from a real one) and nothing else', () => {
    expect(() => checkArgumentEncoding(['put', 'café', '-'], undefined)).not.toThrow();
    expect(() => checkArgumentEncoding(['put', 'x', 'a\uFFFD'], undefined)).toThrow(
      /^Argument 3 contains U\+FFFD/,
    );
  });
});
