import type { WorkloadClient } from './history.js';

/**
 * A deliberately broken writer for testing the checker: every `every`-th put (the `every`-th, the
 * `2 × every`-th, ...) is acknowledged without being written, as version one above the newest the
 * client reads, as if a replication layer acknowledged a write no driver took. Reads that begin after
 * such an acknowledgement return less, and the checker must report them as lost updates, injected
 * faults or not. Other operations go to `client`.
 */
export function phantomWriter(client: WorkloadClient, every: number): WorkloadClient {
  let puts = 0;
  return {
    id: client.id,
    async put(key, data) {
      if (++puts % every !== 0) return client.put(key, data);
      const current = await client.get(key);
      return { version: (current?.version ?? 0) + 1 };
    },
    get: (key) => client.get(key),
    delete: (key) => client.delete(key),
    close: () => client.close?.() ?? Promise.resolve(),
  };
}
