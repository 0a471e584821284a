// Mutable put+get through the replication coordinator and through the full client (encrypt, sign,
// replicate, version cache; verify, decrypt), for 1 KiB and 1 MiB values with 1 and 3 temp-dir drivers,
// beside raw fs.writeFile/readFile and a raw atomic write (temp, fsync, rename, dir fsync) + readFile of
// the same bytes, in the same run.
// Run: pnpm --filter @blockstack-storage/core build && node bench/client.bench.mjs
// Not a test: it prints a table and asserts nothing. Figures: median of REPS timed reps of at least
// MIN_MS each, after one warm-up rep. MB/s = 10^6 bytes of value per second (put+get counts once).
import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { atomicWrite, benchDriver, MIN_MS, measure, REPS } from './support.mjs';

let core;
try {
  // The main entry for people who store data, the driver entry for the driver the bench builds.
  core = { ...(await import('../dist/index.js')), ...(await import('../dist/driver-kit.js')) };
} catch (error) {
  console.error('Build the package first (pnpm build in packages/core):', error.message);
  process.exit(1);
}
const {
  encryptECIESToBytes,
  loadDataKey,
  openStorage,
  ReplicationCoordinator,
  signMutableEnvelope,
  VersionCache,
} = core;

/**
 * The put path as it was before issue 11, for comparison in the same run: version = version cache + 1,
 * encrypt, sign, write every driver unconditionally, record. No read of the drivers, no claim.
 */
async function blindPutter(dir, publicKey) {
  const { privateKey } = await loadDataKey(join(dir, 'metadata', 'keys', 'bench.id.key'));
  const versions = new VersionCache(join(dir, 'metadata'));
  const coordinator = new ReplicationCoordinator({
    drivers: [benchDriver('d0', join(dir, 'blind'))],
    requiredWrite: ['d0'],
  });
  return async (key, value) => {
    const version = (await versions.get('bench.id', `blind-${key}`)) + 1;
    const writtenAtMs = Date.now();
    const data = encryptECIESToBytes(publicKey, value, { cipherTextEncoding: 'base64' });
    const envelope = signMutableEnvelope(
      { fqDataId: `bench.id:blind-${key}`, data, version, timestamp: Math.floor(writtenAtMs / 1000) },
      privateKey,
    );
    const report = await coordinator.put('mutable', key, envelope);
    if (!report.ok) throw new Error('put failed');
    await versions.record('bench.id', `blind-${key}`, version, writtenAtMs);
  };
}

const base = await mkdtemp(join(tmpdir(), 'bss-client-bench-'));
const rows = [];
const row = (label, size, drivers, opsPerSecond) =>
  rows.push({
    what: label,
    value: size === 1024 ? '1 KiB' : '1 MiB',
    drivers,
    'put+get/s': opsPerSecond.toFixed(1),
    'MB/s': ((opsPerSecond * size) / 1e6).toFixed(2),
  });

try {
  for (const size of [1024, 1024 * 1024]) {
    const value = randomBytes(size);
    const rawDir = join(base, `raw-${size}`);
    await mkdir(rawDir, { recursive: true });
    row(
      'raw fs.writeFile + readFile',
      size,
      '-',
      await measure(async (i) => {
        const path = join(rawDir, `k${i % 4}`);
        await writeFile(path, value);
        await readFile(path);
      }),
    );
    row(
      'raw atomic write + readFile',
      size,
      '-',
      await measure(async (i) => {
        const path = join(rawDir, `a${i % 4}`);
        await atomicWrite(path, value);
        await readFile(path);
      }),
    );

    for (const count of [1, 3]) {
      const names = Array.from({ length: count }, (_, i) => `d${i}`);
      const dir = join(base, `run-${size}-${count}`);
      const drivers = names.map((name) => benchDriver(name, join(dir, name)));
      const coordinator = new ReplicationCoordinator({ drivers, requiredWrite: names });
      row(
        'coordinator put + get (bytes as given)',
        size,
        count,
        await measure(async (i) => {
          const key = `k${i % 4}`;
          const report = await coordinator.put('mutable', key, value);
          if (!report.ok) throw new Error('put failed');
          // Sources in configured order; stop at the first that holds a copy.
          for (const source of coordinator.sources('mutable', key)) {
            if ((await source.fetch()) !== null) break;
          }
        }),
      );

      const client = await openStorage({
        name: 'bench.id',
        config: { storageDrivers: names, requiredWrite: names, metadataDir: join(dir, 'metadata') },
        drivers: names.map((name) => benchDriver(name, join(dir, `client-${name}`))),
        policy: { retries: 0 },
        onWarning: () => {},
      });
      row(
        'client putMutable + getMutable (encrypted, signed)',
        size,
        count,
        await measure(async (i) => {
          const key = `k${i % 4}`;
          await client.putMutable(key, value);
          const got = await client.getMutable(key, { policy: 'first' });
          if (got.data.byteLength !== size) throw new Error('wrong size');
        }),
      );
      row(
        'client putMutable + getMutable (public, signed)',
        size,
        count,
        await measure(async (i) => {
          const key = `p${i % 4}`;
          await client.putMutable(key, value, { public: true });
          await client.getMutable(key, { policy: 'first' });
        }),
      );
      await client.close();
    }
  }
  console.log(`client.bench (node ${process.version}, median of ${REPS} reps of ≥${MIN_MS} ms, sequential)`);
  console.table(rows);

  // The goal compares puts alone at the same concurrency: fsyncs of different files overlap,
  // so the client's extra fsync (the version cache) costs less than in the sequential table.
  const putRows = [];
  for (const size of [1024, 1024 * 1024]) {
    const value = randomBytes(size);
    const dir = join(base, `concurrent-${size}`);
    await mkdir(join(dir, 'raw'), { recursive: true });
    const client = await openStorage({
      name: 'bench.id',
      config: { storageDrivers: ['d0'], requiredWrite: ['d0'], metadataDir: join(dir, 'metadata') },
      drivers: [benchDriver('d0', join(dir, 'client'))],
      policy: { retries: 0 },
      onWarning: () => {},
    });
    const blindPut = await blindPutter(dir, client.publicKey);
    for (const concurrency of [1, 8]) {
      const batch = (run) =>
        measure((i) => Promise.all(Array.from({ length: concurrency }, (_, j) => run(`k${j}`, i)))).then(
          (rate) => rate * concurrency,
        );
      const raw = await batch((key) => atomicWrite(join(dir, 'raw', key), value));
      const blind = await batch((key) => blindPut(key, value));
      const put = await batch((key) => client.putMutable(key, value));
      putRows.push({
        value: size === 1024 ? '1 KiB' : '1 MiB',
        concurrency,
        'raw atomic writes/s': raw.toFixed(0),
        'blind puts/s (before)': blind.toFixed(0),
        'client encrypted puts/s': put.toFixed(0),
        'blind / raw': (blind / raw).toFixed(2),
        'client / raw': (put / raw).toFixed(2),
      });
    }
    await client.close();
  }
  console.log(
    'puts alone, 1 disk-like driver, at the same concurrency (distinct ids per batch); "blind" is the put path before issue 11 (cache version + 1, no read of the drivers, no claim)',
  );
  console.table(putRows);
} finally {
  await rm(base, { recursive: true, force: true });
}
