import { hash160, hexToBytes, secp256k1Backend, sha256 } from '@blockstack-storage/core';
import { createBase58check } from '@scure/base';

const base58check = createBase58check(sha256);
/** Bitcoin mainnet pay-to-public-key-hash version byte: Gaia bucket addresses start with "1". */
const ADDRESS_VERSION = 0x00;

/**
 * The Gaia bucket address of a public key (hex, compressed or uncompressed): Base58Check of version 0x00
 * and RIPEMD-160(SHA-256(key bytes as given)), the address `@stacks/storage` writes to.
 * @returns `undefined` when `publicKeyHex` is not a point on secp256k1.
 */
export function bucketAddressOfPublicKey(publicKeyHex: string): string | undefined {
  let publicKey: Uint8Array;
  try {
    publicKey = hexToBytes(publicKeyHex, 'public key');
  } catch {
    return undefined;
  }
  if (!secp256k1Backend().isValidPublicKey(publicKey)) return undefined;
  const payload = new Uint8Array(21);
  payload[0] = ADDRESS_VERSION;
  payload.set(hash160(publicKey), 1);
  return base58check.encode(payload);
}
