import type { StorageError } from '../errors.js';
import type { DriverOutcome } from '../replication/index.js';

/** What `putMutable` did. */
export interface PutMutableResult {
  dataId: string;
  /** The version written (one more than the highest this client had seen). */
  version: number;
  /** Every driver with its status, error and time. */
  outcomes: DriverOutcome[];
  /** Public URLs of the datum on non-local drivers (what readers of the name will fetch). */
  urls: string[];
  /** How it was stored: one bsk2 envelope, or (above the chunk threshold) the chunked format. */
  format: StoredFormat;
  /** Transaction id of the NAME_UPDATE that published new URL records, when one was needed. */
  publishTxid?: string;
  /** Why publishing the URLs failed, if it did (the datum itself was stored). */
  publishError?: StorageError;
}

/**
 * How a mutable value is stored: `bsk2`, one signed envelope (small values, as in 2017), or `bsc1`,
 * a signed manifest and its chunks (values above the chunk threshold; docs/chunked-format.md).
 */
export type StoredFormat = 'bsk2' | 'bsc1';

/** How one copy of a datum (one driver, or one URL) fared on a read. */
export interface CopyReport {
  /** Driver name, or the URL (without query string) for another user's data. */
  source: string;
  /**
   * `valid` (verified, at or above the known version), `stale` (verified but older than a version this
   * client already saw), `invalid` (failed verification: tampered, wrong key, wrong id, wrong hash),
   * `tombstone` (a verified deletion), `missing`, `failed` (the driver or URL errored), `skipped`
   * (not asked: policy `first` stopped earlier, or the driver does not serve this kind of data).
   */
  status: 'valid' | 'stale' | 'invalid' | 'tombstone' | 'missing' | 'failed' | 'skipped';
  version?: number;
  error?: StorageError;
}

/** A verified mutable datum. */
export interface GetMutableResult {
  dataId: string;
  /** Owner name of the datum. */
  owner: string;
  /** The plaintext (decrypted when it was encrypted). */
  data: Uint8Array;
  version: number;
  /** Seconds since the epoch when it was signed. */
  timestamp: number;
  /** Whether the stored value was encrypted. */
  encrypted: boolean;
  /** How it is stored. */
  format: StoredFormat;
  /** The driver or URL it came from (of a chunked value: its manifest). */
  source: string;
  /** Every copy looked at. */
  copies: CopyReport[];
}

/**
 * A verified mutable datum whose body is read as it is consumed (`getMutableStream`). Everything but
 * `body` is known, and verified against the signature, before a byte of the body is read.
 */
export interface MutableValueStream extends Omit<GetMutableResult, 'data'> {
  /** Size of the plaintext in bytes. */
  size: number;
  /** The public key (33 bytes, compressed) whose signature was verified: the owner's data key. */
  signerPublicKey: Uint8Array;
  /**
   * The plaintext, in pieces. Consume it once. Every piece was verified before it is yielded; a value
   * tampered with midway ends the iteration with an IntegrityError (never a normal end), a chunk no
   * driver can give with UnavailableError, so a partial value cannot pass for a whole one. Stopping
   * early (`break`) releases what the read holds.
   */
  body: AsyncIterable<Uint8Array>;
}

/** What `putImmutable` did. */
export interface PutImmutableResult {
  dataId: string;
  /**
   * The hash the zone-file record holds, lowercase hex: the SHA-256 of the data, or for a chunked
   * value the SHA-256 of its manifest (which commits to every chunk and to `sha256`).
   */
  hash: string;
  /** SHA-256 of the whole value, lowercase hex (equal to `hash` unless `chunked`). */
  sha256: string;
  /** Whether it was stored in the chunked format (above the chunk threshold). */
  chunked: boolean;
  /** Transaction id of the NAME_UPDATE that recorded the hash. */
  txid: string;
  /** The public URL written into the zone file record, if a non-local driver gave one. */
  url?: string;
  outcomes: DriverOutcome[];
}

/** A verified immutable datum. */
export interface GetImmutableResult {
  dataId: string;
  owner: string;
  data: Uint8Array;
  /** The hash the zone-file record holds (of a chunked value: of its manifest). */
  hash: string;
  /** SHA-256 of the whole value (equal to `hash` unless `chunked`). */
  sha256: string;
  /** Whether it is stored in the chunked format. */
  chunked: boolean;
  /** Where the bytes (of a chunked value: its manifest) came from. */
  source: string;
  copies: CopyReport[];
}

/** A verified immutable datum whose body is read as it is consumed (`getImmutableStream`). */
export interface ImmutableValueStream extends Omit<GetImmutableResult, 'data'> {
  /** Size of the value in bytes. */
  size: number;
  /** Only verified bytes; ends with a typed error, never normally, if the value cannot be read whole. */
  body: AsyncIterable<Uint8Array>;
}

/** What a delete did. */
export interface DeleteResult {
  dataId: string;
  /** Drivers' deletes (after the tombstone was written). */
  outcomes: DriverOutcome[];
  /** Drivers' tombstone writes. */
  tombstoneOutcomes: DriverOutcome[];
  /** NAME_UPDATE removing the immutable record (immutable deletes only). */
  txid?: string;
}
