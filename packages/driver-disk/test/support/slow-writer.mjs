// Child process for the crash test: writes a large value to one key in small, slow chunks so the
// parent can SIGKILL it mid-write. Uses the built driver (dist), as an installed user would.
import { createDiskDriver } from '../../dist/index.js';

const [root, id, fill, totalBytes] = process.argv.slice(2);
const total = Number(totalBytes);
const driver = createDiskDriver({ root });
await driver.init();

async function* slowly() {
  const chunk = new Uint8Array(256 * 1024).fill(Number(fill));
  for (let sent = 0; sent < total; sent += chunk.byteLength) {
    if (sent === chunk.byteLength) process.stdout.write('writing\n');
    yield chunk;
    await new Promise((resolve) => setTimeout(resolve, 2));
  }
}
await driver.putMutable(id, slowly(), { size: total });
process.stdout.write('done\n');
