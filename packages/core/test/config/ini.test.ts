import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { ErrorCode, isStorageError, parseIni } from '../../src/index.js';

function parseError(text: string | Uint8Array): Error {
  try {
    parseIni(text, { path: '/etc/client.ini' });
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected parseIni to throw');
}

describe('parseIni', () => {
  it('reads sections, both separators, comments and lower-cases keys', () => {
    const parsed = parseIni(
      '\ufeff# top\n[blockstack-client]\nStorage_Drivers = disk, s3\n; note\nmetadata: /tmp/m\n\n[s3]\nbucket=b=c\r\nempty =\n',
    );
    expect(parsed['blockstack-client']).toEqual({ storage_drivers: 'disk, s3', metadata: '/tmp/m' });
    expect(parsed.s3).toEqual({ bucket: 'b=c', empty: '' });
  });

  it('gives objects without a prototype, so "__proto__" is only a key', () => {
    const parsed = parseIni('[a]\n__proto__ = x\nconstructor = y\n');
    expect(Object.getPrototypeOf(parsed)).toBeNull();
    expect(Object.getPrototypeOf(parsed.a)).toBeNull();
    expect(Object.entries(parsed.a!)).toEqual([
      ['__proto__', 'x'],
      ['constructor', 'y'],
    ]);
    expect(({} as Record<string, unknown>).constructor).toBe(Object);
  });

  it.each([
    ['key = v\n', 'before any [section]'],
    ['[a]\nk = 1\nk = 2\n', 'appears twice'],
    ['[a]\n[a]\n', 'appears twice'],
    ['[a\n', 'must end with "]"'],
    ['[a b]\n', 'section name'],
    ['[a]\n  continued\n', 'continuation'],
    ['[a]\nno separator here\n', 'expected'],
    ['[a]\nk = v\u0000\n', 'control character'],
    ['[a]\n= v\n', 'key must be'],
  ])('refuses %j with a message naming the file and line', (text, message) => {
    const error = parseError(text);
    expect(isStorageError(error, ErrorCode.Configuration)).toBe(true);
    expect(error.message).toContain('/etc/client.ini:');
    expect(error.message).toContain(message);
  });

  it('never echoes a malformed line, which may hold a secret', () => {
    const error = parseError('[s3]\nsecret_access_key hunter2-SECRET\n');
    expect(error.message).not.toContain('hunter2');
  });

  it('enforces its bounds', () => {
    expect(parseError(`[a]\nk = ${'x'.repeat(300 * 1024)}\n`).message).toContain('larger than');
    expect(parseError(`[a]\nk = ${'x'.repeat(9000)}\n`).message).toContain('longer than');
    const many = Array.from({ length: 300 }, (_, i) => `[s${i}]`).join('\n');
    expect(parseError(many).message).toContain('more than 256 sections');
    expect(parseError(new Uint8Array([0x5b, 0xff, 0x5d])).message).toContain('UTF-8');
  });

  it('throws only ConfigurationError on random input', () => {
    const alphabet = '[]=:;#\n\r \tab_-.\u00e9\u0000';
    for (let round = 0; round < 300; round++) {
      const bytes = randomBytes(64);
      const text = Array.from(bytes, (b) => alphabet[b % alphabet.length]).join('');
      for (const input of [text, bytes]) {
        try {
          parseIni(input);
        } catch (error) {
          expect(isStorageError(error, ErrorCode.Configuration)).toBe(true);
        }
      }
    }
  });
});
