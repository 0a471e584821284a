import { once } from 'node:events';
import { open, rename, unlink } from 'node:fs/promises';
import type { Writable } from 'node:stream';
import { ConfigurationError, isStorageError } from '@blockstack-storage/core';
import type { Progress } from './progress.js';

const CHUNK = 1024 * 1024;

/**
 * Writes a value to `file` or to stdout as its pieces arrive, respecting back-pressure and counting on
 * `progress`. A file is written to a temporary file beside it and renamed into place only once the
 * whole value arrived, so a get that fails midway (a tampered chunk, a driver gone) never leaves a
 * partial file where the value should be; the temporary file is removed. On stdout, what arrived
 * before a failure has been written: the command then fails, so a caller knows it is not the value.
 * @throws the body's own errors as they are; ConfigurationError when the file cannot be written.
 */
export async function writeOutput(
  body: Uint8Array | AsyncIterable<Uint8Array>,
  file: string | undefined,
  stdout: Writable,
  progress: Progress,
): Promise<void> {
  if (file === undefined || file === '-') {
    for await (const piece of pieces(body)) {
      if (!stdout.write(piece)) await once(stdout, 'drain');
      progress.advance(piece.byteLength);
    }
    progress.done();
    return;
  }
  const temp = `${file}.${process.pid}.part`;
  try {
    const handle = await open(temp, 'w', 0o644);
    try {
      for await (const piece of pieces(body)) {
        await handle.write(piece);
        progress.advance(piece.byteLength);
      }
    } finally {
      await handle.close();
    }
    await rename(temp, file);
    progress.done();
  } catch (error) {
    await unlink(temp).catch(() => {});
    progress.done();
    if (isStorageError(error)) throw error; // the value failed, not the file
    const code = (error as NodeJS.ErrnoException).code;
    throw new ConfigurationError(`Cannot write ${file} (${code})`, {
      cause: error,
      hint: 'Check the directory exists and is writable.',
    });
  }
}

/** The body in pieces of at most 1 MiB (a whole array is cut, so progress moves). */
async function* pieces(body: Uint8Array | AsyncIterable<Uint8Array>): AsyncIterable<Uint8Array> {
  if (body instanceof Uint8Array) {
    for (let at = 0; at < body.byteLength; at += CHUNK) yield body.subarray(at, at + CHUNK);
    return;
  }
  for await (const piece of body) yield piece;
}
