import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { signMutableEnvelope, verifyMutableEnvelope } from '../../src/envelope/mutable-envelope.js';
import { decodeNetstring, encodeNetstring } from '../../src/envelope/netstring.js';
import { signTombstone, verifyTombstone } from '../../src/envelope/tombstone.js';
import { isStorageError } from '../../src/errors.js';
import { generateDataKeyPair } from '../../src/identity/data-key.js';

const key = generateDataKeyPair();
const datum = fc.record({
  fqDataId: fc.string({ minLength: 1, maxLength: 40, unit: 'binary' }).filter((s) => s.isWellFormed()),
  data: fc.uint8Array({ maxLength: 300 }),
  version: fc.integer({ min: 1, max: Number.MAX_SAFE_INTEGER }),
  timestamp: fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER }),
});

/** Runs `fn`; anything thrown must be a typed IntegrityError. */
function onlyIntegrityErrors(fn: () => unknown): void {
  try {
    fn();
  } catch (error) {
    expect(isStorageError(error, 'BSS_INTEGRITY'), String(error)).toBe(true);
  }
}

describe('envelope properties', () => {
  it('any datum round-trips through bsk2, ids with any Unicode included', () => {
    fc.assert(
      fc.property(datum, (d) => {
        const out = verifyMutableEnvelope(signMutableEnvelope(d, key.privateKey), key.publicKey, {
          fqDataId: d.fqDataId,
        });
        expect(out.fqDataId).toBe(d.fqDataId);
        expect(Buffer.from(out.data).equals(d.data)).toBe(true);
        expect([out.version, out.timestamp]).toEqual([d.version, d.timestamp]);
      }),
      { numRuns: 150 },
    );
  });

  it('any change to a signed envelope is refused with IntegrityError, never another error', () => {
    fc.assert(
      fc.property(datum, fc.nat(), fc.integer({ min: 1, max: 255 }), (d, at, xor) => {
        const bytes = new Uint8Array(signMutableEnvelope(d, key.privateKey));
        bytes[at % bytes.byteLength]! ^= xor;
        expect(() => verifyMutableEnvelope(bytes, key.publicKey)).toThrow(
          expect.objectContaining({ code: 'BSS_INTEGRITY' }),
        );
      }),
      { numRuns: 300 },
    );
  });

  it('arbitrary bytes never crash the parsers: they return or throw IntegrityError', () => {
    const head = Buffer.from(
      signMutableEnvelope(
        { fqDataId: 'a', data: new Uint8Array(), version: 1, timestamp: 0 },
        key.privateKey,
      ),
    ).subarray(0, 161);
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), fc.boolean(), (junk, withHead) => {
        const input = withHead ? new Uint8Array(Buffer.concat([head, junk])) : junk;
        onlyIntegrityErrors(() => verifyMutableEnvelope(input, key.publicKey));
        onlyIntegrityErrors(() => decodeNetstring(input));
        onlyIntegrityErrors(() => verifyTombstone(input, key.publicKey));
      }),
      { numRuns: 300 },
    );
  });

  it('netstrings round-trip and tombstones verify for any id', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 100 }), (payload) => {
        const { payload: out, end } = decodeNetstring(encodeNetstring(payload));
        expect(Buffer.from(out).equals(payload)).toBe(true);
        expect(end).toBe(encodeNetstring(payload).byteLength);
      }),
    );
    fc.assert(
      fc.property(datum, ({ fqDataId, timestamp }) => {
        expect(verifyTombstone(signTombstone(fqDataId, key.privateKey, timestamp), key.publicKey)).toEqual({
          fqDataId,
          millis: timestamp,
        });
      }),
      { numRuns: 100 },
    );
  });
});
