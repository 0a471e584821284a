import type { ChunkedManifest } from '../chunked/index.js';
import { sha256Hex } from '../crypto/hash.js';
import type { StorageDriver } from '../driver.js';
import { asStorageError, IntegrityError, type StorageError } from '../errors.js';
import type { ReplicationCoordinator } from '../replication/index.js';

/**
 * The chunks of `manifest` that `driver` does not hold intact (missing, or bytes whose SHA-256 is not
 * the chunk's name), in the manifest's order, each once. A chunked value's copy is whole only with
 * them: its manifest alone verifies, but cannot be read.
 * @throws the read error of a chunk the driver could not be asked for (unreachable, aborted).
 */
export async function chunksLackingOn(
  coordinator: ReplicationCoordinator,
  driver: StorageDriver,
  manifest: ChunkedManifest,
  signal: AbortSignal | undefined,
): Promise<string[]> {
  const lacking: string[] = [];
  for (const hash of new Set(manifest.chunkHashes)) {
    const found = await coordinator.source(driver, 'immutable', hash).fetch(signal);
    if (found === null || sha256Hex(found.bytes) !== hash) lacking.push(hash);
  }
  return lacking;
}

/**
 * Copies each chunk of `hashes` to `driver`, as stored (chunks are sealed and content-addressed:
 * nothing is re-encrypted), from the first other driver that holds it intact. One chunk in memory at
 * a time.
 * @throws IntegrityError when no other driver holds a chunk intact; the write's error otherwise.
 */
export async function copyChunksTo(
  coordinator: ReplicationCoordinator,
  driver: StorageDriver,
  hashes: readonly string[],
  dataId: string,
  signal: AbortSignal | undefined,
): Promise<void> {
  for (const hash of hashes) {
    let bytes: Uint8Array | undefined;
    const errors: StorageError[] = [];
    for (const other of coordinator.drivers) {
      if (other === driver || !other.capabilities.immutable) continue;
      try {
        const found = await coordinator.source(other, 'immutable', hash).fetch(signal);
        if (found !== null && sha256Hex(found.bytes) === hash) {
          bytes = found.bytes;
          break;
        }
      } catch (error) {
        if (signal?.aborted) throw error;
        errors.push(asStorageError(error, { driver: other.name, key: hash }));
      }
    }
    if (bytes === undefined) {
      throw new IntegrityError(`No driver holds chunk ${hash} of ${dataId} intact, so it cannot be copied`, {
        driver: driver.name,
        key: dataId,
        ...(errors[0] === undefined ? {} : { cause: errors[0] }),
        hint: 'Run sync again when the other drivers are reachable; if none holds it, put the value again.',
      });
    }
    await driver.putImmutable(hash, bytes, { signal, size: bytes.byteLength });
  }
}
