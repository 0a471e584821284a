import { createHash } from 'node:crypto';
import type { Body } from '../driver.js';
import {
  asStorageError,
  IntegrityError,
  PermissionError,
  type StorageErrorOptions,
  throwIfAborted,
} from '../errors.js';
import { type ChunkedManifest, storedChunkLength } from './manifest.js';
import { derivePayloadKey, openChunk, unwrapFileKey } from './payload-crypto.js';

/**
 * Fetches the stored bytes of chunk `index`, whose content address is `hash` (lowercase hex SHA-256).
 * Resolves to `null` when no copy exists. The decoder verifies whatever comes back. A fetcher with
 * several copies to choose from may call `verify` on each candidate: it returns the bytes when their
 * length and hash are right and throws IntegrityError otherwise, so the fetcher can try the next copy;
 * bytes it returned are not hashed a second time by the decoder.
 */
export type FetchChunk = (
  index: number,
  hash: string,
  signal: AbortSignal,
  verify: (stored: Uint8Array) => Uint8Array,
) => Promise<Body | null>;

/** Options of `decodeChunked`. */
export interface DecodeChunkedOptions {
  /** The reader's data key: needed for an encrypted value. */
  privateKey?: Uint8Array;
  /** Stops the read with AbortedError; also passed (linked) to `fetchChunk`. */
  signal?: AbortSignal;
  /** Named in errors. */
  driver?: string;
}

/**
 * The plaintext of a value whose manifest `parseManifest` verified, chunk by chunk. Each chunk is
 * fetched (one ahead of the caller), checked against its stored length and its hash in the manifest,
 * and for an encrypted value opened with AES-256-GCM under its STREAM nonce, before any of its bytes
 * are yielded; the whole-value size and SHA-256 are checked before the last chunk is yielded. Memory:
 * about two chunks.
 * @throws (while iterating) IntegrityError for a missing, changed, moved, repeated or foreign chunk, or
 *   a manifest whose statements disagree with its chunks; PermissionError for an encrypted value with
 *   no key or another key; AbortedError when `signal` fires; `fetchChunk`'s typed errors as they are.
 *   A read that fails midway always ends with the error, never with a normal end.
 */
export function decodeChunked(
  manifest: ChunkedManifest,
  fetchChunk: FetchChunk,
  options: DecodeChunkedOptions = {},
): AsyncIterable<Uint8Array> {
  return decode(manifest, fetchChunk, options);
}

async function* decode(
  manifest: ChunkedManifest,
  fetchChunk: FetchChunk,
  options: DecodeChunkedOptions,
): AsyncGenerator<Uint8Array> {
  const { signal } = options;
  const where: StorageErrorOptions = { key: manifest.fqDataId, driver: options.driver };
  throwIfAborted(signal, where);
  let payloadKey: Uint8Array | undefined;
  if (manifest.encryption) {
    if (!options.privateKey) {
      throw new PermissionError('The chunked value is encrypted and no data key was given to decrypt it', {
        ...where,
        hint: 'Pass the private key of the reader it was encrypted to.',
      });
    }
    const fileKey = unwrapFileKey(options.privateKey, manifest.encryption, where);
    payloadKey = derivePayloadKey(fileKey, manifest.encryption.salt, manifest.fqDataId, manifest.version);
    fileKey.fill(0);
  }

  const stop = new AbortController();
  const onAbort = (): void => stop.abort(signal?.reason);
  signal?.addEventListener('abort', onAbort, { once: true });
  const lastIndex = manifest.chunkCount - 1;

  // Buffers a fetcher had checked with `verify`, and for which chunk: the decoder need not hash them again.
  const checked = new WeakMap<Uint8Array, number>();
  const checkStored = (index: number, stored: Uint8Array): Uint8Array => {
    const expected = storedChunkLength(manifest, index);
    if (stored.byteLength !== expected) {
      throw new IntegrityError(
        `Chunk ${index} is ${stored.byteLength} bytes; the signed manifest says ${expected}`,
        where,
      );
    }
    if (createHash('sha256').update(stored).digest('hex') !== manifest.chunkHashes[index]) {
      throw new IntegrityError(
        `Chunk ${index} does not match its hash in the signed manifest (changed, moved, repeated or from another value)`,
        where,
      );
    }
    checked.set(stored, index);
    return stored;
  };

  const fetchVerified = async (index: number): Promise<Uint8Array> => {
    const hash = manifest.chunkHashes[index]!;
    const context = where;
    let body: Body | null;
    try {
      body = await fetchChunk(index, hash, stop.signal, (stored) => checkStored(index, stored));
    } catch (error) {
      throw asStorageError(error, context);
    }
    if (body === null) {
      throw new IntegrityError(
        `Chunk ${index} of ${manifest.chunkCount} (${hash}) is missing: the value is incomplete`,
        {
          ...context,
          hint: 'A writer may have crashed after its manifest was replicated but not its chunks; read again later or write the value again.',
        },
      );
    }
    let stored: Uint8Array;
    if (body instanceof Uint8Array && checked.get(body) === index) stored = body;
    else
      stored = checkStored(
        index,
        await readExactly(body, storedChunkLength(manifest, index), index, context),
      );
    return payloadKey ? openChunk(payloadKey, index, index === lastIndex, stored, context) : stored;
  };

  const plaintextHash = createHash('sha256');
  let released = 0;
  let next: Promise<Uint8Array> | undefined = fetchVerified(0);
  try {
    for (let index = 0; index <= lastIndex; index++) {
      const plaintext: Uint8Array = await next!;
      next = index < lastIndex ? fetchVerified(index + 1) : undefined;
      // If the caller stops here, nobody awaits the prefetch: its failure must not go unhandled.
      next?.catch(() => {});
      plaintextHash.update(plaintext);
      released += plaintext.byteLength;
      if (index === lastIndex) checkWhole(manifest, released, plaintextHash.digest('hex'), where);
      throwIfAborted(signal, where);
      if (plaintext.byteLength > 0) yield plaintext;
    }
  } finally {
    signal?.removeEventListener('abort', onAbort);
    stop.abort(); // a prefetch still running has nobody to hand its chunk to
    payloadKey?.fill(0);
  }
}

/** The size and plaintext SHA-256 the manifest states, checked before the last chunk is released. */
function checkWhole(
  manifest: ChunkedManifest,
  size: number,
  sha256: string,
  where: StorageErrorOptions,
): void {
  if (size !== manifest.size) {
    throw new IntegrityError(`The chunks hold ${size} bytes but the manifest says ${manifest.size}`, where);
  }
  if (sha256 !== manifest.plaintextSha256) {
    throw new IntegrityError(
      'The chunks verified one by one, but the whole value does not match the SHA-256 its manifest states (a broken or dishonest writer)',
      where,
    );
  }
}

/**
 * The body's bytes, which must be exactly `expected` long. A longer body is refused as soon as it
 * passes `expected`, so a hostile store cannot make the reader allocate more than one chunk.
 */
async function readExactly(
  body: Body,
  expected: number,
  index: number,
  context: StorageErrorOptions,
): Promise<Uint8Array> {
  const wrongLength = (got: string): IntegrityError =>
    new IntegrityError(`Chunk ${index} is ${got} bytes; the signed manifest says ${expected}`, context);
  if (body instanceof Uint8Array) {
    if (body.byteLength !== expected) throw wrongLength(String(body.byteLength));
    return body;
  }
  const out = new Uint8Array(expected);
  let filled = 0;
  try {
    for await (const piece of body) {
      if (!(piece instanceof Uint8Array))
        throw new IntegrityError(`Chunk ${index} body yielded a non-byte piece`, context);
      if (filled + piece.byteLength > expected) throw wrongLength(`more than ${expected}`);
      out.set(piece, filled);
      filled += piece.byteLength;
    }
  } catch (error) {
    throw asStorageError(error, context);
  }
  if (filled !== expected) throw wrongLength(String(filled));
  return out;
}
