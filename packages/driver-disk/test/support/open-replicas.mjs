// What the child processes of the disk tests share: a user's storage over disk replicas (`replica-0`,
// `replica-1`, ...), all required-write and public, with one "machine's" metadata directory. Uses the
// built packages (dist), as an installed user would.
import { openStorage } from '@blockstack-storage/core';
import { createDiskDriver } from '../../dist/index.js';

/**
 * @param {string} metadataDir @param {string} rootsText comma-separated replica roots
 * @param {number} [requiredCount] how many of the first replicas are required-write (default: all)
 */
export function openReplicaStorage(metadataDir, rootsText, requiredCount) {
  const drivers = rootsText.split(',').map((root, i) => ({
    ...createDiskDriver({ root, publicUrl: `http://127.0.0.1:${6300 + i}` }),
    name: `replica-${i}`,
  }));
  return openStorage({
    name: 'writer.id',
    config: {
      storageDrivers: drivers.map((d) => d.name),
      requiredWrite: drivers.slice(0, requiredCount ?? drivers.length).map((d) => d.name),
      metadataDir,
    },
    drivers,
    policy: { retries: 0, timeoutMs: 60_000 },
    onWarning: () => {},
  });
}
