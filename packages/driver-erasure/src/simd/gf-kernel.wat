;; GF(2^8) matrix times shards, 16 bytes per SIMD lane group, for the Reed-Solomon coder.
;; Compiled to src/simd/gf-kernel-wasm.ts by scripts/generate-gf-kernel.mjs (do not edit that file).
;;
;; multiply(tables, inputs, inStride, inCount, outputs, outStride, outCount, length):
;;   for every output row r and byte b < length:
;;     outputs[r * outStride + b] = XOR over j of  coef(r, j) * inputs[j * inStride + b]
;; A product c * x splits x into nibbles: c * x = c * (x & 15) XOR c * (x & 0xf0). Each half has only
;; 16 possible values, so per coefficient two 16-byte tables hold them all and one i8x16.swizzle
;; looks up 16 bytes at once (the PSHUFB trick). tables + (r * inCount + j) * 32 holds the table
;; for the low nibble, then the one for the high nibble, of coef(r, j).
;; length must be a multiple of 64 and > 0, inCount and outCount > 0 (the caller pads).
(module
  (memory (export "memory") 1)
  (func (export "multiply")
    (param $tables i32) (param $inputs i32) (param $inStride i32) (param $inCount i32)
    (param $outputs i32) (param $outStride i32) (param $outCount i32) (param $length i32)
    (local $row i32) (local $offset i32) (local $j i32) (local $table i32) (local $in i32)
    (local $out i32) (local $rowTables i32)
    (local $low v128) (local $high v128) (local $mask v128) (local $x v128)
    (local $acc0 v128) (local $acc1 v128) (local $acc2 v128) (local $acc3 v128)
    (local.set $mask (i8x16.splat (i32.const 15)))
    (local.set $rowTables (local.get $tables))
    (local.set $out (local.get $outputs))
    (loop $rows
      (local.set $offset (i32.const 0))
      (loop $columns
        (local.set $acc0 (v128.const i64x2 0 0))
        (local.set $acc1 (v128.const i64x2 0 0))
        (local.set $acc2 (v128.const i64x2 0 0))
        (local.set $acc3 (v128.const i64x2 0 0))
        (local.set $table (local.get $rowTables))
        (local.set $in (i32.add (local.get $inputs) (local.get $offset)))
        (local.set $j (local.get $inCount))
        (loop $terms
          (local.set $low (v128.load (local.get $table)))
          (local.set $high (v128.load offset=16 (local.get $table)))
          ;; 64 bytes of input j: four vectors, four accumulators.
          (local.set $x (v128.load (local.get $in)))
          (local.set $acc0 (v128.xor (local.get $acc0) (v128.xor
            (i8x16.swizzle (local.get $low) (v128.and (local.get $x) (local.get $mask)))
            (i8x16.swizzle (local.get $high) (v128.and (i16x8.shr_u (local.get $x) (i32.const 4)) (local.get $mask))))))
          (local.set $x (v128.load offset=16 (local.get $in)))
          (local.set $acc1 (v128.xor (local.get $acc1) (v128.xor
            (i8x16.swizzle (local.get $low) (v128.and (local.get $x) (local.get $mask)))
            (i8x16.swizzle (local.get $high) (v128.and (i16x8.shr_u (local.get $x) (i32.const 4)) (local.get $mask))))))
          (local.set $x (v128.load offset=32 (local.get $in)))
          (local.set $acc2 (v128.xor (local.get $acc2) (v128.xor
            (i8x16.swizzle (local.get $low) (v128.and (local.get $x) (local.get $mask)))
            (i8x16.swizzle (local.get $high) (v128.and (i16x8.shr_u (local.get $x) (i32.const 4)) (local.get $mask))))))
          (local.set $x (v128.load offset=48 (local.get $in)))
          (local.set $acc3 (v128.xor (local.get $acc3) (v128.xor
            (i8x16.swizzle (local.get $low) (v128.and (local.get $x) (local.get $mask)))
            (i8x16.swizzle (local.get $high) (v128.and (i16x8.shr_u (local.get $x) (i32.const 4)) (local.get $mask))))))
          (local.set $table (i32.add (local.get $table) (i32.const 32)))
          (local.set $in (i32.add (local.get $in) (local.get $inStride)))
          (br_if $terms (local.tee $j (i32.sub (local.get $j) (i32.const 1)))))
        (v128.store (i32.add (local.get $out) (local.get $offset)) (local.get $acc0))
        (v128.store offset=16 (i32.add (local.get $out) (local.get $offset)) (local.get $acc1))
        (v128.store offset=32 (i32.add (local.get $out) (local.get $offset)) (local.get $acc2))
        (v128.store offset=48 (i32.add (local.get $out) (local.get $offset)) (local.get $acc3))
        (br_if $columns (i32.lt_u
          (local.tee $offset (i32.add (local.get $offset) (i32.const 64)))
          (local.get $length))))
      (local.set $rowTables (i32.add (local.get $rowTables) (i32.shl (local.get $inCount) (i32.const 5))))
      (local.set $out (i32.add (local.get $out) (local.get $outStride)))
      (br_if $rows (i32.lt_u
        (local.tee $row (i32.add (local.get $row) (i32.const 1)))
        (local.get $outCount))))
  )
)
