import { createHash, randomBytes } from 'node:crypto';
import { bodyChunks } from '../body.js';
import { secp256k1Backend } from '../crypto/backend.js';
import type { Body } from '../driver.js';
import { AbortedError, InvalidKeyError, TooLargeError, throwIfAborted } from '../errors.js';
import { compressPublicKey } from '../identity/data-key.js';
import {
  type ChunkedManifest,
  checkIdentity,
  MAX_CHUNK_BYTES,
  MAX_CHUNK_COUNT,
  signManifest,
  type WrappedFileKey,
} from './manifest.js';
import { derivePayloadKey, FILE_KEY_BYTES, sealChunk, wrapFileKey } from './payload-crypto.js';

/** Plaintext bytes per chunk unless `chunkBytes` says otherwise (measured: docs/chunked-format.md). */
export const DEFAULT_CHUNK_BYTES = 4 * 1024 * 1024;

/** Options of `encodeChunked`. */
export interface EncodeChunkedOptions {
  /** Fully-qualified data id, as in bsk2. */
  fqDataId: string;
  /** Integer from 1, as in bsk2. */
  version: number;
  /** Whole seconds since the Unix epoch, as in bsk2. */
  timestamp: number;
  /** The signer's data key (32 bytes). */
  privateKey: Uint8Array;
  /** Encrypt to this public key (33 or 65 bytes); omitted, the value is public. */
  encryptTo?: Uint8Array;
  /** Plaintext bytes per chunk, 1 to 16 MiB. Default `DEFAULT_CHUNK_BYTES`. */
  chunkBytes?: number;
  /** Stops the encoding with AbortedError between chunks. */
  signal?: AbortSignal;
}

/** One chunk ready to store: name it by `hash`, store `bytes` as they are. */
export interface SealedChunk {
  /** Position from 0. */
  index: number;
  /** Lowercase hex SHA-256 of `bytes`: the chunk's content address. */
  hash: string;
  /** The stored bytes: plaintext for a public value, ciphertext ‖ tag for an encrypted one. */
  bytes: Uint8Array;
}

/**
 * A value being encoded. Iterate it once to get the chunks in order; `manifest` resolves after the
 * last chunk was taken, and rejects if the iteration failed or stopped early.
 */
export interface ChunkedEncoding extends AsyncIterable<SealedChunk> {
  readonly manifest: Promise<ChunkedManifest>;
}

/**
 * Streams `body` into sealed chunks and, after the last one, a signed manifest (docs/chunked-format.md).
 * Holds about two chunks in memory whatever the value's size. Pieces of an `AsyncIterable` body are
 * copied, so the caller may reuse them once the next piece is asked for.
 * @throws InvalidKeyError at once for bad options; TooLargeError (while iterating) past 2^19 chunks;
 *   AbortedError when `signal` fires; whatever the body throws.
 */
export function encodeChunked(body: Body, options: EncodeChunkedOptions): ChunkedEncoding {
  return encodeChunkedWithRandom(body, options, (n) => new Uint8Array(randomBytes(n)));
}

/**
 * `encodeChunked` with the file key and salt drawn from `random`: for the spec's test vector only,
 * not exported from the package.
 * @internal
 */
export function encodeChunkedWithRandom(
  body: Body,
  options: EncodeChunkedOptions,
  random: (bytes: number) => Uint8Array,
): ChunkedEncoding {
  const { fqDataId, version, timestamp, privateKey, encryptTo, signal } = options;
  const chunkBytes = options.chunkBytes ?? DEFAULT_CHUNK_BYTES;
  checkIdentity(fqDataId, version, timestamp);
  if (!Number.isSafeInteger(chunkBytes) || chunkBytes < 1 || chunkBytes > MAX_CHUNK_BYTES) {
    throw new InvalidKeyError(
      `chunkBytes must be an integer from 1 to ${MAX_CHUNK_BYTES}, got ${chunkBytes}`,
    );
  }
  if (!(privateKey instanceof Uint8Array) || !secp256k1Backend().isValidPrivateKey(privateKey)) {
    throw new InvalidKeyError('Cannot sign: not a valid secp256k1 private key');
  }
  let encryption: { payloadKey: Uint8Array; wrapped: WrappedFileKey } | undefined;
  if (encryptTo !== undefined) {
    const recipient = compressPublicKey(encryptTo);
    const fileKey = random(FILE_KEY_BYTES);
    const salt = random(FILE_KEY_BYTES);
    encryption = {
      payloadKey: derivePayloadKey(fileKey, salt, fqDataId, version),
      wrapped: wrapFileKey(recipient, fileKey, salt),
    };
    fileKey.fill(0);
  }

  let settle!: { resolve: (m: ChunkedManifest) => void; reject: (e: unknown) => void };
  const manifest = new Promise<ChunkedManifest>((resolve, reject) => {
    settle = { resolve, reject };
  });
  // A caller that stops at the first failed chunk may never look at the manifest.
  manifest.catch(() => {});
  let started = false;

  async function* sealAll(): AsyncGenerator<SealedChunk> {
    const source = bodyChunks(body)[Symbol.asyncIterator]();
    const plaintextHash = createHash('sha256');
    const chunkHashes: string[] = [];
    let pending: Uint8Array = new Uint8Array(0);
    let scratch: Uint8Array | undefined;
    let size = 0;
    let last = false;
    let finished = false;
    const nextPiece = async (): Promise<Uint8Array | undefined> => {
      for (;;) {
        const step = await source.next();
        if (step.done) return undefined;
        if (!(step.value instanceof Uint8Array))
          throw new InvalidKeyError('A body piece is not a Uint8Array');
        if (step.value.byteLength > 0) return step.value;
      }
    };
    try {
      for (let index = 0; !last; index++) {
        throwIfAborted(signal, { key: fqDataId });
        if (index >= MAX_CHUNK_COUNT) {
          throw new TooLargeError(
            `A chunked value has at most ${MAX_CHUNK_COUNT} chunks of ${chunkBytes} bytes`,
            {
              key: fqDataId,
              hint: 'Use larger chunks (chunkBytes).',
            },
          );
        }
        let plaintext: Uint8Array;
        if (encryption && pending.byteLength > chunkBytes) {
          // Sealing reads the plaintext into a fresh buffer, so a view saves a copy. Strictly more than a
          // chunk: bytes remain, so this is not the last chunk and no look-ahead (which would let the
          // caller reuse the piece) happens before it is sealed.
          plaintext = pending.subarray(0, chunkBytes);
          pending = pending.subarray(chunkBytes);
        } else {
          // Sealing copies out of the buffer, so an encrypted value reuses one; a public chunk is the buffer.
          if (encryption && scratch === undefined) scratch = new Uint8Array(chunkBytes);
          const buffer = encryption && scratch ? scratch : new Uint8Array(chunkBytes);
          let filled = 0;
          while (filled < chunkBytes) {
            if (pending.byteLength === 0) {
              const piece = await nextPiece();
              if (piece === undefined) {
                last = true;
                break;
              }
              pending = piece;
            }
            const take = Math.min(chunkBytes - filled, pending.byteLength);
            buffer.set(pending.subarray(0, take), filled);
            filled += take;
            pending = pending.subarray(take);
          }
          plaintext = buffer.subarray(0, filled);
        }
        // A full chunk is the last one only if nothing follows it: look one piece ahead.
        if (!last && pending.byteLength === 0) {
          const piece = await nextPiece();
          if (piece === undefined) last = true;
          else pending = piece;
        }
        plaintextHash.update(plaintext);
        size += plaintext.byteLength;
        const bytes = encryption ? sealChunk(encryption.payloadKey, index, last, plaintext) : plaintext;
        const hash = createHash('sha256').update(bytes).digest('hex');
        chunkHashes.push(hash);
        yield { index, hash, bytes };
      }
      const signed = signManifest(
        {
          fqDataId,
          version,
          timestamp,
          size,
          chunkBytes,
          chunkHashes,
          plaintextSha256: plaintextHash.digest('hex'),
          encryption: encryption?.wrapped,
        },
        privateKey,
      );
      finished = true;
      settle.resolve(signed);
    } catch (error) {
      settle.reject(error);
      throw error;
    } finally {
      encryption?.payloadKey.fill(0);
      if (!finished) {
        settle.reject(
          new AbortedError('The chunked encoding stopped before its last chunk, so there is no manifest', {
            key: fqDataId,
          }),
        );
        await source.return?.();
      }
    }
  }

  return {
    manifest,
    [Symbol.asyncIterator]() {
      if (started) throw new InvalidKeyError('A chunked encoding can be iterated only once');
      started = true;
      return sealAll();
    },
  };
}
