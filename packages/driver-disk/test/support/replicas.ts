import { openStorage, type StorageClient } from '@blockstack-storage/core';
import { createDiskDriver } from '../../src/index.js';

/**
 * A user's storage over disk replicas (`replica-0`, `replica-1`, ...), all required-write and public, with
 * this "machine's" metadata directory (version cache, data key, ledger). Failures are final at once.
 */
export function openReplicas(
  name: string,
  roots: readonly string[],
  metadataDir: string,
): Promise<StorageClient> {
  const drivers = roots.map((root, i) => ({
    ...createDiskDriver({ root, publicUrl: `http://127.0.0.1:${6300 + i}` }),
    name: `replica-${i}`,
  }));
  return openStorage({
    name,
    config: {
      storageDrivers: drivers.map((d) => d.name),
      requiredWrite: drivers.map((d) => d.name),
      metadataDir,
    },
    drivers,
    policy: { retries: 0 },
    onWarning: () => {},
  });
}
