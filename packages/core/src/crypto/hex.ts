import { IntegrityError } from '../errors.js';

/** Lowercase hex of `bytes`. */
export function bytesToHex(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex');
}

/**
 * Strict hex decoding (either case, even length, nothing else).
 * @param label what the text is, for the error message (never the text itself: it may be a secret).
 * @throws IntegrityError on odd length or a non-hex character.
 */
export function hexToBytes(hex: string, label = 'value'): Uint8Array {
  if (typeof hex !== 'string' || hex.length % 2 !== 0) {
    throw new IntegrityError(`The ${label} is not valid hex (odd length or not a string)`);
  }
  // Buffer.from stops at the first bad pair, so a short result means a non-hex character:
  // cheaper than a regex over megabytes of ciphertext.
  const bytes = Buffer.from(hex, 'hex');
  if (bytes.byteLength * 2 !== hex.length) {
    throw new IntegrityError(`The ${label} is not valid hex (it has a non-hex character)`);
  }
  return new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/** Standard padded base64 of `bytes`. */
export function bytesToBase64(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64');
}

/**
 * Strict base64 decoding: standard alphabet, padded, canonical (unused trailing bits zero), so one
 * value has exactly one accepted spelling.
 * @throws IntegrityError otherwise.
 */
export function base64ToBytes(text: string, label = 'value'): Uint8Array {
  const fail = (): never => {
    throw new IntegrityError(`The ${label} is not canonical padded base64`);
  };
  if (typeof text !== 'string' || text.length % 4 !== 0) fail();
  // Buffer.from skips characters outside the alphabet (so the output comes up short, caught below)
  // but silently accepts the URL-safe '-' and '_', which we refuse. This costs a fraction of a full
  // re-encode-and-compare on megabytes.
  if (text.includes('-') || text.includes('_')) fail();
  const padding = text.endsWith('==') ? 2 : text.endsWith('=') ? 1 : 0;
  const bytes = Buffer.from(text, 'base64');
  if (bytes.byteLength !== (text.length / 4) * 3 - padding) fail();
  // Canonical: the last quantum re-encodes to itself (no stray bits before the padding).
  const tail = bytes.subarray(Math.max(0, bytes.byteLength - (bytes.byteLength % 3 || 3)));
  if (text.length > 0 && tail.toString('base64') !== text.slice(text.length - 4)) fail();
  return new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}
