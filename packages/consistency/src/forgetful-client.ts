import type { WorkloadClient } from './history.js';

/**
 * A deliberately broken client for testing the checker: every operation runs on a freshly opened
 * client with an empty metadata directory, i.e. with its version cache turned off. Against drivers that
 * serve stale values it breaks monotonic reads and read-your-writes, and the checker must say so.
 */
export function forgetfulClient(
  id: string,
  openFresh: (n: number) => Promise<WorkloadClient>,
): WorkloadClient {
  let n = 0;
  const once = async <T>(op: (client: WorkloadClient) => Promise<T>): Promise<T> => {
    const client = await openFresh(n++);
    try {
      return await op(client);
    } finally {
      await client.close?.();
    }
  };
  return {
    id,
    put: (key, data) => once((c) => c.put(key, data)),
    get: (key) => once((c) => c.get(key)),
    delete: (key) => once((c) => c.delete(key)),
  };
}
