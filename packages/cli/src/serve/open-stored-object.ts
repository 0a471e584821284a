import { type BigIntStats, constants, existsSync } from 'node:fs';
import { type FileHandle, lstat, open, realpath, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { diskLocationOf } from '@blockstack-storage/driver-disk';

/** A stored object opened for serving, with the stat taken on its handle. */
export interface OpenedObject {
  kind: 'mutable' | 'immutable';
  handle: FileHandle;
  info: BigIntStats;
}

// Where `/proc/self/fd/<n>/<name>` works, it opens <name> inside the very directory open as fd n
// (an openat): a directory swapped for a symbolic link after we opened it cannot redirect the open.
const PINNED_DIRECTORIES = process.platform === 'linux' && existsSync('/proc/self/fd');
// A put may rename a new version over the name between our open and our checks: try again.
const ATTEMPTS = 3;

/**
 * Opens the file the disk driver stores `key` in (`<root>/<kind>/<name>`, see driver-disk's
 * `diskLocationOf`) only if it is a stored object that really lies inside the root: `<kind>` is a
 * real directory (not a symbolic link) of the real root, the file is opened without
 * following links, it is a regular file with exactly one link (the disk driver renames a fresh temp
 * file into place, so a stored object never has a second name; a hard link to a file elsewhere
 * always does), and it is none of `secretFiles` (compared by device and inode). Every check is made
 * on the open handle, or is an lstat of the name that must find that same inode, so a rename between
 * check and open cannot swap another file in. The root itself may be a symbolic link: the operator
 * chose it; what is inside it is what may be hostile.
 * @param key a storage key (`mutable/<encoded id>` or `immutable/<sha256>`); any other key, or a
 *   traversal, names nothing.
 * @param secretFiles files never to serve, such as the data key; stat'd on each call, so a key
 *   written or replaced after the server started is still recognised.
 * @returns the open object, or undefined when there is none to serve (answer 404).
 */
export async function openStoredObject(
  root: string,
  key: string,
  secretFiles: readonly string[],
): Promise<OpenedObject | undefined> {
  let realRoot: string;
  try {
    realRoot = await realpath(root);
  } catch {
    return undefined;
  }
  const location = diskLocationOf(realRoot, key);
  if (location === undefined) return undefined;
  const secrets = await identities(secretFiles);
  for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
    const outcome = await tryOpen(location.directory, location.name, secrets);
    if (outcome !== 'raced') return outcome === undefined ? undefined : { kind: location.kind, ...outcome };
  }
  return undefined;
}

async function tryOpen(
  dirPath: string,
  name: string,
  secrets: readonly BigIntStats[],
): Promise<Omit<OpenedObject, 'kind'> | undefined | 'raced'> {
  let dir: FileHandle;
  try {
    // O_NOFOLLOW on the last component: mutable/ or immutable/ as a symbolic link fails here.
    dir = await open(dirPath, constants.O_RDONLY | constants.O_DIRECTORY | constants.O_NOFOLLOW);
  } catch {
    return undefined;
  }
  try {
    const dirInfo = await dir.stat({ bigint: true });
    if (!dirInfo.isDirectory()) return undefined;
    const filePath = join(PINNED_DIRECTORIES ? `/proc/self/fd/${dir.fd}` : dirPath, name);
    let handle: FileHandle;
    try {
      // O_NONBLOCK: opening a FIFO for reading would otherwise wait for a writer forever.
      handle = await open(filePath, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
    } catch {
      return undefined;
    }
    let keep = false;
    try {
      const info = await handle.stat({ bigint: true });
      if (!info.isFile()) return undefined;
      if (secrets.some((secret) => sameFile(secret, info))) return undefined;
      // Unlinked since we opened it: a put replaced it. Open the new version instead.
      if (info.nlink === 0n) return 'raced';
      if (info.nlink !== 1n) return undefined;
      // One lstat sees, at one instant, which inode the name holds and how many names that inode
      // has: our file, with this as its only name, inside the directory we hold open. A hard link
      // made and removed around our open cannot pass this (while it exists, nlink is 2).
      let named: BigIntStats;
      try {
        named = await lstat(filePath, { bigint: true });
      } catch {
        return 'raced';
      }
      if (!sameFile(named, info)) return 'raced';
      if (named.nlink !== 1n) return undefined;
      if (!PINNED_DIRECTORIES) {
        // Without an openat, check that the directory name still holds the directory we opened.
        const now = await lstat(dirPath, { bigint: true }).catch(() => undefined);
        if (now === undefined || !now.isDirectory() || !sameFile(now, dirInfo)) return undefined;
      }
      keep = true;
      return { handle, info };
    } finally {
      if (!keep) await handle.close().catch(() => {});
    }
  } finally {
    await dir.close().catch(() => {});
  }
}

async function identities(paths: readonly string[]): Promise<BigIntStats[]> {
  const found: BigIntStats[] = [];
  for (const path of paths) {
    // Followed on purpose: data_key may be a symbolic link to the real key file.
    const info = await stat(path, { bigint: true }).catch(() => undefined);
    if (info !== undefined) found.push(info);
  }
  return found;
}

function sameFile(a: BigIntStats, b: BigIntStats): boolean {
  return a.dev === b.dev && a.ino === b.ino;
}
