import { createCipheriv, createDecipheriv, createHash, hkdfSync } from 'node:crypto';
import { decryptECIES, encryptECIES } from '../crypto/ecies.js';
import { bytesToHex, hexToBytes } from '../crypto/hex.js';
import {
  ErrorCode,
  IntegrityError,
  isStorageError,
  PermissionError,
  type StorageErrorOptions,
} from '../errors.js';
import { CHUNK_TAG_BYTES, type WrappedFileKey } from './manifest.js';

/** Bytes of the per-value file key, the HKDF salt and the payload key. */
export const FILE_KEY_BYTES = 32;
/** First 16 bytes of the HKDF info; the last 32 are the value's identity digest. */
export const PAYLOAD_KEY_INFO_PREFIX = 'bsc1 payload key';
const NONCE_BYTES = 12;
const COUNTER_BYTES = 11;
const CIPHER_SLICE_BYTES = 64 * 1024;

/**
 * SHA-256 of `u16 length ‖ fq_data_id UTF-8 ‖ u64 version` (big-endian): what binds a payload key to
 * one version of one key. Hashed rather than put in the HKDF info as is because node:crypto caps the
 * info at 1024 bytes and an fq_data_id can be longer.
 */
export function identityDigest(fqDataId: string, version: number): Uint8Array {
  const id = Buffer.from(fqDataId, 'utf8');
  const head = Buffer.alloc(2);
  head.writeUInt16BE(id.byteLength);
  const tail = Buffer.alloc(8);
  tail.writeBigUInt64BE(BigInt(version));
  return new Uint8Array(createHash('sha256').update(head).update(id).update(tail).digest());
}

/** payload key = HKDF-SHA256(ikm = file key, salt, info = "bsc1 payload key" ‖ identityDigest), 32 bytes. */
export function derivePayloadKey(
  fileKey: Uint8Array,
  salt: Uint8Array,
  fqDataId: string,
  version: number,
): Uint8Array {
  const info = Buffer.concat([
    Buffer.from(PAYLOAD_KEY_INFO_PREFIX, 'latin1'),
    identityDigest(fqDataId, version),
  ]);
  return new Uint8Array(hkdfSync('sha256', fileKey, salt, info, FILE_KEY_BYTES));
}

/** The STREAM nonce of chunk `index`: 11-byte big-endian counter ‖ 0x01 on the last chunk, else 0x00. */
export function chunkNonce(index: number, last: boolean): Buffer {
  const nonce = Buffer.alloc(NONCE_BYTES);
  // index < 2^19, so the counter's top 5 bytes stay zero; written as 6 bytes for clarity of intent.
  nonce.writeUIntBE(index, COUNTER_BYTES - 6, 6);
  nonce[COUNTER_BYTES] = last ? 1 : 0;
  return nonce;
}

/** AES-256-GCM of one chunk under its STREAM nonce, no associated data: ciphertext ‖ 16-byte tag. */
export function sealChunk(
  payloadKey: Uint8Array,
  index: number,
  last: boolean,
  plaintext: Uint8Array,
): Uint8Array {
  const cipher = createCipheriv('aes-256-gcm', payloadKey, chunkNonce(index, last));
  const out = Buffer.allocUnsafe(plaintext.byteLength + CHUNK_TAG_BYTES);
  let at = streamInto(cipher, plaintext, out);
  at += cipher.final().copy(out, at); // empty for GCM
  cipher.getAuthTag().copy(out, at);
  return new Uint8Array(out.buffer, out.byteOffset, out.byteLength);
}

/**
 * Runs `input` through `cipher` in slices, copying each output slice into `out`. One `update` over a
 * whole chunk allocates a fresh chunk-sized output, and on a VM where first-touch page faults are slow
 * (53 MB/s measured here) that, not AES, set the speed; slice outputs come from malloc's reused memory.
 */
function streamInto(cipher: { update(data: Uint8Array): Buffer }, input: Uint8Array, out: Buffer): number {
  let at = 0;
  for (let from = 0; from < input.byteLength; from += CIPHER_SLICE_BYTES) {
    at += cipher.update(input.subarray(from, from + CIPHER_SLICE_BYTES)).copy(out, at);
  }
  return at;
}

/**
 * Opens one sealed chunk; the plaintext is returned only after the tag verified.
 * @throws IntegrityError when the tag does not verify (wrong position, last flag, key or a changed byte).
 */
export function openChunk(
  payloadKey: Uint8Array,
  index: number,
  last: boolean,
  stored: Uint8Array,
  context: StorageErrorOptions = {},
): Uint8Array {
  if (stored.byteLength < CHUNK_TAG_BYTES) {
    throw new IntegrityError(`Chunk ${index} is shorter than its authentication tag`, context);
  }
  const split = stored.byteLength - CHUNK_TAG_BYTES;
  const decipher = createDecipheriv('aes-256-gcm', payloadKey, chunkNonce(index, last));
  decipher.setAuthTag(stored.subarray(split));
  const plaintext = Buffer.allocUnsafe(split);
  streamInto(decipher, stored.subarray(0, split), plaintext);
  try {
    decipher.final();
  } catch (cause) {
    throw new IntegrityError(
      `Chunk ${index}${last ? ' (the last)' : ''} failed AES-GCM authentication: moved, truncated, from another value or changed`,
      { ...context, cause },
    );
  }
  return new Uint8Array(plaintext.buffer, plaintext.byteOffset, plaintext.byteLength);
}

/** Wraps a file key to `recipientPublicKey` with the project's ECIES (`encryptECIES`), as raw fields. */
export function wrapFileKey(
  recipientPublicKey: Uint8Array,
  fileKey: Uint8Array,
  salt: Uint8Array,
): WrappedFileKey {
  const envelope = encryptECIES(recipientPublicKey, fileKey);
  return {
    salt,
    ephemeralPublicKey: hexToBytes(envelope.ephemeralPK),
    iv: hexToBytes(envelope.iv),
    cipherText: hexToBytes(envelope.cipherText),
    mac: hexToBytes(envelope.mac),
  };
}

/**
 * Unwraps the file key with `decryptECIES`.
 * @throws PermissionError when the MAC fails: the manifest's signature verified, so these are the bytes
 *   the signer stored and the likely cause is a value encrypted to another key (as `openValue` says for
 *   bsk2). IntegrityError when the MAC passes but the key is not 32 bytes (a broken writer).
 */
export function unwrapFileKey(
  privateKey: Uint8Array,
  wrapped: WrappedFileKey,
  context: StorageErrorOptions & { owner?: string } = {},
): Uint8Array {
  let fileKey: Uint8Array;
  try {
    fileKey = decryptECIES(privateKey, {
      iv: bytesToHex(wrapped.iv),
      ephemeralPK: bytesToHex(wrapped.ephemeralPublicKey),
      cipherText: bytesToHex(wrapped.cipherText),
      mac: bytesToHex(wrapped.mac),
      wasString: false,
    });
  } catch (error) {
    if (isStorageError(error, ErrorCode.InvalidKey)) throw error; // the caller's key, not the data
    const why = error instanceof Error ? error.message : String(error);
    throw new PermissionError(
      `The chunked value's content key cannot be unwrapped with this data key (${why}): it was encrypted to another key, or damaged before it was signed`,
      {
        key: context.key,
        driver: context.driver,
        cause: error,
        hint: 'If it was encrypted to another key, only that key can read it (ask the owner to encrypt it to your data key); otherwise the writer must store it again.',
      },
    );
  }
  if (fileKey.byteLength !== FILE_KEY_BYTES) {
    throw new IntegrityError(
      `The unwrapped content key is ${fileKey.byteLength} bytes, not ${FILE_KEY_BYTES}`,
      context,
    );
  }
  return fileKey;
}
