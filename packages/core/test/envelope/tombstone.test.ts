import { describe, expect, it } from 'vitest';
import { signTombstone, verifyTombstone } from '../../src/envelope/tombstone.js';
import { generateDataKeyPair } from '../../src/identity/data-key.js';

const alice = generateDataKeyPair();
const bob = generateDataKeyPair();

describe('tombstones', () => {
  it('signs delete-<millis>:<id>:<sig> and verifies it, ids with colons included', () => {
    for (const id of ['alice.id/profile', 'alice.id/a:b:c', 'ünï/cödé']) {
      const text = signTombstone(id, alice.privateKey, 1_700_000_000_123);
      expect(text.startsWith(`delete-1700000000123:${id}:`)).toBe(true);
      expect(verifyTombstone(text, alice.publicKey)).toEqual({ fqDataId: id, millis: 1_700_000_000_123 });
      expect(verifyTombstone(new TextEncoder().encode(text), alice.publicKey).fqDataId).toBe(id);
    }
    const before = Date.now();
    const { millis } = verifyTombstone(signTombstone('x', alice.privateKey), alice.publicKey);
    expect(millis >= before && millis <= Date.now()).toBe(true);
  });

  it('refuses a wrong key, edits and malformed text', () => {
    const text = signTombstone('alice.id/profile', alice.privateKey, 5);
    const bad = [
      text.replace('delete-5', 'delete-6'),
      text.replace('profile', 'profilf'),
      text.replace('delete-', 'remove-'),
      text.slice(0, -4),
      `${text}x`,
      text.replace('delete-5', 'delete-05'),
      'delete-5:id',
    ];
    expect(() => verifyTombstone(text, bob.publicKey)).toThrow(
      expect.objectContaining({ code: 'BSS_INTEGRITY' }),
    );
    for (const t of bad) {
      expect(() => verifyTombstone(t, alice.publicKey), t).toThrow(
        expect.objectContaining({ code: 'BSS_INTEGRITY' }),
      );
    }
  });

  it('carries a signed version: delete-<millis>+<version>:<id>:<sig>', () => {
    const text = signTombstone('alice.id/a:b', alice.privateKey, 1_700_000_000_123, 7);
    expect(text.startsWith('delete-1700000000123+7:alice.id/a:b:')).toBe(true);
    expect(verifyTombstone(text, alice.publicKey)).toEqual({
      fqDataId: 'alice.id/a:b',
      millis: 1_700_000_000_123,
      version: 7,
    });
    // The version is signed: changing or dropping it breaks the signature.
    for (const edited of [
      text.replace('+7:', '+8:'),
      text.replace('+7:', ':'),
      text.replace('+7:', '+07:'),
    ]) {
      expect(() => verifyTombstone(edited, alice.publicKey), edited).toThrow(
        expect.objectContaining({ code: 'BSS_INTEGRITY' }),
      );
    }
    for (const version of [0, -1, 1.5, 2 ** 53]) {
      expect(() => signTombstone('x', alice.privateKey, 5, version)).toThrow(
        expect.objectContaining({ code: 'BSS_INVALID_KEY' }),
      );
    }
  });
});
