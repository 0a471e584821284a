// Latency and bandwidth of the confidential driver beside its inner driver (the disk driver in a
// temporary directory), for a few block sizes and slot periods. Run `pnpm build` first.
// Workload: REPS times, put a 4 KiB value then get it back (one after another, as one user would).
// Usage: node bench/confidential.bench.mjs [reps]
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readBody } from '@blockstack-storage/core/driver';
import { createDiskDriver } from '@blockstack-storage/driver-disk';
import { createConfidentialDriver } from '../dist/index.js';

const REPS = Number(process.argv[2] ?? 20);
const VALUE_BYTES = 4096;
const SETTINGS = [
  { blockBytes: 4 * 1024, slotMs: 5 },
  { blockBytes: 16 * 1024, slotMs: 5 },
  { blockBytes: 16 * 1024, slotMs: 20 },
  { blockBytes: 64 * 1024, slotMs: 20 },
];

/** Counts the bytes that cross to and from the provider, and the requests. */
function counting(inner) {
  const counts = { up: 0, down: 0, requests: 0 };
  const driver = Object.create(inner);
  driver.putMutable = async (id, body, options) => {
    const bytes = await readBody(body);
    counts.up += bytes.byteLength;
    counts.requests++;
    return inner.putMutable(id, bytes, options);
  };
  driver.getMutable = async (id, options) => {
    counts.requests++;
    const object = await inner.getMutable(id, options);
    if (!object) return null;
    const bytes = await readBody(object.body);
    counts.down += bytes.byteLength;
    return { ...object, body: [bytes] };
  };
  return { driver, counts };
}

async function run(store) {
  const puts = [];
  const gets = [];
  const started = performance.now();
  for (let i = 0; i < REPS; i++) {
    const value = randomBytes(VALUE_BYTES);
    let t = performance.now();
    await store.putMutable(`bench/${i % 4}`, value);
    puts.push(performance.now() - t);
    t = performance.now();
    const object = await store.getMutable(`bench/${i % 4}`);
    await readBody(object.body);
    gets.push(performance.now() - t);
  }
  return { seconds: (performance.now() - started) / 1000, put: median(puts), get: median(gets) };
}

function median(xs) {
  const sorted = [...xs].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

const root = await mkdtemp(join(tmpdir(), 'bss-confidential-bench-'));
try {
  const rows = [];
  const disk = (name) => createDiskDriver({ root: join(root, name), createRoot: true });
  const bare = counting(disk('bare'));
  await bare.driver.init?.();
  const base = await run(bare.driver);
  const useful = REPS * VALUE_BYTES * 2;
  rows.push({
    setting: 'disk alone',
    put: base.put,
    get: base.get,
    wire: bare.counts.up + bare.counts.down,
    rate: (bare.counts.up + bare.counts.down) / base.seconds,
  });
  for (const [i, setting] of SETTINGS.entries()) {
    const inner = counting(disk(`confidential-${i}`));
    const store = createConfidentialDriver({ inner: inner.driver, key: randomBytes(32), ...setting });
    await store.init();
    const result = await run(store);
    await store.close();
    rows.push({
      setting: `block ${setting.blockBytes / 1024} KiB, slot ${setting.slotMs} ms`,
      put: result.put,
      get: result.get,
      wire: inner.counts.up + inner.counts.down,
      rate: (inner.counts.up + inner.counts.down) / result.seconds,
      budget: (2 * setting.blockBytes * 1000) / setting.slotMs,
    });
  }
  console.log(
    `${REPS} × (put + get) of a ${VALUE_BYTES}-byte value; ${useful} useful bytes in all; disk driver inside.`,
  );
  console.log(
    'setting                      | put ms (median) | get ms (median) | bytes on the wire | × useful | wire rate KiB/s | budget KiB/s',
  );
  console.log(
    '-----------------------------|-----------------|-----------------|-------------------|----------|-----------------|-------------',
  );
  for (const row of rows) {
    console.log(
      `${row.setting.padEnd(28)} | ${row.put.toFixed(2).padStart(15)} | ${row.get.toFixed(2).padStart(15)} | ` +
        `${String(row.wire).padStart(17)} | ${(row.wire / useful).toFixed(1).padStart(8)} | ` +
        `${(row.rate / 1024).toFixed(0).padStart(15)} | ${row.budget ? (row.budget / 1024).toFixed(0).padStart(12) : '           -'}`,
    );
  }
} finally {
  await rm(root, { recursive: true, force: true });
}
