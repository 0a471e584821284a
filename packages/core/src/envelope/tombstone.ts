import { secp256k1Backend } from '../crypto/backend.js';
import { sha256 } from '../crypto/hash.js';
import { base64ToBytes, bytesToBase64 } from '../crypto/hex.js';
import { IntegrityError, InvalidKeyError } from '../errors.js';
import { compressPublicKey } from '../identity/data-key.js';

/** A verified deletion record. */
export interface Tombstone {
  fqDataId: string;
  /** Milliseconds since the Unix epoch when the deletion was signed. */
  millis: number;
  /**
   * The version the deletion takes (one above every version it deletes), when the tombstone carries
   * one (`delete-<millis>+<version>:...`); Blockstack's form has none.
   */
  version?: number;
}

const PATTERN = /^delete-(0|[1-9][0-9]{0,15})(?:\+([1-9][0-9]{0,15}))?:([\s\S]+):([A-Za-z0-9+/]{86}==)$/;

/**
 * Blockstack's signed tombstone `delete-<millis>:<fqDataId>:<base64 signature>`, the signature being
 * low-S ECDSA over the SHA-256 of the UTF-8 text before the last `:`. With `version`, the deletion is
 * versioned like a put (`delete-<millis>+<version>:...`, signed the same way), so it orders against
 * values by version rather than by the writers' clocks.
 * @throws InvalidKeyError for a bad key, id, time or version.
 */
export function signTombstone(
  fqDataId: string,
  privateKey: Uint8Array,
  millis: number = Date.now(),
  version?: number,
): string {
  if (typeof fqDataId !== 'string' || fqDataId.length === 0 || !fqDataId.isWellFormed()) {
    throw new InvalidKeyError('fqDataId must be a non-empty well-formed string');
  }
  if (!Number.isSafeInteger(millis) || millis < 0) {
    throw new InvalidKeyError(`millis must be a non-negative integer, got ${millis}`);
  }
  if (version !== undefined && !(Number.isSafeInteger(version) && version >= 1)) {
    throw new InvalidKeyError(`version must be a whole number >= 1, got ${version}`);
  }
  const curve = secp256k1Backend();
  if (!curve.isValidPrivateKey(privateKey)) {
    throw new InvalidKeyError('Cannot sign: not a valid secp256k1 private key');
  }
  const signed = `delete-${millis}${version === undefined ? '' : `+${version}`}:${fqDataId}`;
  return `${signed}:${bytesToBase64(curve.sign(sha256(signed), privateKey))}`;
}

/**
 * Verifies a tombstone (text or its UTF-8 bytes) against the data public key.
 * @throws IntegrityError when it is malformed or the signature does not verify.
 */
export function verifyTombstone(tombstone: string | Uint8Array, publicKey: Uint8Array): Tombstone {
  const key = compressPublicKey(publicKey);
  const text = typeof tombstone === 'string' ? tombstone : Buffer.from(tombstone).toString('utf8');
  const match = PATTERN.exec(text);
  if (!match) throw new IntegrityError('Not a tombstone of the form delete-<millis>:<id>:<signature>');
  const millis = Number(match[1]);
  const version = match[2] === undefined ? undefined : Number(match[2]);
  if (!Number.isSafeInteger(millis) || (version !== undefined && !Number.isSafeInteger(version))) {
    throw new IntegrityError('The tombstone time or version is out of range');
  }
  const signature = base64ToBytes(match[4]!, 'tombstone signature');
  const signed = text.slice(0, text.length - match[4]!.length - 1);
  if (!secp256k1Backend().verify(signature, sha256(signed), key)) {
    throw new IntegrityError('The tombstone signature does not verify against the data key');
  }
  return version === undefined ? { fqDataId: match[3]!, millis } : { fqDataId: match[3]!, millis, version };
}
