import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decryptECIESFromBytes, encryptECIESToBytes, parseEciesEnvelope } from '../../src/crypto/ecies.js';
import { ErrorCode } from '../../src/errors.js';
import { generateDataKeyPair } from '../../src/identity/data-key.js';
import { hostileBytes, parsesOrRefuses, utf8 } from './hostile-bytes.js';

const bob = generateDataKeyPair();
const plaintexts = [utf8('secret'), new Uint8Array(0), utf8('y'.repeat(100))];
const samples = [
  encryptECIESToBytes(bob.publicKey, plaintexts[0]!),
  encryptECIESToBytes(bob.publicKey, plaintexts[1]!, { cipherTextEncoding: 'base64' }),
  encryptECIESToBytes(bob.publicKey, plaintexts[2]!, { wasString: true }),
];

describe('ECIES JSON under hostile bytes', () => {
  it('parseEciesEnvelope throws only IntegrityError', () => {
    fc.assert(
      fc.property(hostileBytes(samples), (bytes) => {
        parsesOrRefuses(() => parseEciesEnvelope(bytes), [ErrorCode.Integrity]);
      }),
      { numRuns: 3000 },
    );
  });

  it('hostile JSON shapes are refused with IntegrityError', () => {
    const shapes = fc.oneof(
      fc.json(),
      fc
        .record(
          {
            iv: fc.oneof(fc.string(), fc.anything()),
            ephemeralPK: fc.oneof(fc.string(), fc.anything()),
            cipherText: fc.oneof(fc.string(), fc.anything()),
            mac: fc.oneof(fc.string(), fc.anything()),
            wasString: fc.anything(),
            cipherTextEncoding: fc.anything(),
            __proto__: fc.anything(),
          },
          { requiredKeys: [] },
        )
        .map((value) => JSON.stringify(value) ?? 'null'),
    );
    fc.assert(
      fc.property(shapes, (text) => {
        parsesOrRefuses(() => parseEciesEnvelope(text), [ErrorCode.Integrity]);
      }),
      { numRuns: 2000 },
    );
  });

  it('decryption of a mutated envelope is refused, or gives back exactly the original plaintext', () => {
    fc.assert(
      fc.property(hostileBytes(samples), (bytes) => {
        const plain = parsesOrRefuses(
          () => decryptECIESFromBytes(bob.privateKey, bytes),
          [ErrorCode.Integrity],
        );
        if (plain === undefined) return;
        expect(plaintexts.map((p) => Buffer.from(p).toString('hex'))).toContain(
          Buffer.from(plain).toString('hex'),
        );
      }),
      { numRuns: 1000 },
    );
  });
});
