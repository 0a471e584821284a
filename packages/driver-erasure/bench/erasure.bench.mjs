// Put / get throughput of the erasure driver (k=4, m=2 over six in-memory skeleton drivers) beside
// the raw Reed-Solomon encode of the same bytes in the same run. Run `pnpm build` first.
// The coder alone, beside the native @ronomon/reed-solomon at 10 + 4 and 4 + 2: coder.bench.mjs.
// Usage: node bench/erasure.bench.mjs [reps]
import { patternBytes as pattern } from '@blockstack-storage/conformance';
import { readBody } from '@blockstack-storage/core/driver';
import { createSkeletonDriver } from '@blockstack-storage/driver-skeleton';
import { createWasmReedSolomonBinding } from '@shelby-protocol/reed-solomon';
import { createErasureDriver, ReedSolomon } from '../dist/index.js';

const MiB = 1024 * 1024;
const K = 4;
const M = 2;
const STRIPE = MiB;

async function* chunks(value) {
  for (let offset = 0; offset < value.byteLength; offset += MiB) yield value.subarray(offset, offset + MiB);
}

/** The coder alone: the same stripes, pieces and parity buffers the driver encodes, no I/O, no hashing. */
function rawEncode(coder, value) {
  for (let offset = 0; offset < value.byteLength; offset += STRIPE) {
    const stripe = value.subarray(offset, offset + STRIPE);
    const piece = Math.ceil(stripe.byteLength / K);
    const data = Array.from({ length: K }, (_, i) => {
      const out = new Uint8Array(piece);
      out.set(stripe.subarray(i * piece, Math.min((i + 1) * piece, stripe.byteLength)));
      return out;
    });
    const parity = Array.from({ length: M }, () => new Uint8Array(piece));
    coder.encode(data, parity);
  }
}

/** The same encode with the WASM coder measured in the perf ceilings (klauspost matrix): one contiguous buffer. */
function wasmEncode(wasm, value) {
  for (let offset = 0; offset < value.byteLength; offset += STRIPE) {
    const stripe = value.subarray(offset, offset + STRIPE);
    const piece = Math.ceil(stripe.byteLength / K);
    const shards = new Uint8Array(piece * (K + M));
    shards.set(stripe);
    const result = wasm.encode(shards, K, M);
    if (result !== 0) throw new Error(`WASM encode failed with code ${result}`);
  }
}

function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

async function time(fn) {
  const start = process.hrtime.bigint();
  await fn();
  return Number(process.hrtime.bigint() - start) / 1e9;
}

const reps = Number(process.argv[2] ?? 5);
const coder = new ReedSolomon(K, M);
const wasm = createWasmReedSolomonBinding();
const rows = [];
for (const size of [MiB, 64 * MiB]) {
  const value = pattern(size, size);
  const driver = createErasureDriver({
    drivers: Array.from({ length: K + M }, () => createSkeletonDriver()),
    dataShards: K,
    parityShards: M,
    stripeBytes: STRIPE,
  });
  const repsHere = size === MiB ? reps * 10 : reps;
  const put = [];
  const get = [];
  const encode = [];
  const wasmRate = [];
  for (let rep = 0; rep < repsHere + 1; rep++) {
    const p = await time(() => driver.putMutable('bench', chunks(value), { size }));
    let read;
    const g = await time(async () => {
      const object = await driver.getMutable('bench');
      read = await readBody(object.body);
    });
    if (read.byteLength !== size) throw new Error('bench read back the wrong size');
    const e = await time(() => rawEncode(coder, value));
    const w = await time(() => wasmEncode(wasm, value));
    if (rep === 0) continue; // warm-up
    put.push(size / MiB / p);
    get.push(size / MiB / g);
    encode.push(size / MiB / e);
    wasmRate.push(size / MiB / w);
  }
  await driver.close();
  rows.push({
    size: `${size / MiB} MiB`,
    reps: repsHere,
    put: median(put),
    get: median(get),
    encode: median(encode),
    wasm: median(wasmRate),
  });
}

console.log(
  `erasure driver, k=${K} m=${M}, ${STRIPE / MiB} MiB stripes, 6 in-memory skeleton drivers, ` +
    `coder ${coder.coder}, Node ${process.version}`,
);
console.log('MB/s of value (MiB/s), medians\n');
console.log(
  '| value | reps | put | get | raw RS encode, this package | raw RS encode, @shelby-protocol/reed-solomon (WASM) |',
);
console.log('|---|---|---|---|---|---|');
for (const r of rows) {
  console.log(
    `| ${r.size} | ${r.reps} | ${r.put.toFixed(1)} | ${r.get.toFixed(1)} | ${r.encode.toFixed(1)} | ${r.wasm.toFixed(1)} |`,
  );
}
