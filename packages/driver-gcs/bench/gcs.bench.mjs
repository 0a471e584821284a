// Bench: put and get through the GCS driver beside the raw SDK (file.save / file.download) on the same
// Cloud Storage emulator, in the same run, same bytes. Run `pnpm build` first, then `pnpm bench`.
// The driver and raw runs are interleaved so drift on a shared machine hits both alike.
import { randomBytes } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { readBody } from '@blockstack-storage/core/driver';
import { Storage } from '@google-cloud/storage';
import { createGcsDriver, DEFAULT_RESUMABLE_THRESHOLD } from '../dist/index.js';
import { startGcsEmulator } from '../test/emulator/launch.mjs';

const KiB = 1024;
const MiB = 1024 * KiB;
const cases = [
  { label: '4 KiB', size: 4 * KiB, runs: 100 },
  { label: '1 MiB', size: MiB, runs: 60 },
  { label: '64 MiB', size: 64 * MiB, runs: 7 },
];

const emulator = await startGcsEmulator();
try {
  const bucketName = `bss-bench-${randomBytes(4).toString('hex')}`;
  const storage = new Storage({ projectId: 'demo-blockstack-storage', apiEndpoint: emulator.endpoint });
  const bucket = storage.bucket(bucketName);
  const driver = createGcsDriver({ bucket: bucketName, storage });
  const rows = [];
  for (const { label, size, runs } of cases) {
    const bytes = randomBytes(size);
    // Raw SDK with the same upload kind the driver picks for this size.
    const resumable = size > DEFAULT_RESUMABLE_THRESHOLD;
    const raw = bucket.file(`raw/${label}`);
    const ops = {
      put: {
        driver: () => driver.putMutable(`bench ${label}`, bytes),
        raw: () => raw.save(bytes, { resumable, contentType: 'application/octet-stream' }),
      },
      get: {
        driver: async () => {
          const object = await driver.getMutable(`bench ${label}`);
          await readBody(object.body);
        },
        raw: () => raw.download(),
      },
    };
    for (const [op, pair] of Object.entries(ops)) {
      const times = { driver: [], raw: [] };
      for (let i = 0; i < runs + 2; i++) {
        for (const who of i % 2 === 0 ? ['driver', 'raw'] : ['raw', 'driver']) {
          const start = performance.now();
          await pair[who]();
          if (i >= 2) times[who].push(performance.now() - start); // two warm-up rounds
        }
      }
      const d = median(times.driver);
      const r = median(times.raw);
      // Each driver run is paired with the raw run next to it: the median of those ratios resists the
      // load swings of a shared machine better than a ratio of medians.
      const paired = median(times.driver.map((t, i) => t / times.raw[i]));
      rows.push({ op, label, d, r, paired, mbps: size / MiB / (d / 1000) });
    }
  }
  console.log(
    `\nGCS driver vs raw @google-cloud/storage on the firebase-tools emulator (Node ${process.version}), median ms`,
  );
  console.log('| op | size | driver ms | raw SDK ms | driver MiB/s | driver / raw | paired ratio |');
  console.log('| --- | --- | ---: | ---: | ---: | ---: | ---: |');
  for (const { op, label, d, r, paired, mbps } of rows) {
    const cells = [
      op,
      label,
      d.toFixed(2),
      r.toFixed(2),
      mbps.toFixed(1),
      (d / r).toFixed(3),
      paired.toFixed(3),
    ];
    console.log(`| ${cells.join(' | ')} |`);
  }
} finally {
  await emulator.stop();
}

function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}
