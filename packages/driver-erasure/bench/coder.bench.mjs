// The Reed-Solomon coder alone, every implementation of this package beside the native
// @ronomon/reed-solomon addon (C; not built at install: this bench builds it once with node-gyp), in the same run on the same bytes:
// a 64 MiB value cut into ~1 MiB stripes (k pieces of the same size, a multiple of 8 bytes as the
// addon requires), one stripe at a time on one thread. Run `pnpm build` first.
// Usage: node bench/coder.bench.mjs [reps]
import { spawnSync } from 'node:child_process';
import { randomFillSync } from 'node:crypto';
import { createRequire } from 'node:module';
import { cpus, loadavg } from 'node:os';
import { dirname } from 'node:path';
import { ReedSolomon } from '../dist/index.js';
import { typescriptRowMultiplier } from '../dist/row-multiplier.js';
import { createWasmRowMultiplier } from '../dist/simd/wasm-row-multiplier.js';

const MiB = 1024 * 1024;
const VALUE_BYTES = 64 * MiB;
const STRIPE_BYTES = MiB;
const SHAPES = [
  [10, 4],
  [4, 2],
];
const reps = Number(process.argv[2] ?? 7);

/**
 * The native addon, or why it is not there. Its build (node-gyp: a C compiler and Node's headers) is not
 * run at install, so a machine without a compiler can still install the workspace; the bench builds it
 * the first time, into the addon's own directory, and says so.
 */
function loadNative() {
  const require = createRequire(import.meta.url);
  try {
    return { native: require('@ronomon/reed-solomon') };
  } catch {
    // Not built yet (or built for another Node): try to build it once.
  }
  try {
    const dir = dirname(require.resolve('@ronomon/reed-solomon/package.json'));
    console.log(`building the native coder once for the comparison (node-gyp in ${dir}) ...`);
    const built = spawnSync('npx', ['--yes', 'node-gyp@11', 'rebuild'], { cwd: dir, encoding: 'utf8' });
    if (built.status !== 0) {
      const output = `${built.stderr ?? ''}${built.stdout ?? ''}`.trim().split('\n').slice(-1)[0];
      return { why: `node-gyp rebuild failed (${output || built.error?.message || `exit ${built.status}`})` };
    }
    return { native: require('@ronomon/reed-solomon') };
  } catch (error) {
    return { why: error instanceof Error ? error.message.split('\n')[0] : String(error) };
  }
}

function loadAverage() {
  return loadavg()
    .map((load) => load.toFixed(1))
    .join(' ');
}

function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

/**
 * Wall seconds and CPU seconds of the whole process (the native addon works on a libuv thread,
 * which counts too). On a shared machine the wall time also counts the time other processes had
 * the CPU, and it favours code that sleeps between bursts (the native addon's callbacks) over code
 * that computes on one thread without a pause: CPU time is the fairer comparison there.
 */
async function seconds(fn) {
  const cpu = process.cpuUsage();
  const start = process.hrtime.bigint();
  await fn();
  const wall = Number(process.hrtime.bigint() - start) / 1e9;
  const used = process.cpuUsage(cpu);
  return { wall, cpu: (used.user + used.system) / 1e6 };
}

/** The value as stripes of k pieces each, the pieces contiguous (the layout the native addon takes). */
function layout(k, m) {
  const piece = Math.ceil(STRIPE_BYTES / k / 8) * 8;
  const stripes = Math.ceil(VALUE_BYTES / (k * piece));
  const value = randomFillSync(new Uint8Array(stripes * k * piece));
  const parity = new Uint8Array(stripes * m * piece);
  const stripe = (s) => ({
    data: Array.from({ length: k }, (_, i) => value.subarray((s * k + i) * piece, (s * k + i + 1) * piece)),
    parity: Array.from({ length: m }, (_, i) =>
      parity.subarray((s * m + i) * piece, (s * m + i + 1) * piece),
    ),
  });
  return { piece, stripes, value, parity, stripe };
}

/** encode: parity of every stripe; decode: every stripe with its first m data pieces lost. */
function packageCoder(name, multiplier, k, m, shape) {
  const coder = new ReedSolomon(k, m, multiplier);
  return {
    name,
    encode() {
      for (let s = 0; s < shape.stripes; s++) {
        const { data, parity } = shape.stripe(s);
        coder.encode(data, parity);
      }
    },
    decode() {
      for (let s = 0; s < shape.stripes; s++) {
        const { data, parity } = shape.stripe(s);
        const slots = [...data, ...parity];
        for (let i = 0; i < m; i++) slots[i] = null;
        coder.reconstructData(slots, shape.piece);
      }
    },
  };
}

function nativeCoder(native, k, m, shape) {
  const context = native.create(k, m);
  const bits = (from, to) => {
    let mask = 0;
    for (let i = from; i < to; i++) mask |= 1 << i;
    return mask;
  };
  const value = Buffer.from(shape.value.buffer, shape.value.byteOffset, shape.value.byteLength);
  const parityOut = Buffer.alloc(m * shape.piece);
  const stripeBytes = k * shape.piece;
  const parityBytes = m * shape.piece;
  const run = (sources, targets, buffer, bufferOffset, parity, parityOffset) =>
    new Promise((resolve, reject) =>
      native.encode(
        context,
        sources,
        targets,
        buffer,
        bufferOffset,
        stripeBytes,
        parity,
        parityOffset,
        parityBytes,
        (error) => (error ? reject(error) : resolve()),
      ),
    );
  return {
    name: '@ronomon/reed-solomon (native C)',
    async encode() {
      for (let s = 0; s < shape.stripes; s++)
        await run(bits(0, k), bits(k, k + m), value, s * stripeBytes, parityOut, 0);
    },
    // Its own parity (another matrix): rebuild the first m data pieces in place from the rest.
    async decode(parity) {
      for (let s = 0; s < shape.stripes; s++)
        await run(bits(m, k + m), bits(0, m), value, s * stripeBytes, parity, s * parityBytes);
    },
    /** Parity of the whole value with the native matrix, for its decode. */
    async encodeAll() {
      const all = Buffer.alloc(shape.stripes * parityBytes);
      for (let s = 0; s < shape.stripes; s++)
        await run(bits(0, k), bits(k, k + m), value, s * stripeBytes, all, s * parityBytes);
      return all;
    },
  };
}

const { native, why } = loadNative();
console.log(
  `Reed-Solomon coders, ${VALUE_BYTES / MiB} MiB value in ~${STRIPE_BYTES / MiB} MiB stripes, one thread, ` +
    `Node ${process.version}, ${cpus()[0]?.model ?? 'unknown CPU'} x ${cpus().length}, ` +
    `${reps} reps (medians, after one warm-up), load average ${loadAverage()}`,
);
if (!native) console.log(`native coder unavailable: ${why}`);
console.log(
  'MiB/s of value (data bytes encoded, or data bytes of the stripes decoded): per wall second / per CPU second\n',
);
console.log('| k + m | coder | encode | decode, m data pieces lost | encode vs native |');
console.log('|---|---|---|---|---|');

const ratios = [];
for (const [k, m] of SHAPES) {
  const shape = layout(k, m);
  const coders = [
    packageCoder('this package, TypeScript', typescriptRowMultiplier, k, m, shape),
    packageCoder('this package, WASM SIMD', createWasmRowMultiplier('wasm-simd'), k, m, shape),
    packageCoder(
      'this package, WASM relaxed SIMD',
      createWasmRowMultiplier('wasm-relaxed-simd'),
      k,
      m,
      shape,
    ),
  ];
  // The package's parity for its decode runs, and a check that every implementation agrees.
  coders[0].encode();
  const reference = shape.parity.slice();
  for (const coder of coders.slice(1)) {
    shape.parity.fill(0);
    coder.encode();
    if (!Buffer.from(shape.parity).equals(Buffer.from(reference)))
      throw new Error(`${coder.name}: different parity`);
  }
  let nativeParity;
  if (native) {
    const coder = nativeCoder(native, k, m, shape);
    nativeParity = await coder.encodeAll();
    // Its decode rebuilds in place: wipe what it must rebuild once, and check that it comes back.
    const original = shape.value.slice();
    for (let s = 0; s < shape.stripes; s++)
      for (const piece of shape.stripe(s).data.slice(0, m)) piece.fill(0);
    await coder.decode(nativeParity);
    if (!Buffer.from(shape.value).equals(Buffer.from(original)))
      throw new Error('native decode: wrong bytes');
    coders.push(coder);
  }
  const rates = coders.map(() => ({ encode: [], decode: [], encodeCpu: [], decodeCpu: [] }));
  for (let rep = 0; rep <= reps; rep++) {
    // Interleaved, so a noisy neighbour on a shared machine hurts every coder alike.
    for (const [i, coder] of coders.entries()) {
      const encode = await seconds(() => coder.encode());
      const decode = await seconds(() => coder.decode(nativeParity));
      if (rep === 0) continue;
      const mib = shape.value.byteLength / MiB;
      rates[i].encode.push(mib / encode.wall);
      rates[i].decode.push(mib / decode.wall);
      rates[i].encodeCpu.push(mib / encode.cpu);
      rates[i].decodeCpu.push(mib / decode.cpu);
    }
  }
  const result = rates.map((rate) =>
    Object.fromEntries(Object.entries(rate).map(([name, values]) => [name, median(values)])),
  );
  const nativeResult = native ? result[coders.length - 1] : undefined;
  const ratio = (r) =>
    nativeResult
      ? `${(r.encode / nativeResult.encode).toFixed(2)} x / ${(r.encodeCpu / nativeResult.encodeCpu).toFixed(2)} x`
      : 'n/a';
  for (const [i, coder] of coders.entries()) {
    const r = result[i];
    console.log(
      `| ${k} + ${m} | ${coder.name} | ${r.encode.toFixed(0)} / ${r.encodeCpu.toFixed(0)} | ` +
        `${r.decode.toFixed(0)} / ${r.decodeCpu.toFixed(0)} | ${ratio(r)} |`,
    );
  }
  if (nativeResult) {
    const wasm = result[1].encodeCpu > result[2].encodeCpu ? 1 : 2;
    // The fastest rep is the one least disturbed by other processes.
    const fastest = (i) => Math.max(...rates[i].encode);
    const bestWall = (fastest(wasm) / fastest(coders.length - 1)).toFixed(2);
    ratios.push(`${k} + ${m}: ${ratio(result[wasm])} (fastest reps, per wall second: ${bestWall} x)`);
  }
}
console.log(
  ratios.length
    ? `\nencode, faster WASM kernel / native, medians per wall second / per CPU second: ${ratios.join(', ')}`
    : '\nencode, WASM / native: n/a (no native coder)',
);
console.log(`load average at the end: ${loadAverage()}`);
