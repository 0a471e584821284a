import { describe, expect, it } from 'vitest';
import { ErrorCode, isStorageError } from '../src/errors.js';
import {
  decodeDataId,
  encodeDataId,
  MAX_ENCODED_SEGMENT_LENGTH,
  storageKey,
  validateDataId,
} from '../src/keys.js';

const ODD = [
  '../../etc/passwd',
  '/leading',
  'a/b/c',
  'with space',
  'user"_profile',
  'ünïcödé',
  'A',
  'a',
  '.',
  '..',
  '~',
  '~7e',
  '.hidden',
];

describe('encodeDataId', () => {
  it('produces only safe lowercase characters, never a dot segment or a leading dot', () => {
    for (const id of ODD) {
      const segment = encodeDataId(id);
      expect(segment).toMatch(/^[a-z0-9_~-][a-z0-9_.~-]*$/);
      expect(segment).not.toBe('.');
      expect(segment).not.toBe('..');
    }
  });
  it('is injective on ids that differ only in case or escaping', () => {
    const segments = new Set(ODD.map(encodeDataId));
    expect(segments.size).toBe(ODD.length);
  });
  it('round-trips through decodeDataId', () => {
    for (const id of ODD) expect(decodeDataId(encodeDataId(id))).toBe(id);
  });
  it('bounds long ids and keeps them distinct', () => {
    const a = encodeDataId('x'.repeat(1000));
    const b = encodeDataId(`${'x'.repeat(999)}y`);
    expect(a.length).toBeLessThanOrEqual(MAX_ENCODED_SEGMENT_LENGTH + 70);
    expect(a).not.toBe(b);
    expect(decodeDataId(a)).toBeUndefined();
  });
});

describe('validation', () => {
  it('refuses empty ids, NUL, lone surrogates and oversized ids with typed errors', () => {
    for (const id of ['', 'a\0b', '\ud800', 'x'.repeat(4097)]) {
      try {
        validateDataId(id);
        expect.unreachable(`accepted ${JSON.stringify(id.slice(0, 10))}`);
      } catch (error) {
        expect(isStorageError(error, ErrorCode.InvalidKey)).toBe(true);
      }
    }
  });
  it('keeps the two namespaces apart', () => {
    const hash = 'a'.repeat(64);
    expect(storageKey('mutable', hash)).not.toBe(storageKey('immutable', hash));
  });
});
