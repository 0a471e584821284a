import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  CHUNK_TAG_BYTES,
  DEFAULT_CHUNK_BYTES,
  encodeChunked,
  isChunkedManifest,
  parseManifest,
} from '../../src/chunked/index.js';
import { isStorageError } from '../../src/errors.js';
import { generateDataKeyPair } from '../../src/identity/data-key.js';
import { pattern, patternStream, readBack, sameBytes, store } from './chunk-store.js';

const alice = generateDataKeyPair();
const bob = generateDataKeyPair();
const CHUNK = 64;
const base = {
  fqDataId: 'alice.id/backup.tar',
  version: 3,
  timestamp: 1_800_000_000,
  privateKey: alice.privateKey,
};

const sizes: [string, number][] = [
  ['an empty value', 0],
  ['1 byte', 1],
  ['exactly one chunk', CHUNK],
  ['one chunk and one byte', CHUNK + 1],
  ['many chunks', CHUNK * 9 + 17],
  ['many whole chunks', CHUNK * 8],
];

describe('chunked round trips', () => {
  for (const encrypted of [false, true]) {
    const mode = encrypted ? 'encrypted' : 'public';
    for (const [label, size] of sizes) {
      for (const input of ['bytes', 'stream'] as const) {
        it(`${mode}, ${label} (${size} B) as ${input}`, async () => {
          const value = pattern(0, size);
          // Stream pieces of 7 bytes: never aligned with the chunks.
          const body = input === 'bytes' ? value : patternStream(size, 7);
          const stored = await store(body, {
            ...base,
            chunkBytes: CHUNK,
            ...(encrypted ? { encryptTo: bob.publicKey } : {}),
          });
          const { manifest, chunks } = stored;
          expect(manifest.size).toBe(size);
          expect(manifest.chunkCount).toBe(Math.max(1, Math.ceil(size / CHUNK)));
          expect(chunks.length).toBe(manifest.chunkCount);
          expect(manifest.plaintextSha256).toBe(createHash('sha256').update(value).digest('hex'));
          expect(manifest.encryption !== undefined).toBe(encrypted);
          expect(isChunkedManifest(manifest.bytes)).toBe(true);
          const overhead = encrypted ? CHUNK_TAG_BYTES * chunks.length : 0;
          expect(chunks.reduce((sum, c) => sum + c.byteLength, 0)).toBe(size + overhead);
          if (!encrypted && size > 0) expect(sameBytes(Buffer.concat(chunks), value)).toBe(true);
          if (encrypted && size > 0)
            expect(sameBytes(Buffer.concat(chunks).subarray(0, 16), value.subarray(0, 16))).toBe(false);
          const back = await readBack(stored, alice.publicKey, encrypted ? bob.privateKey : undefined);
          expect(sameBytes(back, value)).toBe(true);
        });
      }
    }
  }

  it('pieces aligned with the chunks, larger than a chunk, empty, or reused by the source round-trip', async () => {
    const value = pattern(0, CHUNK * 6);
    /** Yields `piece`-byte pieces out of ONE buffer it overwrites on every step, plus empty pieces. */
    async function* reusing(piece: number): AsyncIterable<Uint8Array> {
      const buffer = new Uint8Array(piece);
      for (let at = 0; at < value.byteLength; at += piece) {
        const part = value.subarray(at, at + piece);
        buffer.set(part);
        yield buffer.subarray(0, part.byteLength);
        yield new Uint8Array(0);
        buffer.fill(0xee);
      }
    }
    for (const encrypted of [false, true]) {
      for (const piece of [CHUNK, CHUNK * 2, CHUNK * 2 + 5, 150, 1]) {
        const stored = await store(reusing(piece), {
          ...base,
          chunkBytes: CHUNK,
          ...(encrypted ? { encryptTo: bob.publicKey } : {}),
        });
        const back = await readBack(stored, alice.publicKey, encrypted ? bob.privateKey : undefined);
        expect(sameBytes(back, value), `${encrypted ? 'encrypted' : 'public'}, ${piece}-byte pieces`).toBe(
          true,
        );
      }
    }
  });

  it('the manifest of a parsed value carries the signed fields, the signer and every chunk hash', async () => {
    const stored = await store(pattern(0, 200), { ...base, chunkBytes: CHUNK });
    const parsed = parseManifest(stored.manifest.bytes, alice.publicKey, { fqDataId: base.fqDataId });
    expect(parsed).toMatchObject({
      fqDataId: base.fqDataId,
      version: 3,
      timestamp: 1_800_000_000,
      size: 200,
      chunkBytes: CHUNK,
      chunkCount: 4,
    });
    expect(parsed.chunkHashes).toEqual(
      stored.chunks.map((c) => createHash('sha256').update(c).digest('hex')),
    );
    expect(sameBytes(parsed.signerPublicKey, alice.publicKey)).toBe(true);
  });

  it('defaults to DEFAULT_CHUNK_BYTES per chunk', async () => {
    const stored = await store(pattern(0, 10), base);
    expect(stored.manifest.chunkBytes).toBe(DEFAULT_CHUNK_BYTES);
  });

  it('two encryptions of one value share no chunk bytes (a fresh content key per value)', async () => {
    const value = pattern(0, 100);
    const one = await store(value, { ...base, chunkBytes: CHUNK, encryptTo: bob.publicKey });
    const two = await store(value, { ...base, chunkBytes: CHUNK, encryptTo: bob.publicKey });
    expect(sameBytes(one.chunks[0]!, two.chunks[0]!)).toBe(false);
  });

  it('an encoding stopped early rejects its manifest, and a second iteration is refused', async () => {
    const encoding = encodeChunked(pattern(0, 300), { ...base, chunkBytes: CHUNK });
    for await (const chunk of encoding) {
      expect(chunk.index).toBe(0);
      break;
    }
    await expect(encoding.manifest).rejects.toMatchObject({ code: 'BSS_ABORTED' });
    expect(() => encoding[Symbol.asyncIterator]()).toThrow(
      expect.objectContaining({ code: 'BSS_INVALID_KEY' }),
    );
  });

  it('a body that fails midway rejects the manifest with its error', async () => {
    async function* failing(): AsyncIterable<Uint8Array> {
      yield pattern(0, 100);
      throw new Error('disk read failed');
    }
    const encoding = encodeChunked(failing(), { ...base, chunkBytes: CHUNK });
    await expect(async () => {
      for await (const _ of encoding) {
      }
    }).rejects.toThrow('disk read failed');
    await expect(encoding.manifest).rejects.toThrow('disk read failed');
  });

  it('bad options are refused at once with InvalidKeyError', () => {
    const bad = [
      { ...base, fqDataId: '' },
      { ...base, version: 0 },
      { ...base, timestamp: -1 },
      { ...base, chunkBytes: 0 },
      { ...base, chunkBytes: 16 * 1024 * 1024 + 1 },
      { ...base, privateKey: new Uint8Array(32) },
      { ...base, encryptTo: new Uint8Array(33) },
    ];
    for (const options of bad) {
      let thrown: unknown;
      try {
        encodeChunked(new Uint8Array(1), options);
      } catch (error) {
        thrown = error;
      }
      expect(isStorageError(thrown, 'BSS_INVALID_KEY'), JSON.stringify(Object.keys(options))).toBe(true);
    }
  });

  it('an abort between chunks stops the encoding and the decoding with AbortedError', async () => {
    const controller = new AbortController();
    const encoding = encodeChunked(pattern(0, 500), {
      ...base,
      chunkBytes: CHUNK,
      signal: controller.signal,
    });
    await expect(async () => {
      for await (const chunk of encoding) if (chunk.index === 1) controller.abort();
    }).rejects.toMatchObject({ code: 'BSS_ABORTED' });
  });
});
