// Disk driver vs the raw file system, same bytes, same run. Prints a table; no thresholds.
// Run: pnpm --filter @blockstack-storage/driver-disk bench   (after a build)
import { randomBytes } from 'node:crypto';
import { mkdtemp, open, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readBody } from '@blockstack-storage/core/driver';
import { createDiskDriver } from '../dist/index.js';

const root = await mkdtemp(join(tmpdir(), 'bss-disk-bench-'));
const driver = createDiskDriver({ root: join(root, 'driver'), createRoot: true });
await driver.init();
const rawDir = join(root, 'raw');
await import('node:fs/promises').then((fs) => fs.mkdir(rawDir));

async function atomicWrite(path, bytes) {
  const temp = `${path}.tmp`;
  const handle = await open(temp, 'w');
  await handle.write(bytes);
  await handle.sync();
  await handle.close();
  await rename(temp, path);
  const dir = await open(rawDir, 'r');
  await dir.sync();
  await dir.close();
}

async function measure(label, size, op, seconds = 1.5) {
  const bytes = randomBytes(size);
  for (let i = 0; i < 3; i++) await op(bytes, i); // warm-up
  let n = 0;
  const start = performance.now();
  while (performance.now() - start < seconds * 1000) await op(bytes, n++);
  const elapsed = (performance.now() - start) / 1000;
  return { label, size, opsPerSec: n / elapsed, mbPerSec: (n * size) / elapsed / 1e6 };
}

const rows = [];
for (const size of [1024, 1024 * 1024]) {
  const keys = 32;
  const raw = await measure('raw atomic write (tmp+fsync+rename+dir fsync)', size, (b, i) =>
    atomicWrite(join(rawDir, `k${i % keys}`), b),
  );
  const plain = await measure('raw fs.writeFile (no fsync)', size, (b, i) =>
    writeFile(join(rawDir, `p${i % keys}`), b),
  );
  const put = await measure('driver putMutable', size, (b, i) => driver.putMutable(`k${i % keys}`, b));
  const rawRead = await measure('raw fs.readFile', size, (_b, i) => readFile(join(rawDir, `k${i % keys}`)));
  const get = await measure('driver getMutable + read', size, async (_b, i) =>
    readBody((await driver.getMutable(`k${i % keys}`)).body),
  );
  rows.push(
    [raw, 1],
    [plain, plain.opsPerSec / raw.opsPerSec],
    [put, put.opsPerSec / raw.opsPerSec],
    [rawRead, 1],
    [get, get.opsPerSec / rawRead.opsPerSec],
  );
}
console.log('| operation | size | ops/s | MB/s | vs raw |');
console.log('|---|---|---|---|---|');
for (const [r, ratio] of rows) {
  const size = r.size >= 1024 * 1024 ? `${r.size / 1024 / 1024} MiB` : `${r.size / 1024} KiB`;
  console.log(
    `| ${r.label} | ${size} | ${r.opsPerSec.toFixed(0)} | ${r.mbPerSec.toFixed(1)} | ${ratio.toFixed(2)} |`,
  );
}
await rm(root, { recursive: true, force: true });
