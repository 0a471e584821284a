import { describe, expect, it } from 'vitest';
import { decodeNetstring, encodeNetstring } from '../../src/envelope/netstring.js';

const ascii = (text: string): Uint8Array => new Uint8Array(Buffer.from(text, 'latin1'));

describe('netstring', () => {
  it('encodes and decodes', () => {
    expect(Buffer.from(encodeNetstring(ascii('hello world!'))).toString()).toBe('12:hello world!,');
    expect(Buffer.from(encodeNetstring(new Uint8Array())).toString()).toBe('0:,');
    const decoded = decodeNetstring(ascii('xx3:abc,yy'), 2);
    expect(Buffer.from(decoded.payload).toString()).toBe('abc');
    expect(decoded.end).toBe(8);
    expect(decodeNetstring(ascii('0:,')).payload).toHaveLength(0);
  });

  it('refuses malformed or truncated input without allocating from the declared length', () => {
    const bad = [
      '',
      ':abc,',
      '3abc,',
      '03:abc,',
      '-3:abc,',
      ' 3:abc,',
      '3:abc',
      '3:abcd,',
      '3:ab,',
      '4:abc,',
      '9007199254740992:x,', // 2^53: refused as longer than what follows, nothing allocated
      '9999999999999999999999:x,', // too many digits
    ];
    for (const text of bad) {
      expect(() => decodeNetstring(ascii(text)), text).toThrow(
        expect.objectContaining({ code: 'BSS_INTEGRITY' }),
      );
    }
  });
});
