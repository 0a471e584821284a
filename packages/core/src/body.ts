import type { Body } from './driver.js';
import { TooLargeError } from './errors.js';

/**
 * The largest value a read accepts unless configured otherwise, in bytes (64 MiB): the default of
 * `DriverPolicy.maxReadBytes`, so of the coordinator's reads, and of reads by URL.
 */
export const DEFAULT_MAX_READ_BYTES = 64 * 1024 * 1024;

/** Streams a body: whole bytes become a one-chunk stream. */
export async function* bodyChunks(body: Body): AsyncIterable<Uint8Array> {
  if (body instanceof Uint8Array) {
    yield body;
    return;
  }
  for await (const chunk of body) yield chunk;
}

/** A one-shot stream over bytes already in memory. */
export function bytesToStream(bytes: Uint8Array): AsyncIterable<Uint8Array> {
  return bodyChunks(bytes);
}

/**
 * Collects a body into one `Uint8Array`. For values known to be small (envelopes, zone files).
 * Give `context.size` when the provider reported the value's size (`StoredObject.size`): a value
 * declared larger than `maxBytes` is refused at once, without reading it (at most one chunk is pulled,
 * in the background, so that the stream can close its file or connection).
 * @throws TooLargeError when the declared size or the bytes that arrive exceed `maxBytes` (the read
 *   stops there: no unbounded allocation).
 */
export async function readBody(
  body: Body,
  maxBytes = Number.POSITIVE_INFINITY,
  context: { driver?: string; key?: string; size?: number } = {},
): Promise<Uint8Array> {
  const { size, ...where } = context;
  if (body instanceof Uint8Array) {
    if (body.byteLength > maxBytes) throw tooLarge(maxBytes, where, body.byteLength);
    return body;
  }
  if (size !== undefined && size > maxBytes) {
    // Reading a hostile 2 GiB object just to learn what its size already says wastes memory and time.
    letGo(body);
    throw tooLarge(maxBytes, where, size);
  }
  // With the size declared, the bytes go straight into one buffer (no list of pieces and second copy);
  // a provider that sends more than it declared falls back to collecting the pieces.
  let filled: Uint8Array | undefined = size !== undefined && size > 0 ? new Uint8Array(size) : undefined;
  const chunks: Uint8Array[] = [];
  let total = 0;
  for await (const chunk of body) {
    if (total + chunk.byteLength > maxBytes) throw tooLarge(maxBytes, where);
    if (filled !== undefined && total + chunk.byteLength <= filled.byteLength) {
      filled.set(chunk, total);
    } else {
      if (filled !== undefined) chunks.push(filled.subarray(0, total));
      filled = undefined;
      chunks.push(chunk);
    }
    total += chunk.byteLength;
  }
  if (filled !== undefined) return total === filled.byteLength ? filled : filled.subarray(0, total);
  return concatBytes(chunks, total);
}

/**
 * Releases a body that will not be read. A generator that never started cannot run its cleanup
 * (closing the file or the connection behind it) on `return()`, so it is started with one chunk and
 * then stopped; in the background, so that a provider stalling on that chunk does not delay the refusal.
 */
function letGo(body: AsyncIterable<Uint8Array>): void {
  const iterator = body[Symbol.asyncIterator]();
  void (async () => {
    try {
      if (!(await iterator.next()).done) await iterator.return?.();
    } catch {
      // A body that fails while being let go has nothing left to release.
    }
  })();
}

function tooLarge(
  maxBytes: number,
  context: { driver?: string; key?: string },
  size?: number,
): TooLargeError {
  const what = size === undefined ? 'Value is larger than' : `Value is ${size} bytes, larger than`;
  return new TooLargeError(`${what} the ${maxBytes}-byte limit for this read`, context);
}

/** Concatenates chunks without an intermediate copy when there is only one. */
export function concatBytes(chunks: readonly Uint8Array[], total?: number): Uint8Array {
  if (chunks.length === 1) return chunks[0]!;
  const length = total ?? chunks.reduce((sum, c) => sum + c.byteLength, 0);
  const out = new Uint8Array(length);
  let offset = 0;
  for (const chunk of chunks) {
    out.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return out;
}

/**
 * Re-chunks a stream into pieces of exactly `size` bytes (the last may be shorter), holding at most
 * one piece in memory. Used for multipart / session uploads.
 */
export async function* fixedSizeChunks(body: Body, size: number): AsyncIterable<Uint8Array> {
  let buffer = new Uint8Array(size);
  let filled = 0;
  for await (const chunk of bodyChunks(body)) {
    let offset = 0;
    while (offset < chunk.byteLength) {
      const take = Math.min(size - filled, chunk.byteLength - offset);
      buffer.set(chunk.subarray(offset, offset + take), filled);
      filled += take;
      offset += take;
      if (filled === size) {
        yield buffer;
        buffer = new Uint8Array(size);
        filled = 0;
      }
    }
  }
  if (filled > 0) yield buffer.subarray(0, filled);
}

/** Whether two byte arrays hold the same bytes. */
export function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  return a.byteLength === b.byteLength && Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(b);
}

/**
 * Reads at most `limit + 1` bytes of a body to tell a small value from a large one without holding a
 * large one whole: `{ bytes }` when the body has at most `limit` bytes (collected), else `{ stream }`,
 * which yields the bytes already read and then the rest of the body. Whole bytes are never copied.
 */
export async function splitBodyAt(
  body: Body,
  limit: number,
): Promise<{ bytes: Uint8Array } | { stream: Body }> {
  if (body instanceof Uint8Array) return body.byteLength <= limit ? { bytes: body } : { stream: body };
  const iterator = body[Symbol.asyncIterator]();
  const head: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const step = await iterator.next();
    if (step.done) return { bytes: concatBytes(head, total) };
    // The source may reuse its buffer once asked for the next piece.
    head.push(step.value.slice());
    total += step.value.byteLength;
    if (total > limit) break;
  }
  async function* rest(): AsyncIterable<Uint8Array> {
    yield* head.splice(0);
    try {
      for (;;) {
        const step = await iterator.next();
        if (step.done) return;
        yield step.value;
      }
    } finally {
      await iterator.return?.();
    }
  }
  return { stream: rest() };
}
