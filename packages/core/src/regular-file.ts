import type { Stats } from 'node:fs';
import { constants } from 'node:fs';
import { type FileHandle, open } from 'node:fs/promises';

/** What a path names when it is not a regular file, for messages: `a FIFO`, `a directory`, ... */
export function fileKind(info: Stats): string {
  if (info.isFile()) return 'a regular file';
  if (info.isDirectory()) return 'a directory';
  if (info.isFIFO()) return 'a FIFO (named pipe)';
  if (info.isSocket()) return 'a socket';
  if (info.isCharacterDevice() || info.isBlockDevice()) return 'a device';
  return 'not a regular file';
}

/** What `readRegularFile` found. */
export type RegularFileRead =
  | { kind: 'file'; bytes: Buffer; info: Stats }
  | { kind: 'missing' }
  | { kind: 'not-regular'; what: string }
  | { kind: 'too-large'; size: number };

/**
 * Reads a small file that must be a regular file (a key, a ledger head, a zone file) without ever
 * blocking: it is opened non-blocking, so a FIFO put in its place does not wait for a writer, and
 * anything but a regular file (FIFO, directory, socket, device) is reported instead of read. Files
 * over `maxBytes` are reported without reading them. Other errors are thrown as they come.
 */
export async function readRegularFile(path: string, maxBytes: number): Promise<RegularFileRead> {
  let handle: FileHandle;
  try {
    // O_NONBLOCK does not change reads of regular files; it only keeps open() of a FIFO from waiting.
    handle = await open(path, constants.O_RDONLY | (constants.O_NONBLOCK ?? 0));
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return { kind: 'missing' };
    // open() of a Unix socket fails with ENXIO.
    if (code === 'ENXIO') return { kind: 'not-regular', what: 'a socket' };
    throw error;
  }
  try {
    const info = await handle.stat();
    if (!info.isFile()) return { kind: 'not-regular', what: fileKind(info) };
    if (info.size > maxBytes) return { kind: 'too-large', size: info.size };
    // One byte more than allowed tells a file that grew since the stat.
    const buffer = Buffer.alloc(maxBytes + 1);
    let filled = 0;
    for (;;) {
      const { bytesRead } = await handle.read(buffer, filled, buffer.byteLength - filled, filled);
      if (bytesRead === 0) break;
      filled += bytesRead;
      if (filled > maxBytes) return { kind: 'too-large', size: filled };
    }
    return { kind: 'file', bytes: buffer.subarray(0, filled), info };
  } finally {
    await handle.close();
  }
}
