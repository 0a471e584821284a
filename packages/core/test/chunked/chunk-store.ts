import { expect } from 'vitest';
import { encodeChunkedWithRandom } from '../../src/chunked/encode.js';
import {
  type ChunkedManifest,
  decodeChunked,
  type EncodeChunkedOptions,
  encodeChunked,
  type FetchChunk,
  parseManifest,
} from '../../src/chunked/index.js';
import type { Body } from '../../src/driver.js';
import { isStorageError } from '../../src/errors.js';

/** A stored value as a content-addressed store would hold it: manifest bytes and chunks by hash. */
export interface StoredValue {
  manifest: ChunkedManifest;
  /** The sealed chunks in order (what a correct fetch returns for each index). */
  chunks: Uint8Array[];
}

/** Encodes `body` and keeps every sealed chunk in memory (for small test values). */
export async function store(
  body: Body,
  options: EncodeChunkedOptions,
  random?: (bytes: number) => Uint8Array,
): Promise<StoredValue> {
  const encoding = random ? encodeChunkedWithRandom(body, options, random) : encodeChunked(body, options);
  const chunks: Uint8Array[] = [];
  for await (const chunk of encoding) {
    expect(chunk.index).toBe(chunks.length);
    chunks.push(chunk.bytes);
  }
  return { manifest: await encoding.manifest, chunks };
}

/** A fetch that answers chunk `index` with `chunks[index]` (or null past the end). */
export function fetchFrom(chunks: readonly (Uint8Array | null)[]): FetchChunk {
  return async (index) => chunks[index] ?? null;
}

/** Everything a decode releases, and how it ended. */
export interface DecodeOutcome {
  released: Uint8Array;
  error: unknown;
}

export async function decodeAll(
  manifest: ChunkedManifest,
  fetchChunk: FetchChunk,
  privateKey?: Uint8Array,
): Promise<DecodeOutcome> {
  const parts: Uint8Array[] = [];
  try {
    for await (const part of decodeChunked(manifest, fetchChunk, { privateKey })) parts.push(part);
  } catch (error) {
    return { released: Buffer.concat(parts), error };
  }
  return { released: Buffer.concat(parts), error: undefined };
}

/** Reads a value back through the manifest's bytes, as a reader would. */
export async function readBack(
  value: StoredValue,
  publicKey: Uint8Array,
  privateKey?: Uint8Array,
): Promise<Uint8Array> {
  const manifest = parseManifest(value.manifest.bytes, publicKey, { fqDataId: value.manifest.fqDataId });
  const { released, error } = await decodeAll(manifest, fetchFrom(value.chunks), privateKey);
  if (error) throw error;
  return released;
}

/** Asserts a typed error of `code`; returns it. */
export function expectCode(error: unknown, code: 'BSS_INTEGRITY' | 'BSS_PERMISSION'): Error {
  expect(isStorageError(error, code), String(error)).toBe(true);
  return error as Error;
}

/** Byte equality without vitest's element-by-element diff. */
export function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(b);
}

/** `total` bytes as a stream of `piece`-byte pieces, deterministic (byte i = i * 31 mod 251). */
export async function* patternStream(total: number, piece: number): AsyncIterable<Uint8Array> {
  for (let at = 0; at < total; at += piece) yield pattern(at, Math.min(piece, total - at));
}

export function pattern(offset: number, length: number): Uint8Array {
  const out = new Uint8Array(length);
  for (let i = 0; i < length; i++) out[i] = ((offset + i) * 31) % 251;
  return out;
}
