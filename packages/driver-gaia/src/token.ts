import { randomBytes } from 'node:crypto';
import { bytesToHex, hexToBytes, secp256k1Backend, sha256 } from '@blockstack-storage/core';
import { ConfigurationError } from '@blockstack-storage/core/driver';
import { bucketAddressOfPublicKey } from '@blockstack-storage/gaia-hub';

/** What a Gaia v1 token says besides its key: the hub's challenge and the hub it is meant for. */
export interface TokenClaims {
  challengeText: string;
  hubUrl: string;
  /** Seconds since the epoch; the hub refuses tokens issued before its revoke-all timestamp. */
  issuedAt: number;
  /** Seconds since the epoch after which the hub refuses the token. */
  expiresAt: number;
}

/**
 * Signs Gaia v1 tokens (`bearer v1:<ES256K JWT>`) with one app key. The private key lives only in
 * this closure: it is not a property of any object, so neither `util.inspect`, `JSON.stringify`
 * nor an error's `cause` can show it.
 */
export interface TokenSigner {
  /** The compressed public key in hex: the token's `iss`. */
  readonly publicKey: string;
  /** The bucket address the key owns (where files are stored and read). */
  readonly address: string;
  /** A fresh `Authorization` header value. */
  authorization(claims: TokenClaims): string;
}

/**
 * @param privateKeyHex 64 hex digits, or 66 with the `01` suffix Stacks tools add to mark a key
 *   whose public key is compressed. @param source where it came from, for the error message only.
 * @throws ConfigurationError (without the key) when it is not a secp256k1 private key.
 */
export function createTokenSigner(privateKeyHex: string, source: string, driver: string): TokenSigner {
  const curve = secp256k1Backend();
  const hex = privateKeyHex.trim().toLowerCase();
  const digits = hex.length === 66 && hex.endsWith('01') ? hex.slice(0, 64) : hex;
  let privateKey: Uint8Array | undefined;
  if (/^[0-9a-f]{64}$/.test(digits)) {
    const bytes = hexToBytes(digits, 'private key');
    if (curve.isValidPrivateKey(bytes)) privateKey = bytes;
  }
  if (privateKey === undefined) {
    throw new ConfigurationError(
      `The app private key in ${source} is not a secp256k1 private key in hex (64 hex digits, optionally followed by 01)`,
      { driver },
    );
  }
  const key = privateKey;
  const publicKey = bytesToHex(curve.publicKeyCreate(key, true));
  const address = bucketAddressOfPublicKey(publicKey);
  if (address === undefined) throw new ConfigurationError('The app key has no bucket address', { driver });
  return {
    publicKey,
    address,
    authorization(claims) {
      const payload = {
        gaiaChallenge: claims.challengeText,
        hubUrl: claims.hubUrl,
        iss: publicKey,
        salt: bytesToHex(randomBytes(16)),
        iat: claims.issuedAt,
        exp: claims.expiresAt,
      };
      const signingInput = `${base64url({ typ: 'JWT', alg: 'ES256K' })}.${base64url(payload)}`;
      const signature = curve.sign(sha256(signingInput), key);
      return `bearer v1:${signingInput}.${Buffer.from(signature).toString('base64url')}`;
    },
  };
}

function base64url(value: unknown): string {
  return Buffer.from(JSON.stringify(value), 'utf8').toString('base64url');
}
