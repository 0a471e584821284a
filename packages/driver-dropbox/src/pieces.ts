import { type Body, concatBytes } from '@blockstack-storage/core/driver';

/**
 * Cuts a body into pieces of exactly `size` bytes (the last may be shorter; an empty body gives
 * none). Bytes already in memory are cut without copying; a stream is gathered one piece at a time,
 * allocating only what arrived (the core's `fixedSizeChunks` allocates a whole `size` buffer up front,
 * which costs more than the upload for small values when `size` is megabytes).
 */
export async function* pieces(body: Body, size: number): AsyncIterable<Uint8Array> {
  if (body instanceof Uint8Array) {
    for (let offset = 0; offset < body.byteLength; offset += size) yield body.subarray(offset, offset + size);
    return;
  }
  let held: Uint8Array[] = [];
  let heldBytes = 0;
  for await (const chunk of body) {
    let rest = chunk;
    while (heldBytes + rest.byteLength >= size) {
      const take = size - heldBytes;
      held.push(rest.subarray(0, take));
      // concatBytes copies unless there is one part; copy that one too (the source may reuse it).
      yield held.length === 1 ? held[0]!.slice() : concatBytes(held, size);
      held = [];
      heldBytes = 0;
      rest = rest.subarray(take);
    }
    if (rest.byteLength > 0) {
      // Held across the next read of the source, which may reuse its buffer: keep a copy.
      held.push(rest.slice());
      heldBytes += rest.byteLength;
    }
  }
  if (heldBytes > 0) yield concatBytes(held, heldBytes);
}
