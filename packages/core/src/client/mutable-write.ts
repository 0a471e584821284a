import { bytesEqual } from '../body.js';
import type { PutResult, StorageDriver } from '../driver.js';
import {
  asStorageError,
  ConflictError,
  ErrorCode,
  isStorageError,
  throwIfAborted,
  UnavailableError,
} from '../errors.js';
import type { CopySource, ReplicationCoordinator, ReplicationReport } from '../replication/index.js';
import type { PendingVersion, VersionCache } from '../version-cache/index.js';
import { type VerifiedCopy, verifyStoredBytes, versionOf } from './mutable-read.js';

/** What one driver held for a datum when a write read it. */
export interface HeldCopy {
  /** The stored bytes; `null` when absent. */
  bytes: Uint8Array | null;
  /** The driver's version tag of those bytes (for a conditional replace). */
  etag?: string;
  verified: VerifiedCopy;
}

/** Whose datum is written, and the key its copies must verify with. */
export interface WriteTarget {
  /** The writer's name (the datum's owner). */
  owner: string;
  dataId: string;
  fqDataId: string;
  publicKey: Uint8Array;
  signal?: AbortSignal;
}

/** What a write of the next version stores: its bytes, and which held copies they may replace. */
export interface NextVersion {
  bytes: Uint8Array;
  verdictOf: (copy: HeldCopy) => CopyVerdict;
  /**
   * Drivers that must not get `bytes`, with the reason that becomes their outcome's error (a chunked
   * value's manifest goes only to drivers that stored every chunk).
   */
  unwritable?: ReadonlyMap<string, Error>;
  /** The bytes are a deletion (a tombstone): recorded as such in the version cache. */
  deletion?: boolean;
}

/**
 * Writes the next version of a datum (a value, or a tombstone) to every driver, the way every mutable
 * write goes:
 * 1. read what every driver holds, with its etag (`readHeldCopy`);
 * 2. claim a version above both this machine's version cache and the highest verified copy, so a
 *    machine with an empty cache writes version 4 over version 3, never version 1, and no two
 *    processes of this machine claim the same number (`VersionCache.claim`);
 * 3. `make` the bytes of that version (a chunked value stores its chunks here, under that version);
 * 4. write them to every driver without replacing a copy the verdict protects (`writeCopy`), while the
 *    version cache makes a pending record of the version durable (`VersionCache.prepare`), so a put
 *    pays no fsync of its own after the drivers' writes.
 * Nothing is recorded as written: the caller judges the report and `commit`s the pending version
 * (or `abandon`s it).
 * @returns also what every driver held before (`held`, an Error where it could not be read).
 * @throws ConflictError naming the newer version when a required-write driver held one (nothing was
 *   acknowledged); AbortedError when aborted before writing; what `make` throws.
 */
export async function writeNextVersion(
  coordinator: ReplicationCoordinator,
  versions: VersionCache,
  target: WriteTarget,
  make: (version: number, writtenAtMs: number) => NextVersion | Promise<NextVersion>,
): Promise<{
  report: ReplicationReport;
  version: number;
  writtenAtMs: number;
  held: readonly (HeldCopy | Error)[];
  pending: PendingVersion;
}> {
  const { owner, dataId, signal } = target;
  const held = await Promise.all(
    coordinator.drivers.map((driver) =>
      driver.capabilities.mutable
        ? readHeldCopy(coordinator.source(driver, 'mutable', dataId), target).catch((error: unknown) =>
            asStorageError(error, { driver: driver.name, key: dataId }),
          )
        : new Error('does not serve mutable data'),
    ),
  );
  throwIfAborted(signal, { key: dataId });
  const known = await versions.get(owner, dataId);
  const version = await versions.claim(owner, dataId, Math.max(known, highestVersion(held)) + 1);
  const writtenAtMs = Date.now();
  const { bytes, verdictOf, unwritable, deletion } = await make(version, writtenAtMs);
  const preparing = versions.prepare(owner, dataId, version, writtenAtMs, deletion === true);
  preparing.catch(() => {}); // awaited below, after the writes
  const report = await coordinator.writeEach('mutable', dataId, async (driver, index) => {
    const refused = unwritable?.get(driver.name);
    if (refused !== undefined) throw refused;
    return writeCopy(
      driver,
      coordinator.source(driver, 'mutable', dataId),
      target,
      bytes,
      verdictOf,
      held[index]!,
    );
  });
  const pending = await preparing;
  const lost = report.outcomes.find((o) => o.required && isStorageError(o.error, ErrorCode.Conflict));
  if (!report.ok && lost !== undefined && !signal?.aborted) {
    await versions.abandon(pending);
    const newer = lost.error as ConflictError;
    throw new ConflictError(
      `Another writer stored version ${newer.newerVersion} of this datum on ${lost.driver} while this write was in progress; this write was not acknowledged`,
      {
        key: dataId,
        driver: lost.driver,
        cause: newer,
        newerVersion: newer.newerVersion,
        hint: 'Read it again (get) and write again on top of the newer version.',
      },
    );
  }
  return { report, version, writtenAtMs, held, pending };
}

/**
 * What a write does with the copy a driver holds: `'replace'` it, it is already `'ours'` (a retried
 * attempt landed), or it is `{ newer }`: a version this write must not replace.
 */
export type CopyVerdict = 'replace' | 'ours' | { newer: number };

const MAX_READS = 5;

/**
 * Reads and verifies what `driver` holds for the datum, with its etag. A copy that does not verify is
 * read again until two reads agree: a read torn or garbled on the way must not pass for a damaged copy
 * (which a write may replace), since the stored copy may be a newer version.
 * @throws what the driver throws; UnavailableError when no two reads of an invalid copy agree.
 */
export async function readHeldCopy(source: CopySource, target: WriteTarget): Promise<HeldCopy> {
  let previous: HeldCopy | undefined;
  for (let read = 1; ; read++) {
    const found = await source.fetch(target.signal);
    const bytes = found?.bytes ?? null;
    const verified = verifyStoredBytes(source.name, bytes, target.publicKey, target.fqDataId, 0);
    const copy: HeldCopy =
      found?.etag === undefined ? { bytes, verified } : { bytes, etag: found.etag, verified };
    if (verified.report.status !== 'invalid') return copy;
    if (previous !== undefined && sameCopy(previous, copy)) return copy; // really stored like this
    if (read >= MAX_READS) {
      throw new UnavailableError('Reads of the stored copy disagree and none verifies', {
        driver: source.name,
        key: target.dataId,
        cause: verified.report.error,
        hint: 'The provider returns damaged reads; retry later.',
      });
    }
    previous = copy;
  }
}

function sameCopy(a: HeldCopy, b: HeldCopy): boolean {
  return a.etag === b.etag && a.bytes !== null && b.bytes !== null && bytesEqual(a.bytes, b.bytes);
}

/**
 * The highest verified version among copies: of values and of versioned deletions (0 when none holds
 * one; unread copies count 0).
 */
export function highestVersion(copies: readonly (HeldCopy | Error)[]): number {
  let highest = 0;
  for (const copy of copies) {
    const version = copy instanceof Error ? 0 : (versionOf(copy.verified) ?? 0);
    if (version > highest) highest = version;
  }
  return highest;
}

/** The verdict for a put of `version` with `bytes`: anything at or above that version is not replaced. */
export function putVerdict(version: number, bytes: Uint8Array): (copy: HeldCopy) => CopyVerdict {
  return (copy) => {
    const held = versionOf(copy.verified);
    if (held === undefined || held < version) return 'replace';
    if (held === version && copy.bytes !== null && bytesEqual(copy.bytes, bytes)) return 'ours';
    return { newer: held };
  };
}

/** The verdict for a tombstone that deletes versions up to `upTo`: a later version is not deleted. */
export function deleteVerdict(upTo: number, tombstone: Uint8Array): (copy: HeldCopy) => CopyVerdict {
  return (copy) => {
    if (copy.bytes !== null && bytesEqual(copy.bytes, tombstone)) return 'ours';
    const held = versionOf(copy.verified);
    if (held !== undefined && held > upTo) return { newer: held };
    return 'replace';
  };
}

const MAX_ATTEMPTS = 5;

/**
 * Writes `bytes` to one driver without ever replacing a copy the verdict protects. On a driver with
 * conditional writes the replace is conditional on the etag of the copy that was judged (`ifMatch`,
 * or `ifNoneMatch: '*'` where there was none), so a writer that raced in between is seen: the copy is
 * read again and judged again. On a driver without conditional writes a window remains between the
 * read and the write (docs/guarantees.md).
 * @param source where `driver`'s copy is read (`ReplicationCoordinator.source`).
 * @param held what the driver held when the write began (read by `readHeldCopy`), or the error that
 *   read threw (then it is read once more before writing).
 * @throws ConflictError naming the newer version when the driver holds one; the driver's errors.
 */
export async function writeCopy(
  driver: StorageDriver,
  source: CopySource,
  target: WriteTarget,
  bytes: Uint8Array,
  verdictOf: (copy: HeldCopy) => CopyVerdict,
  held: HeldCopy | Error,
): Promise<PutResult> {
  let copy = held instanceof Error ? await readHeldCopy(source, target) : held;
  for (let attempt = 1; ; attempt++) {
    const verdict = verdictOf(copy);
    if (verdict === 'ours') return {};
    if (verdict !== 'replace') {
      throw new ConflictError(
        `${driver.name} holds version ${verdict.newer}, written by another writer meanwhile; this write did not replace it`,
        {
          driver: driver.name,
          key: target.dataId,
          hint: 'Read the datum again and retry on top of the newer version.',
          newerVersion: verdict.newer,
        },
      );
    }
    const conditional =
      driver.capabilities.conditionalWrites && (copy.bytes === null || copy.etag !== undefined);
    const condition = !conditional
      ? {}
      : copy.bytes === null
        ? { ifNoneMatch: '*' as const }
        : { ifMatch: copy.etag! };
    try {
      return await driver.putMutable(target.dataId, bytes, {
        signal: target.signal,
        size: bytes.byteLength,
        ...condition,
      });
    } catch (error) {
      if (!isStorageError(error, ErrorCode.Conflict) || !conditional || attempt >= MAX_ATTEMPTS) throw error;
    }
    // Someone wrote between our read and our write: judge what is there now.
    copy = await readHeldCopy(source, target);
  }
}
