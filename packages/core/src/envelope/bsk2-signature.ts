import { createHash } from 'node:crypto';
import { secp256k1Backend } from '../crypto/backend.js';
import { base64ToBytes, bytesToHex } from '../crypto/hex.js';
import { IntegrityError } from '../errors.js';
import { compressPublicKey } from '../identity/data-key.js';
import { decodeNetstring } from './netstring.js';

// The signature layer both payload shapes share (the project's and the 2017 Python client's):
// `bsk2.<compressed pubkey hex>.<base64 of 64-byte r‖s>.<netstring>`, signed over the netstring.
// Not re-exported from the envelope index: callers use verifyMutableEnvelope or verifyMutable2017.

export const BSK2_PREFIX = 'bsk2.';
const PUBKEY_HEX_LENGTH = 66;
export const SIGNATURE_BASE64_LENGTH = 88; // 64 bytes
const PUBKEY_START = BSK2_PREFIX.length;
export const SIGNATURE_START = PUBKEY_START + PUBKEY_HEX_LENGTH + 1;
export const NETSTRING_START = SIGNATURE_START + SIGNATURE_BASE64_LENGTH + 1;
const DOT = 0x2e;

/**
 * Checks the bsk2 signature layer of `bytes` exactly as received against the expected data public key
 * and returns the signed payload (a view, inside the netstring). Says nothing about the payload.
 * @throws IntegrityError on a malformed layer, another signer's key, or a bad or high-S signature.
 */
export function verifyBsk2Signature(bytes: Uint8Array, publicKey: Uint8Array): Uint8Array {
  const expectedKey = compressPublicKey(publicKey);
  if (
    bytes.byteLength < NETSTRING_START ||
    Buffer.from(bytes.subarray(0, BSK2_PREFIX.length)).toString('latin1') !== BSK2_PREFIX
  ) {
    throw new IntegrityError('Not a bsk2 envelope (missing the "bsk2." prefix or too short)');
  }
  if (bytes[SIGNATURE_START - 1] !== DOT || bytes[NETSTRING_START - 1] !== DOT) {
    throw new IntegrityError(
      'Malformed bsk2 envelope: the public key must be 66 hex characters and the signature 88 base64 characters',
    );
  }
  const keyHex = Buffer.from(bytes.subarray(PUBKEY_START, SIGNATURE_START - 1)).toString('latin1');
  if (keyHex !== bytesToHex(expectedKey)) {
    throw new IntegrityError('The bsk2 envelope names a different public key than the expected data key', {
      hint: 'It was signed by someone else, or the zone file data key changed.',
    });
  }
  const signature = base64ToBytes(
    Buffer.from(bytes.subarray(SIGNATURE_START, NETSTRING_START - 1)).toString('latin1'),
    'bsk2 signature',
  );
  const { payload, end } = decodeNetstring(bytes, NETSTRING_START);
  if (end !== bytes.byteLength) throw new IntegrityError('The bsk2 envelope has bytes after its netstring');
  const digest = createHash('sha256').update(bytes.subarray(NETSTRING_START)).digest();
  if (!secp256k1Backend().verify(signature, digest, expectedKey)) {
    throw new IntegrityError('The bsk2 signature does not verify (tampered data, or a high-S signature)');
  }
  return payload;
}
