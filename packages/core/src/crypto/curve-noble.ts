import { secp256k1 } from '@noble/curves/secp256k1.js';
import type { Secp256k1Backend } from './curve.js';

/** Pure-JS backend (@noble/curves): the fallback where the native addon cannot load, and the test oracle. */
export function nobleSecp256k1(): Secp256k1Backend {
  return {
    name: 'noble',
    isValidPrivateKey: (privateKey) => secp256k1.utils.isValidSecretKey(privateKey),
    isValidPublicKey: (publicKey) =>
      (publicKey.byteLength === 33 || publicKey.byteLength === 65) &&
      secp256k1.utils.isValidPublicKey(publicKey, publicKey.byteLength === 33),
    publicKeyCreate: (privateKey, compressed = true) => secp256k1.getPublicKey(privateKey, compressed),
    publicKeyConvert: (publicKey, compressed) => secp256k1.Point.fromBytes(publicKey).toBytes(compressed),
    sign: (digest, privateKey) => secp256k1.sign(digest, privateKey, { prehash: false, lowS: true }),
    verify(signature, digest, publicKey) {
      if (signature.byteLength !== 64 || digest.byteLength !== 32) return false;
      try {
        return secp256k1.verify(signature, digest, publicKey, { prehash: false, lowS: true });
      } catch {
        return false;
      }
    },
    ecdhX: (publicKey, privateKey) => secp256k1.getSharedSecret(privateKey, publicKey, true).subarray(1),
  };
}
