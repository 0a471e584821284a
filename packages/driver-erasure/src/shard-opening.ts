import type { DataKind, StorageDriver, StoredObject } from '@blockstack-storage/core/driver';
import { ByteReader, TruncatedError } from './byte-reader.js';
import { CorruptShardError, decodeHeader, HEADER_PREFIX_BYTES, headerBytesFor } from './shard-format.js';
import { ShardReader } from './shard-reader.js';

/** Why a shard cannot be used; `transport` when its provider failed to answer (worth a retry). */
export interface ShardProblem {
  reason: string;
  transport: boolean;
}

/** What asking one inner driver for its shard gave. */
export type ShardOpening =
  | { state: 'absent' }
  | ({ state: 'problem'; etag?: string } & ShardProblem)
  | { state: 'shard'; reader: ShardReader; etag?: string };

/**
 * Gets inner driver `index`'s shard of `key` and reads its header (only the header: the rest is read
 * when, and if, the value needs this shard). Never throws: problems come back as values.
 * @param shardCount n, which the header must agree with.
 */
export async function openShard(
  kind: DataKind,
  key: string,
  driver: StorageDriver,
  index: number,
  shardCount: number,
  signal: AbortSignal | undefined,
): Promise<ShardOpening> {
  let object: StoredObject | null;
  try {
    object =
      kind === 'mutable'
        ? await driver.getMutable(key, { signal })
        : await driver.getImmutable(key, { signal });
  } catch (error) {
    return { state: 'problem', reason: `get failed: ${messageOf(error)}`, transport: true };
  }
  if (!object) return { state: 'absent' };
  // The stored object's etag, so a repair can replace exactly what it judged (conditional write).
  const tag = object.etag === undefined ? {} : { etag: object.etag };
  const bytes = new ByteReader(object.body);
  try {
    const prefix = await bytes.readExact(HEADER_PREFIX_BYTES);
    const rest = await bytes.readExact(headerBytesFor(prefix) - HEADER_PREFIX_BYTES);
    const whole = new Uint8Array(prefix.byteLength + rest.byteLength);
    whole.set(prefix, 0);
    whole.set(rest, prefix.byteLength);
    const header = decodeHeader(whole);
    if (header.shardIndex !== index)
      throw new CorruptShardError(
        `holds shard ${header.shardIndex}, not ${index} (were the drivers reordered?)`,
      );
    if (header.dataShards + header.parityShards !== shardCount)
      throw new CorruptShardError(`written for ${header.dataShards + header.parityShards} drivers`);
    return { state: 'shard', reader: new ShardReader(index, header, bytes), ...tag };
  } catch (error) {
    bytes.close();
    if (error instanceof CorruptShardError)
      return { state: 'problem', reason: error.message, transport: false, ...tag };
    if (error instanceof TruncatedError)
      return { state: 'problem', reason: 'truncated header', transport: false, ...tag };
    return { state: 'problem', reason: `read failed: ${messageOf(error)}`, transport: true };
  }
}

export function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
