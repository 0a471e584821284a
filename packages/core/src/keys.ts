import { createHash } from 'node:crypto';
import type { DataKind } from './driver.js';
import { InvalidKeyError } from './errors.js';

/**
 * Valid data ids (mutable path): non-empty, well-formed Unicode (no lone surrogates), no NUL,
 * at most `MAX_DATA_ID_BYTES` bytes of UTF-8. Everything else is allowed: slashes, dots, spaces,
 * quotes, any script. Ids are case-sensitive: `A` and `a` are different data.
 */
export const MAX_DATA_ID_BYTES = 4096;

/** Valid immutable keys: a SHA-256 hash as 64 lowercase hex characters. */
const HASH_PATTERN = /^[0-9a-f]{64}$/;

/**
 * Encoded ids longer than this are shortened to a prefix plus a SHA-256 of the whole encoding, so
 * every encoded key fits a 255-byte file name, S3's and GCS's 1024-byte names, and Dropbox paths.
 */
export const MAX_ENCODED_SEGMENT_LENGTH = 200;
const LONG_PREFIX_LENGTH = 120;

/** @throws InvalidKeyError unless `dataId` is a valid data id (see `MAX_DATA_ID_BYTES`). */
export function validateDataId(dataId: unknown, driver?: string): asserts dataId is string {
  if (typeof dataId !== 'string') {
    throw new InvalidKeyError(`Data id must be a string, got ${typeof dataId}`, { driver });
  }
  if (dataId.length === 0) throw new InvalidKeyError('Data id must not be empty', { driver, key: dataId });
  if (dataId.includes('\0')) {
    throw new InvalidKeyError('Data id must not contain NUL characters', { driver, key: dataId });
  }
  if (!dataId.isWellFormed()) {
    throw new InvalidKeyError('Data id must be well-formed Unicode (it has a lone surrogate)', {
      driver,
      key: dataId,
    });
  }
  const bytes = Buffer.byteLength(dataId, 'utf8');
  if (bytes > MAX_DATA_ID_BYTES) {
    throw new InvalidKeyError(`Data id is ${bytes} bytes of UTF-8; the limit is ${MAX_DATA_ID_BYTES}`, {
      driver,
      key: dataId,
    });
  }
}

/** @throws InvalidKeyError unless `hash` is 64 lowercase hex characters. */
export function validateHash(hash: unknown, driver?: string): asserts hash is string {
  if (typeof hash !== 'string' || !HASH_PATTERN.test(hash)) {
    throw new InvalidKeyError('Immutable key must be a SHA-256 hash: 64 lowercase hex characters', {
      driver,
      key: typeof hash === 'string' ? hash : String(hash),
    });
  }
}

/**
 * Maps a data id to one path segment that is safe on every provider we know:
 * - only `[a-z0-9_.~-]`: no `/`, no upper case (so case-insensitive stores like Dropbox or macOS
 *   disks cannot merge `A` and `a`), nothing Unicode normalisation could change;
 * - never `.`/`..` and never a leading dot (a leading `.` is escaped);
 * - injective: `~` escapes every other byte as `~xx` (lowercase hex of its UTF-8 byte), and `~` itself
 *   is escaped, so distinct ids give distinct encodings;
 * - bounded: encodings over `MAX_ENCODED_SEGMENT_LENGTH` become `<prefix>~h<sha256 of the encoding>`
 *   (`h` is not a hex digit, so this form cannot collide with an escape). Distinct long ids then
 *   collide only if SHA-256 does.
 */
export function encodeDataId(dataId: string): string {
  let out = '';
  const bytes = Buffer.from(dataId, 'utf8');
  for (let i = 0; i < bytes.length; i++) {
    const byte = bytes[i]!;
    const isSafe =
      (byte >= 0x61 && byte <= 0x7a) || // a-z
      (byte >= 0x30 && byte <= 0x39) || // 0-9
      byte === 0x5f || // _
      byte === 0x2d || // -
      (byte === 0x2e && i > 0); // . but not leading
    out += isSafe ? String.fromCharCode(byte) : `~${byte.toString(16).padStart(2, '0')}`;
  }
  if (out.length <= MAX_ENCODED_SEGMENT_LENGTH) return out;
  const digest = createHash('sha256').update(out).digest('hex');
  return `${out.slice(0, LONG_PREFIX_LENGTH)}~h${digest}`;
}

/**
 * Inverse of `encodeDataId`.
 * @returns the data id, or `undefined` for a segment `encodeDataId` never produces: a shortened
 *   (`~h`) encoding, whose id cannot be recovered from the key alone, or a foreign name (upper case,
 *   a bad escape, an escaped byte that needed no escape) that a listing must skip rather than report
 *   as an id it does not hold.
 */
export function decodeDataId(segment: string): string | undefined {
  if (!/^(?:[a-z0-9_.-]|~[0-9a-f]{2})+$/.test(segment)) return undefined;
  const bytes: number[] = [];
  for (let i = 0; i < segment.length; i++) {
    if (segment[i] === '~') {
      bytes.push(Number.parseInt(segment.slice(i + 1, i + 3), 16));
      i += 2;
    } else {
      bytes.push(segment.charCodeAt(i));
    }
  }
  const id = Buffer.from(bytes).toString('utf8');
  // Canonical only: invalid UTF-8 or an id that is not valid would not encode back to this segment.
  try {
    validateDataId(id);
  } catch {
    return undefined;
  }
  return encodeDataId(id) === segment ? id : undefined;
}

/**
 * The storage key of a datum for key-value drivers: `mutable/<encoded id>` or `immutable/<hash>`.
 * Validates first. @throws InvalidKeyError.
 */
export function storageKey(kind: DataKind, idOrHash: string, driver?: string): string {
  if (kind === 'immutable') {
    validateHash(idOrHash, driver);
    return `immutable/${idOrHash}`;
  }
  validateDataId(idOrHash, driver);
  return `mutable/${encodeDataId(idOrHash)}`;
}
