// Large values through the client (issue 13), each beside the raw file operation on the same bytes in
// the same run, on a durable directory driver (temp file, fsync, rename, directory fsync):
// 1. the chunk threshold: bsk2 (one envelope) against bsc1 (chunks + manifest), encrypted put + get;
// 2. encrypted 1 MiB puts and gets against raw atomic writes and reads (at the default threshold);
// 3. 64 MiB streamed encrypted puts and gets against a raw streamed write + fsync and a raw read;
// 4. the stored size of a large encrypted value;
// 5. with BENCH_GIB=1 (or =only, alone): a 1 GiB put and get through openStorage with three drivers,
//    peak RSS.
// Run: pnpm --filter @blockstack-storage/core build && node bench/large-values.bench.mjs
// Not a test: it prints tables and asserts nothing. Rates: median of REPS reps of at least MIN_MS
// each, after a warm-up rep. MB/s = 10^6 bytes of value per second.
import { randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, mkdtemp, open, readdir, readFile, rename, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { atomicWrite, benchDriver, MIN_MS, measure, REPS, syncDir } from './support.mjs';

let core;
try {
  core = await import('../dist/index.js');
} catch (error) {
  console.error('Build the package first (pnpm build in packages/core):', error.message);
  process.exit(1);
}
const { openStorage } = core;
const KiB = 1024;
const MiB = 1024 * KiB;
const PIECE = 64 * KiB; // what a file read stream yields
const mbps = (bytesPerSecond) => (bytesPerSecond / 1e6).toFixed(1);
const label = (size) => (size >= MiB ? `${size / MiB} MiB` : `${size / KiB} KiB`);

async function client(dir, names, chunkThresholdBytes) {
  return openStorage({
    name: 'bench.id',
    config: { storageDrivers: names, requiredWrite: names, metadataDir: join(dir, 'metadata') },
    drivers: names.map((name) => benchDriver(name, join(dir, name))),
    policy: { retries: 0, maxReadBytes: 1024 * MiB },
    onWarning: () => {},
    ...(chunkThresholdBytes === undefined ? {} : { chunkThresholdBytes }),
  });
}

async function* pieces(value) {
  for (let at = 0; at < value.byteLength; at += PIECE) yield value.subarray(at, at + PIECE);
}

async function drain(body) {
  let size = 0;
  for await (const part of body) size += part.byteLength;
  return size;
}

/** A raw streamed write of `value` in 64 KiB pieces to a temp file, fsync, rename, directory fsync. */
async function rawStreamedWrite(path, value) {
  const temp = `${path}.tmp`;
  const handle = await open(temp, 'w');
  try {
    for await (const piece of pieces(value)) await handle.write(piece);
    await handle.sync();
  } finally {
    await handle.close();
  }
  await rename(temp, path);
  await syncDir(join(path, '..'));
}

async function rawStreamedRead(path) {
  return drain(createReadStream(path, { highWaterMark: PIECE }));
}

/** Bytes one put of `value` leaves on a driver (envelope, or manifest and chunks), over the value's size. */
async function storedRatio(value, chunkThresholdBytes) {
  const dir = await mkdtemp(join(base, 'stored-'));
  const storage = await client(dir, ['d0'], chunkThresholdBytes);
  await storage.putMutable('probe', value);
  await storage.close();
  const ratio = (await storedBytes(join(dir, 'd0'))) / value.byteLength;
  await rm(dir, { recursive: true, force: true });
  return ratio.toFixed(4);
}

async function storedBytes(dir) {
  let total = 0;
  for (const entry of await readdir(dir, { recursive: true, withFileTypes: true })) {
    if (entry.isFile()) total += (await stat(join(entry.parentPath, entry.name))).size;
  }
  return total;
}

const base = await mkdtemp(join(tmpdir(), 'bss-large-bench-'));
try {
  const only = process.env.BENCH_GIB === 'only'; // just section 5, from a fresh process's baseline
  // 1. Threshold (BENCH_SKIP_THRESHOLD=1 skips it)
  if (process.env.BENCH_SKIP_THRESHOLD !== '1' && !only) {
    // The same value stored either way, encrypted, put + whole get.
    const thresholdRows = [];
    for (const size of [128 * KiB, 512 * KiB, MiB, 2 * MiB, 4 * MiB]) {
      const value = randomBytes(size);
      const row = { value: label(size) };
      for (const [format, threshold] of [
        ['bsk2', Number.MAX_SAFE_INTEGER],
        ['bsc1', 0],
      ]) {
        const dir = join(base, `threshold-${size}-${format}`);
        const storage = await client(dir, ['d0'], threshold);
        const rate = await measure(async (i) => {
          const key = `k${i % 4}`;
          await storage.putMutable(key, value);
          await storage.getMutable(key);
        });
        row[`${format} put+get MB/s`] = mbps(rate * size);
        row[`${format} stored / value`] = await storedRatio(value, threshold);
        await storage.close();
      }
      row['bsc1 / bsk2'] = (Number(row['bsc1 put+get MB/s']) / Number(row['bsk2 put+get MB/s'])).toFixed(2);
      thresholdRows.push(row);
    }
    console.log(
      `large-values.bench (node ${process.version}, median of ${REPS} reps of ≥${MIN_MS} ms): the chunk threshold, encrypted put + getMutable, 1 durable driver, 4 MiB chunks`,
    );
    console.table(thresholdRows);
  }

  // 2 and 3. Puts and gets alone against the raw file operation on the same bytes.
  const rows = [];
  for (const [size, streamed] of only
    ? []
    : [
        [MiB, false],
        [64 * MiB, true],
      ]) {
    const value = randomBytes(size);
    const dir = join(base, `ratio-${size}`);
    await mkdir(join(dir, 'raw'), { recursive: true });
    const storage = await client(dir, ['d0']);
    const rawPut = await measure((i) =>
      streamed
        ? rawStreamedWrite(join(dir, 'raw', `k${i % 2}`), value)
        : atomicWrite(join(dir, 'raw', `k${i % 2}`), value),
    );
    const put = await measure((i) => storage.putMutable(`k${i % 2}`, streamed ? pieces(value) : value));
    // A rep of a slow put may write only k0: every get reads k0.
    const rawGet = await measure(() =>
      streamed ? rawStreamedRead(join(dir, 'raw', 'k0')) : readFile(join(dir, 'raw', 'k0')),
    );
    const get = await measure(async () =>
      streamed ? drain((await storage.getMutableStream('k0')).body) : (await storage.getMutable('k0')).data,
    );
    const format = (await storage.getMutableStream('k0')).format;
    rows.push({
      value: `${label(size)} (${format}${streamed ? ', streamed' : ''})`,
      'raw put MB/s': mbps(rawPut * size),
      'put MB/s': mbps(put * size),
      'put / raw': (put / rawPut).toFixed(2),
      'raw get MB/s': mbps(rawGet * size),
      'get MB/s': mbps(get * size),
      'get / raw': (get / rawGet).toFixed(2),
      'stored / value': await storedRatio(value),
    });
    await storage.close();
    await rm(dir, { recursive: true, force: true });
  }
  if (!only) {
    console.log(
      'encrypted puts and gets alone, 1 durable driver, default threshold and chunk size; raw = atomic write (1 MiB) or streamed write + fsync (64 MiB), and readFile / a read stream',
    );
    console.table(rows);
  }

  // 5. A 1 GiB value through three drivers: peak RSS.
  if (process.env.BENCH_GIB === '1' || only) {
    const dir = join(base, 'gib');
    const storage = await client(dir, ['d0', 'd1', 'd2']);
    const seed = randomBytes(MiB);
    async function* gib() {
      for (let at = 0; at < 1024 * MiB; at += MiB) {
        const piece = Buffer.from(seed);
        piece.writeUIntBE(at, 0, 6);
        yield piece;
      }
    }
    const baseline = process.memoryUsage().rss;
    let peak = baseline;
    const timer = setInterval(() => {
      peak = Math.max(peak, process.memoryUsage().rss);
    }, 20);
    const started = performance.now();
    await storage.putMutable('gib', gib());
    const putSeconds = (performance.now() - started) / 1000;
    const putPeak = peak;
    const readStarted = performance.now();
    const size = await drain((await storage.getMutableStream('gib')).body);
    const getSeconds = (performance.now() - readStarted) / 1000;
    clearInterval(timer);
    console.log(
      `1 GiB streamed through openStorage, 3 durable drivers: put ${mbps((1024 * MiB) / putSeconds)} MB/s, get ${mbps(size / getSeconds)} MB/s, peak RSS ${(peak / MiB).toFixed(0)} MiB (whole process; ${(baseline / MiB).toFixed(0)} MiB before the put, ${(putPeak / MiB).toFixed(0)} MiB by its end)`,
    );
    await storage.close();
  }
} finally {
  await rm(base, { recursive: true, force: true });
}
