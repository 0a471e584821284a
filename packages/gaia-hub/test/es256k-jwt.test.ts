import { TokenSigner } from 'jsontokens';
import { describe, expect, it } from 'vitest';
import { decodeJwt, verifyEs256k } from '../src/es256k-jwt.js';
import { makeAppKey } from './support/hub.js';

const HALF_ORDER = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n / 2n;

describe('ES256K JWT verification', () => {
  it('accepts what jsontokens signs, high-S signatures included, and nothing signed by another key', () => {
    let highS = 0;
    for (let i = 0; i < 48; i++) {
      const key = makeAppKey();
      const decoded = decodeJwt(new TokenSigner('ES256K', key.privateKey).sign({ i, iss: key.publicKey }))!;
      if (BigInt(`0x${Buffer.from(decoded.signature.subarray(32)).toString('hex')}`) > HALF_ORDER) highS++;
      expect(verifyEs256k(decoded, key.publicKey)).toBe(true);
      expect(verifyEs256k(decoded, makeAppKey().publicKey)).toBe(false);
    }
    // Both forms were seen (each signature is high-S with probability 1/2).
    expect(highS).toBeGreaterThan(0);
    expect(highS).toBeLessThan(48);
  });

  it('refuses a changed payload, another algorithm and malformed tokens', () => {
    const key = makeAppKey();
    const token = new TokenSigner('ES256K', key.privateKey).sign({ iss: key.publicKey, n: 1 });
    const [header, , signature] = token.split('.');
    const otherPayload = Buffer.from(JSON.stringify({ iss: key.publicKey, n: 2 })).toString('base64url');
    expect(verifyEs256k(decodeJwt(`${header}.${otherPayload}.${signature}`)!, key.publicKey)).toBe(false);
    const otherHeader = Buffer.from(JSON.stringify({ typ: 'JWT', alg: 'none' })).toString('base64url');
    const [, payload] = token.split('.');
    expect(verifyEs256k(decodeJwt(`${otherHeader}.${payload}.${signature}`)!, key.publicKey)).toBe(false);
    expect(decodeJwt('a.b')).toBeUndefined();
    expect(decodeJwt('!!.??.**')).toBeUndefined();
    expect(verifyEs256k(decodeJwt(token)!, 'not hex')).toBe(false);
  });
});
