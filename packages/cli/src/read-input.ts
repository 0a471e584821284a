import { open } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import { AbortedError, ConfigurationError, concatBytes, throwIfAborted } from '@blockstack-storage/core';
import type { Progress } from './progress.js';

/** Reads a whole file, or stdin for `-` / no file, counting bytes on `progress`. Binary-safe. */
export async function readInput(
  file: string | undefined,
  stdin: NodeJS.ReadableStream,
  makeProgress: (total: number | undefined) => Progress,
  signal: AbortSignal,
): Promise<Uint8Array> {
  if (file === undefined || file === '-') return readStream(stdin, makeProgress(undefined), signal);
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
    return await readStream(
      handle.createReadStream({ highWaterMark: 1024 * 1024, autoClose: false }),
      makeProgress(size),
      signal,
    );
  } finally {
    await handle.close();
  }
}

async function readStream(
  stream: NodeJS.ReadableStream,
  progress: Progress,
  signal: AbortSignal,
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
      progress.advance(bytes.byteLength);
    }
  } finally {
    signal.removeEventListener('abort', abort);
    progress.done();
  }
  throwIfAborted(signal);
  return concatBytes(chunks, total);
}
