import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';

/**
 * Every object the provider holds is one block of exactly `blockBytes` bytes:
 *
 *   nonce (12) | AES-256-GCM ciphertext of the plaintext (blockBytes - 28) | tag (16)
 *
 * with the object's name as associated data (a block moved to another name is refused). The
 * plaintext is always full length — a header, the payload, zero padding — so padding is inside the
 * AEAD: a block of a 1-byte value, of a large value and a cover block are the same size and, without
 * the key, the same random-looking bytes.
 *
 * Plaintext header (38 bytes):
 *   type (1) | writeId (16) | index (4) | count (4) | valueBytes (8) | payloadLength (4) | generation (1)
 * `count` and `valueBytes` are the value's, in its head; a continuation block has 0 there (a streamed
 * value's length is known only once its last block is written, and the head is written last).
 */
export const NONCE_BYTES = 12;
export const TAG_BYTES = 16;
export const HEADER_BYTES = 38;
/** Smallest block: room for the header and some payload. */
export const MIN_BLOCK_BYTES = 256;
export const WRITE_ID_BYTES = 16;

export const BlockType = {
  /** Cover traffic: a cell's content. Never part of a value. */
  Cover: 0,
  /** A value's first block: its first payload bytes, block count and size. */
  Head: 1,
  /** Block `index` of a value (1..count-1). */
  Continuation: 2,
  /** A deleted value: a head that says "absent". */
  Tombstone: 3,
} as const;
export type BlockType = (typeof BlockType)[keyof typeof BlockType];

export interface BlockHeader {
  type: BlockType;
  /** Random per put: every block of one put carries it, so blocks of two puts never mix. */
  writeId: Uint8Array;
  index: number;
  count: number;
  valueBytes: number;
  /** Payload bytes this block carries. */
  payloadLength: number;
  /** Which of the two name sets the continuation blocks of this value use. */
  generation: number;
}

export interface Block {
  header: BlockHeader;
  /** The payload bytes this block carries (already cut to the value's length). */
  payload: Uint8Array;
}

/** Payload bytes a block of `blockBytes` carries. */
export function payloadBytes(blockBytes: number): number {
  return blockBytes - NONCE_BYTES - TAG_BYTES - HEADER_BYTES;
}

/** Blocks a value of `valueBytes` takes (at least one: the head). */
export function blocksFor(valueBytes: number, blockBytes: number): number {
  return Math.max(1, Math.ceil(valueBytes / payloadBytes(blockBytes)));
}

/** Encrypts one block for `name`. `payload` must fit `payloadBytes(blockBytes)`. */
export function sealBlock(
  key: Uint8Array,
  name: string,
  blockBytes: number,
  header: BlockHeader,
  payload: Uint8Array = new Uint8Array(0),
): Uint8Array {
  const plain = new Uint8Array(blockBytes - NONCE_BYTES - TAG_BYTES);
  const view = new DataView(plain.buffer);
  plain[0] = header.type;
  plain.set(header.writeId, 1);
  view.setUint32(17, header.index);
  view.setUint32(21, header.count);
  view.setBigUint64(25, BigInt(header.valueBytes));
  view.setUint32(33, payload.byteLength);
  plain[37] = header.generation;
  plain.set(payload, HEADER_BYTES);
  const nonce = randomBytes(NONCE_BYTES);
  const cipher = createCipheriv('aes-256-gcm', key, nonce);
  cipher.setAAD(Buffer.from(name, 'utf8'));
  const out = new Uint8Array(blockBytes);
  out.set(nonce, 0);
  let offset = NONCE_BYTES;
  for (const part of [cipher.update(plain), cipher.final()]) {
    out.set(part, offset);
    offset += part.byteLength;
  }
  out.set(cipher.getAuthTag(), offset);
  return out;
}

/** A cover block: random-looking, same size, never readable as part of a value. */
export function sealCover(key: Uint8Array, name: string, blockBytes: number): Uint8Array {
  return sealBlock(key, name, blockBytes, {
    type: BlockType.Cover,
    writeId: new Uint8Array(WRITE_ID_BYTES),
    index: 0,
    count: 0,
    valueBytes: 0,
    payloadLength: 0,
    generation: 0,
  });
}

/** Why a block could not be opened (the caller turns it into an IntegrityError). */
export class BadBlockError extends Error {}

/**
 * Decrypts and checks one block read from `name`.
 * @throws BadBlockError when its size, tag or header is wrong: tampered, moved, or not ours.
 */
export function openBlock(key: Uint8Array, name: string, blockBytes: number, bytes: Uint8Array): Block {
  if (bytes.byteLength !== blockBytes)
    throw new BadBlockError(`is ${bytes.byteLength} bytes, not the ${blockBytes} of a block`);
  const decipher = createDecipheriv('aes-256-gcm', key, bytes.subarray(0, NONCE_BYTES));
  decipher.setAAD(Buffer.from(name, 'utf8'));
  decipher.setAuthTag(bytes.subarray(blockBytes - TAG_BYTES));
  let plain: Uint8Array;
  try {
    plain = Buffer.concat([
      decipher.update(bytes.subarray(NONCE_BYTES, blockBytes - TAG_BYTES)),
      decipher.final(),
    ]);
  } catch {
    throw new BadBlockError(
      'fails authentication (tampered, moved from another name, or written with another key)',
    );
  }
  const view = new DataView(plain.buffer, plain.byteOffset, plain.byteLength);
  const type = plain[0] as BlockType;
  if (!Object.values(BlockType).includes(type)) throw new BadBlockError(`has unknown type ${type}`);
  const header: BlockHeader = {
    type,
    writeId: plain.slice(1, 17),
    index: view.getUint32(17),
    count: view.getUint32(21),
    valueBytes: Number(view.getBigUint64(25)),
    payloadLength: view.getUint32(33),
    generation: plain[37]!,
  };
  const capacity = payloadBytes(blockBytes);
  if (header.payloadLength > capacity) throw new BadBlockError('declares more payload than a block holds');
  if (header.type === BlockType.Head) {
    const fits =
      header.index === 0 &&
      header.count === blocksFor(header.valueBytes, blockBytes) &&
      header.payloadLength === Math.min(capacity, header.valueBytes);
    if (!fits) throw new BadBlockError('is a head whose header does not fit its value');
  }
  return { header, payload: plain.slice(HEADER_BYTES, HEADER_BYTES + header.payloadLength) };
}
