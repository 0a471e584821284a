import { readFileSync } from 'node:fs';
import { mkdir, open, readdir, rename, unlink } from 'node:fs/promises';
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
// A marker with `p<boot>.<pid>` after it is pending: made durable while the drivers write (`prepare`),
// renamed to the plain marker once the write succeeded (`commit`), removed when it failed (`abandon`).
const PENDING = /^([1-9][0-9]{0,15})(?:\.(0|[1-9][0-9]{0,15}))?(d)?p([0-9a-f]{1,32})\.([1-9][0-9]{0,9})$/;

/** This boot of the machine (Linux), so a pending marker of a process before a reboot is told from a live one. */
const BOOT = (() => {
  try {
    return readFileSync('/proc/sys/kernel/random/boot_id', 'latin1')
      .replace(/[^0-9a-f]/g, '')
      .slice(0, 16);
  } catch {
    return '0';
  }
})();

/** A version a put or delete is writing: see `VersionCache.prepare`. */
export interface PendingVersion {
  readonly name: string;
  readonly dataId: string;
  readonly version: number;
  /** The marker file, relative to its directory. */
  readonly file: string;
}

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
  /** A pending marker of a live process: its write is in flight, so it is not a version seen yet. */
  inFlight?: boolean;
  /**
   * A pending marker of a process of this boot that died: it never committed, and a commit that ran
   * cannot have been lost without a reboot, so its write was not acknowledged: not a version seen.
   */
  unacknowledged?: boolean;
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
 *
 * A put does not pay that fsync after its driver write: `prepare` makes a pending marker durable while
 * the drivers write, and `commit` (after success, before the put is acknowledged) renames it to the
 * plain marker without an fsync. How a pending marker counts:
 * - made by a live process of this boot: its write is in flight; not a version seen;
 * - made by a process of this boot that died: it did not commit (a rename that ran is not lost without a
 *   power cut, which is a reboot), so its put was not acknowledged; not a version seen;
 * - made before the last reboot: its commit may have been lost in a power cut after the put was
 *   acknowledged, so it counts as a version seen. Hence after any crash an acknowledged version is
 *   known. The price: after a power cut during a put that was not acknowledged, the cache can be a
 *   version ahead of the drivers, and reads of that id fail with StaleDataError until the next put of it
 *   (which is versioned above) succeeds.
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
    await this.createDurably(dir, markerName(version, writtenAtMs, deleted), version, dataId);
    return this.prune(dir, name, dataId, version, before);
  }

  /** Creates an empty marker and fsyncs its directory entry (and a new directory's own). */
  private async createDurably(dir: string, file: string, version: number, dataId: string): Promise<void> {
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
  }

  /** Keeps `version` and the maximum before it (see the class comment); drops the markers below. */
  private async prune(dir: string, name: string, dataId: string, version: number, before: number) {
    const now = await this.list(dir, name, dataId);
    const keep = Math.min(version, before);
    await Promise.all(
      now
        .filter((m) => m.version < keep && !m.inFlight)
        .map((m) => unlink(join(dir, m.file)).catch(() => undefined)),
    );
    return highest(now);
  }

  /**
   * The durable half of recording the version a put or delete is about to write, to run while the
   * drivers write: a pending marker, fsynced. Readers ignore it while this process lives; `commit`
   * turns it into the plain marker, `abandon` removes it.
   * @throws UnavailableError when the metadata directory cannot be written.
   */
  async prepare(
    name: string,
    dataId: string,
    version: number,
    writtenAtMs: number,
    deleted = false,
  ): Promise<PendingVersion> {
    if (!Number.isSafeInteger(version) || version < 1) {
      throw new RangeError(`Version must be a whole number ≥ 1, got ${version}`);
    }
    const dir = this.dirOf(name, dataId);
    const file = `${markerName(version, writtenAtMs, deleted)}p${BOOT}.${process.pid}`;
    await this.createDurably(dir, file, version, dataId);
    return { name, dataId, version, file };
  }

  /**
   * Records a prepared version as written (its write succeeded). No fsync: the pending marker is
   * already durable and counts as seen if this rename is lost in a crash.
   * @returns the highest version recorded afterwards.
   */
  async commit(pending: PendingVersion): Promise<number> {
    const dir = this.dirOf(pending.name, pending.dataId);
    const before = highest(await this.list(dir, pending.name, pending.dataId));
    try {
      await rename(join(dir, pending.file), join(dir, pending.file.slice(0, pending.file.indexOf('p'))));
    } catch (error) {
      throw new UnavailableError(`Cannot record version ${pending.version} in the version cache at ${dir}`, {
        key: pending.dataId,
        cause: error,
      });
    }
    return this.prune(dir, pending.name, pending.dataId, pending.version, before);
  }

  /** Removes a prepared version whose write failed. Never throws (a leftover counts as seen; see above). */
  async abandon(pending: PendingVersion): Promise<void> {
    await unlink(join(this.dirOf(pending.name, pending.dataId), pending.file)).catch(() => undefined);
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
      const pending = PENDING.exec(file);
      if (pending) {
        const marker: Marker = { file, version: Number(pending[1]) };
        if (pending[2] !== undefined) marker.writtenAtMs = Number(pending[2]);
        if (pending[3] !== undefined) marker.deleted = true;
        if (pending[4] === BOOT) {
          if (isAlive(Number(pending[5]))) marker.inFlight = true;
          else marker.unacknowledged = true;
        }
        markers.push(marker);
        continue;
      }
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

function markerName(version: number, writtenAtMs: number | undefined, deleted: boolean): string {
  const timed = writtenAtMs !== undefined && Number.isSafeInteger(writtenAtMs) && writtenAtMs >= 0;
  return `${version}${timed ? `.${writtenAtMs}` : ''}${deleted ? 'd' : ''}`;
}

/** Whether a process of this boot is still running (EPERM: it runs, as another user). */
function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
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
    if (m.claim || m.inFlight || m.unacknowledged) continue;
    const laterTwin = m.version === top?.version && (m.writtenAtMs ?? -1) > (top.writtenAtMs ?? -1);
    if (!top || m.version > top.version || laterTwin) top = m;
  }
  return top;
}
