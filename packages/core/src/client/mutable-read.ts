import { type ChunkedManifest, isChunkedManifest, parseManifest } from '../chunked/index.js';
import type { ReadOrder } from '../config/index.js';
import { type MutableEnvelope, verifyMutableEnvelope, verifyTombstone } from '../envelope/index.js';
import {
  asStorageError,
  ErrorCode,
  IntegrityError,
  isStorageError,
  StaleDataError,
  UnavailableError,
} from '../errors.js';
import type { CopySource } from '../replication/index.js';
import type { VersionCache, VersionEntry } from '../version-cache/index.js';
import type { CopyReport } from './results.js';

/** A copy after verification. */
export interface VerifiedCopy {
  report: CopyReport;
  /**
   * A verified value's signed header: a bsk2 envelope, or for a chunked value (`manifest` set) its
   * manifest's id, version and timestamp with `data` = the manifest bytes as stored.
   */
  envelope?: MutableEnvelope;
  /** A verified chunked value's manifest (docs/chunked-format.md); its chunks are not read yet. */
  manifest?: ChunkedManifest;
  /** For a verified tombstone: when the deletion was signed (ms since the epoch). */
  tombstoneMillis?: number;
  /** For a verified tombstone that carries one: the version the deletion takes. */
  tombstoneVersion?: number;
}

/** The version a verified copy holds: its envelope's, or its tombstone's when versioned. */
export function versionOf(copy: VerifiedCopy): number | undefined {
  return copy.envelope?.version ?? copy.tombstoneVersion;
}

const TOMBSTONE_PREFIX = 'delete-';

/**
 * Fetches and verifies one copy: a bsk2 envelope signed by `publicKey` for exactly `fqDataId`, or a
 * tombstone of it. Never throws: failures become the report's status.
 */
export async function verifyCopy(
  source: CopySource,
  publicKey: Uint8Array,
  fqDataId: string,
  knownVersion: number,
  signal?: AbortSignal,
): Promise<VerifiedCopy> {
  let bytes: Uint8Array | null;
  try {
    bytes = (await source.fetch(signal))?.bytes ?? null;
  } catch (error) {
    return {
      report: {
        source: source.name,
        status: 'failed',
        error: asStorageError(error, { driver: source.name }),
      },
    };
  }
  return verifyStoredBytes(source.name, bytes, publicKey, fqDataId, knownVersion);
}

/**
 * Verifies the bytes one source holds (`null`: absent) as a bsk2 envelope or a chunked value's
 * manifest signed by `publicKey` for exactly `fqDataId`, or a tombstone of it. Never throws: failures
 * become the report's status.
 */
export function verifyStoredBytes(
  source: string,
  bytes: Uint8Array | null,
  publicKey: Uint8Array,
  fqDataId: string,
  knownVersion: number,
): VerifiedCopy {
  if (bytes === null) return { report: { source, status: 'missing' } };
  try {
    if (startsWith(bytes, TOMBSTONE_PREFIX)) {
      const tombstone = verifyTombstone(bytes, publicKey);
      if (tombstone.fqDataId !== fqDataId) {
        throw new IntegrityError(
          `The tombstone is for ${JSON.stringify(tombstone.fqDataId)}, not this datum`,
        );
      }
      if (tombstone.version === undefined) {
        return { report: { source, status: 'tombstone' }, tombstoneMillis: tombstone.millis };
      }
      return {
        report: { source, status: 'tombstone', version: tombstone.version },
        tombstoneMillis: tombstone.millis,
        tombstoneVersion: tombstone.version,
      };
    }
    if (isChunkedManifest(bytes)) {
      const manifest = parseManifest(bytes, publicKey, { fqDataId, driver: source });
      const { version, timestamp } = manifest;
      const status = version < knownVersion ? 'stale' : 'valid';
      return {
        report: { source, status, version },
        envelope: { fqDataId: manifest.fqDataId, data: bytes, version, timestamp },
        manifest,
      };
    }
    const envelope = verifyMutableEnvelope(bytes, publicKey, { fqDataId });
    const status = envelope.version < knownVersion ? 'stale' : 'valid';
    return { report: { source, status, version: envelope.version }, envelope };
  } catch (error) {
    const failure = isStorageError(error) ? error : asStorageError(error, { driver: source });
    return { report: { source, status: 'invalid', error: failure } };
  }
}

/** `newest`: every source at once; the highest valid version wins (ties: configured order). */
export async function readNewest(
  sources: readonly CopySource[],
  publicKey: Uint8Array,
  fqDataId: string,
  knownVersion: number,
  signal?: AbortSignal,
): Promise<{ chosen?: VerifiedCopy; copies: VerifiedCopy[] }> {
  const copies = await Promise.all(
    sources.map((s) => verifyCopy(s, publicKey, fqDataId, knownVersion, signal)),
  );
  let chosen: VerifiedCopy | undefined;
  for (const copy of copies) {
    if (copy.report.status !== 'valid') continue;
    if (chosen === undefined || copy.envelope!.version > chosen.envelope!.version) chosen = copy;
  }
  // A deletion versioned above the newest value is the newest state: no value to return.
  const deletedAbove = copies.some((c) => (c.tombstoneVersion ?? 0) > (chosen?.envelope?.version ?? 0));
  return chosen && !deletedAbove ? { chosen, copies } : { copies };
}

/** `first`: sources in order; the first valid copy at or above the known version wins. */
export async function readFirst(
  sources: readonly CopySource[],
  publicKey: Uint8Array,
  fqDataId: string,
  knownVersion: number,
  signal?: AbortSignal,
): Promise<{ chosen?: VerifiedCopy; copies: VerifiedCopy[] }> {
  const copies: VerifiedCopy[] = [];
  for (const [index, source] of sources.entries()) {
    const copy = await verifyCopy(source, publicKey, fqDataId, knownVersion, signal);
    copies.push(copy);
    // A versioned deletion at or above what this client knows is as good an answer as a value.
    const freshDeletion = copy.tombstoneVersion !== undefined && copy.tombstoneVersion >= knownVersion;
    if (copy.report.status === 'valid' || freshDeletion) {
      for (const rest of sources.slice(index + 1))
        copies.push({ report: { source: rest.name, status: 'skipped' } });
      return freshDeletion ? { copies } : { chosen: copy, copies };
    }
  }
  return { copies };
}

/**
 * When no valid copy was found, decides between "deleted" and an error.
 *
 * `known` is what this client's version cache holds. A tombstone counts as a deletion only if it was
 * signed at or after the known version was written (`known.writtenAtMs`); an older one is a stale copy,
 * like an envelope below the known version, so a driver that kept an old tombstone cannot make a read
 * go back from a newer value to "deleted". Timestamps come from the writers' clocks: a deleter whose
 * clock is behind makes readers see `StaleDataError` rather than a wrong `null`.
 *
 * @returns `{ deletedAtMs, deletedVersion? }` when a tombstone shows the datum deleted (the caller
 *   records the deletion as a version above `known.version`, at least the tombstone's own, so a stale
 *   copy of the deleted value cannot come back); `{}`
 *   when it is absent everywhere without a tombstone (nothing is recorded: absence proves nothing).
 * @throws StaleDataError when only copies older than the known version exist (naming the versions
 *   seen); IntegrityError when copies exist but none verifies; UnavailableError when a source failed
 *   while the client knows the datum exists, or when no source could be read.
 */
export function noValidCopy(
  copies: readonly VerifiedCopy[],
  known: VersionEntry,
  context: { key: string; owner: string },
): { deletedAtMs?: number; deletedVersion?: number } {
  const reports = copies.map((c) => c.report);
  const summary = reports
    .map((r) => `${r.source}: ${r.status}${r.version ? ` v${r.version}` : ''}`)
    .join(', ');
  const tombstones = copies.filter((c) => c.tombstoneMillis !== undefined);
  // A versioned tombstone is fresh when its version is above what this client knows (or is the very
  // deletion it recorded); Blockstack's unversioned form is judged by the writers' clocks.
  const fresh = tombstones.filter((c) =>
    c.tombstoneVersion !== undefined
      ? c.tombstoneVersion > known.version || (c.tombstoneVersion === known.version && known.deleted === true)
      : known.version === 0 || known.writtenAtMs === undefined || c.tombstoneMillis! >= known.writtenAtMs,
  );
  if (fresh.length > 0) {
    const deletedAtMs = Math.max(...fresh.map((c) => c.tombstoneMillis!));
    const versions = fresh.map((c) => c.tombstoneVersion ?? 0);
    const deletedVersion = Math.max(...versions);
    return deletedVersion > 0 ? { deletedAtMs, deletedVersion } : { deletedAtMs };
  }

  const stale = reports.filter((r) => r.status === 'stale');
  if (stale.length > 0 || tombstones.length > 0) {
    const versionsSeen = [...new Set(stale.map((r) => r.version!))].sort((a, b) => b - a);
    const seen = [
      ...(versionsSeen.length > 0 ? [`versions ${versionsSeen.join(', ')}`] : []),
      ...(tombstones.length > 0 ? ['a tombstone older than that version'] : []),
    ].join(' and ');
    throw new StaleDataError(
      `Only stale copies of ${context.owner}'s datum were found (${seen}; this client has seen version ${known.version}) [${summary}]`,
      {
        key: context.key,
        knownVersion: known.version,
        versionsSeen,
        hint: 'A driver was rolled back or has not caught up; retry later or repair that driver.',
      },
    );
  }
  const invalid = reports.filter((r) => r.status === 'invalid');
  if (invalid.length > 0) {
    throw new IntegrityError(`No copy of ${context.owner}'s datum verifies [${summary}]`, {
      key: context.key,
      cause: invalid[0]!.error,
      hint: 'Every stored copy was tampered with, signed by another key, or belongs to another data id.',
    });
  }
  const failed = reports.filter((r) => r.status === 'failed');
  // A copy over the read limit is not a transient failure: say so rather than "unavailable".
  const tooLarge = failed.find((r) => r.error?.code === ErrorCode.TooLarge);
  if (tooLarge) throw tooLarge.error!;
  if ((failed.length > 0 && known.version > 0) || (reports.length > 0 && failed.length === reports.length)) {
    // This client saw the datum: "missing" from the drivers that answered is no proof it is gone.
    throw new UnavailableError(`No source of ${context.owner}'s datum could be read [${summary}]`, {
      key: context.key,
      cause: failed[0]!.error,
      hint: 'Retry when the failing drivers are back.',
    });
  }
  // Absent everywhere, no tombstone: never written, or every provider lost it or is empty right now.
  return {};
}

/**
 * Reads `owner`'s datum from `sources` (own drivers, or the URLs in the owner's zone file), verified
 * against `publicKey`, and never below the version this machine's cache holds for it (monotonic reads);
 * records in the cache what it saw: a newer version, or a fresh deletion.
 * @returns the envelope read (`undefined` when the datum is absent or deleted), the manifest when the
 *   value is chunked (its chunks not read yet), and every copy's report.
 * @throws as `noValidCopy`.
 */
export async function readMutable(
  versions: VersionCache,
  owner: string,
  dataId: string,
  sources: readonly CopySource[],
  publicKey: Uint8Array,
  order: ReadOrder,
  signal: AbortSignal | undefined,
): Promise<{
  envelope?: MutableEnvelope;
  manifest?: ChunkedManifest;
  source?: string;
  copies: CopyReport[];
}> {
  const known = await versions.getEntry(owner, dataId);
  const read = order === 'first' ? readFirst : readNewest;
  const { chosen, copies } = await read(sources, publicKey, `${owner}:${dataId}`, known.version, signal);
  if (chosen === undefined) {
    const { deletedAtMs, deletedVersion } = noValidCopy(copies, known, { key: dataId, owner });
    // A tombstone seen: like deleteMutable, count the deletion as a version, so a stale copy of the
    // deleted value cannot come back to this client. Finding nothing proves nothing (an empty or
    // unmounted provider looks the same), so it is not recorded: the value reads again when it is back.
    if (deletedAtMs !== undefined && (deletedVersion ?? 0) > known.version) {
      await versions.record(owner, dataId, deletedVersion!, deletedAtMs, true);
    } else if (deletedAtMs !== undefined && known.version > 0 && !known.deleted) {
      await versions.record(owner, dataId, known.version + 1, deletedAtMs, true);
    }
    return { copies: reportsOf(copies) };
  }
  const envelope = chosen.envelope!;
  // Envelope times are whole seconds: take the end of that second, so a tombstone signed in the same
  // second counts as older (refused as stale) rather than hiding this value.
  const writtenAtMs = envelope.timestamp * 1000 + 999;
  // Re-reading what the cache already holds needs no write (the common case: a get after own put).
  const news =
    envelope.version > known.version ||
    (envelope.version === known.version &&
      known.writtenAtMs !== undefined &&
      writtenAtMs > known.writtenAtMs);
  if (news) await versions.record(owner, dataId, envelope.version, writtenAtMs);
  const found = { envelope, source: chosen.report.source, copies: reportsOf(copies) };
  return chosen.manifest === undefined ? found : { ...found, manifest: chosen.manifest };
}

/** Reports of copies, for results and errors. */
export function reportsOf(copies: readonly VerifiedCopy[]): CopyReport[] {
  return copies.map((c) => c.report);
}

function startsWith(bytes: Uint8Array, prefix: string): boolean {
  if (bytes.byteLength < prefix.length) return false;
  for (let i = 0; i < prefix.length; i++) if (bytes[i] !== prefix.charCodeAt(i)) return false;
  return true;
}
