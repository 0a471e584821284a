import { open } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import {
  AbortedError,
  ConfigurationError,
  concatBytes,
  TooLargeError,
  throwIfAborted,
} from '@blockstack-storage/core';
import type { Progress } from './progress.js';
import { MIB } from './put-limits.js';

/** Reads a whole file, or stdin for `-` / no file, counting bytes on `progress`. Binary-safe. */
export async function readInput(
  file: string | undefined,
  stdin: NodeJS.ReadableStream,
  makeProgress: (total: number | undefined) => Progress,
  signal: AbortSignal,
  maxBytes: number,
): Promise<Uint8Array> {
  if (file === undefined || file === '-') return readStream(stdin, makeProgress(undefined), signal, maxBytes);
  let handle: Awaited<ReturnType<typeof open>>;
  try {
    handle = await open(file, 'r');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new ConfigurationError(`Cannot read ${file} (${code})`, {
      cause: error,
      hint: code === 'ENOENT' ? 'Check the path, or pass - to read stdin.' : 'Check the file permissions.',
    });
  }
  try {
    const size = (await handle.stat()).size;
    // Refused before reading a byte: a 10 GiB file should not be read only to be rejected.
    if (size > maxBytes) throw tooLarge(file, maxBytes);
    return await readStream(
      handle.createReadStream({ highWaterMark: 1024 * 1024, autoClose: false }),
      makeProgress(size),
      signal,
      maxBytes,
    );
  } finally {
    await handle.close();
  }
}

async function readStream(
  stream: NodeJS.ReadableStream,
  progress: Progress,
  signal: AbortSignal,
  maxBytes: number,
): Promise<Uint8Array> {
  const chunks: Uint8Array[] = [];
  let total = 0;
  // Ctrl-C while waiting on a slow pipe must not hang until the writer closes it.
  const abort = () => (stream as Readable).destroy(new AbortedError('Interrupted while reading the input'));
  signal.addEventListener('abort', abort, { once: true });
  try {
    for await (const chunk of stream as AsyncIterable<Buffer | string>) {
      const bytes = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
      chunks.push(bytes);
      total += bytes.byteLength;
      if (total > maxBytes) throw tooLarge('stdin', maxBytes);
      progress.advance(bytes.byteLength);
    }
  } finally {
    signal.removeEventListener('abort', abort);
    progress.done();
  }
  throwIfAborted(signal);
  return concatBytes(chunks, total);
}

function tooLarge(what: string, maxBytes: number): TooLargeError {
  return new TooLargeError(
    `${what} is larger than ${maxBytes / MIB} MiB, the most this command puts at once`,
    {
      hint: 'Store large files with --immutable (up to 512 MiB), or split them.',
    },
  );
}
