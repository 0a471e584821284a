import { open } from 'node:fs/promises';
import { ConfigurationError, concatBytes } from '@blockstack-storage/core';
import type { Progress } from './progress.js';

/** Reads a whole file, or stdin for `-` / no file, counting bytes on `progress`. Binary-safe. */
export async function readInput(
  file: string | undefined,
  stdin: NodeJS.ReadableStream,
  makeProgress: (total: number | undefined) => Progress,
): Promise<Uint8Array> {
  if (file === undefined || file === '-') return readStream(stdin, makeProgress(undefined));
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
    );
  } finally {
    await handle.close();
  }
}

async function readStream(stream: NodeJS.ReadableStream, progress: Progress): Promise<Uint8Array> {
  const chunks: Uint8Array[] = [];
  let total = 0;
  for await (const chunk of stream as AsyncIterable<Buffer | string>) {
    const bytes = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
    chunks.push(bytes);
    total += bytes.byteLength;
    progress.advance(bytes.byteLength);
  }
  progress.done();
  return concatBytes(chunks, total);
}
