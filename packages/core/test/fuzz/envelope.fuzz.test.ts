import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { signMutableEnvelope, verifyMutableEnvelope } from '../../src/envelope/mutable-envelope.js';
import { signTombstone, verifyTombstone } from '../../src/envelope/tombstone.js';
import { ErrorCode } from '../../src/errors.js';
import { generateDataKeyPair } from '../../src/identity/data-key.js';
import { hostileBytes, memoryInUse, parsesOrRefuses, utf8 } from './hostile-bytes.js';

const alice = generateDataKeyPair();
const mallory = generateDataKeyPair();
const datum = (version: number, data = utf8('profile data'), fqDataId = 'alice.id/profile') => ({
  fqDataId,
  data,
  version,
  timestamp: 1_700_000_000 + version,
});

const samples = [
  signMutableEnvelope(datum(1), alice.privateKey),
  signMutableEnvelope(datum(42, new Uint8Array(0)), alice.privateKey),
  signMutableEnvelope(datum(7, utf8('x'.repeat(200)), 'alice.id/a "quoted" ü id'), alice.privateKey),
];

describe('bsk2 envelope verifier under hostile bytes', () => {
  it('throws only IntegrityError, and anything it accepts is exactly a datum alice signed', () => {
    const signed = samples.map((s) => verifyMutableEnvelope(s, alice.publicKey));
    const before = memoryInUse();
    fc.assert(
      fc.property(hostileBytes(samples), (bytes) => {
        const got = parsesOrRefuses(
          () => verifyMutableEnvelope(bytes, alice.publicKey),
          [ErrorCode.Integrity],
        );
        if (got === undefined) return;
        // Authenticity: a mutation that still verifies must decode to one of the signed datums.
        expect(signed).toContainEqual(got);
      }),
      { numRuns: 3000 },
    );
    expect(memoryInUse() - before).toBeLessThan(256 * 1024 * 1024);
  });

  it('refuses a datum signed by another key', () => {
    const forged = signMutableEnvelope(datum(99), mallory.privateKey);
    expect(parsesOrRefuses(() => verifyMutableEnvelope(forged, alice.publicKey), [ErrorCode.Integrity])).toBe(
      undefined,
    );
  });

  it('refuses a datum replayed under another id', () => {
    const other = signMutableEnvelope(datum(5, utf8('x'), 'alice.id/other'), alice.privateKey);
    expect(
      parsesOrRefuses(
        () => verifyMutableEnvelope(other, alice.publicKey, { fqDataId: 'alice.id/profile' }),
        [ErrorCode.Integrity],
      ),
    ).toBe(undefined);
  });

  it('refuses any public key spliced in from another signer, for any datum', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), fc.integer({ min: 1, max: 2 ** 40 }), (data, version) => {
        const forged = signMutableEnvelope(datum(version, data), mallory.privateKey);
        expect(
          parsesOrRefuses(() => verifyMutableEnvelope(forged, alice.publicKey), [ErrorCode.Integrity]),
        ).toBe(undefined);
      }),
      { numRuns: 50 },
    );
  });
});

describe('tombstone verifier under hostile input', () => {
  const tombstones = [
    signTombstone('alice.id/profile', alice.privateKey, 1_700_000_000_000),
    signTombstone('alice.id/x:y:z', alice.privateKey, 0),
  ];
  const signed = tombstones.map((t) => verifyTombstone(t, alice.publicKey));

  it('throws only IntegrityError, and anything it accepts is a tombstone alice signed', () => {
    fc.assert(
      fc.property(hostileBytes(tombstones.map(utf8)), fc.boolean(), (bytes, asText) => {
        const input = asText ? Buffer.from(bytes).toString('utf8') : bytes;
        const got = parsesOrRefuses(() => verifyTombstone(input, alice.publicKey), [ErrorCode.Integrity]);
        if (got !== undefined) expect(signed).toContainEqual(got);
      }),
      { numRuns: 2000 },
    );
  });

  it('refuses a tombstone signed by another key', () => {
    const forged = signTombstone('alice.id/profile', mallory.privateKey);
    expect(parsesOrRefuses(() => verifyTombstone(forged, alice.publicKey), [ErrorCode.Integrity])).toBe(
      undefined,
    );
  });
});
