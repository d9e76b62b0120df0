;; The band-to-bidiagonal chase's kernels (see _svd_chase_kernels.ts, which
;; loads the module assembled from this file by `deno task wasm`): one
;; Householder reflector I − τ·v·vᵀ applied to a block of band storage from
;; the right or from the left, on f64x2 with a plain multiply and add (never
;; fused), so that the rounding is the same on every machine.
;;
;; Memory layout: pointers and strides are in bytes. A block is `count`
;; columns of `len` (or `rows`) contiguous doubles, column q starting at
;; `base + q·stride`; v and w are contiguous doubles. Band storage is only
;; 8-byte aligned, so every v128 access says align=8. Each loop over a column
;; takes two doubles at a time with f64x2 and an odd last one with f64.
(module
  (import "env" "memory" (memory 1 65536))

  ;; right(base, stride, rows, len, v, w, tau): with C the rows×len block
  ;; whose column j starts at base + j·stride, computes w = C·v (rows doubles
  ;; at w) and then C −= τ·w·vᵀ.
  (func (export "right")
    (param $base i32) (param $stride i32) (param $rows i32) (param $len i32)
    (param $v i32) (param $w i32) (param $tau f64)
    ;; Column j of C, its address, and the byte offset 8·i of row i in it.
    (local $j i32) (local $col i32) (local $i i32)
    ;; 8·rows, the end of a column; the address of v[j].
    (local $end i32) (local $pv i32)
    ;; The scalar x = v[j] (then τ·v[j]) in both lanes, and alone.
    (local $s v128) (local $x f64)

    ;; w = 0.
    (local.set $end (i32.shl (local.get $rows) (i32.const 3)))
    (local.set $i (i32.const 0))
    (block $zero_done
      (loop $zero
        (br_if $zero_done
          (i32.gt_s (i32.add (local.get $i) (i32.const 16)) (local.get $end)))
        (v128.store align=8 (i32.add (local.get $w) (local.get $i))
          (v128.const i64x2 0 0))
        (local.set $i (i32.add (local.get $i) (i32.const 16)))
        (br $zero)))
    (if (i32.lt_s (local.get $i) (local.get $end))
      (then
        (f64.store (i32.add (local.get $w) (local.get $i)) (f64.const 0))))

    ;; For j = 0 .. len−1: w += v[j]·C[:, j].
    (local.set $j (i32.const 0))
    (local.set $col (local.get $base))
    (local.set $pv (local.get $v))
    (block $gather_done
      (loop $gather
        (br_if $gather_done (i32.ge_s (local.get $j) (local.get $len)))
        (local.set $x (f64.load (local.get $pv)))
        (local.set $s (f64x2.splat (local.get $x)))
        (local.set $end (i32.shl (local.get $rows) (i32.const 3)))
        (local.set $i (i32.const 0))
        (block $pairs_done
          (loop $pairs
            (br_if $pairs_done
              (i32.gt_s (i32.add (local.get $i) (i32.const 16)) (local.get $end)))
            ;; w[i .. i+1] += s · C[i .. i+1, j]
            (v128.store align=8 (i32.add (local.get $w) (local.get $i))
              (f64x2.add
                (v128.load align=8 (i32.add (local.get $w) (local.get $i)))
                (f64x2.mul
                  (v128.load align=8 (i32.add (local.get $col) (local.get $i)))
                  (local.get $s))))
            (local.set $i (i32.add (local.get $i) (i32.const 16)))
            (br $pairs)))
        (if (i32.lt_s (local.get $i) (local.get $end))
          (then
            (f64.store (i32.add (local.get $w) (local.get $i))
              (f64.add
                (f64.load (i32.add (local.get $w) (local.get $i)))
                (f64.mul
                  (f64.load (i32.add (local.get $col) (local.get $i)))
                  (local.get $x))))))
        (local.set $j (i32.add (local.get $j) (i32.const 1)))
        (local.set $pv (i32.add (local.get $pv) (i32.const 8)))
        (local.set $col (i32.add (local.get $col) (local.get $stride)))
        (br $gather)))

    ;; For j = 0 .. len−1: C[:, j] −= (τ·v[j])·w.
    (local.set $j (i32.const 0))
    (local.set $col (local.get $base))
    (local.set $pv (local.get $v))
    (block $update_done
      (loop $update
        (br_if $update_done (i32.ge_s (local.get $j) (local.get $len)))
        (local.set $x (f64.mul (f64.load (local.get $pv)) (local.get $tau)))
        (local.set $s (f64x2.splat (local.get $x)))
        (local.set $end (i32.shl (local.get $rows) (i32.const 3)))
        (local.set $i (i32.const 0))
        (block $pairs_done
          (loop $pairs
            (br_if $pairs_done
              (i32.gt_s (i32.add (local.get $i) (i32.const 16)) (local.get $end)))
            ;; C[i .. i+1, j] −= s · w[i .. i+1]
            (v128.store align=8 (i32.add (local.get $col) (local.get $i))
              (f64x2.sub
                (v128.load align=8 (i32.add (local.get $col) (local.get $i)))
                (f64x2.mul
                  (v128.load align=8 (i32.add (local.get $w) (local.get $i)))
                  (local.get $s))))
            (local.set $i (i32.add (local.get $i) (i32.const 16)))
            (br $pairs)))
        (if (i32.lt_s (local.get $i) (local.get $end))
          (then
            (f64.store (i32.add (local.get $col) (local.get $i))
              (f64.sub
                (f64.load (i32.add (local.get $col) (local.get $i)))
                (f64.mul
                  (f64.load (i32.add (local.get $w) (local.get $i)))
                  (local.get $x))))))
        (local.set $j (i32.add (local.get $j) (i32.const 1)))
        (local.set $pv (i32.add (local.get $pv) (i32.const 8)))
        (local.set $col (i32.add (local.get $col) (local.get $stride)))
        (br $update))))

  ;; left(base, stride, len, cols, v, tau): for each of the cols columns c
  ;; (len contiguous doubles at base + q·stride), c −= τ·(vᵀc)·v.
  (func (export "left")
    (param $base i32) (param $stride i32) (param $len i32) (param $cols i32)
    (param $v i32) (param $tau f64)
    ;; Column q, its address, the byte offset 8·i of row i, and 8·len.
    (local $q i32) (local $col i32) (local $i i32) (local $end i32)
    ;; vᵀc's pair sums, then τ·vᵀc in both lanes; x: the odd term, then τ·vᵀc.
    (local $acc v128) (local $s v128) (local $x f64)

    (local.set $q (i32.const 0))
    (local.set $col (local.get $base))
    (block $columns_done
      (loop $columns
        (br_if $columns_done (i32.ge_s (local.get $q) (local.get $cols)))
        ;; vᵀc: lane sums over pairs, plus the odd last product in x.
        (local.set $acc (v128.const i64x2 0 0))
        (local.set $x (f64.const 0))
        (local.set $end (i32.shl (local.get $len) (i32.const 3)))
        (local.set $i (i32.const 0))
        (block $dot_done
          (loop $dot
            (br_if $dot_done
              (i32.gt_s (i32.add (local.get $i) (i32.const 16)) (local.get $end)))
            (local.set $acc
              (f64x2.add
                (f64x2.mul
                  (v128.load align=8 (i32.add (local.get $v) (local.get $i)))
                  (v128.load align=8 (i32.add (local.get $col) (local.get $i))))
                (local.get $acc)))
            (local.set $i (i32.add (local.get $i) (i32.const 16)))
            (br $dot)))
        (if (i32.lt_s (local.get $i) (local.get $end))
          (then
            (local.set $x
              (f64.mul
                (f64.load (i32.add (local.get $v) (local.get $i)))
                (f64.load (i32.add (local.get $col) (local.get $i)))))))
        ;; x = τ·((lane 0 + lane 1) + x)
        (local.set $x
          (f64.mul
            (f64.add
              (f64.add
                (f64x2.extract_lane 0 (local.get $acc))
                (f64x2.extract_lane 1 (local.get $acc)))
              (local.get $x))
            (local.get $tau)))
        (local.set $s (f64x2.splat (local.get $x)))
        ;; c −= x·v
        (local.set $end (i32.shl (local.get $len) (i32.const 3)))
        (local.set $i (i32.const 0))
        (block $update_done
          (loop $update
            (br_if $update_done
              (i32.gt_s (i32.add (local.get $i) (i32.const 16)) (local.get $end)))
            (v128.store align=8 (i32.add (local.get $col) (local.get $i))
              (f64x2.sub
                (v128.load align=8 (i32.add (local.get $col) (local.get $i)))
                (f64x2.mul
                  (v128.load align=8 (i32.add (local.get $v) (local.get $i)))
                  (local.get $s))))
            (local.set $i (i32.add (local.get $i) (i32.const 16)))
            (br $update)))
        (if (i32.lt_s (local.get $i) (local.get $end))
          (then
            (f64.store (i32.add (local.get $col) (local.get $i))
              (f64.sub
                (f64.load (i32.add (local.get $col) (local.get $i)))
                (f64.mul
                  (f64.load (i32.add (local.get $v) (local.get $i)))
                  (local.get $x))))))
        (local.set $q (i32.add (local.get $q) (i32.const 1)))
        (local.set $col (i32.add (local.get $col) (local.get $stride)))
        (br $columns)))))
