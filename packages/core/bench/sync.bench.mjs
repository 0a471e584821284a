// `StorageClient.sync()` to an empty replica (issue 15), beside a plain copy of the same files in the
// same run: one durable directory driver is populated through the client, a second one is empty, and
// sync copies every datum to it. Compared with
// - a durable file copy: every file of the populated replica read and written the way the driver writes
//   (temp file, fsync, rename, directory fsync), one at a time as sync does: the same durability;
// - `cp -r` of the same directory: no fsync at all (the page cache), the floor of any copy.
// Workloads: 10,000 small values (1 KiB) and 1 GiB of large ones (16 × 64 MiB), the large ones both as
// whole bsk2 envelopes (chunk threshold raised above them) and as chunked bsc1 values (the default).
// Sync learns the ids from this machine's version cache (the bench driver cannot list), as on the
// machine that wrote them. After the last rep the replica is checked: every datum healthy by `verify`,
// the bytes stored on it against the populated one, and that a client with the replica alone reads
// every value.
// Run: pnpm --filter @blockstack-storage/core build && node bench/sync.bench.mjs
// Env: BENCH_SYNC_SMALL (count, 10000), BENCH_SYNC_LARGE_MIB (total, 1024), BENCH_SYNC_REPS (3).
// Not a test: it prints a table and asserts nothing. Figures: median of the reps, each a fresh empty
// replica (or copy target). MB/s = 10^6 bytes of stored files per second.
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, readdir, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { promisify } from 'node:util';
import { atomicWrite, benchDriver } from './support.mjs';

let core;
try {
  core = await import('../dist/index.js');
} catch (error) {
  console.error('Build the package first (pnpm build in packages/core):', error.message);
  process.exit(1);
}
const { openStorage } = core;
const run = promisify(execFile);
const KiB = 1024;
const MiB = 1024 * KiB;
const SMALL_COUNT = Number(process.env.BENCH_SYNC_SMALL ?? 10_000);
const LARGE_TOTAL = Number(process.env.BENCH_SYNC_LARGE_MIB ?? 1024) * MiB;
const REPS = Number(process.env.BENCH_SYNC_REPS ?? 3);
const NAMES = ['source', 'replica'];

function client(dir, names, chunkThresholdBytes) {
  return openStorage({
    name: 'bench.id',
    config: { storageDrivers: names, requiredWrite: names, metadataDir: join(dir, 'metadata') },
    drivers: names.map((name) => benchDriver(name, join(dir, name))),
    // A loaded machine may take longer than the default 30 s for one 64 MiB durable write.
    policy: { retries: 0, maxReadBytes: 1024 * MiB, timeoutMs: 600_000 },
    onWarning: () => {},
    ...(chunkThresholdBytes === undefined ? {} : { chunkThresholdBytes }),
  });
}

/** Puts `count` values of `size` random bytes through a client that has only the source driver. */
async function populate(dir, count, size, chunkThresholdBytes, concurrency) {
  const storage = await client(dir, ['source'], chunkThresholdBytes);
  let next = 0;
  const worker = async () => {
    while (next < count) {
      const i = next++;
      await storage.putMutable(`v/${i}`, randomBytes(size));
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  await storage.close();
}

async function files(dir) {
  const found = [];
  for (const entry of await readdir(dir, { recursive: true, withFileTypes: true })) {
    if (entry.isFile()) found.push(join(entry.parentPath, entry.name));
  }
  return found;
}

async function storedBytes(dir) {
  let total = 0;
  for (const file of await files(dir)) total += (await stat(file)).size;
  return total;
}

/** Every file of `from` to `to`, one at a time, each written as the driver writes (durable). */
async function durableCopy(from, to) {
  for (const file of await files(from)) {
    const target = join(to, relative(from, file));
    await mkdir(dirname(target), { recursive: true });
    await atomicWrite(target, await readFile(file));
  }
}

async function timed(step) {
  const started = performance.now();
  const result = await step();
  return { seconds: (performance.now() - started) / 1000, result };
}

const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

/** Sync to an empty replica and both plain copies, REPS times each; then checks the replica. */
async function compare(label, dir, values, chunkThresholdBytes) {
  const source = join(dir, 'source');
  const replica = join(dir, 'replica');
  const bytes = await storedBytes(source);
  const syncSeconds = [];
  const copySeconds = [];
  const cpSeconds = [];
  let repaired = 0;
  for (let rep = 0; rep < REPS; rep++) {
    await rm(replica, { recursive: true, force: true });
    const storage = await client(dir, NAMES, chunkThresholdBytes);
    const synced = await timed(async () => {
      let copies = 0;
      for await (const repair of storage.sync()) copies += repair.repaired.length;
      return copies;
    });
    syncSeconds.push(synced.seconds);
    repaired = synced.result;
    await storage.close();
    const copyTarget = join(dir, 'copy');
    await rm(copyTarget, { recursive: true, force: true });
    copySeconds.push((await timed(() => durableCopy(source, copyTarget))).seconds);
    await rm(copyTarget, { recursive: true, force: true });
    cpSeconds.push((await timed(() => run('cp', ['-r', source, copyTarget]))).seconds);
    await rm(copyTarget, { recursive: true, force: true });
  }
  // The replica the last sync left: complete, and every datum healthy.
  const storage = await client(dir, NAMES, chunkThresholdBytes);
  let unhealthy = 0;
  for await (const health of storage.verify()) if (!health.healthy) unhealthy++;
  await storage.close();
  // Whether the replica alone serves every value (a chunked value needs its chunks there too).
  const alone = await client(dir, ['replica'], chunkThresholdBytes);
  let readable = 0;
  for (let i = 0; i < values; i++) {
    try {
      for await (const _ of (await alone.getMutableStream(`v/${i}`)).body) void _;
      readable++;
    } catch {
      // counted as not readable
    }
  }
  await alone.close();
  const replicaBytes = await storedBytes(replica);
  const [sync, copy, cp] = [median(syncSeconds), median(copySeconds), median(cpSeconds)];
  const mbps = (seconds) => (bytes / seconds / 1e6).toFixed(1);
  return {
    what: label,
    values,
    'stored MB': (bytes / 1e6).toFixed(1),
    'sync values/s': (values / sync).toFixed(values / sync < 10 ? 2 : 0),
    'sync MB/s': mbps(sync),
    'durable copy MB/s': mbps(copy),
    'sync / durable copy': (copy / sync).toFixed(2),
    'cp -r MB/s': mbps(cp),
    'sync / cp -r': (cp / sync).toFixed(2),
    'copies written': repaired,
    'replica bytes / source': (replicaBytes / bytes).toFixed(3),
    'unhealthy after sync': unhealthy,
    'replica alone reads': `${readable}/${values}`,
  };
}

const base = await mkdtemp(join(tmpdir(), 'bss-sync-bench-'));
const rows = [];
let peakRss = process.memoryUsage().rss;
const sampler = setInterval(() => {
  peakRss = Math.max(peakRss, process.memoryUsage().rss);
}, 50);
try {
  const small = join(base, 'small');
  await populate(small, SMALL_COUNT, KiB, undefined, 16);
  rows.push(await compare(`${SMALL_COUNT} × 1 KiB`, small, SMALL_COUNT, undefined));
  console.error(JSON.stringify(rows.at(-1)));
  await rm(small, { recursive: true, force: true });

  const largeCount = Math.max(1, Math.round(LARGE_TOTAL / (64 * MiB)));
  for (const [format, threshold] of [
    ['bsk2', 128 * MiB],
    ['bsc1', undefined],
  ]) {
    const large = join(base, `large-${format}`);
    await populate(large, largeCount, 64 * MiB, threshold, 1);
    rows.push(await compare(`${largeCount} × 64 MiB (${format})`, large, largeCount, threshold));
    console.error(JSON.stringify(rows.at(-1)));
    await rm(large, { recursive: true, force: true });
  }
} finally {
  clearInterval(sampler);
  await rm(base, { recursive: true, force: true });
}
console.log(
  `sync.bench (node ${process.version}, median of ${REPS} reps): StorageClient.sync() to an empty durable replica, beside a durable file copy (temp, fsync, rename, dir fsync; one file at a time) and cp -r (no fsync) of the same files; peak RSS ${(peakRss / MiB).toFixed(0)} MiB`,
);
console.table(rows);
console.log('goal (issue 15): sync ≥ 0.5 × the plain copy for small values, ≥ 0.8 × for large ones');
