// Child process for the migrate kill -9 test: one run of `StorageClient.migrate` from replicas 0 and 1
// (required) to replica 2 (not yet listed), retiring replica 1, with the config file at `configPath`
// rewritten as the CLI does. Prints "done" when the run completed. With a fourth argument
// (`before-add`, `after-add`, `before-remove`, `after-remove`) it kills itself with SIGKILL at that point
// of a config change: a kill -9 at an exact step boundary.
import { editStorageDrivers } from '@blockstack-storage/core';
import { openReplicaStorage } from './open-replicas.mjs';

const [metadataDir, rootsText, configPath, killAt] = process.argv.slice(2);
const storage = await openReplicaStorage(metadataDir, rootsText, 2);
const report = await storage.migrate({
  to: 'replica-2',
  retire: 'replica-1',
  updateConfig: async (change) => {
    const step = change.add === undefined ? 'remove' : 'add';
    if (killAt === `before-${step}`) process.kill(process.pid, 'SIGKILL');
    await editStorageDrivers(configPath, change, {});
    if (killAt === `after-${step}`) process.kill(process.pid, 'SIGKILL');
  },
});
await storage.close();
if (!report.complete) {
  process.stderr.write(`${JSON.stringify(report.steps)}\n`);
  process.exit(13);
}
process.stdout.write('done\n');
