import { isStorageError } from '@blockstack-storage/core/driver';
import { challengeTextOf, verifyAuthorization } from '@blockstack-storage/gaia-hub';
import { describe, expect, it } from 'vitest';
import { createTokenSigner } from '../src/token.js';
import { makePrivateKey } from './support/hub.js';

const claims = (now = Math.floor(Date.now() / 1000)) => ({
  challengeText: challengeTextOf('blockstack-storage'),
  hubUrl: 'http://127.0.0.1:1',
  issuedAt: now,
  expiresAt: now + 60,
});

describe('v1 tokens', () => {
  it("verify with the gaia-hub's own check for the key's bucket", () => {
    const signer = createTokenSigner(makePrivateKey(), 'test', 'gaia');
    const verified = verifyAuthorization(signer.authorization(claims()), {
      address: signer.address,
      challengeText: challengeTextOf('blockstack-storage'),
      validHubUrls: ['http://127.0.0.1:1'],
    });
    expect(verified.bucketAddress).toBe(signer.address);
  });

  it('are refused by the hub once expired, or issued before a revoke-all', () => {
    const signer = createTokenSigner(makePrivateKey(), 'test', 'gaia');
    const now = Math.floor(Date.now() / 1000);
    const check = { address: signer.address, challengeText: challengeTextOf('blockstack-storage') };
    expect(() => verifyAuthorization(signer.authorization(claims(now - 120)), check)).toThrow(/expired/);
    expect(() =>
      verifyAuthorization(signer.authorization(claims(now)), { ...check, oldestValidTimestamp: now + 1 }),
    ).toThrow(/revoked/);
  });

  it('a key written with the 01 suffix of compressed keys is the same key', () => {
    const key = makePrivateKey();
    const plain = createTokenSigner(key, 'test', 'gaia');
    const suffixed = createTokenSigner(`${key.toUpperCase()}01`, 'test', 'gaia');
    expect(suffixed.publicKey).toBe(plain.publicKey);
    expect(suffixed.address).toBe(plain.address);
    expect(plain.address).toMatch(/^1[1-9A-HJ-NP-Za-km-z]{25,34}$/);
  });

  it('refuses what is not a private key, without quoting it', () => {
    const notKeys = [
      '',
      'abc',
      'f'.repeat(64),
      '0'.repeat(64),
      `${'a'.repeat(63)}g`,
      `${makePrivateKey()}02`,
    ];
    for (const value of notKeys) {
      let error: unknown;
      try {
        createTokenSigner(value, 'environment variable APP_KEY', 'gaia');
      } catch (caught) {
        error = caught;
      }
      expect(isStorageError(error, 'BSS_CONFIGURATION')).toBe(true);
      expect((error as Error).message).toContain('environment variable APP_KEY');
      if (value.length > 3) expect((error as Error).message).not.toContain(value);
    }
  });
});
