import { type MutableEnvelope, verifyMutableEnvelope, verifyTombstone } from '../envelope/index.js';
import {
  asStorageError,
  IntegrityError,
  isStorageError,
  StaleDataError,
  UnavailableError,
} from '../errors.js';
import type { CopyReport } from './results.js';

/** One place a copy can be read from: a driver, or a published URL. */
export interface CopySource {
  name: string;
  /** @returns the stored bytes, or `null` when absent. */
  fetch(signal?: AbortSignal): Promise<Uint8Array | null>;
}

/** A copy after verification. */
export interface VerifiedCopy {
  report: CopyReport;
  envelope?: MutableEnvelope;
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
    bytes = await source.fetch(signal);
  } catch (error) {
    return {
      report: {
        source: source.name,
        status: 'failed',
        error: asStorageError(error, { driver: source.name }),
      },
    };
  }
  if (bytes === null) return { report: { source: source.name, status: 'missing' } };
  try {
    if (startsWith(bytes, TOMBSTONE_PREFIX)) {
      const tombstone = verifyTombstone(bytes, publicKey);
      if (tombstone.fqDataId !== fqDataId) {
        throw new IntegrityError(
          `The tombstone is for ${JSON.stringify(tombstone.fqDataId)}, not this datum`,
        );
      }
      return { report: { source: source.name, status: 'tombstone' } };
    }
    const envelope = verifyMutableEnvelope(bytes, publicKey, { fqDataId });
    const status = envelope.version < knownVersion ? 'stale' : 'valid';
    return { report: { source: source.name, status, version: envelope.version }, envelope };
  } catch (error) {
    const failure = isStorageError(error) ? error : asStorageError(error, { driver: source.name });
    return { report: { source: source.name, status: 'invalid', error: failure } };
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
  return chosen ? { chosen, copies } : { copies };
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
    if (copy.report.status === 'valid') {
      for (const rest of sources.slice(index + 1))
        copies.push({ report: { source: rest.name, status: 'skipped' } });
      return { chosen: copy, copies };
    }
  }
  return { copies };
}

/**
 * When no valid copy was found: `null` if the datum is absent or deleted everywhere; otherwise the
 * error that says why.
 * @throws StaleDataError when only copies older than `knownVersion` exist (naming the versions seen);
 *   IntegrityError when copies exist but none verifies; UnavailableError when no source could be read.
 */
export function noValidCopy(
  copies: readonly VerifiedCopy[],
  knownVersion: number,
  context: { key: string; owner: string },
): null {
  const reports = copies.map((c) => c.report);
  const stale = reports.filter((r) => r.status === 'stale');
  const summary = reports
    .map((r) => `${r.source}: ${r.status}${r.version ? ` v${r.version}` : ''}`)
    .join(', ');
  if (stale.length > 0) {
    const versionsSeen = [...new Set(stale.map((r) => r.version!))].sort((a, b) => b - a);
    throw new StaleDataError(
      `Only stale copies of ${context.owner}'s datum were found (versions ${versionsSeen.join(', ')}; this client has seen version ${knownVersion}) [${summary}]`,
      {
        key: context.key,
        knownVersion,
        versionsSeen,
        hint: 'A driver was rolled back or has not caught up; retry later or repair that driver.',
      },
    );
  }
  const invalid = reports.filter((r) => r.status === 'invalid');
  if (invalid.length > 0 && !reports.some((r) => r.status === 'tombstone')) {
    throw new IntegrityError(`No copy of ${context.owner}'s datum verifies [${summary}]`, {
      key: context.key,
      cause: invalid[0]!.error,
      hint: 'Every stored copy was tampered with, signed by another key, or belongs to another data id.',
    });
  }
  const failed = reports.filter((r) => r.status === 'failed');
  if (reports.length > 0 && failed.length === reports.length) {
    throw new UnavailableError(`No source of ${context.owner}'s datum could be read [${summary}]`, {
      key: context.key,
      cause: failed[0]!.error,
    });
  }
  return null;
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
