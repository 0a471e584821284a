import { open } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import { AbortedError, ConfigurationError, throwIfAborted } from '@blockstack-storage/core';
import type { Progress } from './progress.js';
import { MIB } from './put-limits.js';

/** The input of a put, streamed: read as the client consumes it. */
export interface InputStream {
  /** The bytes in pieces of up to 1 MiB; consume once. Counts on the progress bar as it is read. */
  body: AsyncIterable<Uint8Array>;
  /** The file's size when reading a regular file (a pipe's is unknown). */
  size?: number;
  /** Bytes read so far. */
  readonly bytesRead: number;
}

/**
 * Opens a file, or stdin for `-` / no file, as a stream for a put: memory stays at a piece or two
 * whatever the input's size. The file is opened now (so a bad path fails before the client opens);
 * it is closed when the stream ends, fails, or is stopped.
 * @throws ConfigurationError when the file cannot be opened.
 */
export async function openInput(
  file: string | undefined,
  stdin: NodeJS.ReadableStream,
  makeProgress: (total: number | undefined) => Progress,
  signal: AbortSignal,
): Promise<InputStream> {
  if (file === undefined || file === '-') return counted(stdin, makeProgress(undefined), signal);
  const handle = await openFile(file);
  let size: number;
  try {
    size = (await handle.stat()).size;
  } catch (error) {
    await handle.close();
    throw error;
  }
  const stream = handle.createReadStream({ highWaterMark: MIB, autoClose: true });
  return counted(stream, makeProgress(size), signal, size);
}

async function openFile(file: string) {
  try {
    return await open(file, 'r');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new ConfigurationError(`Cannot read ${file} (${code})`, {
      cause: error,
      hint: code === 'ENOENT' ? 'Check the path, or pass - to read stdin.' : 'Check the file permissions.',
    });
  }
}

function counted(
  stream: NodeJS.ReadableStream,
  progress: Progress,
  signal: AbortSignal,
  size?: number,
): InputStream {
  let bytesRead = 0;
  async function* pieces(): AsyncIterable<Uint8Array> {
    // Ctrl-C while waiting on a slow pipe must not hang until the writer closes it.
    const abort = () => (stream as Readable).destroy(new AbortedError('Interrupted while reading the input'));
    // Interrupted before the client began reading (while it opened): an abort event would never come.
    if (signal.aborted) abort();
    else signal.addEventListener('abort', abort, { once: true });
    try {
      for await (const chunk of stream as AsyncIterable<Buffer | string>) {
        const bytes = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
        bytesRead += bytes.byteLength;
        progress.advance(bytes.byteLength);
        yield bytes;
      }
      throwIfAborted(signal);
    } finally {
      signal.removeEventListener('abort', abort);
      progress.done();
      // A stream stopped early (the put failed) must still close its file.
      (stream as Readable).destroy?.();
    }
  }
  return {
    body: pieces(),
    ...(size === undefined ? {} : { size }),
    get bytesRead() {
      return bytesRead;
    },
  };
}
