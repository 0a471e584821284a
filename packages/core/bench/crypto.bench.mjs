// Crypto throughput of @blockstack-storage/core beside @stacks/encryption on the same bytes.
// Run: pnpm --filter @blockstack-storage/core build && node bench/crypto.bench.mjs
// Each figure is the median (min–max) of REPS timed reps of at least MIN_MS each, after one warm-up
// rep; the reps of all cases run in turn.
// Not a test: it prints a table and asserts nothing. MB/s = 10^6 bytes of plaintext per second.
import { randomBytes } from 'node:crypto';
import { createRequire } from 'node:module';

const REPS = Number(process.env.BENCH_REPS ?? 5);
const MIN_MS = Number(process.env.BENCH_MIN_MS ?? 300);

let core;
let native;
let noble;
try {
  core = await import('../dist/index.js');
  ({ loadLibsecp256k1: native } = await import('../dist/crypto/curve-libsecp256k1.js'));
  ({ nobleSecp256k1: noble } = await import('../dist/crypto/curve-noble.js'));
} catch (error) {
  console.error('Build the package first (pnpm build in packages/core):', error.message);
  process.exit(1);
}
const stacks = createRequire(import.meta.url)('@stacks/encryption');

/** Runs `run` (sync or async) in a loop for at least MIN_MS; returns operations per second. */
async function rate(run) {
  let ops = 0;
  const start = performance.now();
  let elapsed = 0;
  while (elapsed < MIN_MS) {
    const result = run();
    if (result instanceof Promise) await result;
    ops++;
    elapsed = performance.now() - start;
  }
  return (ops * 1000) / elapsed;
}

const cases = [];
function row(label, run, bytes) {
  cases.push({ label, run, bytes, rates: [] });
}

const fmt = (n) => (n >= 100 ? Math.round(n).toLocaleString('en') : n.toPrecision(3));
function cell(rates, scale = 1) {
  const sorted = rates.map((r) => r * scale).sort((a, b) => a - b);
  return `${fmt(sorted[Math.floor(sorted.length / 2)])} (${fmt(sorted[0])}–${fmt(sorted.at(-1))})`;
}

const key = core.generateDataKeyPair();
const keyHex = Buffer.from(key.privateKey).toString('hex');
const pubHex = Buffer.from(key.publicKey).toString('hex');
const digest = core.sha256('benchmark');

// secp256k1 primitives, each backend directly.
for (const curve of [native(), noble()]) {
  const signature = curve.sign(digest, key.privateKey);
  row(`${curve.name} sign (32-byte digest)`, () => curve.sign(digest, key.privateKey));
  row(`${curve.name} verify`, () => curve.verify(signature, digest, key.publicKey));
  row(`${curve.name} ECDH x-coordinate`, () => curve.ecdhX(key.publicKey, key.privateKey));
}
const stacksSig = stacks.signECDSA(keyHex, 'benchmark');
row('@stacks/encryption signECDSA', () => stacks.signECDSA(keyHex, 'benchmark'));
row('@stacks/encryption verifyECDSA', () => stacks.verifyECDSA('benchmark', pubHex, stacksSig.signature));

// Signed envelopes and tombstones (process backend: core.secp256k1BackendName()).
for (const size of [1024, 1 << 20]) {
  const data = new Uint8Array(randomBytes(size));
  const datum = { fqDataId: 'alice.id/bench', data, version: 1, timestamp: 1_700_000_000 };
  const bytes = core.signMutableEnvelope(datum, key.privateKey);
  row(
    `bsk2 sign ${size === 1024 ? '1 KiB' : '1 MiB'}`,
    () => core.signMutableEnvelope(datum, key.privateKey),
    size,
  );
  row(
    `bsk2 verify ${size === 1024 ? '1 KiB' : '1 MiB'}`,
    () => core.verifyMutableEnvelope(bytes, key.publicKey),
    size,
  );
}

// ECIES beside @stacks/encryption, same plaintext, same recipient.
for (const size of [1024, 1 << 20]) {
  const label = size === 1024 ? '1 KiB' : '1 MiB';
  const plain = new Uint8Array(randomBytes(size));
  for (const encoding of ['hex', 'base64']) {
    const ours = core.encryptECIES(key.publicKey, plain, { cipherTextEncoding: encoding });
    const theirs = await stacks.encryptECIES(pubHex, plain, false, encoding);
    row(
      `ECIES encrypt ${label} ${encoding}: core`,
      () => core.encryptECIES(key.publicKey, plain, { cipherTextEncoding: encoding }),
      size,
    );
    row(
      `ECIES encrypt ${label} ${encoding}: @stacks/encryption`,
      () => stacks.encryptECIES(pubHex, plain, false, encoding),
      size,
    );
    row(`ECIES decrypt ${label} ${encoding}: core`, () => core.decryptECIES(key.privateKey, ours), size);
    row(
      `ECIES decrypt ${label} ${encoding}: @stacks/encryption`,
      () => stacks.decryptECIES(keyHex, theirs),
      size,
    );
  }
  row(
    `ECIES encrypt→JSON bytes ${label} base64: core`,
    () => core.encryptECIESToBytes(key.publicKey, plain, { cipherTextEncoding: 'base64' }),
    size,
  );
}
// Reps run in turn across all cases, so a slow spell on the shared host hits every case alike.
for (let rep = 0; rep <= REPS; rep++) {
  for (const c of cases) {
    const r = await rate(c.run);
    if (rep > 0) c.rates.push(r); // rep 0 is the warm-up
  }
  process.stderr.write(`rep ${rep}/${REPS} done\n`);
}
const rows = cases.map((c) => [c.label, cell(c.rates), c.bytes ? cell(c.rates, c.bytes / 1e6) : '']);

const header = ['case', 'ops/s median (min–max)', 'MB/s median (min–max)'];
const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
const line = (cells) => `| ${cells.map((c, i) => c.padEnd(widths[i])).join(' | ')} |`;
console.log(
  `secp256k1 backend in use: ${core.secp256k1BackendName()}; Node ${process.version}; ${REPS} reps ≥ ${MIN_MS} ms`,
);
console.log(line(header));
console.log(line(widths.map((w) => '-'.repeat(w))));
for (const r of rows) console.log(line(r));
