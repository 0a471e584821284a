import { bytesToStream } from '../body.js';
import {
  type ChunkedManifest,
  decodeChunked,
  encodeChunked,
  isChunkedManifest,
  parseManifest,
} from '../chunked/index.js';
import { sha256Hex } from '../crypto/hash.js';
import type { Body, StorageDriver } from '../driver.js';
import type { CopySource, ReplicationCoordinator, ReplicationReport } from '../replication/index.js';
import type { ImmutableDataRecord } from '../zonefile/index.js';
import { chunkDrivers, chunkFetcher, storeChunks } from './chunked-values.js';
import type { GetImmutableResult } from './results.js';

/**
 * Stores a large immutable value in the chunked format: public chunks on every driver's immutable path,
 * then the manifest there too, under the SHA-256 of its bytes. The zone-file record names that hash, so
 * it commits to the manifest and, through its hash list, to every chunk: a reader verifies each chunk
 * against the zone file itself, before releasing it, whatever key signed the manifest. The whole
 * value's SHA-256 is in the manifest (`plaintextSha256`).
 * @returns the manifest, its hash, and the report of the manifest's writes.
 * @throws what `judge` throws for a chunk or manifest whose writes fail the required-write rule.
 */
export async function storeChunkedImmutable(
  coordinator: ReplicationCoordinator,
  body: Body,
  options: {
    fqDataId: string;
    privateKey: Uint8Array;
    chunkBytes: number;
    signal: AbortSignal | undefined;
    judge: (report: ReplicationReport) => void;
  },
): Promise<{ manifest: ChunkedManifest; hash: string; report: ReplicationReport }> {
  const { signal, judge } = options;
  const encoding = encodeChunked(body, {
    fqDataId: options.fqDataId,
    version: 1,
    timestamp: Math.floor(Date.now() / 1000),
    privateKey: options.privateKey,
    chunkBytes: options.chunkBytes,
    ...(signal === undefined ? {} : { signal }),
  });
  const { manifest, unwritable } = await storeChunks(coordinator, encoding, signal, judge);
  const hash = sha256Hex(manifest.bytes);
  const report = await coordinator.writeEach('immutable', hash, async (driver) => {
    const refused = unwritable.get(driver.name);
    if (refused !== undefined) throw refused;
    return driver.putImmutable(hash, manifest.bytes, { signal, size: manifest.bytes.byteLength });
  });
  return { manifest, hash, report };
}

/**
 * The manifest, when the bytes a zone-file record names are a chunked value's manifest for this very
 * datum (`fqDataId`); `undefined` for a value stored whole (also one that merely looks like a manifest).
 * The record's hash already anchors the bytes; the signature is checked with the key the manifest names,
 * so a value stays readable after its owner changes data keys.
 */
export function chunkedImmutableManifest(bytes: Uint8Array, fqDataId: string): ChunkedManifest | undefined {
  if (!isChunkedManifest(bytes) || bytes.byteLength < 38) return undefined;
  try {
    return parseManifest(bytes, bytes.subarray(5, 38), { fqDataId });
  } catch {
    return undefined;
  }
}

/**
 * Where a large immutable value's chunk can be read: own drivers (the manifest's first) and, beside the
 * record's URL, `<base>immutable/<chunk hash>` when the URL is `<base>immutable/<record hash>`.
 */
export function immutableChunkSources(
  coordinator: ReplicationCoordinator,
  drivers: readonly StorageDriver[] | undefined,
  record: ImmutableDataRecord,
  manifestSource: string,
): (hash: string) => CopySource[] {
  const ordered = drivers === undefined ? [] : chunkDrivers(drivers, manifestSource);
  const suffix = `immutable/${record.hash}`;
  const base =
    record.url !== undefined && record.url.split('?')[0]!.endsWith(`/${suffix}`)
      ? record.url.split('?')[0]!.slice(0, -record.hash.length)
      : undefined;
  return (hash) => [
    ...ordered.map((driver) => coordinator.source(driver, 'immutable', hash)),
    ...coordinator.urlSources(base === undefined ? [] : [`${base}${hash}`]),
  ];
}

/** A found immutable value as a stream: the bytes themselves, or a chunked value's verified chunks. */
export function immutableBody(
  found: GetImmutableResult,
  manifest: ChunkedManifest | undefined,
  sourcesOf: (hash: string) => CopySource[],
  signal: AbortSignal | undefined,
): AsyncIterable<Uint8Array> {
  if (manifest === undefined) return bytesToStream(found.data);
  return decodeChunked(manifest, chunkFetcher(sourcesOf), signal === undefined ? {} : { signal });
}
