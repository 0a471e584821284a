// Child process for the migrate kill -9 test: one run of `StorageClient.migrate` from replicas 0 and 1
// (required) to replica 2 (not yet listed), retiring replica 1, with the config file at `configPath`
// rewritten as the CLI does. Prints "done" when the run completed.
import { editStorageDrivers } from '@blockstack-storage/core';
import { openReplicaStorage } from './open-replicas.mjs';

const [metadataDir, rootsText, configPath] = process.argv.slice(2);
const storage = await openReplicaStorage(metadataDir, rootsText, 2);
const report = await storage.migrate({
  to: 'replica-2',
  retire: 'replica-1',
  updateConfig: (change) => editStorageDrivers(configPath, change, {}),
});
await storage.close();
if (!report.complete) {
  process.stderr.write(`${JSON.stringify(report.steps)}\n`);
  process.exit(13);
}
process.stdout.write('done\n');
