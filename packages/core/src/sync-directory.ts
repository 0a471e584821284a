import { constants } from 'node:fs';
import { open } from 'node:fs/promises';

/**
 * Fsyncs a directory, so a file created, renamed or deleted in it survives a crash (the entry lives
 * in the directory, not the file). A no-op on Windows, where directories cannot be opened for fsync.
 */
export async function syncDirectory(dir: string): Promise<void> {
  if (process.platform === 'win32') return;
  const handle = await open(dir, constants.O_RDONLY);
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}
