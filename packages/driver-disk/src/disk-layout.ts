import { join } from 'node:path';
import type { DataKind } from '@blockstack-storage/core/driver';

/**
 * Where the disk driver keeps what under its root, for the driver and for whatever reads the root
 * directly (`blockstack-storage serve`), so the two cannot drift apart:
 * - `root/mutable/<encoded id>` and `root/immutable/<sha256>`: one regular file per value, with one
 *   name (a fresh temp file is renamed into place), and no subdirectories;
 * - `root/.tmp/` and `root/.locks/`: the driver's own, never data.
 *
 * A value's storage key (`mutable/<encoded id>`, `immutable/<sha256>`) is also its path under the root
 * and under the driver's `public_url`.
 */
export const DISK_DATA_DIRECTORIES: Readonly<Record<DataKind, string>> = {
  mutable: 'mutable',
  immutable: 'immutable',
};

/** The driver's working directories under the root: temp files of puts, and per-key lock files. */
export const DISK_TEMP_DIRECTORY = '.tmp';
export const DISK_LOCK_DIRECTORY = '.locks';

// Only what the driver writes: core-encoded ids ([a-z0-9_.~-], no leading dot, so never `.` or `..`)
// and SHA-256 hashes.
const FILE_NAME: Readonly<Record<DataKind, RegExp>> = {
  mutable: /^[a-z0-9_~-][a-z0-9_.~-]{0,254}$/,
  immutable: /^[0-9a-f]{64}$/,
};

/** Where one stored value lives: `path` is `directory/name`. */
export interface DiskLocation {
  kind: DataKind;
  /** The directory of its kind, `root/mutable` or `root/immutable`. */
  directory: string;
  /** Its file name in that directory: one path segment. */
  name: string;
  path: string;
}

/**
 * The location under `root` of the value stored under `key` (`mutable/<encoded id>` or
 * `immutable/<sha256>`).
 * @returns undefined for a key the driver never writes (another directory, a nested or dot name, a
 *   traversal), so the location is always a file directly inside `root/mutable` or `root/immutable`.
 */
export function diskLocationOf(root: string, key: string): DiskLocation | undefined {
  const slash = key.indexOf('/');
  const kind = key.slice(0, slash);
  const name = key.slice(slash + 1);
  if (slash < 0 || (kind !== 'mutable' && kind !== 'immutable') || !FILE_NAME[kind].test(name)) {
    return undefined;
  }
  const directory = join(root, DISK_DATA_DIRECTORIES[kind]);
  return { kind, directory, name, path: join(directory, name) };
}

/**
 * The etag of a stored file, from its `stat({ bigint: true })`: every write renames a new file into
 * place, so the inode changes with each version. Served as the HTTP ETag too, so a client's etag and
 * the server's agree.
 */
export function diskEtagOf(info: { ino: bigint; size: bigint; mtimeNs: bigint }): string {
  return `"${info.ino.toString(16)}-${info.size.toString(16)}-${info.mtimeNs.toString(16)}"`;
}
