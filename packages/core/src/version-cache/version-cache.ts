import { mkdir, open, readdir, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { UnavailableError } from '../errors.js';
import { decodeDataId, encodeDataId, validateDataId } from '../keys.js';
import { syncDirectory } from '../sync-directory.js';

// `<version>` or `<version>.<millis>`: the millis say when that version was written (its envelope's
// timestamp, or the tombstone's time for a deletion), so an older tombstone can be told from a newer one.
// A trailing `d` marks a deletion seen or made at that version. `<version>c` is a claim: a version
// number handed to a writer (`claim`), which no other writer on this machine gets; it says nothing of
// what was written.
const MARKER = /^([1-9][0-9]{0,15})(?:\.(0|[1-9][0-9]{0,15}))?(d)?$/;
const CLAIM = /^([1-9][0-9]{0,15})c$/;

/** What the cache knows of (name, data id). */
export interface VersionEntry {
  /** Highest version seen or written; 0 if none. */
  version: number;
  /** When that version was written (ms since the epoch), if recorded. */
  writtenAtMs?: number;
  /** True when that version is a deletion (the datum was deleted after the version before it). */
  deleted?: boolean;
}

interface Marker extends VersionEntry {
  file: string;
  /** A claimed version number, not a version seen or written. */
  claim?: boolean;
}

/**
 * The highest mutable-data version this client has seen or written, per (name, data id), persisted in
 * the metadata directory so per-key monotonic reads survive restarts.
 *
 * Layout: `<metadata>/versions/<encoded name>/<encoded data id>/<version>`, one empty marker file per
 * recorded version; the highest marker is the answer. Why markers instead of one file holding a
 * number: recording is then lock-free and safe for any number of processes at once. Creating a marker
 * never lowers the maximum, and a marker is deleted only by a writer that has just created a higher
 * one (it keeps the previous maximum too, so a reader listing the directory while a writer prunes still
 * finds a marker at least as high as any that existed when it started). Nothing is ever overwritten, so
 * there is no lock to go stale after a crash.
 *
 * Crash safety: `record` returns only after the marker's directory entry is fsynced (the marker is
 * empty, so the entry is all there is); a crash before that loses only that record (the put it belongs
 * to was not acknowledged yet), and a crash while pruning leaves extra lower markers, which are harmless
 * and pruned next time.
 */
export class VersionCache {
  private readonly root: string;

  /** @param metadataDir the client's metadata directory (created as needed). */
  constructor(metadataDir: string) {
    this.root = join(metadataDir, 'versions');
  }

  /** @returns the highest version recorded for (name, dataId), or 0 if none. */
  async get(name: string, dataId: string): Promise<number> {
    return (await this.getEntry(name, dataId)).version;
  }

  /** @returns the highest version recorded for (name, dataId) and when it was written, if known. */
  async getEntry(name: string, dataId: string): Promise<VersionEntry> {
    const top = highestMarker(await this.list(this.dirOf(name, dataId), name, dataId));
    if (!top) return { version: 0 };
    const { file: _file, ...entry } = top;
    return entry;
  }

  /**
   * Records that `version` of (name, dataId) was seen or written. Never lowers the recorded version.
   * @returns the highest version recorded afterwards.
   * @throws UnavailableError when the metadata directory cannot be written.
   */
  async record(
    name: string,
    dataId: string,
    version: number,
    writtenAtMs?: number,
    deleted = false,
  ): Promise<number> {
    if (!Number.isSafeInteger(version) || version < 1) {
      throw new RangeError(`Version must be a whole number ≥ 1, got ${version}`);
    }
    const dir = this.dirOf(name, dataId);
    const top = highestMarker(await this.list(dir, name, dataId));
    const before = top?.version ?? 0;
    // Two clients can write the same version number (versions are per client, as in the seed); of
    // such twins the later write is the newer state, so a same-version record with a later time counts.
    const later =
      version === before &&
      writtenAtMs !== undefined &&
      writtenAtMs > (top?.writtenAtMs ?? Number.POSITIVE_INFINITY);
    if (version < before || (version === before && !later)) return before;
    const timed = writtenAtMs !== undefined && Number.isSafeInteger(writtenAtMs) && writtenAtMs >= 0;
    const file = `${version}${timed ? `.${writtenAtMs}` : ''}${deleted ? 'd' : ''}`;
    try {
      const created = await mkdir(dir, { recursive: true });
      // The marker is empty: only its directory entry must be durable, so one fsync of the directory.
      await (await open(join(dir, file), 'a')).close();
      await syncDirectory(dir);
      // A new directory's own entry must be durable too.
      if (created !== undefined) {
        await syncDirectory(join(dir, '..'));
        await syncDirectory(this.root);
      }
    } catch (error) {
      throw new UnavailableError(`Cannot record version ${version} in the version cache at ${dir}`, {
        key: dataId,
        cause: error,
        hint: 'Check that the metadata directory exists and is writable.',
      });
    }
    const now = await this.list(dir, name, dataId);
    // Keep this version and the one before it (see the class comment); drop the rest below.
    const keep = Math.min(version, before);
    await Promise.all(
      now.filter((m) => m.version < keep).map((m) => unlink(join(dir, m.file)).catch(() => undefined)),
    );
    return highest(now);
  }

  /**
   * Hands out a version number for a write of (name, dataId): at least `atLeast`, above every version
   * recorded or claimed on this machine, and never the same number twice, even to writers in several
   * processes at once (each claim is a file created exclusively). Claims are not fsynced: they only
   * keep concurrent writers apart; what a crash could lose is re-learned from the drivers, which a
   * put reads before it claims.
   * @throws UnavailableError when the metadata directory cannot be written.
   */
  async claim(name: string, dataId: string, atLeast: number): Promise<number> {
    const dir = this.dirOf(name, dataId);
    const markers = await this.list(dir, name, dataId);
    let version = Math.max(atLeast, 1, ...markers.map((m) => m.version + 1));
    try {
      await mkdir(dir, { recursive: true });
      for (;;) {
        try {
          await (await open(join(dir, `${version}c`), 'wx')).close();
          return version;
        } catch (error) {
          if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
          version++;
        }
      }
    } catch (error) {
      throw new UnavailableError(`Cannot claim a version in the version cache at ${dir}`, {
        key: dataId,
        cause: error,
        hint: 'Check that the metadata directory exists and is writable.',
      });
    }
  }

  /**
   * The data ids of `name` this cache knows (that were read or written here). Ids shortened by
   * `encodeDataId` (very long ones) cannot be told back and are left out.
   */
  async knownIds(name: string): Promise<string[]> {
    validateDataId(name);
    let entries: string[];
    try {
      entries = await readdir(join(this.root, encodeDataId(name)));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw new UnavailableError(`Cannot read the version cache of ${name}`, { key: name, cause: error });
    }
    return entries.map((segment) => decodeDataId(segment)).filter((id): id is string => id !== undefined);
  }

  private dirOf(name: string, dataId: string): string {
    validateDataId(name);
    validateDataId(dataId);
    return join(this.root, encodeDataId(name), encodeDataId(dataId));
  }

  private async list(dir: string, name: string, dataId: string): Promise<Marker[]> {
    let entries: string[];
    try {
      entries = await readdir(dir);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw new UnavailableError(`Cannot read the version cache at ${dir}`, {
        key: `${name}:${dataId}`,
        cause: error,
      });
    }
    const markers: Marker[] = [];
    for (const file of entries) {
      const claim = CLAIM.exec(file);
      if (claim) {
        markers.push({ file, version: Number(claim[1]), claim: true });
        continue;
      }
      const match = MARKER.exec(file);
      if (!match) continue;
      const marker: Marker = { file, version: Number(match[1]) };
      if (match[2] !== undefined) marker.writtenAtMs = Number(match[2]);
      if (match[3] !== undefined) marker.deleted = true;
      markers.push(marker);
    }
    return markers;
  }
}

function highest(markers: readonly Marker[]): number {
  return highestMarker(markers)?.version ?? 0;
}

/**
 * The highest version seen or written (claims do not count); of markers of one version, the latest
 * written (an untimed one counts as oldest).
 */
function highestMarker(markers: readonly Marker[]): Marker | undefined {
  let top: Marker | undefined;
  for (const m of markers) {
    if (m.claim) continue;
    const laterTwin = m.version === top?.version && (m.writtenAtMs ?? -1) > (top.writtenAtMs ?? -1);
    if (!top || m.version > top.version || laterTwin) top = m;
  }
  return top;
}
