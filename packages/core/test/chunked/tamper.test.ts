import { createHash, hkdfSync } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeChunked, parseManifest } from '../../src/chunked/index.js';
import { signManifest } from '../../src/chunked/manifest.js';
import { derivePayloadKey, openChunk, sealChunk } from '../../src/chunked/payload-crypto.js';
import { isStorageError, UnavailableError } from '../../src/errors.js';
import { generateDataKeyPair } from '../../src/identity/data-key.js';
import {
  decodeAll,
  expectCode,
  fetchFrom,
  pattern,
  type StoredValue,
  sameBytes,
  store,
} from './chunk-store.js';

const alice = generateDataKeyPair();
const bob = generateDataKeyPair();
const mallory = generateDataKeyPair();
const CHUNK = 64;
const ID = 'alice.id/photos.tar';
const VALUE = pattern(0, CHUNK * 5 + 10); // 6 chunks, the last one short
const OTHER = pattern(1000, CHUNK * 5 + 10);

function options(encrypted: boolean, overrides: { fqDataId?: string; version?: number } = {}) {
  return {
    fqDataId: overrides.fqDataId ?? ID,
    version: overrides.version ?? 2,
    timestamp: 1_800_000_000,
    privateKey: alice.privateKey,
    chunkBytes: CHUNK,
    ...(encrypted ? { encryptTo: bob.publicKey } : {}),
  };
}

/**
 * Decodes `value`'s manifest with a store that answers `chunks` instead of the true ones. The read
 * must end with IntegrityError, and every byte it released must be a true prefix of the value, and
 * short of the whole: nothing unauthenticated, and no way to take a partial value for a whole one.
 */
async function expectRefusedRead(
  value: StoredValue,
  chunks: (Uint8Array | null)[],
  encrypted: boolean,
  truth: Uint8Array = VALUE,
): Promise<void> {
  const manifest = parseManifest(value.manifest.bytes, alice.publicKey, { fqDataId: ID });
  const { released, error } = await decodeAll(
    manifest,
    fetchFrom(chunks),
    encrypted ? bob.privateKey : undefined,
  );
  expectCode(error, 'BSS_INTEGRITY');
  expect(released.byteLength).toBeLessThan(truth.byteLength);
  expect(sameBytes(released, truth.subarray(0, released.byteLength))).toBe(true);
}

function expectRefusedManifest(bytes: Uint8Array, fqDataId = ID): Error {
  let thrown: unknown;
  try {
    parseManifest(bytes, alice.publicKey, { fqDataId });
  } catch (error) {
    thrown = error;
  }
  return expectCode(thrown, 'BSS_INTEGRITY');
}

describe('chunk attacks are refused with IntegrityError before a byte of the bad chunk is released', () => {
  for (const encrypted of [false, true]) {
    const mode = encrypted ? 'encrypted' : 'public';

    it(`${mode}: truncation (the last chunk dropped)`, async () => {
      const value = await store(VALUE, options(encrypted));
      await expectRefusedRead(value, value.chunks.slice(0, -1), encrypted);
    });

    it(`${mode}: a dropped middle chunk (the rest shifted down)`, async () => {
      const value = await store(VALUE, options(encrypted));
      await expectRefusedRead(value, [...value.chunks.slice(0, 2), ...value.chunks.slice(3)], encrypted);
    });

    it(`${mode}: a repeated chunk`, async () => {
      const value = await store(VALUE, options(encrypted));
      const c = value.chunks;
      await expectRefusedRead(value, [c[0]!, c[1]!, c[1]!, c[3]!, c[4]!, c[5]!], encrypted);
    });

    it(`${mode}: reordered chunks`, async () => {
      const value = await store(VALUE, options(encrypted));
      const c = value.chunks;
      await expectRefusedRead(value, [c[0]!, c[2]!, c[1]!, c[3]!, c[4]!, c[5]!], encrypted);
    });

    it(`${mode}: a chunk spliced from another value`, async () => {
      const value = await store(VALUE, options(encrypted));
      const other = await store(OTHER, options(encrypted, { fqDataId: 'alice.id/other.tar' }));
      const chunks = [...value.chunks];
      chunks[3] = other.chunks[3]!;
      await expectRefusedRead(value, chunks, encrypted);
    });

    it(`${mode}: a chunk spliced from an older version of this value (same key, same id)`, async () => {
      const older = await store(OTHER, options(encrypted, { version: 1 }));
      const value = await store(VALUE, options(encrypted, { version: 2 }));
      const chunks = [...value.chunks];
      chunks[4] = older.chunks[4]!;
      await expectRefusedRead(value, chunks, encrypted);
    });

    it(`${mode}: a flipped bit in a chunk`, async () => {
      const value = await store(VALUE, options(encrypted));
      const chunks = [...value.chunks];
      const flipped = new Uint8Array(chunks[2]!);
      flipped[17]! ^= 0x04;
      chunks[2] = flipped;
      await expectRefusedRead(value, chunks, encrypted);
    });

    it(`${mode}: a chunk longer than the manifest says, streamed (refused without reading it all)`, async () => {
      const value = await store(VALUE, options(encrypted));
      let pulled = 0;
      async function* endless(): AsyncIterable<Uint8Array> {
        for (;;) {
          pulled++;
          yield new Uint8Array(CHUNK);
        }
      }
      const manifest = parseManifest(value.manifest.bytes, alice.publicKey);
      const fetch = async (index: number) => (index === 1 ? endless() : value.chunks[index]!);
      const { error } = await decodeAll(manifest, fetch, encrypted ? bob.privateKey : undefined);
      expectCode(error, 'BSS_INTEGRITY');
      expect(pulled).toBeLessThanOrEqual(3);
    });
  }

  it('a manifest re-signed by its owner with a wrong total size is refused at the chunk whose length disagrees', async () => {
    const value = await store(VALUE, options(false));
    const lying = signManifest({ ...value.manifest, size: VALUE.byteLength - 1 }, alice.privateKey);
    const { released, error } = await decodeAll(
      parseManifest(lying.bytes, alice.publicKey),
      fetchFrom(value.chunks),
    );
    expectCode(error, 'BSS_INTEGRITY');
    expect(released.byteLength).toBe(CHUNK * 5); // the five whole chunks, never the disputed last one
  });

  it('a manifest re-signed by its owner with a wrong plaintext SHA-256 fails before the last chunk is released', async () => {
    const value = await store(VALUE, options(true));
    const lying = signManifest({ ...value.manifest, plaintextSha256: '00'.repeat(32) }, alice.privateKey);
    const { released, error } = await decodeAll(
      parseManifest(lying.bytes, alice.publicKey),
      fetchFrom(value.chunks),
      bob.privateKey,
    );
    expectCode(error, 'BSS_INTEGRITY');
    expect(released.byteLength).toBe(CHUNK * 5);
  });
});

describe('manifest attacks are refused by parseManifest with IntegrityError', () => {
  it("a manifest from another id (a replay of another key's value)", async () => {
    const other = await store(OTHER, options(false, { fqDataId: 'alice.id/other.tar' }));
    const error = expectRefusedManifest(other.manifest.bytes, ID);
    expect(error.message).toContain('alice.id/other.tar');
  });

  it('a manifest over a different chunk list, re-signed by another key', async () => {
    const value = await store(VALUE, options(true));
    const forged = signManifest(
      { ...value.manifest, chunkHashes: value.manifest.chunkHashes.toReversed() },
      mallory.privateKey,
    );
    expect(expectRefusedManifest(forged.bytes).message).toContain('different signer');
    // Even with alice's key bytes pasted over mallory's, the signature cannot verify.
    const pasted = new Uint8Array(forged.bytes);
    pasted.set(alice.publicKey, 5);
    expect(expectRefusedManifest(pasted).message).toContain('signature');
  });

  it('a manifest over a different chunk list, tampered without re-signing', async () => {
    const value = await store(VALUE, options(false));
    const other = await store(OTHER, options(false));
    const tampered = new Uint8Array(value.manifest.bytes);
    const hashes = tampered.byteLength - 64 - 6 * 32;
    tampered.set(Buffer.from(other.manifest.chunkHashes[3]!, 'hex'), hashes + 3 * 32);
    expect(expectRefusedManifest(tampered).message).toContain('signature');
  });

  it('a wrong total size, tampered without re-signing', async () => {
    const value = await store(VALUE, options(false));
    const tampered = Buffer.from(value.manifest.bytes);
    tampered.writeBigUInt64BE(BigInt(VALUE.byteLength - 1), 54); // same chunk count, so only the signature catches it
    expect(expectRefusedManifest(tampered).message).toContain('signature');
  });

  it('every single-byte change and every truncation of a manifest is refused', async () => {
    for (const encrypted of [false, true]) {
      const { bytes } = (await store(VALUE, options(encrypted))).manifest;
      for (let at = 0; at < bytes.byteLength; at++) {
        const changed = new Uint8Array(bytes);
        changed[at]! ^= 0x01;
        expectRefusedManifest(changed);
      }
      for (let length = 0; length < bytes.byteLength; length++)
        expectRefusedManifest(bytes.subarray(0, length));
      expectRefusedManifest(Buffer.concat([bytes, new Uint8Array(1)]));
    }
  });

  it('hostile lengths allocate nothing: a declared 2^53-byte value or 65535-byte id in a short manifest', async () => {
    const { bytes } = (await store(VALUE, options(false))).manifest;
    const huge = Buffer.from(bytes);
    huge.writeBigUInt64BE(2n ** 53n - 1n, 54);
    expect(expectRefusedManifest(huge).message).toMatch(/chunks|limit/);
    const longId = Buffer.from(bytes);
    longId.writeUInt16BE(0xffff, 98);
    expectRefusedManifest(longId);
    const tooBig = Buffer.from(bytes);
    tooBig.writeBigUInt64BE(2n ** 63n, 54);
    expectRefusedManifest(tooBig);
  });

  it('arbitrary bytes never crash parseManifest: it returns or throws IntegrityError', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 600 }), fc.boolean(), (tail, withTag) => {
        const bytes = withTag ? Buffer.concat([Buffer.from('bsc1'), tail]) : tail;
        try {
          parseManifest(bytes, alice.publicKey);
        } catch (error) {
          expect(isStorageError(error, 'BSS_INTEGRITY'), String(error)).toBe(true);
        }
      }),
      { numRuns: 500 },
    );
  });
});

describe('keys', () => {
  it('a wrong key for decryption is a PermissionError, before any chunk is fetched', async () => {
    const value = await store(VALUE, options(true));
    let fetched = 0;
    const fetch = async (index: number) => {
      fetched++;
      return value.chunks[index]!;
    };
    const manifest = parseManifest(value.manifest.bytes, alice.publicKey);
    const { released, error } = await decodeAll(manifest, fetch, mallory.privateKey);
    expectCode(error, 'BSS_PERMISSION');
    expect([released.byteLength, fetched]).toEqual([0, 0]);
    // No key at all: the same answer.
    expectCode((await decodeAll(manifest, fetch)).error, 'BSS_PERMISSION');
  });

  it('a typed error from fetchChunk ends the read as it is; an untyped one becomes UnavailableError', async () => {
    const value = await store(VALUE, options(false));
    const manifest = parseManifest(value.manifest.bytes, alice.publicKey);
    const typed = await decodeAll(manifest, async (i) => {
      if (i === 2) throw new UnavailableError('disk gone', { driver: 'disk' });
      return value.chunks[i]!;
    });
    expect(typed.error).toMatchObject({ code: 'BSS_UNAVAILABLE', driver: 'disk' });
    const untyped = await decodeAll(manifest, async () => {
      throw new Error('socket hang up');
    });
    expect(untyped.error).toMatchObject({ code: 'BSS_UNAVAILABLE', key: ID });
  });

  it("an abort stops the read with AbortedError and reaches fetchChunk's signal", async () => {
    const value = await store(VALUE, options(false));
    const manifest = parseManifest(value.manifest.bytes, alice.publicKey);
    const controller = new AbortController();
    const signals: AbortSignal[] = [];
    const read = decodeChunked(
      manifest,
      async (index, _hash, signal) => {
        signals.push(signal);
        return value.chunks[index]!;
      },
      { signal: controller.signal },
    );
    await expect(async () => {
      for await (const _ of read) controller.abort();
    }).rejects.toMatchObject({ code: 'BSS_ABORTED' });
    expect(signals.every((s) => s.aborted)).toBe(true);
  });
});

describe('without the hash list, the STREAM construction alone refuses each chunk attack', () => {
  const fileKey = new Uint8Array(32).fill(7);
  const salt = new Uint8Array(32).fill(9);
  const key = derivePayloadKey(fileKey, salt, ID, 2);
  const plain = [pattern(0, 64), pattern(64, 64), pattern(128, 10)];
  const sealed = plain.map((p, i) => sealChunk(key, i, i === plain.length - 1, p));
  const refused = (run: () => unknown) => {
    let thrown: unknown;
    try {
      run();
    } catch (error) {
      thrown = error;
    }
    expectCode(thrown, 'BSS_INTEGRITY');
  };

  it('opens in place', () => {
    for (const [i, s] of sealed.entries()) {
      expect(sameBytes(openChunk(key, i, i === 2, s), plain[i]!)).toBe(true);
    }
  });
  it('a chunk moved to another position (reorder, repeat, drop)', () =>
    refused(() => openChunk(key, 1, false, sealed[0]!)));
  it('truncation: a middle chunk presented as the last', () =>
    refused(() => openChunk(key, 1, true, sealed[1]!)));
  it('extension: the last chunk presented as a middle one', () =>
    refused(() => openChunk(key, 2, false, sealed[2]!)));
  it('a chunk of another id, or of an older version, even under the same file key and salt', () => {
    refused(() => openChunk(derivePayloadKey(fileKey, salt, 'alice.id/other', 2), 0, false, sealed[0]!));
    refused(() => openChunk(derivePayloadKey(fileKey, salt, ID, 1), 0, false, sealed[0]!));
  });
  it('the payload key is HKDF-SHA256(file key, salt, "bsc1 payload key" ‖ SHA-256(u16 len ‖ id ‖ u64 version))', () => {
    const id = Buffer.from(ID, 'utf8');
    const identity = createHash('sha256')
      .update(Buffer.from([0, id.byteLength]))
      .update(id)
      .update(Buffer.from([0, 0, 0, 0, 0, 0, 0, 2]))
      .digest();
    const expected = hkdfSync(
      'sha256',
      fileKey,
      salt,
      Buffer.concat([Buffer.from('bsc1 payload key'), identity]),
      32,
    );
    expect(sameBytes(key, new Uint8Array(expected))).toBe(true);
  });
});
