import { type DataKeyPair, type StorageDriver, signMutableEnvelope } from '@blockstack-storage/core';
import type { WorkloadClient } from './history.js';

export interface BlindWriterOptions {
  /** The drivers it writes to (the cluster's). */
  drivers: readonly StorageDriver[];
  /** The user and data key of the cluster (`StorageCluster.name`, `.keyPair`). */
  name: string;
  keyPair: DataKeyPair;
}

/**
 * A deliberately broken writer for testing the checker: its versions come from its own counter alone
 * (1, 2, 3, ... per key, whatever the drivers hold), and it writes them unconditionally to every
 * driver, as a client with a version cache of its own that neither reads before writing nor writes
 * conditionally would. Two of them fork versions, and one that starts late writes v1 over v3: the
 * checker must report version forks and lost updates. Values are written public (signed, not
 * encrypted), which the core reads back as they are. Gets and deletes go to `client`.
 */
export function blindWriter(client: WorkloadClient, options: BlindWriterOptions): WorkloadClient {
  const counters = new Map<string, number>();
  return {
    id: client.id,
    async put(key, data) {
      const version = (counters.get(key) ?? 0) + 1;
      counters.set(key, version);
      const envelope = signMutableEnvelope(
        { fqDataId: `${options.name}:${key}`, data, version, timestamp: Math.floor(Date.now() / 1000) },
        options.keyPair.privateKey,
      );
      // Acknowledged only if every driver took it, so the checker sees no acknowledgement it should not.
      await Promise.all(options.drivers.map((driver) => driver.putMutable(key, envelope)));
      return { version };
    },
    get: (key) => client.get(key),
    delete: (key) => client.delete(key),
    close: () => client.close?.() ?? Promise.resolve(),
  };
}
