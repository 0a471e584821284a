// Child process for the sync kill -9 test: one run of `StorageClient.sync` over three disk replicas
// (all required), with a machine's metadata directory. Prints "done" when the run completed.
// Uses the built packages (dist), as an installed user would.
import { openStorage } from '@blockstack-storage/core';
import { createDiskDriver } from '../../dist/index.js';

const [metadataDir, rootsText] = process.argv.slice(2);
const drivers = rootsText.split(',').map((root, i) => ({
  ...createDiskDriver({ root, publicUrl: `http://127.0.0.1:${6300 + i}` }),
  name: `replica-${i}`,
}));
const storage = await openStorage({
  name: 'writer.id',
  config: {
    storageDrivers: drivers.map((d) => d.name),
    requiredWrite: drivers.map((d) => d.name),
    metadataDir,
  },
  drivers,
  policy: { retries: 0, timeoutMs: 60_000 },
  onWarning: () => {},
});
for await (const repair of storage.sync()) {
  if (repair.failed.length > 0) process.stderr.write(`${repair.dataId}: ${repair.failed[0].error.message}\n`);
}
await storage.close();
process.stdout.write('done\n');
