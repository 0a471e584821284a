// Child process for the concurrent-writers test: one "process" of a user's client, opening storage over
// three disk replicas (all required) with the metadata directory (version cache, key, ledger) of its
// "machine", and putting one value. Prints one JSON line: { version } or { code, newerVersion }.
// Uses the built packages (dist), as an installed user would.
import { openStorage } from '@blockstack-storage/core';
import { createDiskDriver } from '../../dist/index.js';

const [metadataDir, rootsText, id, fillText, sizeText] = process.argv.slice(2);
const roots = rootsText.split(',');
const drivers = roots.map((root, i) => ({
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
const value = new Uint8Array(Number(sizeText)).fill(Number(fillText));
try {
  const result = await storage.putMutable(id, value, { public: true });
  process.stdout.write(`${JSON.stringify({ version: result.version })}\n`);
} catch (error) {
  process.stdout.write(
    `${JSON.stringify({ code: error.code, newerVersion: error.newerVersion, message: error.message })}\n`,
  );
} finally {
  await storage.close();
}
