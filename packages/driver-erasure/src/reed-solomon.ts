import { gfInv, gfMul } from './gf256.js';
import { defaultRowMultiplier, type RowMultiplier } from './row-multiplier.js';

/**
 * A systematic Reed-Solomon code over GF(2^8): `k` data shards are stored as they are and `m`
 * parity shards are computed from them, and ANY `k` of the `k + m` shards rebuild the data.
 *
 * The parity rows form a Cauchy matrix `C[i][j] = 1 / (x_i + y_j)` with `x_i = k + i`, `y_j = j`.
 * Every square submatrix of a Cauchy matrix is invertible, so every choice of `k` rows of
 * `[identity; C]` is too: that is what makes any-k-of-n reconstruction always possible.
 *
 * The bulk GF(2^8) work runs in WebAssembly SIMD where the runtime has it, else in TypeScript;
 * both give the same bytes (see `coder`).
 */
export class ReedSolomon {
  readonly dataShards: number;
  readonly parityShards: number;
  /** `parityRows[i][j]`: coefficient of data shard j in parity shard i. */
  private readonly parityRows: Uint8Array[];
  /**
   * Rows of the inverted decode matrix for the missing data shards, keyed by the chosen shard
   * indices: one loss pattern repeats per stripe.
   */
  private readonly decodeCache = new Map<string, Uint8Array[]>();
  private readonly multiplier: RowMultiplier;

  /** @param multiplier for tests and benchmarks: which implementation to use (default: the fastest). */
  constructor(dataShards: number, parityShards: number, multiplier: RowMultiplier = defaultRowMultiplier()) {
    if (!Number.isInteger(dataShards) || dataShards < 1)
      throw new RangeError('dataShards must be an integer >= 1');
    if (!Number.isInteger(parityShards) || parityShards < 0)
      throw new RangeError('parityShards must be an integer >= 0');
    if (dataShards + parityShards > 255) throw new RangeError('dataShards + parityShards must be <= 255');
    this.dataShards = dataShards;
    this.parityShards = parityShards;
    this.multiplier = multiplier;
    this.parityRows = Array.from({ length: parityShards }, (_, i) =>
      Uint8Array.from({ length: dataShards }, (_, j) => gfInv((dataShards + i) ^ j)),
    );
  }

  /** The implementation in use: `'wasm-relaxed-simd'`, `'wasm-simd'` or `'typescript'`. */
  get coder(): string {
    return this.multiplier.name;
  }

  /**
   * Computes the parity shards from the data shards. All shards must have the same length;
   * `parity` buffers are overwritten.
   */
  encode(data: readonly Uint8Array[], parity: readonly Uint8Array[]): void {
    this.checkShape(data.length, parity.length, data, parity);
    if (this.parityShards > 0) this.multiplier.multiply(this.parityRows, data, parity);
  }

  /**
   * Rebuilds the data shards from any `k` present shards. `shards[i]` is shard i (data shards
   * first, then parity) or `null` when missing. Missing data shards are returned in place;
   * parity shards are not rebuilt.
   * @returns the `k` data shards, in order.
   * @throws RangeError when fewer than `k` shards are present.
   */
  reconstructData(shards: readonly (Uint8Array | null)[], shardBytes: number): Uint8Array[] {
    const k = this.dataShards;
    if (shards.length !== k + this.parityShards)
      throw new RangeError(`expected ${k + this.parityShards} shard slots, got ${shards.length}`);
    const present: number[] = [];
    for (let i = 0; i < shards.length && present.length < k; i++) if (shards[i]) present.push(i);
    if (present.length < k) throw new RangeError(`need ${k} shards to reconstruct, have ${present.length}`);
    const data = shards.slice(0, k);
    if (data.every((shard) => shard !== null)) return data as Uint8Array[];
    const rows = this.decodeRows(present);
    const rebuilt = rows.map(() => new Uint8Array(shardBytes));
    this.multiplier.multiply(
      rows,
      present.map((index) => shards[index]!),
      rebuilt,
    );
    let next = 0;
    return data.map((shard) => shard ?? rebuilt[next++]!);
  }

  /**
   * The rows, for the data shards missing from `present` (in order), of the inverse of the k x k
   * matrix made of the encoding rows of `present`.
   */
  private decodeRows(present: readonly number[]): Uint8Array[] {
    const key = present.join(',');
    const cached = this.decodeCache.get(key);
    if (cached) return cached;
    const k = this.dataShards;
    const rows = present.map((index) => {
      if (index < k) {
        const row = new Uint8Array(k);
        row[index] = 1;
        return row;
      }
      return this.parityRows[index - k]!.slice();
    });
    const inverse = invert(rows);
    // Every present data shard is among `present` (data shards come first), so the missing ones are the rest.
    const missing = inverse.filter((_, j) => !present.includes(j));
    if (this.decodeCache.size > 64) this.decodeCache.clear();
    this.decodeCache.set(key, missing);
    return missing;
  }

  private checkShape(
    dataCount: number,
    parityCount: number,
    data: readonly Uint8Array[],
    parity: readonly Uint8Array[],
  ): void {
    if (dataCount !== this.dataShards) throw new RangeError(`expected ${this.dataShards} data shards`);
    if (parityCount !== this.parityShards)
      throw new RangeError(`expected ${this.parityShards} parity shards`);
    const length = data[0]?.byteLength ?? 0;
    for (const shard of [...data, ...parity]) {
      if (shard.byteLength !== length) throw new RangeError('all shards must have the same length');
    }
  }
}

/** Gauss-Jordan inversion over GF(2^8). @throws RangeError when the matrix is singular. */
function invert(matrix: readonly Uint8Array[]): Uint8Array[] {
  const size = matrix.length;
  const a = matrix.map((row) => row.slice());
  const inv = Array.from({ length: size }, (_, i) => {
    const row = new Uint8Array(size);
    row[i] = 1;
    return row;
  });
  for (let col = 0; col < size; col++) {
    let pivot = col;
    while (pivot < size && a[pivot]![col] === 0) pivot++;
    if (pivot === size) throw new RangeError('singular matrix');
    if (pivot !== col) {
      [a[col], a[pivot]] = [a[pivot]!, a[col]!];
      [inv[col], inv[pivot]] = [inv[pivot]!, inv[col]!];
    }
    const scale = gfInv(a[col]![col]!);
    for (let c = 0; c < size; c++) {
      a[col]![c] = gfMul(a[col]![c]!, scale);
      inv[col]![c] = gfMul(inv[col]![c]!, scale);
    }
    for (let r = 0; r < size; r++) {
      const factor = a[r]![col]!;
      if (r === col || factor === 0) continue;
      for (let c = 0; c < size; c++) {
        a[r]![c]! ^= gfMul(factor, a[col]![c]!);
        inv[r]![c]! ^= gfMul(factor, inv[col]![c]!);
      }
    }
  }
  return inv;
}
