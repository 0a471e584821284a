// Starts the Cloud Storage emulator (emulator-process.cjs) in a child process on a free port.
// Used by the tests' globalSetup and by the bench. Each run gets its own temporary directory, because
// the emulator keeps blobs under $TMPDIR/firebase and deletes that directory when it stops.
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

const script = fileURLToPath(new URL('./emulator-process.cjs', import.meta.url));

/** @returns {Promise<{ endpoint: string, stop: () => Promise<void> }>} */
export async function startGcsEmulator({ timeoutMs = 60_000 } = {}) {
  const dir = await mkdtemp(join(tmpdir(), 'bss-gcs-emulator-'));
  const child = spawn(process.execPath, [script], {
    env: { ...process.env, TMPDIR: dir },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (chunk) => {
    stderr = (stderr + chunk).slice(-4000);
  });
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.stdin.end();
      const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(timer);
    }
    await rm(dir, { recursive: true, force: true });
  };
  try {
    let timer;
    const port = await new Promise((resolve, reject) => {
      timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
      child.once('error', reject);
      child.once('exit', (code) => reject(new Error(`exited with code ${code}`)));
      createInterface({ input: child.stdout }).on('line', (line) => {
        try {
          const { port } = JSON.parse(line);
          if (typeof port === 'number') resolve(port);
        } catch {
          // firebase-tools log lines: ignore
        }
      });
    }).finally(() => clearTimeout(timer));
    return { endpoint: `http://127.0.0.1:${port}`, stop };
  } catch (error) {
    await stop();
    throw new Error(`The GCS emulator did not start: ${error.message}${stderr ? `\n${stderr}` : ''}`);
  }
}
