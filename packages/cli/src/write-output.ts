import { once } from 'node:events';
import { open, rename, unlink } from 'node:fs/promises';
import type { Writable } from 'node:stream';
import { ConfigurationError } from '@blockstack-storage/core';
import type { Progress } from './progress.js';

const CHUNK = 1024 * 1024;

/**
 * Writes `bytes` to `file` (atomically: a temp file renamed into place, so a failed get never leaves
 * half a file) or to stdout, in 1 MiB chunks that respect back-pressure, counting on `progress`.
 */
export async function writeOutput(
  bytes: Uint8Array,
  file: string | undefined,
  stdout: Writable,
  progress: Progress,
): Promise<void> {
  if (file === undefined || file === '-') {
    for (let at = 0; at < bytes.byteLength; at += CHUNK) {
      const chunk = bytes.subarray(at, at + CHUNK);
      if (!stdout.write(chunk)) await once(stdout, 'drain');
      progress.advance(chunk.byteLength);
    }
    progress.done();
    return;
  }
  const temp = `${file}.${process.pid}.part`;
  try {
    const handle = await open(temp, 'w', 0o644);
    try {
      for (let at = 0; at < bytes.byteLength; at += CHUNK) {
        const chunk = bytes.subarray(at, at + CHUNK);
        await handle.write(chunk);
        progress.advance(chunk.byteLength);
      }
    } finally {
      await handle.close();
    }
    await rename(temp, file);
    progress.done();
  } catch (error) {
    await unlink(temp).catch(() => {});
    const code = (error as NodeJS.ErrnoException).code;
    throw new ConfigurationError(`Cannot write ${file} (${code})`, {
      cause: error,
      hint: 'Check the directory exists and is writable.',
    });
  }
}
