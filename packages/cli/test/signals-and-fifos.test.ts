import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { constants } from 'node:fs';
import { type FileHandle, open, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BIN, cliEnv, json, makeHome, runCli } from './support/cli.js';

// FIFOs and POSIX signals: not on Windows.
const posix = process.platform !== 'win32';

let home = '';
let cleanup: () => Promise<void> = async () => {};
beforeAll(async () => {
  ({ home, cleanup } = await makeHome());
  expect((await runCli(home, ['init', '--name', 'alice.id'])).code).toBe(0);
});
afterAll(() => cleanup());

/** How a child ended: by an exit code, or by a signal (which a shell also reports as 128 + n). */
function ended(child: ChildProcess): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
  return new Promise((resolve) => child.on('close', (code, signal) => resolve({ code, signal })));
}

/** Opens the write end of `fifo` once a reader has it open (ENXIO until then), without blocking. */
async function writerOnceRead(fifo: string): Promise<FileHandle> {
  for (;;) {
    try {
      return await open(fifo, constants.O_WRONLY | constants.O_NONBLOCK);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENXIO') throw error;
      await sleep(20);
    }
  }
}

describe.runIf(posix)('a FIFO key file and signals', () => {
  it('a FIFO in place of the data key file is refused at once (exit 3), not waited on', async () => {
    const fifoHome = await makeHome();
    try {
      const init = json<{ dataKey: string }>(
        await runCli(fifoHome.home, ['init', '--name', 'bob.id', '--json']),
      );
      await rm(init.dataKey);
      execFileSync('mkfifo', ['-m', '600', init.dataKey]);
      for (const args of [
        ['get', 'x'],
        ['put', 'x', '-'],
      ]) {
        const result = await runCli(fifoHome.home, args, { input: 'value' });
        expect(result.code).toBe(3);
        expect(result.stderr).toContain(`${init.dataKey} is a FIFO (named pipe), not a regular file`);
      }
    } finally {
      await fifoHome.cleanup();
    }
  });

  it('SIGTERM ends a put stuck reading a FIFO whose writer stalls, with status 143, and stores nothing', async () => {
    const fifo = join(home, 'stalled.fifo');
    execFileSync('mkfifo', [fifo]);
    const child = spawn(process.execPath, [BIN, 'put', 'stalled', fifo], { cwd: home, env: cliEnv(home) });
    const end = ended(child);
    // Once the CLI has the FIFO open, it is blocked reading it: the writer never writes.
    const writer = await writerOnceRead(fifo);
    try {
      child.kill('SIGTERM');
      const { code, signal } = await end;
      expect(code === 143 || signal === 'SIGTERM').toBe(true);
    } finally {
      await writer.close();
    }
    expect((await runCli(home, ['get', 'stalled'])).code).toBe(4);
    // Nothing was left half-done: the next put works.
    expect((await runCli(home, ['put', 'after', '-'], { input: 'v' })).code).toBe(0);
  });

  it('SIGTERM and SIGINT end serve with 128 + the signal number', async () => {
    for (const [signal, status] of [
      ['SIGTERM', 143],
      ['SIGINT', 130],
    ] as const) {
      const child = spawn(process.execPath, [BIN, 'serve', '--port', '0', '--json'], {
        cwd: home,
        env: cliEnv(home),
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      const end = ended(child);
      await new Promise<void>((resolve) => child.stdout!.once('data', () => resolve()));
      child.kill(signal);
      expect(await end).toEqual({ code: status, signal: null });
    }
  });
});
