/**
 * The bytes of one shard object, as stored on one inner driver:
 *
 * ```
 * header   76 B  "BSEC" | version u8 | k u8 | m u8 | shard index u8 | stripe bytes u32
 *                | written-at f64 (ms since epoch) | put id (16 random bytes)
 *                | value version f64 (0: the value carries none) | SHA-256 of the above
 *                (format 1, still read: 68 B, without the value version)
 * frame    per stripe: value bytes in the stripe u32 | this shard's piece | SHA-256
 * trailer  80 B  0xffffffff | value length f64 | stripe count u32 | SHA-256 of the whole value | SHA-256
 * ```
 *
 * Integers are little-endian. A put streams, so the whole value's length and SHA-256 are only
 * known at its end: they live in the trailer, and the header carries a random put id that groups
 * the shards of one put. Every frame's checksum covers the put id, the shard index and the stripe
 * number, so a frame from another put, another shard or another position never verifies; a shard
 * that ends before a valid trailer is truncated. Either way the shard is treated as missing.
 */
import { createHash } from 'node:crypto';
import { bytesEqual } from '@blockstack-storage/core/driver';

export const FORMAT_VERSION = 2;
const MAGIC = [0x42, 0x53, 0x45, 0x43]; // "BSEC"
const DIGEST_BYTES = 32;
export const PUT_ID_BYTES = 16;
/** Bytes before the checksum of a header, by format version. */
const HEADER_FIELD_BYTES: Readonly<Record<number, number>> = { 1: 36, 2: 44 };
/** Bytes of a header as written now (format 2). */
export const HEADER_BYTES = HEADER_FIELD_BYTES[FORMAT_VERSION]! + DIGEST_BYTES;
/** Bytes that say which format a header has: magic and version. */
export const HEADER_PREFIX_BYTES = 5;
/** Bytes of a frame's length field; the value `TRAILER_MARK` there starts the trailer instead. */
export const FRAME_LENGTH_BYTES = 4;
export const TRAILER_MARK = 0xffffffff;
/** Trailer bytes after the 4-byte mark. */
export const TRAILER_BODY_BYTES = 8 + 4 + DIGEST_BYTES + DIGEST_BYTES;
/** Largest stripe: the frame length field must stay below the trailer mark. */
export const MAX_STRIPE_BYTES = 256 * 1024 * 1024;

export interface ShardHeader {
  version: number;
  dataShards: number;
  parityShards: number;
  shardIndex: number;
  stripeBytes: number;
  writtenAt: number;
  putId: Uint8Array;
  /**
   * The version the value carries in itself (a bsk2 envelope's `version`, a versioned tombstone's),
   * read at put time; 0 when it carries none or was streamed. Orders puts before the writers' clocks.
   */
  valueVersion: number;
}

export interface ShardTrailer {
  valueBytes: number;
  stripeCount: number;
  valueSha256: Uint8Array;
}

/** Thrown for a shard that fails a format or checksum check. The caller treats the shard as missing. */
export class CorruptShardError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CorruptShardError';
  }
}

/** Encodes a header in the current format (`header.version` is ignored). */
export function encodeHeader(header: ShardHeader): Uint8Array {
  const fields = HEADER_FIELD_BYTES[FORMAT_VERSION]!;
  const out = new Uint8Array(HEADER_BYTES);
  const view = new DataView(out.buffer);
  out.set(MAGIC, 0);
  out[4] = FORMAT_VERSION;
  out[5] = header.dataShards;
  out[6] = header.parityShards;
  out[7] = header.shardIndex;
  view.setUint32(8, header.stripeBytes, true);
  view.setFloat64(12, header.writtenAt, true);
  out.set(header.putId, 20);
  view.setFloat64(36, header.valueVersion, true);
  out.set(sha256(out.subarray(0, fields)), fields);
  return out;
}

/**
 * Bytes of the whole header that starts with `prefix` (its first `HEADER_PREFIX_BYTES`).
 * @throws CorruptShardError for a wrong magic or an unknown format version.
 */
export function headerBytesFor(prefix: Uint8Array): number {
  if (MAGIC.some((b, i) => prefix[i] !== b)) throw new CorruptShardError('not an erasure shard (bad magic)');
  const fields = HEADER_FIELD_BYTES[prefix[4]!];
  if (fields === undefined) throw new CorruptShardError(`unknown shard format version ${prefix[4]}`);
  return fields + DIGEST_BYTES;
}

/** Decodes a header of any format this package reads. @throws CorruptShardError for a wrong magic, version or checksum. */
export function decodeHeader(bytes: Uint8Array): ShardHeader {
  if (bytes.byteLength < HEADER_PREFIX_BYTES) throw new CorruptShardError('short header');
  const total = headerBytesFor(bytes);
  if (bytes.byteLength !== total) throw new CorruptShardError('short header');
  const fields = total - DIGEST_BYTES;
  if (!bytesEqual(sha256(bytes.subarray(0, fields)), bytes.subarray(fields))) {
    throw new CorruptShardError('header checksum mismatch');
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const header: ShardHeader = {
    version: bytes[4]!,
    dataShards: bytes[5]!,
    parityShards: bytes[6]!,
    shardIndex: bytes[7]!,
    stripeBytes: view.getUint32(8, true),
    writtenAt: view.getFloat64(12, true),
    putId: bytes.slice(20, 36),
    valueVersion: bytes[4] === 1 ? 0 : view.getFloat64(36, true),
  };
  if (!Number.isSafeInteger(header.valueVersion) || header.valueVersion < 0)
    throw new CorruptShardError('impossible value version');
  if (header.dataShards < 1 || header.dataShards + header.parityShards > 255)
    throw new CorruptShardError('impossible shard counts');
  if (header.shardIndex >= header.dataShards + header.parityShards)
    throw new CorruptShardError('shard index out of range');
  if (header.stripeBytes < 1 || header.stripeBytes > MAX_STRIPE_BYTES)
    throw new CorruptShardError('impossible stripe size');
  return header;
}

/** Bytes of one shard's piece of a stripe holding `stripeValueBytes` bytes of the value. */
export function pieceBytes(stripeValueBytes: number, dataShards: number): number {
  return Math.ceil(stripeValueBytes / dataShards);
}

/**
 * An empty frame for `stripeValueBytes` of value: the caller fills the piece
 * (`frame.subarray(FRAME_LENGTH_BYTES, FRAME_LENGTH_BYTES + piece)`) and then calls `sealFrame`.
 * The piece starts 4 bytes in, so it is 4-byte aligned for the coder's word loop.
 */
export function allocateFrame(stripeValueBytes: number, dataShards: number): Uint8Array {
  const frame = new Uint8Array(FRAME_LENGTH_BYTES + pieceBytes(stripeValueBytes, dataShards) + DIGEST_BYTES);
  new DataView(frame.buffer).setUint32(0, stripeValueBytes, true);
  return frame;
}

/** Writes the frame's checksum, binding it to the put, the shard and the stripe number. */
export function sealFrame(frame: Uint8Array, putId: Uint8Array, shardIndex: number, stripe: number): void {
  const end = frame.byteLength - DIGEST_BYTES;
  frame.set(frameDigest(putId, shardIndex, stripe, frame.subarray(0, end)), end);
}

/** The piece of a frame whose length field was read separately, checked. @throws CorruptShardError */
export function openFrame(
  lengthField: Uint8Array,
  rest: Uint8Array,
  putId: Uint8Array,
  shardIndex: number,
  stripe: number,
): Uint8Array {
  const pieceEnd = rest.byteLength - DIGEST_BYTES;
  const digest = createHash('sha256')
    .update(frameBinding(putId, shardIndex, stripe))
    .update(lengthField)
    .update(rest.subarray(0, pieceEnd))
    .digest();
  if (!bytesEqual(digest, rest.subarray(pieceEnd)))
    throw new CorruptShardError(`checksum mismatch in stripe ${stripe}`);
  return rest.subarray(0, pieceEnd);
}

/** Bytes to read after a frame's length field, for a stripe of `stripeValueBytes`. */
export function frameRestBytes(stripeValueBytes: number, dataShards: number): number {
  return pieceBytes(stripeValueBytes, dataShards) + DIGEST_BYTES;
}

export function encodeTrailer(trailer: ShardTrailer, putId: Uint8Array, shardIndex: number): Uint8Array {
  const out = new Uint8Array(FRAME_LENGTH_BYTES + TRAILER_BODY_BYTES);
  const view = new DataView(out.buffer);
  view.setUint32(0, TRAILER_MARK, true);
  view.setFloat64(4, trailer.valueBytes, true);
  view.setUint32(12, trailer.stripeCount, true);
  out.set(trailer.valueSha256, 16);
  out.set(trailerDigest(putId, shardIndex, out.subarray(0, 48)), 48);
  return out;
}

/** @param body the trailer bytes after its 4-byte mark. @throws CorruptShardError */
export function decodeTrailer(body: Uint8Array, putId: Uint8Array, shardIndex: number): ShardTrailer {
  const whole = new Uint8Array(FRAME_LENGTH_BYTES + TRAILER_BODY_BYTES);
  new DataView(whole.buffer).setUint32(0, TRAILER_MARK, true);
  whole.set(body, FRAME_LENGTH_BYTES);
  if (!bytesEqual(trailerDigest(putId, shardIndex, whole.subarray(0, 48)), whole.subarray(48))) {
    throw new CorruptShardError('trailer checksum mismatch');
  }
  const view = new DataView(whole.buffer);
  return {
    valueBytes: view.getFloat64(4, true),
    stripeCount: view.getUint32(12, true),
    valueSha256: whole.slice(16, 48),
  };
}

/** Exact size of one shard object for a value of `valueBytes` (lets inner drivers plan uploads). */
export function shardObjectBytes(valueBytes: number, dataShards: number, stripeBytes: number): number {
  const fullStripes = Math.floor(valueBytes / stripeBytes);
  const rest = valueBytes - fullStripes * stripeBytes;
  const frame = (bytes: number) => FRAME_LENGTH_BYTES + pieceBytes(bytes, dataShards) + DIGEST_BYTES;
  return (
    HEADER_BYTES +
    fullStripes * frame(stripeBytes) +
    (rest > 0 ? frame(rest) : 0) +
    FRAME_LENGTH_BYTES +
    TRAILER_BODY_BYTES
  );
}

function frameBinding(putId: Uint8Array, shardIndex: number, stripe: number): Uint8Array {
  const out = new Uint8Array(PUT_ID_BYTES + 5);
  out.set(putId, 0);
  out[PUT_ID_BYTES] = shardIndex;
  new DataView(out.buffer).setUint32(PUT_ID_BYTES + 1, stripe, true);
  return out;
}

function frameDigest(putId: Uint8Array, shardIndex: number, stripe: number, frame: Uint8Array): Buffer {
  return createHash('sha256')
    .update(frameBinding(putId, shardIndex, stripe))
    .update(frame)
    .digest();
}

function trailerDigest(putId: Uint8Array, shardIndex: number, trailer: Uint8Array): Buffer {
  // 0xffffffff as the "stripe number" keeps trailer and frame digests apart.
  return createHash('sha256')
    .update(frameBinding(putId, shardIndex, TRAILER_MARK))
    .update(trailer)
    .digest();
}

function sha256(bytes: Uint8Array): Buffer {
  return createHash('sha256').update(bytes).digest();
}
