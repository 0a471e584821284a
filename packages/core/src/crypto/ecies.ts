import { createCipheriv, createDecipheriv, randomBytes, timingSafeEqual } from 'node:crypto';
import { IntegrityError, InvalidKeyError } from '../errors.js';
import { secp256k1Backend } from './backend.js';
import { hmacSha256, sha512 } from './hash.js';
import { base64ToBytes, bytesToHex, hexToBytes } from './hex.js';

/** How `cipherText` is written in an envelope: hex (the default) or base64 (1.33× instead of 2×). */
export type CipherTextEncoding = 'hex' | 'base64';

/**
 * The ECIES envelope of Blockstack's JavaScript library (`@stacks/encryption`'s `CipherObject`): every
 * field but `cipherText` is lowercase hex; `cipherTextEncoding` is present only when it is `base64`.
 */
export interface EciesEnvelope {
  iv: string;
  ephemeralPK: string;
  cipherText: string;
  mac: string;
  wasString: boolean;
  cipherTextEncoding?: CipherTextEncoding;
}

/** Options of `encryptECIES`. */
export interface EncryptEciesOptions {
  /** Defaults to `hex`, what every Blockstack reader understands; `base64` is smaller. */
  cipherTextEncoding?: CipherTextEncoding;
  /** Recorded in the envelope for `@stacks/encryption` readers (they then return a string). Default false. */
  wasString?: boolean;
}

/**
 * Encrypts `plaintext` to `recipientPublicKey` (33 or 65 bytes): an ephemeral key, ECDH, SHA-512 of the
 * shared x-coordinate split into an AES-256-CBC key and an HMAC-SHA256 key, MAC over
 * iv ‖ ephemeralPK ‖ ciphertext. `@stacks/encryption`'s `decryptECIES` opens the result.
 * @throws InvalidKeyError when the public key is not a point on secp256k1.
 */
export function encryptECIES(
  recipientPublicKey: Uint8Array,
  plaintext: Uint8Array,
  options: EncryptEciesOptions = {},
): EciesEnvelope {
  const curve = secp256k1Backend();
  if (!curve.isValidPublicKey(recipientPublicKey)) {
    throw new InvalidKeyError('The recipient public key is not a valid secp256k1 point', {
      hint: 'Pass the 33-byte compressed (or 65-byte) public key from the recipient zone file.',
    });
  }
  let ephemeralPrivate = randomBytes(32);
  while (!curve.isValidPrivateKey(ephemeralPrivate)) ephemeralPrivate = randomBytes(32);
  const ephemeralPublic = curve.publicKeyCreate(ephemeralPrivate, true);
  const { encryptionKey, macKey } = deriveKeys(curve.ecdhX(recipientPublicKey, ephemeralPrivate));
  ephemeralPrivate.fill(0);

  const iv = randomBytes(16);
  const cipher = createCipheriv('aes-256-cbc', encryptionKey, iv);
  const cipherText = Buffer.concat([cipher.update(plaintext), cipher.final()]);
  const mac = hmacSha256(macKey, iv, ephemeralPublic, cipherText);

  const base64 = options.cipherTextEncoding === 'base64';
  const envelope: EciesEnvelope = {
    iv: iv.toString('hex'),
    ephemeralPK: bytesToHex(ephemeralPublic),
    cipherText: base64 ? cipherText.toString('base64') : cipherText.toString('hex'),
    mac: bytesToHex(mac),
    wasString: options.wasString ?? false,
  };
  if (base64) envelope.cipherTextEncoding = 'base64';
  return envelope;
}

/**
 * Decrypts an envelope made by `encryptECIES` or by `@stacks/encryption`. The MAC is checked (in
 * constant time) before any decryption. Always returns bytes; `wasString` is the caller's to honour.
 * @throws IntegrityError on a malformed envelope, a wrong key or tampered data (the two are
 *   indistinguishable by design).
 */
export function decryptECIES(privateKey: Uint8Array, envelope: EciesEnvelope): Uint8Array {
  const curve = secp256k1Backend();
  if (!curve.isValidPrivateKey(privateKey)) {
    throw new InvalidKeyError('The private key is not a valid secp256k1 key (32 bytes, in range)');
  }
  checkEnvelopeShape(envelope);
  const iv = hexToBytes(envelope.iv, 'ECIES iv');
  const ephemeralPublic = hexToBytes(envelope.ephemeralPK, 'ECIES ephemeralPK');
  const mac = hexToBytes(envelope.mac, 'ECIES mac');
  if (iv.byteLength !== 16 || mac.byteLength !== 32) {
    throw new IntegrityError('The ECIES envelope has a wrong-sized iv or mac (expected 16 and 32 bytes)');
  }
  if (!curve.isValidPublicKey(ephemeralPublic)) {
    throw new IntegrityError('The ECIES envelope ephemeralPK is not a valid secp256k1 point');
  }
  const cipherText =
    envelope.cipherTextEncoding === 'base64'
      ? base64ToBytes(envelope.cipherText, 'ECIES cipherText')
      : hexToBytes(envelope.cipherText, 'ECIES cipherText');
  const { encryptionKey, macKey } = deriveKeys(curve.ecdhX(ephemeralPublic, privateKey));
  // The MAC covers the ephemeral key exactly as written (33 or 65 bytes), as @stacks/encryption does.
  const expected = hmacSha256(macKey, iv, ephemeralPublic, cipherText);
  if (!timingSafeEqual(expected, mac)) {
    throw new IntegrityError('ECIES MAC check failed: the data was tampered with or is for another key', {
      hint: 'Decrypt with the private key whose public key the data was encrypted to.',
    });
  }
  try {
    const decipher = createDecipheriv('aes-256-cbc', encryptionKey, iv);
    const plain = Buffer.concat([decipher.update(cipherText), decipher.final()]);
    return new Uint8Array(plain.buffer, plain.byteOffset, plain.byteLength);
  } catch (cause) {
    // Reachable only if the sender MACed a badly padded ciphertext.
    throw new IntegrityError('ECIES ciphertext has invalid padding', { cause });
  }
}

/**
 * Parses the JSON bytes (or text) of an ECIES envelope, checking every field's type and encoding.
 * @throws IntegrityError naming the first bad field.
 */
export function parseEciesEnvelope(input: Uint8Array | string): EciesEnvelope {
  const text = typeof input === 'string' ? input : Buffer.from(input).toString('utf8');
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (cause) {
    throw new IntegrityError('The ECIES envelope is not valid JSON', { cause });
  }
  checkEnvelopeShape(value);
  const envelope: EciesEnvelope = {
    iv: value.iv,
    ephemeralPK: value.ephemeralPK,
    cipherText: value.cipherText,
    mac: value.mac,
    wasString: value.wasString,
  };
  if (value.cipherTextEncoding !== undefined) envelope.cipherTextEncoding = value.cipherTextEncoding;
  return envelope;
}

/**
 * The JSON bytes of an envelope, fields in `@stacks/encryption`'s order. Built by hand: every value is
 * hex or base64, so no escaping is needed, and this skips a JSON.stringify pass over megabytes.
 * @throws IntegrityError when a field is not in its encoding.
 */
export function serializeEciesEnvelope(envelope: EciesEnvelope): Uint8Array {
  checkEnvelopeShape(envelope);
  checkCipherTextEncoding(envelope);
  return serializeChecked(envelope);
}

function serializeChecked(envelope: EciesEnvelope): Uint8Array {
  const encoding =
    envelope.cipherTextEncoding === undefined
      ? ''
      : `,"cipherTextEncoding":${JSON.stringify(envelope.cipherTextEncoding)}`;
  const json =
    `{"iv":${JSON.stringify(envelope.iv)},"ephemeralPK":${JSON.stringify(envelope.ephemeralPK)},` +
    `"cipherText":"${envelope.cipherText}","mac":${JSON.stringify(envelope.mac)},` +
    `"wasString":${envelope.wasString}${encoding}}`;
  const bytes = Buffer.from(json, 'latin1');
  return new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/** Encrypts to the serialized envelope bytes in one step (see `encryptECIES`). */
export function encryptECIESToBytes(
  recipientPublicKey: Uint8Array,
  plaintext: Uint8Array,
  options: EncryptEciesOptions = {},
): Uint8Array {
  // Our own envelope: already well-formed, so skip the re-check of megabytes of ciphertext.
  return serializeChecked(encryptECIES(recipientPublicKey, plaintext, options));
}

/** Parses and decrypts serialized envelope bytes in one step (see `decryptECIES`). */
export function decryptECIESFromBytes(privateKey: Uint8Array, bytes: Uint8Array | string): Uint8Array {
  return decryptECIES(privateKey, parseEciesEnvelope(bytes));
}

function deriveKeys(sharedX: Uint8Array): { encryptionKey: Uint8Array; macKey: Uint8Array } {
  const digest = sha512(sharedX);
  return { encryptionKey: digest.subarray(0, 32), macKey: digest.subarray(32, 64) };
}

const HEX = /^[0-9a-fA-F]*$/;

function checkEnvelopeShape(value: unknown): asserts value is EciesEnvelope {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new IntegrityError('The ECIES envelope is not a JSON object');
  }
  const v = value as Record<string, unknown>;
  for (const field of ['iv', 'ephemeralPK', 'mac'] as const) {
    if (typeof v[field] !== 'string' || !HEX.test(v[field] as string)) {
      throw new IntegrityError(`The ECIES envelope field "${field}" is missing or not hex`);
    }
  }
  if (typeof v.cipherText !== 'string') {
    throw new IntegrityError('The ECIES envelope field "cipherText" is missing or not a string');
  }
  if (typeof v.wasString !== 'boolean') {
    throw new IntegrityError('The ECIES envelope field "wasString" is missing or not a boolean');
  }
  const encoding = v.cipherTextEncoding;
  if (encoding !== undefined && encoding !== 'hex' && encoding !== 'base64') {
    throw new IntegrityError('The ECIES envelope field "cipherTextEncoding" must be "hex" or "base64"');
  }
}

/** Full check that `cipherText` decodes in its declared encoding (a regex costs ~6 ms per MiB; this ~1). */
function checkCipherTextEncoding(envelope: EciesEnvelope): void {
  if (envelope.cipherTextEncoding === 'base64') base64ToBytes(envelope.cipherText, 'ECIES cipherText');
  else hexToBytes(envelope.cipherText, 'ECIES cipherText');
}
