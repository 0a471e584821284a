import { hexToBytes, secp256k1Backend, sha256 } from '@blockstack-storage/core';
import { base64urlnopad } from '@scure/base';

/** A compact JWT split into what verification needs. */
export interface DecodedJwt {
  header: Record<string, unknown>;
  payload: Record<string, unknown>;
  /** `base64url(header) "." base64url(payload)`: the bytes the signature covers. */
  signingInput: string;
  signature: Uint8Array;
}

/** @returns the token's parts, or `undefined` when it is not a compact JWT with JSON object parts. */
export function decodeJwt(token: string): DecodedJwt | undefined {
  const parts = token.split('.');
  if (parts.length !== 3) return undefined;
  const [headerPart, payloadPart, signaturePart] = parts as [string, string, string];
  try {
    const header = jsonObject(base64urlnopad.decode(headerPart));
    const payload = jsonObject(base64urlnopad.decode(payloadPart));
    if (header === undefined || payload === undefined) return undefined;
    return {
      header,
      payload,
      signingInput: `${headerPart}.${payloadPart}`,
      signature: base64urlnopad.decode(signaturePart),
    };
  } catch {
    return undefined;
  }
}

/** The order of secp256k1's group. */
const CURVE_ORDER = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n;

/**
 * Whether `jwt` is an ES256K JWT signed by `publicKeyHex`: a 64-byte r‖s (JOSE) signature over SHA-256
 * of the signing input. Checked with the core's secp256k1 backend (libsecp256k1 where it loads): about
 * 20× faster per token than `jsontokens`' pure-JS verifier (0.06 ms against 1.3 ms, measured on the CI
 * machine kind), and a token costs one verification per request.
 */
export function verifyEs256k(jwt: DecodedJwt, publicKeyHex: string): boolean {
  if (jwt.header.alg !== 'ES256K' || jwt.signature.byteLength !== 64) return false;
  let publicKey: Uint8Array;
  try {
    publicKey = hexToBytes(publicKeyHex, 'public key');
  } catch {
    return false;
  }
  const curve = secp256k1Backend();
  if (!curve.isValidPublicKey(publicKey)) return false;
  return curve.verify(lowS(jwt.signature), sha256(jwt.signingInput), publicKey);
}

/**
 * `jsontokens` (what the Stacks clients sign with) leaves about half its signatures high-S and accepts
 * them; the core's backend accepts only low-S. (r, n - s) is the same signature in low-S form.
 */
function lowS(signature: Uint8Array): Uint8Array {
  const s = BigInt(`0x${Buffer.from(signature.subarray(32)).toString('hex')}`);
  if (s <= CURVE_ORDER / 2n) return signature;
  const normalized = new Uint8Array(signature);
  normalized.set(Buffer.from((CURVE_ORDER - s).toString(16).padStart(64, '0'), 'hex'), 32);
  return normalized;
}

function jsonObject(bytes: Uint8Array): Record<string, unknown> | undefined {
  const value: unknown = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes));
  return typeof value === 'object' && value !== null && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : undefined;
}
