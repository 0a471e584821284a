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
;; multiply4(tables, inputs, inStride, inCount, outputs, outStride, length) is the same for four rows.
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

  ;; multiply4: the same for exactly four output rows at once, 32 bytes per step. Each input vector
  ;; is loaded and split into nibbles once for the four rows instead of once per row (about 10 %
  ;; faster encode at 10 + 4 than multiply, measured per CPU second on a loaded 2-core VM).
  (func (export "multiply4")
    (param $tables i32) (param $inputs i32) (param $inStride i32) (param $inCount i32)
    (param $outputs i32) (param $outStride i32) (param $length i32)
    (local $offset i32) (local $j i32) (local $table i32) (local $in i32) (local $out i32)
    (local $row1 i32) (local $row2 i32) (local $row3 i32)
    (local $low v128) (local $high v128) (local $mask v128) (local $x v128)
    (local $l0 v128) (local $h0 v128) (local $l1 v128) (local $h1 v128)
    (local $a00 v128) (local $a01 v128) (local $a10 v128) (local $a11 v128)
    (local $a20 v128) (local $a21 v128) (local $a30 v128) (local $a31 v128)
    (local.set $mask (i8x16.splat (i32.const 15)))
    ;; Byte distance from the tables of row 0 to those of rows 1, 2 and 3.
    (local.set $row1 (i32.shl (local.get $inCount) (i32.const 5)))
    (local.set $row2 (i32.shl (local.get $row1) (i32.const 1)))
    (local.set $row3 (i32.add (local.get $row1) (local.get $row2)))
    (loop $columns
      (local.set $a00 (v128.const i64x2 0 0))
      (local.set $a01 (v128.const i64x2 0 0))
      (local.set $a10 (v128.const i64x2 0 0))
      (local.set $a11 (v128.const i64x2 0 0))
      (local.set $a20 (v128.const i64x2 0 0))
      (local.set $a21 (v128.const i64x2 0 0))
      (local.set $a30 (v128.const i64x2 0 0))
      (local.set $a31 (v128.const i64x2 0 0))
      (local.set $table (local.get $tables))
      (local.set $in (i32.add (local.get $inputs) (local.get $offset)))
      (local.set $j (local.get $inCount))
      (loop $terms
        (local.set $x (v128.load (local.get $in)))
        (local.set $l0 (v128.and (local.get $x) (local.get $mask)))
        (local.set $h0 (v128.and (i16x8.shr_u (local.get $x) (i32.const 4)) (local.get $mask)))
        (local.set $x (v128.load offset=16 (local.get $in)))
        (local.set $l1 (v128.and (local.get $x) (local.get $mask)))
        (local.set $h1 (v128.and (i16x8.shr_u (local.get $x) (i32.const 4)) (local.get $mask)))
        ;; row 0
        (local.set $low (v128.load (local.get $table)))
        (local.set $high (v128.load offset=16 (local.get $table)))
        (local.set $a00 (v128.xor (local.get $a00) (v128.xor
          (i8x16.swizzle (local.get $low) (local.get $l0))
          (i8x16.swizzle (local.get $high) (local.get $h0)))))
        (local.set $a01 (v128.xor (local.get $a01) (v128.xor
          (i8x16.swizzle (local.get $low) (local.get $l1))
          (i8x16.swizzle (local.get $high) (local.get $h1)))))
        ;; row 1
        (local.set $low (v128.load (i32.add (local.get $table) (local.get $row1))))
        (local.set $high (v128.load offset=16 (i32.add (local.get $table) (local.get $row1))))
        (local.set $a10 (v128.xor (local.get $a10) (v128.xor
          (i8x16.swizzle (local.get $low) (local.get $l0))
          (i8x16.swizzle (local.get $high) (local.get $h0)))))
        (local.set $a11 (v128.xor (local.get $a11) (v128.xor
          (i8x16.swizzle (local.get $low) (local.get $l1))
          (i8x16.swizzle (local.get $high) (local.get $h1)))))
        ;; row 2
        (local.set $low (v128.load (i32.add (local.get $table) (local.get $row2))))
        (local.set $high (v128.load offset=16 (i32.add (local.get $table) (local.get $row2))))
        (local.set $a20 (v128.xor (local.get $a20) (v128.xor
          (i8x16.swizzle (local.get $low) (local.get $l0))
          (i8x16.swizzle (local.get $high) (local.get $h0)))))
        (local.set $a21 (v128.xor (local.get $a21) (v128.xor
          (i8x16.swizzle (local.get $low) (local.get $l1))
          (i8x16.swizzle (local.get $high) (local.get $h1)))))
        ;; row 3
        (local.set $low (v128.load (i32.add (local.get $table) (local.get $row3))))
        (local.set $high (v128.load offset=16 (i32.add (local.get $table) (local.get $row3))))
        (local.set $a30 (v128.xor (local.get $a30) (v128.xor
          (i8x16.swizzle (local.get $low) (local.get $l0))
          (i8x16.swizzle (local.get $high) (local.get $h0)))))
        (local.set $a31 (v128.xor (local.get $a31) (v128.xor
          (i8x16.swizzle (local.get $low) (local.get $l1))
          (i8x16.swizzle (local.get $high) (local.get $h1)))))
        (local.set $table (i32.add (local.get $table) (i32.const 32)))
        (local.set $in (i32.add (local.get $in) (local.get $inStride)))
        (br_if $terms (local.tee $j (i32.sub (local.get $j) (i32.const 1)))))
      (local.set $out (i32.add (local.get $outputs) (local.get $offset)))
      (v128.store (local.get $out) (local.get $a00))
      (v128.store offset=16 (local.get $out) (local.get $a01))
      (local.set $out (i32.add (local.get $out) (local.get $outStride)))
      (v128.store (local.get $out) (local.get $a10))
      (v128.store offset=16 (local.get $out) (local.get $a11))
      (local.set $out (i32.add (local.get $out) (local.get $outStride)))
      (v128.store (local.get $out) (local.get $a20))
      (v128.store offset=16 (local.get $out) (local.get $a21))
      (local.set $out (i32.add (local.get $out) (local.get $outStride)))
      (v128.store (local.get $out) (local.get $a30))
      (v128.store offset=16 (local.get $out) (local.get $a31))
      (br_if $columns (i32.lt_u
        (local.tee $offset (i32.add (local.get $offset) (i32.const 32)))
        (local.get $length)))))
)
