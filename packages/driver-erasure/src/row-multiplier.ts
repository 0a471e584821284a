import { mulAddInto } from './gf256.js';
import { createWasmRowMultiplier } from './simd/wasm-row-multiplier.js';

/**
 * The coder's only bulk operation: `outputs[r] = XOR over j of rows[r][j] * inputs[j]` in GF(2^8),
 * byte by byte. Encode uses it with the parity rows, decode with rows of the inverted matrix.
 * Every implementation produces the same bytes; they differ only in speed.
 */
export interface RowMultiplier {
  /** `'wasm-relaxed-simd'`, `'wasm-simd'` or `'typescript'`. */
  readonly name: string;
  /**
   * Overwrites every output (all of one length) with its row of `rows` times `inputs`;
   * `rows[r].length === inputs.length`; an input shorter than the outputs counts as zeros past its end.
   */
  multiply(rows: readonly Uint8Array[], inputs: readonly Uint8Array[], outputs: readonly Uint8Array[]): void;
}

/** The portable coder: a 64 KiB product table and a 32-bit word loop (see `mulAddInto`). */
export const typescriptRowMultiplier: RowMultiplier = {
  name: 'typescript',
  multiply(rows, inputs, outputs) {
    for (let r = 0; r < outputs.length; r++) {
      const out = outputs[r]!;
      out.fill(0);
      const row = rows[r]!;
      for (let j = 0; j < inputs.length; j++) mulAddInto(row[j]!, inputs[j]!, out);
    }
  },
};

let chosen: RowMultiplier | undefined;

/**
 * The fastest coder this runtime can run, chosen once: WebAssembly with relaxed SIMD, else with
 * SIMD, else the TypeScript one (a runtime without WebAssembly SIMD, or one that refuses to compile).
 */
export function defaultRowMultiplier(): RowMultiplier {
  chosen ??=
    createWasmRowMultiplier('wasm-relaxed-simd') ??
    createWasmRowMultiplier('wasm-simd') ??
    typescriptRowMultiplier;
  return chosen;
}
