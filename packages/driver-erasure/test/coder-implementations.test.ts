import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { describe, expect, it, vi } from 'vitest';
import { ReedSolomon } from '../src/reed-solomon.js';
import { defaultRowMultiplier, type RowMultiplier, typescriptRowMultiplier } from '../src/row-multiplier.js';
import { createWasmRowMultiplier } from '../src/simd/wasm-row-multiplier.js';

/** The same xorshift bytes the vectors below were made from. */
function randomShards(count: number, bytes: number, seed: number): Uint8Array[] {
  let x = seed * 2654435761 || 1;
  return Array.from({ length: count }, () =>
    Uint8Array.from({ length: bytes }, () => {
      x ^= x << 13;
      x ^= x >>> 17;
      x ^= x << 5;
      return x & 0xff;
    }),
  );
}

function subsets(n: number, size: number): number[][] {
  if (size === 0) return [[]];
  if (n < size) return [];
  return [...subsets(n - 1, size), ...subsets(n - 1, size - 1).map((s) => [...s, n - 1])];
}

function sha256(shards: readonly Uint8Array[]): string {
  const hash = createHash('sha256');
  for (const shard of shards) hash.update(shard);
  return hash.digest('hex');
}

const wasmSimd = createWasmRowMultiplier('wasm-simd');
const wasmRelaxed = createWasmRowMultiplier('wasm-relaxed-simd');
const implementations: RowMultiplier[] = [typescriptRowMultiplier, wasmSimd!, wasmRelaxed!];

/**
 * SHA-256 of all parity shards of `randomShards(k, bytes, k * 1000 + m)`, computed with the pure
 * TypeScript coder of driver-erasure 0.1.0 (before the WASM one existed): shards already stored
 * were made by it, so every implementation must reproduce these bytes exactly.
 */
const PARITY_FROM_0_1_0: [k: number, m: number, bytes: number, sha256: string][] = [
  [1, 1, 1, '9d277175737fb50041e75f641acf94d10df9b9721db8fffe874ab57f8ffb062e'],
  [1, 3, 100, 'cef2a0ed5b4c5c70ca5ca43b52e5e628a46b719afc01b708de2e1abfbff65c8f'],
  [3, 2, 63, '97da551497479e32ae7b788142792b60bd571d657117574137689ee7c3dff4d7'],
  [4, 2, 1000, 'c85f656a9df9335b3587d3a7dda20d0d1a5e2ee894e66e4eee167d71d53c6c54'],
  [5, 3, 64, 'f3960e3ef1eefdd2f7d46598c2dd5917cb1832471da1f8de76f643b88871614f'],
  [10, 4, 70001, 'e7f993c51249a05a4a5f5a4cccda323d518d71651e149bf56f9258ac6afa0c94'],
  [17, 3, 4097, '081cee26967c4705455e89e9aa4b0091e0c2d8e118fd203c9d8da486ddaa7b81'],
  [200, 55, 130, 'b0f7c3cce860cef1fd6cb32a1a767291efa0080562a824d960a53149259cd884'],
];

describe('coder implementations', () => {
  it('both WebAssembly kernels load on this Node, and the coder picks the relaxed-SIMD one', () => {
    expect(wasmSimd?.name).toBe('wasm-simd');
    expect(wasmRelaxed?.name).toBe('wasm-relaxed-simd');
    expect(defaultRowMultiplier().name).toBe('wasm-relaxed-simd');
    expect(new ReedSolomon(4, 2).coder).toBe('wasm-relaxed-simd');
  });

  it('the committed module is what scripts/generate-gf-kernel.mjs makes from gf-kernel.wat', () => {
    const script = fileURLToPath(new URL('../scripts/generate-gf-kernel.mjs', import.meta.url));
    expect(() => execFileSync(process.execPath, [script, '--check'], { stdio: 'pipe' })).not.toThrow();
  });

  for (const implementation of implementations) {
    it(`${implementation.name}: parity is byte-identical to the 0.1.0 coder's`, () => {
      for (const [k, m, bytes, expected] of PARITY_FROM_0_1_0) {
        const parity = Array.from({ length: m }, () => new Uint8Array(bytes));
        new ReedSolomon(k, m, implementation).encode(randomShards(k, bytes, k * 1000 + m), parity);
        expect(sha256(parity), `k=${k} m=${m} bytes=${bytes}`).toBe(expected);
      }
    });

    it(`${implementation.name}: rebuilds the data from every choice of k shards (k <= 4, m <= 3)`, () => {
      for (let k = 1; k <= 4; k++) {
        for (let m = 1; m <= 3; m++) {
          const coder = new ReedSolomon(k, m, implementation);
          for (const bytes of [1, 100, 129]) {
            const data = randomShards(k, bytes, k * 10 + m + bytes);
            const parity = Array.from({ length: m }, () => new Uint8Array(bytes));
            // Written by the 0.1.0 coder, read by this one.
            new ReedSolomon(k, m, typescriptRowMultiplier).encode(data, parity);
            const all = [...data, ...parity];
            for (const kept of subsets(k + m, k)) {
              const slots = all.map((shard, i) => (kept.includes(i) ? shard.slice() : null));
              const rebuilt = coder.reconstructData(slots, bytes);
              expect(sha256(rebuilt), `k=${k} m=${m} bytes=${bytes} kept=${kept}`).toBe(sha256(data));
            }
          }
        }
      }
    });
  }

  it('the WebAssembly kernels give the TypeScript bytes at every length, offset and shape', {
    timeout: 60_000,
  }, () => {
    // Lengths around the 64-byte step and past the copy block (256 KiB over all shards of a call:
    // 128 KiB per shard at 1 + 1, 18 KiB at 10 + 4, 6 KiB at 33 + 7).
    const lengths = [0, 1, 15, 63, 64, 65, 1000, 40_001];
    const shapes = [
      [1, 1],
      [2, 5],
      [4, 2],
      [10, 4],
      [33, 7],
    ];
    for (const [k, m] of shapes as [number, number][]) {
      for (const bytes of k + m <= 7 ? [...lengths, 300_001] : lengths) {
        // Inputs at an odd byte offset inside a larger buffer, as frames hand them over.
        const data = randomShards(k, bytes + 3, k + m + bytes).map((shard) => shard.subarray(3));
        const expected = Array.from({ length: m }, () => new Uint8Array(bytes));
        new ReedSolomon(k, m, typescriptRowMultiplier).encode(data, expected);
        for (const wasm of [wasmSimd!, wasmRelaxed!]) {
          const parity = Array.from({ length: m }, () => new Uint8Array(bytes).fill(0xaa));
          new ReedSolomon(k, m, wasm).encode(data, parity);
          expect(sha256(parity), `${wasm.name} k=${k} m=${m} bytes=${bytes}`).toBe(sha256(expected));
          const lost = [...data.slice(0, Math.min(m, k)).map(() => null), ...data.slice(Math.min(m, k))];
          const rebuilt = new ReedSolomon(k, m, wasm).reconstructData([...lost, ...parity], bytes);
          expect(sha256(rebuilt), `${wasm.name} decode k=${k} m=${m} bytes=${bytes}`).toBe(sha256(data));
        }
      }
    }
  });

  it('an input shorter than the outputs counts as zeros past its end, in every implementation', () => {
    const rows = [Uint8Array.of(3, 7), Uint8Array.of(1, 0x8e)];
    const inputs = [...randomShards(1, 200, 5), ...randomShards(1, 77, 6)];
    const expected = [new Uint8Array(200), new Uint8Array(200)];
    typescriptRowMultiplier.multiply(rows, inputs, expected);
    for (const wasm of [wasmSimd!, wasmRelaxed!]) {
      // Stale bytes in WebAssembly memory from a call before must not leak into the short input's tail.
      wasm.multiply(rows, randomShards(2, 200, 7), [new Uint8Array(200), new Uint8Array(200)]);
      const outputs = [new Uint8Array(200), new Uint8Array(200)];
      wasm.multiply(rows, inputs, outputs);
      expect(sha256(outputs), wasm.name).toBe(sha256(expected));
    }
  });

  it('falls back to the TypeScript coder where WebAssembly is missing', async () => {
    vi.resetModules();
    vi.stubGlobal('WebAssembly', undefined);
    try {
      const fresh = await import('../src/reed-solomon.js');
      const coder = new fresh.ReedSolomon(3, 2);
      expect(coder.coder).toBe('typescript');
      const data = randomShards(3, 10, 1);
      const parity = [new Uint8Array(10), new Uint8Array(10)];
      coder.encode(data, parity);
      expect(coder.reconstructData([null, null, data[2]!, ...parity], 10)).toEqual(data);
    } finally {
      vi.unstubAllGlobals();
      vi.resetModules();
    }
  });
});
