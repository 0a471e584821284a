import { posix, win32 } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ErrorCode, isStorageError } from '../../src/errors.js';
import {
  decodeDataId,
  encodeDataId,
  MAX_DATA_ID_BYTES,
  MAX_ENCODED_SEGMENT_LENGTH,
  storageKey,
  validateDataId,
} from '../../src/keys.js';

// Pieces that stress the encoder: case, dots, separators, escapes, look-alike and combining forms.
const TRICKY = [
  'a',
  'A',
  'z',
  'Z',
  '0',
  '.',
  '..',
  '/',
  '\\',
  '~',
  '~7e',
  '~2e',
  '~h',
  '%2e',
  '%2F',
  '_',
  '-',
  ' ',
  ':',
  '*',
  '?',
  '"',
  '<',
  '>',
  '|',
  '\t',
  '\n',
  'é',
  'e\u0301',
  'K',
  '\u212a',
  'ß',
  'SS',
  'İ',
  'ı',
  '\u00a0',
  '\u200b',
  '\ufeff',
  '😀',
  '\u{10ffff}',
  'CON',
  'nul',
  'aux.txt',
];

/** Well-formed ids built from tricky pieces and arbitrary code points. */
const dataId = fc
  .array(fc.oneof(fc.constantFrom(...TRICKY), fc.string({ unit: 'binary', minLength: 1, maxLength: 4 })), {
    minLength: 1,
    maxLength: 12,
  })
  .map((parts) => parts.join('').replaceAll('\0', '0'))
  .filter((id) => id.length > 0 && Buffer.byteLength(id) <= MAX_DATA_ID_BYTES);

/** Ids long enough that their encoding is shortened, sharing long prefixes. */
const longId = fc
  .tuple(fc.constantFrom('A'.repeat(150), 'a'.repeat(300), '/'.repeat(80), 'é'.repeat(100)), dataId)
  .map(([prefix, tail]) => prefix + tail)
  .filter((id) => Buffer.byteLength(id) <= MAX_DATA_ID_BYTES);

const SAFE_SEGMENT = /^[a-z0-9_.~-]+$/;

describe('encodeDataId (property)', () => {
  it('is injective: distinct ids never share an encoding', () => {
    fc.assert(
      fc.property(fc.oneof(dataId, longId), fc.oneof(dataId, longId), (a, b) => {
        fc.pre(a !== b);
        expect(encodeDataId(a)).not.toBe(encodeDataId(b));
      }),
      { numRuns: 2000 },
    );
  });

  it('is injective over a large batch (no collision among thousands of ids)', () => {
    const ids = new Set(fc.sample(fc.oneof(dataId, longId), { numRuns: 5000, seed: 8 }));
    const encodings = new Set([...ids].map(encodeDataId));
    expect(encodings.size).toBe(ids.size);
  });

  it('gives one safe, lower-case, bounded segment that is never a dot segment', () => {
    fc.assert(
      fc.property(fc.oneof(dataId, longId), (id) => {
        const segment = encodeDataId(id);
        expect(segment).toMatch(SAFE_SEGMENT);
        expect(segment).toBe(segment.toLowerCase());
        expect(segment.startsWith('.')).toBe(false);
        expect(segment.length).toBeLessThanOrEqual(MAX_ENCODED_SEGMENT_LENGTH);
        // Nothing Unicode normalisation or case folding could merge: the segment is plain ASCII.
        expect(segment.normalize('NFKC')).toBe(segment);
      }),
      { numRuns: 2000 },
    );
  });

  it('round-trips through decodeDataId unless shortened', () => {
    fc.assert(
      fc.property(dataId, (id) => {
        const segment = encodeDataId(id);
        const decoded = decodeDataId(segment);
        if (segment.includes('~h')) expect(decoded).toBeUndefined();
        else expect(decoded).toBe(id);
      }),
      { numRuns: 2000 },
    );
  });

  it('ids that differ only by case or normalisation stay distinct', () => {
    fc.assert(
      fc.property(dataId, (id) => {
        for (const other of [id.toUpperCase(), id.toLowerCase(), id.normalize('NFD'), id.normalize('NFC')]) {
          if (other !== id && Buffer.byteLength(other) <= MAX_DATA_ID_BYTES) {
            expect(encodeDataId(other)).not.toBe(encodeDataId(id));
          }
        }
      }),
      { numRuns: 1000 },
    );
  });
});

describe('storageKey (property)', () => {
  const roots = ['/srv/bss-root', 'C:\\bss\\root'];

  it('never escapes a root directory, on POSIX or Windows path rules', () => {
    fc.assert(
      fc.property(fc.oneof(dataId, longId), (id) => {
        const key = storageKey('mutable', id);
        expect(key.startsWith('mutable/')).toBe(true);
        expect(key.slice('mutable/'.length)).toMatch(SAFE_SEGMENT);
        const p = posix.resolve(roots[0]!, ...key.split('/'));
        expect(p.startsWith(`${roots[0]}/mutable/`)).toBe(true);
        expect(posix.dirname(p)).toBe(`${roots[0]}/mutable`);
        const w = win32.resolve(roots[1]!, ...key.split('/'));
        expect(win32.dirname(w)).toBe(`${roots[1]}\\mutable`);
      }),
      { numRuns: 2000 },
    );
  });

  it('keeps the mutable and immutable namespaces apart', () => {
    fc.assert(
      fc.property(fc.stringMatching(/^[0-9a-f]{64}$/), (hash) => {
        expect(storageKey('immutable', hash)).toBe(`immutable/${hash}`);
        expect(storageKey('mutable', hash)).not.toBe(storageKey('immutable', hash));
      }),
    );
  });

  it('refuses anything but 64 lowercase hex characters as an immutable key, with InvalidKeyError', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 80 }), (text) => {
        fc.pre(!/^[0-9a-f]{64}$/.test(text));
        expect(() => storageKey('immutable', text)).toThrow(
          expect.objectContaining({ code: ErrorCode.InvalidKey }),
        );
      }),
      { numRuns: 1000 },
    );
  });
});

describe('validateDataId (property)', () => {
  it('accepts or throws InvalidKeyError for any value at all, never anything else', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.anything(),
          fc.string({ unit: 'binary' }),
          fc.string({ unit: fc.nat(0xffff).map((c) => String.fromCharCode(c)) }),
        ),
        (value) => {
          try {
            validateDataId(value);
          } catch (error) {
            expect(isStorageError(error, ErrorCode.InvalidKey)).toBe(true);
            return;
          }
          expect(typeof value).toBe('string');
          expect((value as string).isWellFormed()).toBe(true);
          expect(value).not.toContain('\0');
        },
      ),
      { numRuns: 2000 },
    );
  });

  it('refuses lone surrogates, NUL and ids over the byte limit', () => {
    for (const bad of ['\ud800', 'a\udc00b', 'a\0b', 'x'.repeat(MAX_DATA_ID_BYTES + 1), '']) {
      expect(() => validateDataId(bad)).toThrow(expect.objectContaining({ code: ErrorCode.InvalidKey }));
    }
  });
});

describe('decodeDataId on segments found in a provider (property)', () => {
  it('never throws on arbitrary text', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 60 }), (segment) => {
        decodeDataId(segment);
      }),
      { numRuns: 2000 },
    );
  });

  // Regression: decodeDataId once accepted segments encodeDataId never produces ('A', '~zz', '~4'),
  // so a listing that met a foreign file yielded an id mapping to another key, or an invalid id.
  it('returns only ids whose encoding is the segment itself (or undefined)', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.constantFrom('A', '~zz', '~4', '.x', '~2E'),
          fc.string({ unit: 'binary', maxLength: 30 }),
        ),
        (segment) => {
          const id = decodeDataId(segment);
          if (id === undefined) return;
          expect(() => validateDataId(id)).not.toThrow();
          expect(encodeDataId(id)).toBe(segment);
        },
      ),
      { numRuns: 500 },
    );
  });
});
