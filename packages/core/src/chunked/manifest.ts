import { createHash } from 'node:crypto';
import { secp256k1Backend } from '../crypto/backend.js';
import { IntegrityError, InvalidKeyError } from '../errors.js';
import { compressPublicKey } from '../identity/data-key.js';

// The byte layout is specified in docs/chunked-format.md; keep the two in step.

/** The 4-byte tag every manifest starts with: the format and its version. */
export const CHUNKED_FORMAT_TAG = 'bsc1';
/** Largest plaintext bytes per chunk a manifest may declare: bounds a reader's memory (~2 chunks). */
export const MAX_CHUNK_BYTES = 16 * 1024 * 1024;
/** Most chunks one value may have: bounds the manifest to ~16 MiB of hashes. */
export const MAX_CHUNK_COUNT = 2 ** 19;
/** Longest `fq_data_id`, in UTF-8 bytes (its length is a u16). */
export const MAX_FQ_DATA_ID_BYTES = 0xffff;
/** Bytes the AES-256-GCM tag adds to each encrypted chunk. */
export const CHUNK_TAG_BYTES = 16;

const FLAG_PUBLIC = 0x00;
const FLAG_ENCRYPTED = 0x01;
const HASH_BYTES = 32;
const SIGNATURE_BYTES = 64;
const PUBLIC_KEY_BYTES = 33;
/** magic 4, flags 1, signer 33, version 8, timestamp 8, size 8, chunk size 4, plaintext sha256 32, id length 2. */
const FIXED_HEADER_BYTES = 100;
/** salt 32, ECIES ephemeral key 33, iv 16, ciphertext 48, mac 32. */
const KEY_SECTION_BYTES = 161;
/** The largest manifest any reader accepts; anything longer is refused before it is parsed. */
export const MAX_MANIFEST_BYTES =
  FIXED_HEADER_BYTES +
  MAX_FQ_DATA_ID_BYTES +
  KEY_SECTION_BYTES +
  MAX_CHUNK_COUNT * HASH_BYTES +
  SIGNATURE_BYTES;

/** The content key of an encrypted value as the manifest holds it: ECIES to the reader's public key. */
export interface WrappedFileKey {
  /** 32 random bytes: the HKDF salt of the payload key. */
  salt: Uint8Array;
  /** Compressed (33-byte) ephemeral public key of the ECIES wrapping. */
  ephemeralPublicKey: Uint8Array;
  /** 16-byte AES-256-CBC iv of the ECIES wrapping. */
  iv: Uint8Array;
  /** 48 bytes: AES-256-CBC (PKCS#7) of the 32-byte file key. */
  cipherText: Uint8Array;
  /** 32-byte HMAC-SHA256 of the ECIES wrapping. */
  mac: Uint8Array;
}

/** The signed fields of a manifest. */
export interface ManifestFields {
  fqDataId: string;
  version: number;
  timestamp: number;
  /** Total plaintext bytes. */
  size: number;
  /** Plaintext bytes per chunk (every chunk but the last holds exactly this many). */
  chunkBytes: number;
  /** Lowercase hex SHA-256 of each chunk's stored bytes, in order. */
  chunkHashes: readonly string[];
  /** Lowercase hex SHA-256 of the whole plaintext. */
  plaintextSha256: string;
  /** Present exactly when the value is encrypted. */
  encryption: WrappedFileKey | undefined;
}

/** A manifest whose signature, signer and layout were verified by `parseManifest` (or just signed). */
export interface ChunkedManifest extends ManifestFields {
  /** The manifest bytes exactly as signed. */
  bytes: Uint8Array;
  /** The signer's compressed public key. */
  signerPublicKey: Uint8Array;
  /** How many chunks the value has: at least 1 (an empty value is one empty chunk). */
  chunkCount: number;
}

/** Options of `parseManifest`. */
export interface ParseManifestOptions {
  /** Refuse the manifest unless its `fq_data_id` is this one (stops a replay of another key's value). */
  fqDataId?: string;
  /** Named in errors. */
  driver?: string;
}

/** Chunks a value of `size` plaintext bytes has at `chunkBytes` per chunk (an empty value has one). */
export function chunkCountOf(size: number, chunkBytes: number): number {
  return size === 0 ? 1 : Math.ceil(size / chunkBytes);
}

/** Plaintext bytes of chunk `index`. */
export function chunkPlaintextLength(
  manifest: Pick<ManifestFields, 'size' | 'chunkBytes'>,
  index: number,
): number {
  const count = chunkCountOf(manifest.size, manifest.chunkBytes);
  return index < count - 1 ? manifest.chunkBytes : manifest.size - (count - 1) * manifest.chunkBytes;
}

/** Stored bytes of chunk `index`: its plaintext length, plus the 16-byte tag when encrypted. */
export function storedChunkLength(
  manifest: Pick<ManifestFields, 'size' | 'chunkBytes' | 'encryption'>,
  index: number,
): number {
  return chunkPlaintextLength(manifest, index) + (manifest.encryption ? CHUNK_TAG_BYTES : 0);
}

/**
 * Serialises and signs a manifest: low-S ECDSA (secp256k1, RFC 6979) over the SHA-256 of every byte
 * before the 64-byte signature. The caller (the encoder) vouches that the hashes and sizes are right.
 * @throws InvalidKeyError for a bad key or a field out of range.
 */
export function signManifest(fields: ManifestFields, privateKey: Uint8Array): ChunkedManifest {
  const curve = secp256k1Backend();
  if (!(privateKey instanceof Uint8Array) || !curve.isValidPrivateKey(privateKey)) {
    throw new InvalidKeyError('Cannot sign the manifest: not a valid secp256k1 private key');
  }
  const idBytes = checkIdentity(fields.fqDataId, fields.version, fields.timestamp);
  checkChunking(fields.size, fields.chunkBytes, InvalidKeyError);
  const chunkCount = chunkCountOf(fields.size, fields.chunkBytes);
  if (fields.chunkHashes.length !== chunkCount) {
    throw new InvalidKeyError(
      `A value of ${fields.size} bytes in ${fields.chunkBytes}-byte chunks has ${chunkCount} chunks, not ${fields.chunkHashes.length}`,
    );
  }
  const signerPublicKey = curve.publicKeyCreate(privateKey, true);
  const keySection = fields.encryption ? KEY_SECTION_BYTES : 0;
  const length =
    FIXED_HEADER_BYTES + idBytes.byteLength + keySection + chunkCount * HASH_BYTES + SIGNATURE_BYTES;
  const out = Buffer.alloc(length);
  let at = out.write(CHUNKED_FORMAT_TAG, 0, 'latin1');
  out[at++] = fields.encryption ? FLAG_ENCRYPTED : FLAG_PUBLIC;
  out.set(signerPublicKey, at);
  at += PUBLIC_KEY_BYTES;
  at = out.writeBigUInt64BE(BigInt(fields.version), at);
  at = out.writeBigUInt64BE(BigInt(fields.timestamp), at);
  at = out.writeBigUInt64BE(BigInt(fields.size), at);
  at = out.writeUInt32BE(fields.chunkBytes, at);
  at = writeHex(out, at, fields.plaintextSha256, HASH_BYTES, 'plaintextSha256');
  at = out.writeUInt16BE(idBytes.byteLength, at);
  out.set(idBytes, at);
  at += idBytes.byteLength;
  if (fields.encryption) {
    const { salt, ephemeralPublicKey, iv, cipherText, mac } = fields.encryption;
    for (const [part, size] of [
      [salt, 32],
      [ephemeralPublicKey, PUBLIC_KEY_BYTES],
      [iv, 16],
      [cipherText, 48],
      [mac, 32],
    ] as const) {
      if (part.byteLength !== size)
        throw new InvalidKeyError(`A wrapped-key field must be ${size} bytes, got ${part.byteLength}`);
      out.set(part, at);
      at += size;
    }
  }
  for (const hash of fields.chunkHashes) at = writeHex(out, at, hash, HASH_BYTES, 'chunk hash');
  const digest = createHash('sha256').update(out.subarray(0, at)).digest();
  out.set(curve.sign(digest, privateKey), at);
  const bytes = new Uint8Array(out.buffer, out.byteOffset, out.byteLength);
  return { ...fields, chunkHashes: [...fields.chunkHashes], bytes, signerPublicKey, chunkCount };
}

/**
 * Verifies manifest bytes exactly as received (never re-serialised) against the expected signer key and
 * returns its fields. Nothing is allocated from a declared length: every length is checked against the
 * bytes present first.
 * @throws IntegrityError on anything malformed, another signer, a bad or high-S signature, or an
 *   `fq_data_id` other than `options.fqDataId`. InvalidKeyError when `publicKey` is not a key.
 */
export function parseManifest(
  bytes: Uint8Array,
  publicKey: Uint8Array,
  options: ParseManifestOptions = {},
): ChunkedManifest {
  const expectedKey = compressPublicKey(publicKey);
  const where = { key: options.fqDataId, driver: options.driver };
  const refuse = (why: string, hint?: string): never => {
    throw new IntegrityError(`Refused a chunked-value manifest: ${why}`, { ...where, hint });
  };
  if (!(bytes instanceof Uint8Array)) refuse('it is not bytes');
  if (bytes.byteLength < FIXED_HEADER_BYTES + 1 + HASH_BYTES + SIGNATURE_BYTES)
    refuse(`${bytes.byteLength} bytes is too short`);
  if (bytes.byteLength > MAX_MANIFEST_BYTES)
    refuse(`${bytes.byteLength} bytes is over the ${MAX_MANIFEST_BYTES}-byte limit`);
  const view = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (view.toString('latin1', 0, 4) !== CHUNKED_FORMAT_TAG)
    refuse(`it does not start with "${CHUNKED_FORMAT_TAG}"`);
  const flags = view[4];
  if (flags !== FLAG_PUBLIC && flags !== FLAG_ENCRYPTED) refuse(`unknown flags 0x${flags?.toString(16)}`);
  const signerPublicKey = copyOf(bytes, 5, 5 + PUBLIC_KEY_BYTES);
  if (!view.subarray(5, 5 + PUBLIC_KEY_BYTES).equals(expectedKey)) {
    refuse(
      'it names a different signer than the expected data key',
      'It was signed by someone else, or the zone file data key changed.',
    );
  }
  const version = readSafeInteger(view, 38);
  const timestamp = readSafeInteger(view, 46);
  const size = readSafeInteger(view, 54);
  if (version === undefined || version < 1) refuse('the version must be an integer from 1 to 2^53-1');
  if (timestamp === undefined) refuse('the timestamp must be an integer from 0 to 2^53-1');
  if (size === undefined) refuse('the size must be an integer from 0 to 2^53-1');
  const chunkBytes = view.readUInt32BE(62);
  try {
    checkChunking(size as number, chunkBytes, IntegrityError);
  } catch (error) {
    refuse((error as Error).message);
  }
  const plaintextSha256 = view.toString('hex', 66, 98);
  const idLength = view.readUInt16BE(98);
  if (idLength === 0) refuse('the fq_data_id is empty');
  let at = FIXED_HEADER_BYTES + idLength;
  if (at > bytes.byteLength) refuse('it is truncated inside the fq_data_id');
  let fqDataId = '';
  try {
    fqDataId = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(
      bytes.subarray(FIXED_HEADER_BYTES, at),
    );
  } catch {
    refuse('the fq_data_id is not valid UTF-8');
  }
  let encryption: WrappedFileKey | undefined;
  if (flags === FLAG_ENCRYPTED) {
    if (at + KEY_SECTION_BYTES > bytes.byteLength) refuse('it is truncated inside the wrapped key');
    const take = (n: number): Uint8Array => {
      const part = copyOf(bytes, at, at + n);
      at += n;
      return part;
    };
    encryption = {
      salt: take(32),
      ephemeralPublicKey: take(PUBLIC_KEY_BYTES),
      iv: take(16),
      cipherText: take(48),
      mac: take(32),
    };
    const prefix = encryption.ephemeralPublicKey[0];
    if (
      (prefix !== 0x02 && prefix !== 0x03) ||
      !secp256k1Backend().isValidPublicKey(encryption.ephemeralPublicKey)
    ) {
      refuse("the wrapped key's ephemeral public key is not a compressed secp256k1 point");
    }
  }
  const chunkCount = chunkCountOf(size as number, chunkBytes);
  const expectedLength = at + chunkCount * HASH_BYTES + SIGNATURE_BYTES;
  if (bytes.byteLength !== expectedLength) {
    refuse(
      `a value of ${size} bytes in ${chunkBytes}-byte chunks needs ${chunkCount} chunk hashes and a ${expectedLength}-byte manifest, not ${bytes.byteLength} bytes`,
    );
  }
  const signedEnd = bytes.byteLength - SIGNATURE_BYTES;
  const digest = createHash('sha256').update(bytes.subarray(0, signedEnd)).digest();
  if (!secp256k1Backend().verify(bytes.subarray(signedEnd), digest, expectedKey)) {
    refuse('its signature does not verify (tampered, or a high-S signature)');
  }
  if (options.fqDataId !== undefined && fqDataId !== options.fqDataId) {
    refuse(
      `it is for ${JSON.stringify(fqDataId)}, not ${JSON.stringify(options.fqDataId)} (a replayed value?)`,
    );
  }
  const chunkHashes: string[] = new Array(chunkCount);
  for (let i = 0; i < chunkCount; i++)
    chunkHashes[i] = view.toString('hex', at + i * HASH_BYTES, at + (i + 1) * HASH_BYTES);
  return {
    fqDataId,
    version: version as number,
    timestamp: timestamp as number,
    size: size as number,
    chunkBytes,
    chunkHashes,
    plaintextSha256,
    encryption,
    bytes,
    signerPublicKey,
    chunkCount,
  };
}

/** True when `bytes` start with the chunked format's tag (so a reader can tell it from `bsk2.`). */
export function isChunkedManifest(bytes: Uint8Array): boolean {
  return (
    bytes.byteLength >= 4 &&
    Buffer.from(bytes.buffer, bytes.byteOffset, 4).toString('latin1') === CHUNKED_FORMAT_TAG
  );
}

/** The UTF-8 bytes of `fqDataId` after checking the identity fields (shared with the encoder). */
export function checkIdentity(fqDataId: string, version: number, timestamp: number): Buffer {
  if (typeof fqDataId !== 'string' || fqDataId.length === 0 || !fqDataId.isWellFormed()) {
    throw new InvalidKeyError('fqDataId must be a non-empty well-formed string');
  }
  const idBytes = Buffer.from(fqDataId, 'utf8');
  if (idBytes.byteLength > MAX_FQ_DATA_ID_BYTES) {
    throw new InvalidKeyError(
      `fqDataId is ${idBytes.byteLength} bytes of UTF-8; the limit is ${MAX_FQ_DATA_ID_BYTES}`,
    );
  }
  if (!Number.isSafeInteger(version) || version < 1)
    throw new InvalidKeyError(`version must be an integer from 1, got ${version}`);
  if (!Number.isSafeInteger(timestamp) || timestamp < 0) {
    throw new InvalidKeyError(`timestamp must be a non-negative integer of seconds, got ${timestamp}`);
  }
  return idBytes;
}

function checkChunking(
  size: number,
  chunkBytes: number,
  ErrorClass: typeof InvalidKeyError | typeof IntegrityError,
): void {
  if (!Number.isSafeInteger(chunkBytes) || chunkBytes < 1 || chunkBytes > MAX_CHUNK_BYTES) {
    throw new ErrorClass(`the chunk size must be 1 to ${MAX_CHUNK_BYTES} bytes, got ${chunkBytes}`);
  }
  if (!Number.isSafeInteger(size) || size < 0)
    throw new ErrorClass(`the size must be a non-negative integer, got ${size}`);
  const count = chunkCountOf(size, chunkBytes);
  if (count > MAX_CHUNK_COUNT) {
    throw new ErrorClass(
      `${size} bytes in ${chunkBytes}-byte chunks is ${count} chunks, over the limit of ${MAX_CHUNK_COUNT}`,
    );
  }
}

function readSafeInteger(view: Buffer, at: number): number | undefined {
  const value = view.readBigUInt64BE(at);
  return value <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(value) : undefined;
}

function writeHex(out: Buffer, at: number, hex: string, size: number, label: string): number {
  if (typeof hex !== 'string' || !/^[0-9a-f]*$/.test(hex) || hex.length !== size * 2) {
    throw new InvalidKeyError(`The ${label} must be ${size * 2} lowercase hex characters`);
  }
  return at + out.write(hex, at, 'hex');
}

/** A plain Uint8Array copy (a Buffer's `slice` would give a Buffer, and a view would pin the input). */
function copyOf(bytes: Uint8Array, start: number, end: number): Uint8Array {
  return new Uint8Array(bytes.subarray(start, end));
}
