import { describe, expect, it } from 'vitest';
import { gfInv, gfMul, mulAddInto } from '../src/gf256.js';
import { ReedSolomon } from '../src/reed-solomon.js';

/** Every subset of `size` elements of 0..n-1. */
function subsets(n: number, size: number): number[][] {
  if (size === 0) return [[]];
  if (n < size) return [];
  const without = subsets(n - 1, size);
  const withLast = subsets(n - 1, size - 1).map((s) => [...s, n - 1]);
  return [...without, ...withLast];
}

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

describe('GF(2^8)', () => {
  it('every non-zero element times its inverse is 1, and multiplication commutes', () => {
    for (let a = 1; a < 256; a++) {
      expect(gfMul(a, gfInv(a))).toBe(1);
      for (let b = 0; b < 256; b += 7) expect(gfMul(a, b)).toBe(gfMul(b, a));
    }
    expect(gfMul(0, 5)).toBe(0);
    // x * x^7 = x^8 = x^4 + x^3 + x^2 + 1 under 0x11d.
    expect(gfMul(2, 0x80)).toBe(0x1d);
  });

  it('the 32-bit word loop gives the same bytes as the byte loop, aligned or not', () => {
    const [src] = randomShards(1, 1031, 3);
    for (const coef of [0, 1, 2, 0x53, 0xff]) {
      const aligned = new Uint8Array(1031);
      mulAddInto(coef, src!, aligned);
      const backing = new Uint8Array(1040);
      const unaligned = backing.subarray(1, 1032);
      mulAddInto(coef, src!.slice(), unaligned);
      const expected = Uint8Array.from(src!, (byte) => gfMul(coef, byte));
      expect(Buffer.from(aligned).equals(Buffer.from(expected))).toBe(true);
      expect(Buffer.from(unaligned).equals(Buffer.from(expected))).toBe(true);
    }
  });
});

describe('ReedSolomon', () => {
  it('rebuilds the data from EVERY choice of k of the n shards (k <= 5, m <= 3)', () => {
    let cases = 0;
    for (let k = 1; k <= 5; k++) {
      for (let m = 1; m <= 3; m++) {
        const coder = new ReedSolomon(k, m);
        for (const bytes of [1, 3, 64, 257]) {
          const data = randomShards(k, bytes, k * 100 + m * 10 + bytes);
          const parity = Array.from({ length: m }, () => new Uint8Array(bytes));
          coder.encode(data, parity);
          const all = [...data, ...parity];
          for (const kept of subsets(k + m, k)) {
            const slots = all.map((shard, i) => (kept.includes(i) ? shard.slice() : null));
            const rebuilt = coder.reconstructData(slots, bytes);
            for (let i = 0; i < k; i++) {
              expect(
                Buffer.from(rebuilt[i]!).equals(Buffer.from(data[i]!)),
                `k=${k} m=${m} kept=${kept}`,
              ).toBe(true);
            }
            cases++;
          }
        }
      }
    }
    expect(cases).toBeGreaterThan(500);
  });

  it('parity depends on every data shard (a changed byte changes every parity shard)', () => {
    const coder = new ReedSolomon(4, 2);
    const data = randomShards(4, 32, 9);
    const parity = [new Uint8Array(32), new Uint8Array(32)];
    coder.encode(data, parity);
    for (let j = 0; j < 4; j++) {
      const changed = data.map((d) => d.slice());
      changed[j]![5]! ^= 0x01;
      const parity2 = [new Uint8Array(32), new Uint8Array(32)];
      coder.encode(changed, parity2);
      for (let p = 0; p < 2; p++) {
        expect(parity2[p]![5]).not.toBe(parity[p]![5]);
        expect(Buffer.from(parity2[p]!.subarray(6)).equals(Buffer.from(parity[p]!.subarray(6)))).toBe(true);
      }
    }
  });

  it('refuses to rebuild from fewer than k shards', () => {
    const coder = new ReedSolomon(3, 2);
    const data = randomShards(3, 8, 1);
    const parity = [new Uint8Array(8), new Uint8Array(8)];
    coder.encode(data, parity);
    expect(() => coder.reconstructData([data[0]!, null, null, parity[0]!, null], 8)).toThrow(RangeError);
  });

  it('works at the limits: k = 1 (replication) and k + m = 255', () => {
    const one = new ReedSolomon(1, 3);
    const [value] = randomShards(1, 16, 4);
    const copies = [new Uint8Array(16), new Uint8Array(16), new Uint8Array(16)];
    one.encode([value!], copies);
    expect(one.reconstructData([null, null, null, copies[2]!], 16)[0]).toEqual(value);

    const wide = new ReedSolomon(200, 55);
    const data = randomShards(200, 4, 5);
    const parity = Array.from({ length: 55 }, () => new Uint8Array(4));
    wide.encode(data, parity);
    const slots: (Uint8Array | null)[] = [...data, ...parity];
    for (let i = 0; i < 55; i++) slots[i * 3] = null; // lose 55 shards, mostly data
    const rebuilt = wide.reconstructData(slots, 4);
    for (const [i, shard] of rebuilt.entries()) expect(shard, `data shard ${i}`).toEqual(data[i]);
    expect(() => new ReedSolomon(200, 56)).toThrow(RangeError);
  });
});
