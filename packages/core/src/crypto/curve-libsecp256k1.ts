import { createRequire } from 'node:module';
import type { Secp256k1Backend } from './curve.js';

/** The subset of the `secp256k1` 5.x addon API used here. */
interface Secp256k1Addon {
  privateKeyVerify(privateKey: Uint8Array): boolean;
  publicKeyVerify(publicKey: Uint8Array): boolean;
  publicKeyCreate(privateKey: Uint8Array, compressed?: boolean): Uint8Array;
  publicKeyConvert(publicKey: Uint8Array, compressed?: boolean): Uint8Array;
  publicKeyTweakMul(publicKey: Uint8Array, tweak: Uint8Array, compressed?: boolean): Uint8Array;
  ecdsaSign(message: Uint8Array, privateKey: Uint8Array): { signature: Uint8Array; recid: number };
  ecdsaVerify(signature: Uint8Array, message: Uint8Array, publicKey: Uint8Array): boolean;
}

/**
 * Loads libsecp256k1 through the `secp256k1` package's native binding only. Its `index.js` silently
 * falls back to the slow `elliptic` JS library when the prebuild does not load; we would rather fall
 * back to @noble/curves (audited, faster) and say so, so the binding is required directly.
 * @returns the backend, or `undefined` when the addon cannot be loaded on this platform.
 */
export function loadLibsecp256k1(): Secp256k1Backend | undefined {
  let addon: Secp256k1Addon;
  try {
    addon = createRequire(import.meta.url)('secp256k1/bindings.js') as Secp256k1Addon;
  } catch {
    return undefined;
  }
  return {
    name: 'libsecp256k1',
    isValidPrivateKey: (privateKey) => privateKey.byteLength === 32 && addon.privateKeyVerify(privateKey),
    isValidPublicKey: (publicKey) =>
      (publicKey.byteLength === 33 || publicKey.byteLength === 65) && addon.publicKeyVerify(publicKey),
    publicKeyCreate: (privateKey, compressed = true) => addon.publicKeyCreate(privateKey, compressed),
    publicKeyConvert: (publicKey, compressed) => addon.publicKeyConvert(publicKey, compressed),
    // libsecp256k1 signs with RFC 6979 nonces and always returns a normalised (low-S) signature.
    sign: (digest, privateKey) => addon.ecdsaSign(digest, privateKey).signature,
    verify(signature, digest, publicKey) {
      if (signature.byteLength !== 64 || digest.byteLength !== 32) return false;
      try {
        // libsecp256k1's verify rejects high-S signatures, as we want.
        return addon.ecdsaVerify(signature, digest, publicKey);
      } catch {
        return false; // unparseable signature or public key
      }
    },
    // pub × priv via a tweak-multiply: the same point ECDH computes, without a JS hash callback.
    ecdhX: (publicKey, privateKey) => addon.publicKeyTweakMul(publicKey, privateKey, true).subarray(1),
  };
}
