import { randomBytes } from 'node:crypto';
import { secp256k1 } from '@noble/curves/secp256k1.js';
import { describe, expect, it } from 'vitest';
import { secp256k1Backend } from '../../src/crypto/backend.js';
import { loadLibsecp256k1 } from '../../src/crypto/curve-libsecp256k1.js';
import { nobleSecp256k1 } from '../../src/crypto/curve-noble.js';
import { sha256 } from '../../src/crypto/hash.js';

const N = secp256k1.Point.CURVE().n;

function toBigInt(bytes: Uint8Array): bigint {
  return BigInt(`0x${Buffer.from(bytes).toString('hex') || '0'}`);
}
function to32(value: bigint): Uint8Array {
  return Buffer.from(value.toString(16).padStart(64, '0'), 'hex');
}
/** The other valid-looking encoding of the same signature: s → n − s (high S). */
function highS(signature: Uint8Array): Uint8Array {
  const out = new Uint8Array(signature);
  out.set(to32(N - toBigInt(signature.subarray(32))), 32);
  return out;
}

const native = loadLibsecp256k1();
const noble = nobleSecp256k1();

describe('secp256k1 backends', () => {
  it('loads the libsecp256k1 prebuild (no install script needed) and uses it by default', () => {
    // linux-x64 is a platform the addon ships a prebuild for; if this fails the fast path is gone.
    expect(native?.name).toBe('libsecp256k1');
    if (!process.env.BLOCKSTACK_STORAGE_SECP256K1) expect(secp256k1Backend().name).toBe('libsecp256k1');
  });

  it('agrees with @noble/curves on keys, RFC 6979 signatures, verification and ECDH', () => {
    for (let i = 0; i < 25; i++) {
      const a = randomBytes(32);
      const b = randomBytes(32);
      const digest = sha256(randomBytes(i * 7));
      const pubA = noble.publicKeyCreate(a);
      const pubB = noble.publicKeyCreate(b);
      expect(native!.publicKeyCreate(a)).toEqual(pubA);
      expect(native!.publicKeyCreate(a, false)).toEqual(noble.publicKeyCreate(a, false));
      expect(native!.publicKeyConvert(noble.publicKeyCreate(a, false), true)).toEqual(pubA);

      const sigNative = native!.sign(digest, a);
      const sigNoble = noble.sign(digest, a);
      expect(sigNative).toEqual(sigNoble);
      expect(toBigInt(sigNative.subarray(32)) <= N / 2n).toBe(true);
      expect(noble.verify(sigNative, digest, pubA)).toBe(true);
      expect(native!.verify(sigNoble, digest, noble.publicKeyCreate(a, false))).toBe(true);
      expect(native!.verify(sigNative, digest, pubB)).toBe(false);
      expect(noble.verify(sigNative, digest, pubB)).toBe(false);

      expect(native!.ecdhX(pubB, a)).toEqual(noble.ecdhX(pubB, a));
      expect(native!.ecdhX(pubA, b)).toEqual(native!.ecdhX(pubB, a));
    }
  });

  it('both reject the high-S twin of a valid signature', () => {
    const key = randomBytes(32);
    const digest = sha256('message');
    const sig = native!.sign(digest, key);
    const pub = native!.publicKeyCreate(key);
    for (const curve of [native!, noble]) {
      expect(curve.verify(sig, digest, pub)).toBe(true);
      expect(curve.verify(highS(sig), digest, pub)).toBe(false);
    }
  });

  it('both answer false, never throw, on malformed signatures, digests and keys', () => {
    const key = randomBytes(32);
    const digest = sha256('x');
    const sig = native!.sign(digest, key);
    const pub = native!.publicKeyCreate(key);
    const notAPoint = new Uint8Array(33).fill(0xff);
    notAPoint[0] = 2;
    for (const curve of [native!, noble]) {
      expect(curve.verify(sig.subarray(0, 63), digest, pub)).toBe(false);
      expect(curve.verify(sig, digest.subarray(0, 31), pub)).toBe(false);
      expect(curve.verify(sig, digest, notAPoint)).toBe(false);
      expect(curve.verify(new Uint8Array(64), digest, pub)).toBe(false);
      expect(curve.isValidPublicKey(notAPoint)).toBe(false);
      expect(curve.isValidPublicKey(pub)).toBe(true);
      expect(curve.isValidPrivateKey(new Uint8Array(32))).toBe(false);
      expect(curve.isValidPrivateKey(to32(N))).toBe(false);
      expect(curve.isValidPrivateKey(to32(N - 1n))).toBe(true);
    }
  });
});
