// Throughput of the chunked format (bsc1) codec beside the raw primitives it is built on, same run.
// Run: pnpm --filter @blockstack-storage/core build && node bench/chunked.bench.mjs
// Encode + decode of a 64 MiB value held in memory (an in-memory chunk store: no disk, no network),
// against one AES-256-GCM pass (createCipheriv) and one SHA-256 pass over the same bytes. Each figure
// is the median (min–max) of REPS reps after one warm-up rep. MB/s = 10^6 plaintext bytes per second.
// Not a test: it prints tables and asserts nothing. BENCH_CHUNK_SIZES=1,4,8 (MiB) picks the sizes.
import { createCipheriv, createHash, randomBytes } from 'node:crypto';

const REPS = Number(process.env.BENCH_REPS ?? 5);
const SIZE = Number(process.env.BENCH_MIB ?? 64) * 1024 * 1024;
const CHUNK_SIZES = (process.env.BENCH_CHUNK_SIZES ?? '1,4,8').split(',').map((m) => Number(m) * 1024 * 1024);
const PIECE = 64 * 1024; // what a file read stream yields

let chunked;
let keys;
try {
  chunked = await import('../dist/chunked/index.js');
  // Not the package root: the bench needs only the codec and key generation.
  keys = await import('../dist/identity/data-key.js');
} catch (error) {
  console.error('Build the package first (pnpm build in packages/core):', error.message);
  process.exit(1);
}

const writer = keys.generateDataKeyPair();
const reader = keys.generateDataKeyPair();
const value = randomBytes(SIZE);

async function* pieces() {
  for (let at = 0; at < SIZE; at += PIECE) yield value.subarray(at, at + PIECE);
}

async function roundTrip(chunkBytes, encrypted) {
  const store = new Map();
  const encoding = chunked.encodeChunked(pieces(), {
    fqDataId: 'bench.id/value',
    version: 1,
    timestamp: 0,
    privateKey: writer.privateKey,
    chunkBytes,
    ...(encrypted ? { encryptTo: reader.publicKey } : {}),
  });
  for await (const chunk of encoding) store.set(chunk.hash, chunk.bytes);
  const manifest = chunked.parseManifest((await encoding.manifest).bytes, writer.publicKey);
  let read = 0;
  const fetch = async (_index, hash) => store.get(hash) ?? null;
  for await (const part of chunked.decodeChunked(manifest, fetch, { privateKey: reader.privateKey }))
    read += part.byteLength;
  if (read !== SIZE) throw new Error(`read ${read} of ${SIZE}`);
}

function rawGcm() {
  const cipher = createCipheriv('aes-256-gcm', randomBytes(32), randomBytes(12));
  for (let at = 0; at < SIZE; at += PIECE) cipher.update(value.subarray(at, at + PIECE));
  cipher.final();
}

function rawSha256() {
  const hash = createHash('sha256');
  for (let at = 0; at < SIZE; at += PIECE) hash.update(value.subarray(at, at + PIECE));
  hash.digest();
}

async function measure(run) {
  await run();
  const rates = [];
  for (let rep = 0; rep < REPS; rep++) {
    const start = performance.now();
    await run();
    rates.push(SIZE / 1e6 / ((performance.now() - start) / 1000));
  }
  rates.sort((a, b) => a - b);
  return rates;
}

const fmt = (n) => (n >= 100 ? Math.round(n).toLocaleString('en') : n.toPrecision(3));
const cell = (rates) => `${fmt(rates[Math.floor(rates.length / 2)])} (${fmt(rates[0])}–${fmt(rates.at(-1))})`;
const median = (rates) => rates[Math.floor(rates.length / 2)];

const started = performance.now();
const gcm = await measure(rawGcm);
const sha = await measure(rawSha256);
console.log(
  `bsc1 codec, ${SIZE / 1024 / 1024} MiB value in ${PIECE / 1024} KiB pieces, ${REPS} reps, node ${process.version}`,
);
console.log(
  'encode + decode MB/s (plaintext), and the ratio of each median to raw AES-256-GCM and to raw SHA-256 (one pass each)\n',
);
console.log('| case | chunk | MB/s median (min–max) | × raw GCM | × raw SHA-256 |');
console.log('|---|---|---|---|---|');
console.log(
  `| raw createCipheriv('aes-256-gcm'), one pass | – | ${cell(gcm)} | 1.00 | ${(median(gcm) / median(sha)).toFixed(2)} |`,
);
console.log(
  `| raw SHA-256, one pass | – | ${cell(sha)} | ${(median(sha) / median(gcm)).toFixed(2)} | 1.00 |`,
);
for (const chunkBytes of CHUNK_SIZES) {
  for (const encrypted of [true, false]) {
    const rates = await measure(() => roundTrip(chunkBytes, encrypted));
    const label = encrypted ? 'encrypted encode + decode' : 'public encode + decode';
    console.log(
      `| ${label} | ${chunkBytes / 1024 / 1024} MiB | ${cell(rates)} | ${(median(rates) / median(gcm)).toFixed(2)} | ${(median(rates) / median(sha)).toFixed(2)} |`,
    );
  }
}
console.log(`\n(${((performance.now() - started) / 1000).toFixed(1)} s)`);
