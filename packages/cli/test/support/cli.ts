import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The built binary: tests run what users run. */
export const BIN = fileURLToPath(new URL('../../dist/bin.js', import.meta.url));

export interface CliResult {
  code: number | null;
  stdout: Buffer;
  stderr: string;
  /** stdout as UTF-8. */
  text: string;
}

/** A fresh temporary HOME, so ~/.blockstack is the test's own. */
export async function makeHome(): Promise<{ home: string; cleanup: () => Promise<void> }> {
  if (!existsSync(BIN))
    throw new Error(`${BIN} is missing: build the CLI first (pnpm --filter @blockstack-storage/cli build)`);
  const home = await mkdtemp(join(tmpdir(), 'bss-cli-home-'));
  return { home, cleanup: () => rm(home, { recursive: true, force: true }) };
}

/** The environment of a run: HOME set, and nothing from the outer config leaking in. */
export function cliEnv(home: string, extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { PATH: process.env.PATH, HOME: home, ...extra };
  return env;
}

/** Runs `blockstack-storage ...args` in `home`, feeding `input` on stdin. */
export function runCli(
  home: string,
  args: readonly string[],
  options: { input?: Uint8Array | string; env?: Record<string, string>; cwd?: string } = {},
): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], {
      cwd: options.cwd ?? home,
      env: cliEnv(home, options.env),
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (chunk: Buffer) => out.push(chunk));
    child.stderr.on('data', (chunk: Buffer) => err.push(chunk));
    child.on('error', reject);
    child.on('close', (code) => {
      const stdout = Buffer.concat(out);
      resolve({ code, stdout, text: stdout.toString('utf8'), stderr: Buffer.concat(err).toString('utf8') });
    });
    child.stdin.on('error', () => {}); // a command that does not read stdin may close it early
    child.stdin.end(options.input ?? '');
  });
}

/** Runs `blockstack-storage serve --port 0 --json` and waits for its URL. */
export function startServe(
  home: string,
  args: readonly string[] = [],
): Promise<{ url: string; child: ChildProcess; stop: () => Promise<string> }> {
  return startListening(home, 'serve', args);
}

/** Runs a serving command (`serve`, `hub`) with `--port 0 --json` and waits for the URL it prints. */
export async function startListening(
  home: string,
  command: 'serve' | 'hub',
  args: readonly string[] = [],
): Promise<{ url: string; child: ChildProcess; stop: () => Promise<string> }> {
  const child = spawn(process.execPath, [BIN, command, '--port', '0', '--json', ...args], {
    cwd: home,
    env: cliEnv(home),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const url = await new Promise<string>((resolve, reject) => {
    let buffered = '';
    child.stdout!.on('data', (chunk: Buffer) => {
      buffered += chunk.toString();
      const line = buffered.split('\n')[0];
      if (buffered.includes('\n') && line) resolve((JSON.parse(line) as { url: string }).url);
    });
    child.on('close', (code) => reject(new Error(`${command} exited with ${code}: ${stderr}`)));
  });
  const stop = async () => {
    if (child.exitCode === null) {
      const closed = new Promise((resolve) => child.on('close', resolve));
      child.kill('SIGINT');
      await closed;
    }
    return stderr;
  };
  return { url, child, stop };
}

/** Parses the single JSON document a `--json` run printed on stdout. */
export function json<T = Record<string, unknown>>(result: CliResult): T {
  try {
    return JSON.parse(result.text) as T;
  } catch {
    throw new Error(`not JSON (exit ${result.code}): ${result.text}\nstderr: ${result.stderr}`);
  }
}
