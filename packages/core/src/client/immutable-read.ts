import { sha256Hex } from '../crypto/hash.js';
import { asStorageError, ErrorCode, IntegrityError, NotFoundError, UnavailableError } from '../errors.js';
import type { CopySource } from '../replication/index.js';
import type { ImmutableDataRecord } from '../zonefile/index.js';
import type { CopyReport, GetImmutableResult } from './results.js';

/**
 * Reads immutable data from `sources` one by one, in order, and returns the first bytes whose SHA-256
 * is the one `record` holds; sources with other bytes are skipped and reported.
 * @throws IntegrityError when only wrong bytes were found; TooLargeError when a copy is over the read
 *   limit; UnavailableError when a source could not be read and none had the data; NotFoundError when
 *   no source has it.
 */
export async function readImmutable(
  sources: readonly CopySource[],
  record: ImmutableDataRecord,
  owner: string,
  signal: AbortSignal | undefined,
): Promise<Omit<GetImmutableResult, 'sha256' | 'chunked'>> {
  const { dataId } = record;
  const copies: CopyReport[] = [];
  for (const source of sources) {
    let bytes: Uint8Array | null;
    try {
      bytes = (await source.fetch(signal))?.bytes ?? null;
    } catch (error) {
      copies.push({
        source: source.name,
        status: 'failed',
        error: asStorageError(error, { driver: source.name }),
      });
      continue;
    }
    if (bytes === null) {
      copies.push({ source: source.name, status: 'missing' });
    } else if (sha256Hex(bytes) !== record.hash) {
      copies.push({ source: source.name, status: 'invalid', error: hashMismatch(source.name, dataId) });
    } else {
      copies.push({ source: source.name, status: 'valid' });
      return { dataId, owner, data: bytes, hash: record.hash, source: source.name, copies };
    }
  }
  const summary = copies.map((c) => `${c.source}: ${c.status}`).join(', ');
  if (copies.some((c) => c.status === 'invalid')) {
    throw new IntegrityError(`No source holds the bytes whose SHA-256 the zone file records [${summary}]`, {
      key: dataId,
    });
  }
  // A copy over the read limit, or a source that could not be read, is not "no source has it".
  const tooLarge = copies.find((c) => c.error?.code === ErrorCode.TooLarge);
  if (tooLarge) throw tooLarge.error!;
  const failed = copies.find((c) => c.status === 'failed');
  if (failed) {
    throw new UnavailableError(`No source of ${owner}'s datum could be read [${summary}]`, {
      key: dataId,
      cause: failed.error,
      hint: 'Retry when the failing drivers are back.',
    });
  }
  throw new NotFoundError(`${owner}'s zone file records this datum, but no source has it [${summary}]`, {
    key: dataId,
    hint: 'The drivers holding it may be offline; retry later.',
  });
}

/** The refusal of bytes whose SHA-256 is not the one the zone file records. */
export function hashMismatch(source: string, dataId: string): IntegrityError {
  return new IntegrityError('The bytes do not match the SHA-256 in the zone file', {
    driver: source,
    key: dataId,
  });
}
