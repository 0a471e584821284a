import type { StorageClient } from '@blockstack-storage/core';
import type { WorkloadClient } from './history.js';

/** A `StorageClient` (one machine's client, from `openStorage`) as a workload client. */
export function workloadClientOf(id: string, client: StorageClient): WorkloadClient {
  return {
    id,
    async put(key, data) {
      const { version } = await client.putMutable(key, data);
      return { version };
    },
    async get(key) {
      const found = await client.getMutable(key);
      return found === null ? null : { version: found.version, data: found.data };
    },
    async delete(key) {
      await client.deleteMutable(key);
    },
    close: () => client.close(),
  };
}
