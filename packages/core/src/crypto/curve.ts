/**
 * The one small interface every secp256k1 operation in this package goes through, so the backend
 * (libsecp256k1 native addon, or pure-JS @noble/curves where the addon cannot load) is chosen in one
 * place. All keys and signatures are raw bytes; nothing here ever formats a private key.
 */
export interface Secp256k1Backend {
  /** `libsecp256k1` (N-API addon) or `noble` (@noble/curves, pure JS). */
  readonly name: 'libsecp256k1' | 'noble';
  /** True for a 32-byte scalar in [1, n-1]. */
  isValidPrivateKey(privateKey: Uint8Array): boolean;
  /** True for a 33-byte compressed or 65-byte uncompressed point on the curve. */
  isValidPublicKey(publicKey: Uint8Array): boolean;
  /** The public key of a valid private key: 33 bytes compressed (default) or 65 uncompressed. */
  publicKeyCreate(privateKey: Uint8Array, compressed?: boolean): Uint8Array;
  /** Re-encodes a valid public key. Throws (plain Error) on an invalid point; check first. */
  publicKeyConvert(publicKey: Uint8Array, compressed: boolean): Uint8Array;
  /** RFC 6979 deterministic ECDSA over a 32-byte digest: 64-byte compact r‖s with low S. */
  sign(digest: Uint8Array, privateKey: Uint8Array): Uint8Array;
  /** True only for a valid low-S compact signature of `digest` by `publicKey`; never throws. */
  verify(signature: Uint8Array, digest: Uint8Array, publicKey: Uint8Array): boolean;
  /** The x-coordinate (32 bytes) of `privateKey` × `publicKey`: the ECIES shared secret. */
  ecdhX(publicKey: Uint8Array, privateKey: Uint8Array): Uint8Array;
}
