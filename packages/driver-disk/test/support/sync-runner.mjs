// Child process for the sync kill -9 test: one run of `StorageClient.sync` over three disk replicas
// (all required), with a machine's metadata directory. Prints "done" when the run completed.
import { openReplicaStorage } from './open-replicas.mjs';

const [metadataDir, rootsText] = process.argv.slice(2);
const storage = await openReplicaStorage(metadataDir, rootsText);
for await (const repair of storage.sync()) {
  if (repair.failed.length > 0) process.stderr.write(`${repair.dataId}: ${repair.failed[0].error.message}\n`);
}
await storage.close();
process.stdout.write('done\n');
