import { randomBytes } from 'node:crypto';
import { link, readFile, rename, unlink, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import { UnavailableError } from '../errors.js';

/** A held lock: release it exactly once. */
export interface HeldLock {
  release(): Promise<void>;
}

const LOCK_CONTENT = /^(\d+) (\S+) ([0-9a-f]{16})\n$/;

/**
 * An exclusive lock between processes on one host: the file `path` holding `<pid> <host> <token>`.
 *
 * The content is written to a temp file first and `link()`ed to `path` (which fails if `path`
 * exists), so a lock file never exists empty or half-written, even if its writer is killed. Hence a
 * lock that is empty or malformed, or whose process is gone (same host, pid not alive), is stale and
 * is broken, so a crash never wedges the ledger.
 * @throws UnavailableError (retryable) after `timeoutMs`, naming the lock file and its holder.
 */
export async function acquireFileLock(
  path: string,
  timeoutMs: number,
  hint = 'Another process is writing the ledger; retry when it is done.',
): Promise<HeldLock> {
  const token = randomBytes(8).toString('hex');
  const content = `${process.pid} ${hostname()} ${token}\n`;
  const temp = `${path}.${token}.tmp`;
  await writeFile(temp, content, { mode: 0o600, flag: 'wx' });
  const deadline = Date.now() + timeoutMs;
  let delay = 2;
  try {
    for (;;) {
      try {
        await link(temp, path);
        return { release: () => releaseIfOurs(path, content) };
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      }
      const holder = await readFile(path, 'utf8').catch(() => undefined);
      if (holder === undefined) continue; // released meanwhile: try again at once
      if (isStale(holder)) {
        await breakStaleLock(path, holder);
        continue;
      }
      if (Date.now() >= deadline) {
        throw new UnavailableError(
          `Timed out after ${timeoutMs} ms waiting for the lock ${path} (held by process ${holder.split(' ')[0]})`,
          { hint },
        );
      }
      await sleep(delay);
      delay = Math.min(delay * 2, 50);
    }
  } finally {
    await unlink(temp).catch(() => {});
  }
}

/**
 * Removes the stale lock whose content was `holder`. It is moved aside first (rename is atomic, so
 * of two processes breaking it at once only one succeeds); if what was moved is not the stale lock
 * (a new lock was taken in between), it is put back.
 */
async function breakStaleLock(path: string, holder: string): Promise<void> {
  const aside = `${path}.${randomBytes(6).toString('hex')}.stale`;
  try {
    await rename(path, aside);
  } catch {
    return; // someone else moved or released it
  }
  const moved = await readFile(aside, 'utf8').catch(() => undefined);
  if (moved !== holder) await link(aside, path).catch(() => {});
  await unlink(aside).catch(() => {});
}

async function releaseIfOurs(path: string, content: string): Promise<void> {
  if ((await readFile(path, 'utf8').catch(() => '')) === content) await unlink(path).catch(() => {});
}

function isStale(holder: string): boolean {
  const match = LOCK_CONTENT.exec(holder);
  // Locks are written whole (temp file + link), so an empty or malformed one is debris (for example
  // from a power cut before the data reached the disk), never a lock being written.
  if (!match) return true;
  const pid = Number(match[1]);
  // A lock from another host (a shared filesystem) cannot be judged from here.
  if (match[2] !== hostname() || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return false;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'ESRCH';
  }
}
