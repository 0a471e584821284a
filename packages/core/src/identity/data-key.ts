import { randomBytes } from 'node:crypto';
import { secp256k1Backend } from '../crypto/backend.js';
import { InvalidKeyError } from '../errors.js';

/** A user's data keypair: the zone file lists `publicKey`; `privateKey` signs and decrypts. */
export interface DataKeyPair {
  /** 32-byte secp256k1 scalar. Never log or serialise it except through `saveDataKey`. */
  privateKey: Uint8Array;
  /** 33-byte compressed public key. */
  publicKey: Uint8Array;
}

/** A fresh random data keypair (from the OS CSPRNG). */
export function generateDataKeyPair(): DataKeyPair {
  const curve = secp256k1Backend();
  let privateKey = new Uint8Array(randomBytes(32));
  // The chance of an out-of-range scalar is ~2^-128, but the loop costs nothing.
  while (!curve.isValidPrivateKey(privateKey)) privateKey = new Uint8Array(randomBytes(32));
  return { privateKey, publicKey: curve.publicKeyCreate(privateKey, true) };
}

/**
 * The 33-byte compressed public key of a private key.
 * @throws InvalidKeyError unless `privateKey` is 32 bytes in [1, n-1].
 */
export function publicKeyFromPrivate(privateKey: Uint8Array): Uint8Array {
  const curve = secp256k1Backend();
  if (!(privateKey instanceof Uint8Array) || !curve.isValidPrivateKey(privateKey)) {
    throw new InvalidKeyError('Not a valid secp256k1 private key (expected 32 bytes in range)');
  }
  return curve.publicKeyCreate(privateKey, true);
}

/**
 * The 33-byte compressed form of a public key given compressed or uncompressed (65 bytes).
 * @throws InvalidKeyError when it is not a point on secp256k1.
 */
export function compressPublicKey(publicKey: Uint8Array): Uint8Array {
  const curve = secp256k1Backend();
  if (!(publicKey instanceof Uint8Array) || !curve.isValidPublicKey(publicKey)) {
    throw new InvalidKeyError('Not a valid secp256k1 public key (expected 33 or 65 bytes on the curve)');
  }
  return publicKey.byteLength === 33 ? publicKey : curve.publicKeyConvert(publicKey, true);
}
