import { concatBytes } from '@blockstack-storage/core';

/**
 * How the hub keeps one file on a driver: a single object, so the metadata and the bytes it describes
 * are replaced together (atomically on every driver) and can never disagree:
 *
 *   "gaia-hub-file 1\n" <header JSON, one line> "\n" <the exact bytes the app sent>
 */
export interface StoredFileHeader {
  /** 1 for the first store of a path, then one more than the newest copy seen when storing. */
  version: number;
  /** The ETag clients see (quoted SHA-256 of the bytes), and compare with If-Match. */
  etag: string;
  contentType: string;
  /** Length of the bytes, without the header. */
  size: number;
  /** When the hub stored it, in ms since the epoch (list-files' `lastModifiedDate`). */
  modified: number;
  /**
   * `true` on a tombstone: the record of a delete, with no bytes (`etag` and `contentType` empty, `size`
   * 0). It outranks older copies like any version, so a driver that missed the delete is not served.
   */
  deleted?: boolean;
}

/** The header of a delete's tombstone, `version` one more than the newest copy it replaces. */
export function tombstoneHeader(version: number): StoredFileHeader {
  return { version, etag: '', contentType: '', size: 0, modified: Date.now(), deleted: true };
}

const MAGIC = new TextEncoder().encode('gaia-hub-file 1\n');
const NEWLINE = 0x0a;
/** A header never comes near this; a longer first line is not a hub file (read as foreign data). */
const MAX_HEADER_BYTES = 16 * 1024;

/** The object stored for `bytes`. */
export function encodeStoredFile(header: StoredFileHeader, bytes: Uint8Array): Uint8Array {
  const line = new TextEncoder().encode(`${JSON.stringify(header)}\n`);
  return concatBytes([MAGIC, line, bytes], MAGIC.byteLength + line.byteLength + bytes.byteLength);
}

/** A stored object opened far enough to know its header; `rest` streams the file's bytes after it. */
export interface OpenedStoredFile {
  header: StoredFileHeader;
  rest: AsyncIterable<Uint8Array>;
  /** Releases the driver's stream when `rest` is not read to its end. */
  close(): Promise<void>;
}

/**
 * Reads the header from the front of a stored object's body.
 * @returns `undefined` when the object is not a hub file (wrong magic, no header line, bad JSON); the
 *   body is then left partly read, so call `close` on its iterator.
 */
export async function openStoredFile(
  iterator: AsyncIterator<Uint8Array>,
): Promise<OpenedStoredFile | undefined> {
  const chunks: Uint8Array[] = [];
  let length = 0;
  let headerEnd = -1;
  while (headerEnd < 0) {
    const next = await iterator.next();
    if (next.done) break;
    const searchFrom = Math.max(length, MAGIC.byteLength);
    chunks.push(next.value);
    length += next.value.byteLength;
    const joined = chunks.length === 1 ? next.value : concatBytes(chunks, length);
    chunks.splice(0, chunks.length, joined);
    if (length >= MAGIC.byteLength && !startsWith(joined, MAGIC)) return undefined;
    headerEnd = joined.indexOf(NEWLINE, searchFrom);
    if (headerEnd < 0 && length > MAGIC.byteLength + MAX_HEADER_BYTES) return undefined;
  }
  const front = chunks[0];
  if (headerEnd < 0 || front === undefined) return undefined;
  const header = parseHeader(front.subarray(MAGIC.byteLength, headerEnd));
  if (header === undefined) return undefined;
  const leftover = front.subarray(headerEnd + 1);
  return {
    header,
    rest: restOf(leftover, iterator),
    close: async () => {
      await iterator.return?.();
    },
  };
}

async function* restOf(leftover: Uint8Array, iterator: AsyncIterator<Uint8Array>): AsyncIterable<Uint8Array> {
  try {
    if (leftover.byteLength > 0) yield leftover;
    for (;;) {
      const next = await iterator.next();
      if (next.done) return;
      yield next.value;
    }
  } finally {
    await iterator.return?.();
  }
}

function startsWith(bytes: Uint8Array, prefix: Uint8Array): boolean {
  return prefix.every((byte, i) => bytes[i] === byte);
}

function parseHeader(line: Uint8Array): StoredFileHeader | undefined {
  let value: unknown;
  try {
    value = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(line));
  } catch {
    return undefined;
  }
  const h = value as Partial<StoredFileHeader> | null;
  if (
    typeof h !== 'object' ||
    h === null ||
    !Number.isSafeInteger(h.version) ||
    typeof h.etag !== 'string' ||
    typeof h.contentType !== 'string' ||
    !Number.isSafeInteger(h.size) ||
    typeof h.modified !== 'number' ||
    (h.deleted !== undefined && typeof h.deleted !== 'boolean')
  ) {
    return undefined;
  }
  return h as StoredFileHeader;
}
