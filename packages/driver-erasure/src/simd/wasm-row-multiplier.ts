import { MUL_TABLE } from '../gf256.js';
import type { RowMultiplier } from '../row-multiplier.js';
import { GF_KERNEL_RELAXED_SIMD, GF_KERNEL_SIMD } from './gf-kernel-wasm.js';

export type WasmKernelVariant = 'wasm-relaxed-simd' | 'wasm-simd';

interface KernelExports {
  readonly memory: WebAssembly.Memory;
  multiply(
    tables: number,
    inputs: number,
    inStride: number,
    inCount: number,
    outputs: number,
    outStride: number,
    outCount: number,
    length: number,
  ): void;
  /** `multiply` for exactly four output rows, each input loaded once for the four. */
  multiply4(
    tables: number,
    inputs: number,
    inStride: number,
    inCount: number,
    outputs: number,
    outStride: number,
    length: number,
  ): void;
}

/** The kernel works in steps of 64 bytes (four 16-byte vectors per input). */
const STEP = 64;
/**
 * Shard bytes (inputs plus outputs) copied into WebAssembly memory per kernel call. Small enough
 * that the inputs stay in the L2 cache while each output row reads them again; large enough that
 * the per-call overhead does not show.
 */
const BLOCK_BUDGET = 256 * 1024;
const PAGE_BYTES = 65536;

function roundUp(value: number, multiple: number): number {
  return Math.ceil(value / multiple) * multiple;
}

function decodeBase64(text: string): Uint8Array<ArrayBuffer> {
  const binary = atob(text);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}

/**
 * The kernel's two nibble tables for every coefficient of `rows`, laid out as the kernel reads them:
 * coefficient (r, j) at (r * inCount + j) * 32, products with 0..15 then with 0x00, 0x10 .. 0xf0.
 */
function buildTables(rows: readonly Uint8Array[], inCount: number): Uint8Array {
  const tables = new Uint8Array(rows.length * inCount * 32);
  for (let r = 0; r < rows.length; r++) {
    for (let j = 0; j < inCount; j++) {
      const products = rows[r]![j]! << 8;
      const at = (r * inCount + j) * 32;
      for (let x = 0; x < 16; x++) {
        tables[at + x] = MUL_TABLE[products | x]!;
        tables[at + 16 + x] = MUL_TABLE[products | (x << 4)]!;
      }
    }
  }
  return tables;
}

/**
 * GF(2^8) row multiplication in WebAssembly SIMD, split 4-bit lookup tables (see gf-kernel.wat).
 * WebAssembly cannot read the caller's buffers, so the shards go through its memory in blocks of
 * at most `BLOCK_BUDGET` bytes; memory stays bounded whatever the shard size.
 */
class WasmRowMultiplier implements RowMultiplier {
  /** Tables per `rows` array: the coder passes the same arrays stripe after stripe. */
  private readonly tableCache = new WeakMap<readonly Uint8Array[], Uint8Array>();
  private heap: Uint8Array;

  constructor(
    readonly name: WasmKernelVariant,
    private readonly kernel: KernelExports,
  ) {
    this.heap = new Uint8Array(kernel.memory.buffer);
  }

  multiply(rows: readonly Uint8Array[], inputs: readonly Uint8Array[], outputs: readonly Uint8Array[]): void {
    const inCount = inputs.length;
    const outCount = outputs.length;
    const length = outputs[0]?.byteLength ?? 0;
    if (outCount === 0 || length === 0) return;
    if (inCount === 0) {
      for (const out of outputs) out.fill(0);
      return;
    }
    let tables = this.tableCache.get(rows);
    if (!tables) {
      tables = buildTables(rows, inCount);
      this.tableCache.set(rows, tables);
    }
    const perShard = Math.max(STEP, Math.floor(BLOCK_BUDGET / (inCount + outCount) / STEP) * STEP);
    const block = Math.min(roundUp(length, STEP), perShard);
    const inBase = roundUp(tables.byteLength, STEP);
    const outBase = inBase + inCount * block;
    const heap = this.reserve(outBase + outCount * block);
    heap.set(tables, 0);
    for (let offset = 0; offset < length; offset += block) {
      const bytes = Math.min(block, length - offset);
      for (let j = 0; j < inCount; j++) {
        const piece = inputs[j]!.subarray(offset, offset + bytes);
        const at = inBase + j * block;
        heap.set(piece, at);
        // An input shorter than the outputs counts as zeros past its end, as in the TypeScript coder.
        if (piece.byteLength < bytes) heap.fill(0, at + piece.byteLength, at + bytes);
      }
      // The padding past `bytes` holds stale input: its products land past `bytes` and are not copied out.
      this.runKernel(inBase, inCount, outBase, outCount, block, roundUp(bytes, STEP));
      for (let r = 0; r < outCount; r++) {
        const from = outBase + r * block;
        outputs[r]!.set(heap.subarray(from, from + bytes), offset);
      }
    }
  }

  /** Rows four at a time, the rest one at a time (tables of row r start at r * inCount * 32). */
  private runKernel(
    inBase: number,
    inCount: number,
    outBase: number,
    outCount: number,
    block: number,
    length: number,
  ): void {
    const { multiply, multiply4 } = this.kernel;
    const grouped = outCount - (outCount % 4);
    for (let r = 0; r < grouped; r += 4) {
      multiply4(r * inCount * 32, inBase, block, inCount, outBase + r * block, block, length);
    }
    if (grouped < outCount) {
      const tables = grouped * inCount * 32;
      multiply(tables, inBase, block, inCount, outBase + grouped * block, block, outCount - grouped, length);
    }
  }

  /** @returns a view of the whole memory, grown to at least `bytes`. */
  private reserve(bytes: number): Uint8Array {
    const memory = this.kernel.memory;
    if (memory.buffer.byteLength < bytes) {
      memory.grow(Math.ceil((bytes - memory.buffer.byteLength) / PAGE_BYTES));
    }
    // grow() detaches the old buffer: take a fresh view whenever it changed.
    if (this.heap.buffer !== memory.buffer) this.heap = new Uint8Array(memory.buffer);
    return this.heap;
  }
}

/**
 * A WebAssembly coder, or `undefined` when this runtime lacks WebAssembly or the variant's SIMD
 * instructions (validation fails) or refuses to compile it.
 */
export function createWasmRowMultiplier(variant: WasmKernelVariant): RowMultiplier | undefined {
  if (typeof WebAssembly !== 'object') return undefined;
  const bytes = decodeBase64(variant === 'wasm-relaxed-simd' ? GF_KERNEL_RELAXED_SIMD : GF_KERNEL_SIMD);
  try {
    if (!WebAssembly.validate(bytes)) return undefined;
    const instance = new WebAssembly.Instance(new WebAssembly.Module(bytes));
    return new WasmRowMultiplier(variant, instance.exports as unknown as KernelExports);
  } catch {
    return undefined;
  }
}
