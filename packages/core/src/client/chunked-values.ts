import type { ChunkedEncoding, ChunkedManifest, FetchChunk, SealedChunk } from '../chunked/index.js';
import type { StorageDriver } from '../driver.js';
import { asStorageError, ErrorCode, isStorageError, UnsupportedError } from '../errors.js';
import { encodeDataId } from '../keys.js';
import type { CopySource, ReplicationCoordinator, ReplicationReport } from '../replication/index.js';
import type { HeldCopy } from './mutable-write.js';

/**
 * Values above this many bytes are stored in the chunked format (docs/chunked-format.md) unless
 * `openStorage({ chunkThresholdBytes })` says otherwise; at or below it, as one bsk2 envelope.
 * Measured with bench/threshold.bench.mjs (see the core README): bsk2 stores about 1.78 times an
 * encrypted value and hashes it twice, the chunked format one more object per 4 MiB.
 */
export const DEFAULT_CHUNK_THRESHOLD_BYTES = 1024 * 1024;

/** What storing a value's chunks left: its signed manifest, and the drivers that must not get it. */
export interface StoredChunks {
  manifest: ChunkedManifest;
  /** Drivers that could not store every chunk (or do not serve immutable data), with why. */
  unwritable: Map<string, Error>;
}

/**
 * Stores every chunk of `encoding` on every driver that serves immutable data (chunks are
 * content-addressed, so they satisfy the immutable path's rule: the key is the SHA-256 of the bytes),
 * one chunk at a time on all drivers at once, sealing the next chunk while they store this one: memory
 * stays at a few chunks whatever the value's size. A driver that fails a chunk gets no more chunks and
 * will not get the manifest (`unwritable`).
 * @throws what `judge` throws for a chunk whose writes fail the required-write rule (nothing more is
 *   read from the body then); what the encoding throws (the body's errors, AbortedError).
 */
export async function storeChunks(
  coordinator: ReplicationCoordinator,
  encoding: ChunkedEncoding,
  signal: AbortSignal | undefined,
  judge: (report: ReplicationReport) => void,
): Promise<StoredChunks> {
  const unwritable = new Map<string, Error>();
  for (const driver of coordinator.drivers) {
    if (!driver.capabilities.immutable) {
      unwritable.set(
        driver.name,
        new UnsupportedError(
          'This driver does not serve immutable data, where a large value keeps its chunks',
          {
            driver: driver.name,
          },
        ),
      );
    }
  }
  const iterator = encoding[Symbol.asyncIterator]();
  try {
    let step = await iterator.next();
    while (!step.done) {
      const writing = writeChunk(coordinator, step.value, unwritable, signal);
      const following = iterator.next();
      following.catch(() => {}); // judged once this chunk is stored
      const report = await writing;
      judge(report);
      for (const outcome of report.outcomes) {
        if (outcome.status === 'failed' && !unwritable.has(outcome.driver))
          unwritable.set(outcome.driver, outcome.error!);
      }
      step = await following;
    }
  } finally {
    await iterator.return?.();
  }
  return { manifest: await encoding.manifest, unwritable };
}

function writeChunk(
  coordinator: ReplicationCoordinator,
  chunk: SealedChunk,
  unwritable: ReadonlyMap<string, Error>,
  signal: AbortSignal | undefined,
): Promise<ReplicationReport> {
  return coordinator.writeEach('immutable', chunk.hash, async (driver) => {
    const failed = unwritable.get(driver.name);
    if (failed !== undefined) throw failed;
    return driver.putImmutable(chunk.hash, chunk.bytes, { signal, size: chunk.bytes.byteLength });
  });
}

/**
 * A chunk fetcher over several copies: `sourcesOf(hash)` in order; a copy that is missing, cannot be
 * read or does not verify is skipped for the next one. Resolves `null` (the decoder's "missing
 * chunk") only when every source answered that it has no such chunk.
 * @throws the first IntegrityError when some copy was wrong and none right; else the first read error.
 */
export function chunkFetcher(sourcesOf: (hash: string) => readonly CopySource[]): FetchChunk {
  return async (_index, hash, signal, verify) => {
    const errors: Error[] = [];
    for (const source of sourcesOf(hash)) {
      let found: Awaited<ReturnType<CopySource['fetch']>>;
      try {
        found = await source.fetch(signal);
      } catch (error) {
        if (signal.aborted) throw error;
        errors.push(asStorageError(error, { driver: source.name, key: hash }));
        continue;
      }
      if (found === null) continue;
      try {
        return verify(found.bytes);
      } catch (error) {
        errors.push(asStorageError(error, { driver: source.name, key: hash }));
      }
    }
    if (errors.length === 0) return null;
    throw errors.find((e) => isStorageError(e, ErrorCode.Integrity)) ?? errors[0];
  };
}

/** The drivers that serve immutable data, `first` (the manifest's own driver) ahead of the others. */
export function chunkDrivers(drivers: readonly StorageDriver[], first: string | undefined): StorageDriver[] {
  const serving = drivers.filter((d) => d.capabilities.immutable);
  return [...serving.filter((d) => d.name === first), ...serving.filter((d) => d.name !== first)];
}

/**
 * Where another user's chunk is read over HTTP: beside the manifest. A manifest published at
 * `<base>mutable/<encoded id>` (the layout of drivers built on the key-value adapter) has its chunks at
 * `<base>immutable/<hash>`; a URL of another form gives none.
 */
export function chunkUrlOf(manifestUrl: string, dataId: string, hash: string): string | undefined {
  const query = manifestUrl.indexOf('?');
  const path = query === -1 ? manifestUrl : manifestUrl.slice(0, query);
  const suffix = `mutable/${encodeDataId(dataId)}`;
  if (!path.endsWith(`/${suffix}`)) return undefined;
  return `${path.slice(0, path.length - suffix.length)}immutable/${hash}`;
}

/**
 * Deletes, best effort, the chunks of older chunked values a write replaced: on each driver whose
 * write succeeded, the chunks its replaced copy listed that `keep` does not. Only encrypted values'
 * chunks: each is sealed under a fresh random key, so no other manifest or immutable record can list
 * the same bytes; a public value's chunks may be shared by equal values (of any id or user) and stay
 * (docs/guarantees.md: orphan chunks).
 * @returns a message per driver whose deletes failed (nothing is retried).
 */
export async function deleteReplacedChunks(
  drivers: readonly StorageDriver[],
  held: readonly (HeldCopy | Error)[],
  report: ReplicationReport,
  version: number,
  keep: ReadonlySet<string>,
  signal: AbortSignal | undefined,
): Promise<string[]> {
  const failures: string[] = [];
  await Promise.all(
    drivers.map(async (driver, index) => {
      const copy = held[index];
      const manifest = copy instanceof Error ? undefined : copy?.verified.manifest;
      const written = report.outcomes.find((o) => o.driver === driver.name)?.status === 'ok';
      if (!written || manifest?.encryption === undefined || manifest.version >= version) return;
      for (const hash of new Set(manifest.chunkHashes)) {
        if (keep.has(hash)) continue;
        try {
          await driver.deleteImmutable(hash, { signal });
        } catch (error) {
          failures.push(
            `${driver.name}: ${asStorageError(error, { driver: driver.name, key: hash }).message}`,
          );
          return;
        }
      }
    }),
  );
  return failures;
}
