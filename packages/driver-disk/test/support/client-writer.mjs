// Child process for the concurrent-writers test: one "process" of a user's client, opening storage over
// three disk replicas (all required) with the metadata directory (version cache, key, ledger) of its
// "machine", and putting one value. Prints one JSON line: { version } or { code, newerVersion }.
// Uses the built packages (dist), as an installed user would.
import { openReplicaStorage } from './open-replicas.mjs';

const [metadataDir, rootsText, id, fillText, sizeText] = process.argv.slice(2);
const storage = await openReplicaStorage(metadataDir, rootsText);
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
