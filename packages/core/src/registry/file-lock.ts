import { randomBytes } from 'node:crypto';
import { constants } from 'node:fs';
import { open, readFile, unlink } from 'node:fs/promises';
import { hostname } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import { UnavailableError } from '../errors.js';

/** A held lock: release it exactly once. */
export interface HeldLock {
  release(): Promise<void>;
}

/**
 * An exclusive lock between processes on one host: a file created with O_EXCL holding
 * `<pid> <host> <token>`. A lock whose process is gone (same host, pid no longer alive) is broken, so
 * a crash never wedges the ledger.
 * @throws UnavailableError (retryable) after `timeoutMs`, naming the lock file and its holder.
 */
export async function acquireFileLock(path: string, timeoutMs: number): Promise<HeldLock> {
  const token = randomBytes(8).toString('hex');
  const content = `${process.pid} ${hostname()} ${token}`;
  const deadline = Date.now() + timeoutMs;
  let delay = 2;
  for (;;) {
    try {
      const handle = await open(path, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL, 0o600);
      try {
        await handle.writeFile(content);
      } finally {
        await handle.close();
      }
      return { release: () => releaseIfOurs(path, content) };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    const holder = await readFile(path, 'utf8').catch(() => '');
    if (holder !== '' && isStale(holder)) {
      // Re-read just before removing, so a lock taken in between is not broken by mistake.
      if ((await readFile(path, 'utf8').catch(() => '')) === holder) await unlink(path).catch(() => {});
      continue;
    }
    if (Date.now() >= deadline) {
      throw new UnavailableError(
        `Timed out after ${timeoutMs} ms waiting for the lock ${path} (held by process ${holder.split(' ')[0] || '?'})`,
        {
          hint: 'Another process is writing the ledger; retry, or remove the lock file if that process is gone.',
        },
      );
    }
    await sleep(delay);
    delay = Math.min(delay * 2, 50);
  }
}

async function releaseIfOurs(path: string, content: string): Promise<void> {
  if ((await readFile(path, 'utf8').catch(() => '')) === content) await unlink(path).catch(() => {});
}

function isStale(holder: string): boolean {
  const [pidText, host] = holder.split(' ');
  const pid = Number(pidText);
  // A lock from another host (shared filesystem), or one being written right now, is never judged.
  if (host !== hostname() || !Number.isSafeInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return false;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'ESRCH';
  }
}
