import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeNetstring, encodeNetstring } from '../../src/envelope/netstring.js';
import { ErrorCode } from '../../src/errors.js';
import { HOSTILE_LENGTHS, hostileBytes, latin1, memoryInUse, parsesOrRefuses } from './hostile-bytes.js';

const samples = [
  encodeNetstring(latin1('hello')),
  encodeNetstring(new Uint8Array(0)),
  encodeNetstring(latin1('{"a":1}')),
  latin1('3:abc,3:def,'),
];

describe('netstring decoder under hostile bytes', () => {
  it('only returns a payload inside the input or throws IntegrityError', () => {
    fc.assert(
      fc.property(hostileBytes(samples), fc.nat(4), (bytes, start) => {
        const decoded = parsesOrRefuses(() => decodeNetstring(bytes, start), [ErrorCode.Integrity]);
        if (decoded === undefined) return;
        expect(decoded.end).toBeLessThanOrEqual(bytes.byteLength);
        expect(decoded.payload.buffer).toBe(bytes.buffer);
        expect(bytes[decoded.end - 1]).toBe(0x2c);
      }),
      { numRuns: 5000 },
    );
  });

  it('refuses huge declared lengths (2^53 and beyond) without allocating them', () => {
    const before = memoryInUse();
    for (const length of HOSTILE_LENGTHS) {
      for (const tail of ['', ':', ':abc,', `:${'x'.repeat(100)},`]) {
        expect(
          parsesOrRefuses(() => decodeNetstring(latin1(`${length}${tail}`)), [ErrorCode.Integrity]),
        ).toBe(undefined);
      }
    }
    // A 2^53-byte (or even 1 GB) allocation would either throw RangeError above or show here.
    expect(memoryInUse() - before).toBeLessThan(64 * 1024 * 1024);
  });

  it('round-trips any payload', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), (payload) => {
        const { payload: back, end } = decodeNetstring(encodeNetstring(payload));
        expect(Buffer.from(back).equals(Buffer.from(payload))).toBe(true);
        expect(end).toBe(encodeNetstring(payload).byteLength);
      }),
    );
  });
});
