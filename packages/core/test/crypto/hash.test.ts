import { describe, expect, it } from 'vitest';
import { hash160, hmacSha256, sha256, sha256Hex, sha512 } from '../../src/crypto/hash.js';
import { base64ToBytes, bytesToHex, hexToBytes } from '../../src/crypto/hex.js';
import { isStorageError } from '../../src/errors.js';

describe('hashes (published test vectors)', () => {
  it('sha256, sha512, hash160, hmac-sha256', () => {
    expect(sha256Hex('abc')).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
    expect(bytesToHex(sha256(new Uint8Array()))).toBe(
      'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
    );
    expect(bytesToHex(sha512(new TextEncoder().encode('abc'))).slice(0, 32)).toBe(
      'ddaf35a193617abacc417349ae204131',
    );
    // RIPEMD160(SHA256("")): the Bitcoin hash160 of empty input.
    expect(bytesToHex(hash160(new Uint8Array()))).toBe('b472a266d0bd89c13706a4132ccfb16f7c3b9fcb');
    // RFC 4231 test case 2, fed in two parts.
    const enc = new TextEncoder();
    expect(
      bytesToHex(hmacSha256(enc.encode('Jefe'), enc.encode('what do ya want '), enc.encode('for nothing?'))),
    ).toBe('5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843');
  });
});

describe('hex and base64', () => {
  it('decode strictly', () => {
    expect(hexToBytes('00ffAb')).toEqual(new Uint8Array([0, 255, 171]));
    for (const bad of ['0', 'zz', '00z0', '0 ']) {
      expect(() => hexToBytes(bad)).toThrow(expect.objectContaining({ code: 'BSS_INTEGRITY' }));
    }
    expect(base64ToBytes('AQID')).toEqual(new Uint8Array([1, 2, 3]));
    expect(base64ToBytes('')).toEqual(new Uint8Array());
    for (let n = 0; n < 70; n++) {
      const bytes = new Uint8Array(Array.from({ length: n }, (_, i) => (i * 37 + n) & 0xff));
      expect(base64ToBytes(Buffer.from(bytes).toString('base64'))).toEqual(bytes);
    }
    for (const bad of [
      'AQI',
      'AQI=x',
      'AQ==\n',
      'A?ID',
      'AQJ=',
      'AQ-D',
      'AQ_D',
      'AQ==AQID',
      '====',
      'AQI=AQID',
      ' AQID   ',
    ]) {
      let thrown: unknown;
      try {
        base64ToBytes(bad);
      } catch (error) {
        thrown = error;
      }
      expect(isStorageError(thrown, 'BSS_INTEGRITY')).toBe(true);
    }
  });
});
