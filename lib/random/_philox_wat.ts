/**
 * The source of the random kernel: Philox-4x32-10 blocks and the
 * transforms that follow them in the hot loops (the Ziggurat's fast paths,
 * uniforms, and the first extra block of the elements the fast paths leave),
 * as WebAssembly text. `deno task wasm` assembles it into `_philox_wasm.ts`;
 * `_wasm.ts` instantiates that.
 *
 * A template rather than a `.wat` file for two reasons: Philox's ten rounds
 * are unrolled (written once here, in {@linkcode rounds} and
 * {@linkcode rounds4}), and there are two variants:
 *
 * - `scalar`, for runtimes without SIMD: `blocks`, `normal32`, `normal53`,
 *   `normal53f64`, `uniform53`, `uniform53f64` and `extras`;
 * - `simd`: the same, and their fixed-width SIMD forms `blocks4`,
 *   `normal32x4`, `uniform32`, `normal53x4`, `normal53x4f64`, `uniform53x4`
 *   and `uniform53x4f64` (each with the same results as its scalar form).
 *
 * Every function computes exactly what the plain JavaScript of
 * `_philox_js.ts` and `distributions.ts` computes, the reference (the tests
 * compare them, and Philox against Random123's known answers). WebAssembly gives the one thing JavaScript lacks for Philox: a
 * 32×32→64-bit multiply (`i64.mul`, or `i64x2.extmul_*_i32x4_u` in SIMD).
 *
 * The memory layout (addresses from `_kernel_layout.ts`) is written into the
 * module text's header comment.
 *
 * @module
 */
import { PHILOX_M0, PHILOX_M1, PHILOX_W0, PHILOX_W1 } from "./_philox_js.ts";
import {
  CHUNK_BLOCKS,
  EXTRA_BASE,
  FLOAT_BASE,
  K24_BASE,
  K53_BASE,
  MEMORY_PAGES,
  SLOW_BASE,
  W24_BASE,
  W53_BASE,
} from "./_kernel_layout.ts";

const hex = (n: number) => `0x${n.toString(16).toUpperCase()}`;
const at = (n: number) => String(n).padEnd(8);

/**
 * Ten Philox rounds on the i32 locals `$x0 … $x3` (the counter, becoming the
 * output) under the key in `$k0`, `$k1` (bumped between rounds), with the
 * i64 locals `$p0`, `$p1` for the two products.
 */
function rounds(indent: string): string {
  const out: string[] = [];
  const [m0, m1, w0, w1] = [PHILOX_M0, PHILOX_M1, PHILOX_W0, PHILOX_W1].map(
    hex,
  );
  for (let round = 0; round < 10; round++) {
    out.push(`;; round ${round}`);
    if (round > 0) {
      out.push(
        `(local.set $k0 (i32.add (local.get $k0) (i32.const ${w0})))`,
        `(local.set $k1 (i32.add (local.get $k1) (i32.const ${w1})))`,
      );
    }
    out.push(
      `(local.set $p0 (i64.mul (i64.extend_i32_u (local.get $x0)) (i64.const ${m0})))`,
      `(local.set $p1 (i64.mul (i64.extend_i32_u (local.get $x2)) (i64.const ${m1})))`,
      `(local.set $x0 (i32.xor (i32.xor (i32.wrap_i64 (i64.shr_u (local.get $p1) (i64.const 32))) (local.get $x1)) (local.get $k0)))`,
      `(local.set $x2 (i32.xor (i32.xor (i32.wrap_i64 (i64.shr_u (local.get $p0) (i64.const 32))) (local.get $x3)) (local.get $k1)))`,
      `(local.set $x1 (i32.wrap_i64 (local.get $p1)))`,
      `(local.set $x3 (i32.wrap_i64 (local.get $p0)))`,
    );
  }
  return out.map((l) => indent + l).join("\n");
}

/** `i8x16.shuffle`'s byte lanes taking the 32-bit lanes `lanes` of `a ++ b`. */
function lanes32(...lanes: number[]): string {
  return lanes.flatMap((l) => [4 * l, 4 * l + 1, 4 * l + 2, 4 * l + 3]).join(
    " ",
  );
}

// The 32-bit lane selections used below, named by their lanes of a ++ b.
const L1357 = lanes32(1, 3, 5, 7); // the high words of two i64x2
const L0246 = lanes32(0, 2, 4, 6); // the low words
const L0415 = lanes32(0, 4, 1, 5); // interleave the low halves
const L2637 = lanes32(2, 6, 3, 7); // interleave the high halves
const L0145 = lanes32(0, 1, 4, 5); // low half of a, then of b
const L2367 = lanes32(2, 3, 6, 7); // high half of a, then of b
const L2323 = lanes32(2, 3, 2, 3); // the high half, twice

/**
 * Ten Philox rounds four blocks at a time: lane `j` of the v128 locals
 * `$x0 … $x3` holds word 0 … 3 of block `j`, the key is in `$k0`, `$k1`
 * (lanes equal), and `$m0`, `$m1`, `$w0`, `$w1` hold the multipliers and
 * key increments in every lane. Each 32×32→64-bit product is formed as two i64x2
 * (`$even`: lanes 0–1, `$odd`: lanes 2–3) and split into its high and low
 * words by shuffles.
 */
function rounds4(indent: string): string {
  const out: string[] = [];
  const split = (x: string, m: string, hi: string, lo: string) => [
    `(local.set $even (i64x2.extmul_low_i32x4_u (local.get ${x}) (local.get ${m})))`,
    `(local.set $odd (i64x2.extmul_high_i32x4_u (local.get ${x}) (local.get ${m})))`,
    `(local.set ${hi} (i8x16.shuffle ${L1357} (local.get $even) (local.get $odd)))`,
    `(local.set ${lo} (i8x16.shuffle ${L0246} (local.get $even) (local.get $odd)))`,
  ];
  for (let round = 0; round < 10; round++) {
    out.push(`;; round ${round}`);
    if (round > 0) {
      out.push(
        `(local.set $k0 (i32x4.add (local.get $k0) (local.get $w0)))`,
        `(local.set $k1 (i32x4.add (local.get $k1) (local.get $w1)))`,
      );
    }
    out.push(
      ...split("$x0", "$m0", "$hi0", "$lo0"),
      ...split("$x2", "$m1", "$hi1", "$lo1"),
      `(local.set $x0 (v128.xor (v128.xor (local.get $hi1) (local.get $x1)) (local.get $k0)))`,
      `(local.set $x2 (v128.xor (v128.xor (local.get $hi0) (local.get $x3)) (local.get $k1)))`,
      `(local.set $x1 (local.get $lo1))`,
      `(local.set $x3 (local.get $lo0))`,
    );
  }
  return out.map((l) => indent + l).join("\n");
}

const HEADER =
  `;; Philox-4x32-10, and the normals and uniforms made from its words.
;;
;; Memory (exported as "mem", ${MEMORY_PAGES} pages), byte addresses:
;;
;;   ${at(0)}the chunk: up to ${CHUNK_BLOCKS} Philox blocks of 4 words (i32)
;;   ${
    at(FLOAT_BASE)
  }the results: float32 t of chunk word t (normal32, uniform32),
;;           or float32 or float64 e of the element of words 2e, 2e + 1
;;   ${at(K24_BASE)}K: the 24-bit Ziggurat's acceptance bounds, 512 i32
;;   ${at(W24_BASE)}W: the 24-bit Ziggurat's layer widths, 512 f64 (signed)
;;   ${at(K53_BASE)}K: the 53-bit Ziggurat's acceptance bounds, 512 f64
;;   ${at(W53_BASE)}W: the 53-bit Ziggurat's layer widths, 512 f64 (signed)
;;   ${at(SLOW_BASE)}the slow list: 4t for chunk word (or element) t, in order
;;   ${at(EXTRA_BASE)}extras' output: one block (4 words) per slow-list entry
;;
;; The tables are written by the host after instantiation (_wasm.ts).
;; One Philox round, with mulhilo(M, x) the high and low words of M·x:
;;
;;   (hi0, lo0) = mulhilo(M0, x0), (hi1, lo1) = mulhilo(M1, x2)
;;   (x0, x1, x2, x3) <- (hi1 ^ x1 ^ k0, lo1, hi0 ^ x3 ^ k1, lo0)
;;
;; and between rounds k0 += W0, k1 += W1 (mod 2^32), with
;; M0 = ${hex(PHILOX_M0)}, M1 = ${hex(PHILOX_M1)}, W0 = ${
    hex(PHILOX_W0)
  }, W1 = ${hex(PHILOX_W1)}.`;

const BLOCKS = `
  ;; blocks(ptr, c0, c1, c2, c3, key0, key1, n): Philox of the counters
  ;; [c0 + b, c1, c2, c3], b = 0 .. n - 1, under the key [key0, key1], as 4
  ;; words per block, block after block, from byte address ptr. The caller
  ;; keeps c0 + n <= 2^32 (no carry into c1).
  (func (export "blocks")
    (param $ptr i32) (param $c0 i32) (param $c1 i32) (param $c2 i32)
    (param $c3 i32) (param $key0 i32) (param $key1 i32) (param $n i32)
    (local $x0 i32) (local $x1 i32) (local $x2 i32) (local $x3 i32)
    (local $k0 i32) (local $k1 i32) (local $p0 i64) (local $p1 i64)
    (if (i32.eqz (local.get $n)) (then (return)))
    (loop $block
      (local.set $x0 (local.get $c0))
      (local.set $x1 (local.get $c1))
      (local.set $x2 (local.get $c2))
      (local.set $x3 (local.get $c3))
      (local.set $k0 (local.get $key0))
      (local.set $k1 (local.get $key1))
${rounds("      ")}
      (i32.store offset=0 (local.get $ptr) (local.get $x0))
      (i32.store offset=4 (local.get $ptr) (local.get $x1))
      (i32.store offset=8 (local.get $ptr) (local.get $x2))
      (i32.store offset=12 (local.get $ptr) (local.get $x3))
      (local.set $ptr (i32.add (local.get $ptr) (i32.const 16)))
      (local.set $c0 (i32.add (local.get $c0) (i32.const 1)))
      (br_if $block
        (local.tee $n (i32.sub (local.get $n) (i32.const 1))))))`;

const BLOCKS4 = `
  ;; blocks4(ptr, c0, c1, c2, c3, key0, key1, n): the same as blocks, four
  ;; blocks per step (n a multiple of 4). Lane j of $x0 .. $x3 holds word
  ;; 0 .. 3 of block c0 + 4i + j; after the rounds a 4x4 transpose turns
  ;; the lanes back into blocks.
  (func (export "blocks4")
    (param $ptr i32) (param $c0 i32) (param $c1 i32) (param $c2 i32)
    (param $c3 i32) (param $key0 i32) (param $key1 i32) (param $n i32)
    (local $x0 v128) (local $x1 v128) (local $x2 v128) (local $x3 v128)
    (local $k0 v128) (local $k1 v128)
    (local $hi0 v128) (local $lo0 v128) (local $hi1 v128) (local $lo1 v128)
    (local $even v128) (local $odd v128)
    (local $t0 v128) (local $t1 v128) (local $t2 v128) (local $t3 v128)
    (local $ctr v128)
    (local $m0 v128) (local $m1 v128) (local $w0 v128) (local $w1 v128)
    (local.set $m0 (i32x4.splat (i32.const ${hex(PHILOX_M0)})))
    (local.set $m1 (i32x4.splat (i32.const ${hex(PHILOX_M1)})))
    (local.set $w0 (i32x4.splat (i32.const ${hex(PHILOX_W0)})))
    (local.set $w1 (i32x4.splat (i32.const ${hex(PHILOX_W1)})))
    ;; $ctr = (c0, c0 + 1, c0 + 2, c0 + 3)
    (local.set $ctr
      (i32x4.add (i32x4.splat (local.get $c0)) (v128.const i32x4 0 1 2 3)))
    (if (i32.eqz (local.get $n)) (then (return)))
    (loop $step
      (local.set $x0 (local.get $ctr))
      (local.set $x1 (i32x4.splat (local.get $c1)))
      (local.set $x2 (i32x4.splat (local.get $c2)))
      (local.set $x3 (i32x4.splat (local.get $c3)))
      (local.set $k0 (i32x4.splat (local.get $key0)))
      (local.set $k1 (i32x4.splat (local.get $key1)))
${rounds4("      ")}
      ;; transpose: $t0 = x0_0 x1_0 x0_1 x1_1, $t1 = x0_2 x1_2 x0_3 x1_3,
      ;; $t2 = x2_0 x3_0 x2_1 x3_1, $t3 = x2_2 x3_2 x2_3 x3_3 (xw_j: word w
      ;; of block j), then block j's row from two of them
      (local.set $t0 (i8x16.shuffle ${L0415} (local.get $x0) (local.get $x1)))
      (local.set $t1 (i8x16.shuffle ${L2637} (local.get $x0) (local.get $x1)))
      (local.set $t2 (i8x16.shuffle ${L0415} (local.get $x2) (local.get $x3)))
      (local.set $t3 (i8x16.shuffle ${L2637} (local.get $x2) (local.get $x3)))
      (v128.store offset=0 (local.get $ptr)
        (i8x16.shuffle ${L0145} (local.get $t0) (local.get $t2)))
      (v128.store offset=16 (local.get $ptr)
        (i8x16.shuffle ${L2367} (local.get $t0) (local.get $t2)))
      (v128.store offset=32 (local.get $ptr)
        (i8x16.shuffle ${L0145} (local.get $t1) (local.get $t3)))
      (v128.store offset=48 (local.get $ptr)
        (i8x16.shuffle ${L2367} (local.get $t1) (local.get $t3)))
      (local.set $ptr (i32.add (local.get $ptr) (i32.const 64)))
      (local.set $ctr (i32x4.add (local.get $ctr) (v128.const i32x4 4 4 4 4)))
      (br_if $step
        (local.tee $n (i32.sub (local.get $n) (i32.const 4))))))`;

const NORMAL32 = `
  ;; normal32(n) -> slow count: the 24-bit Ziggurat's fast path over chunk
  ;; words 0 .. n - 1. Word w at byte p = 4t gives, with s = w & 511 (bits
  ;; 0-7 the layer, bit 8 the sign) and the odd numerator m = (w >>> 8) | 1,
  ;; the float32 of m * W[s] (one rounding to f64, then to f32) at
  ;; FLOAT_BASE + p; when m >= K[s] (outside the layer's rectangle) p also
  ;; goes on the slow list, whose length is returned (those floats are to be
  ;; overwritten by the host). Branch-free: every p is written at the
  ;; list's end, which advances only for the slow ones.
  (func (export "normal32") (param $n i32) (result i32)
    (local $p i32) (local $end i32) (local $w i32) (local $s4 i32)
    (local $m i32) (local $count4 i32)
    (local.set $end (i32.shl (local.get $n) (i32.const 2)))
    (if (i32.eqz (local.get $n)) (then (return (i32.const 0))))
    (loop $word
      (local.set $w (i32.load (local.get $p)))
      (local.set $s4
        (i32.shl (i32.and (local.get $w) (i32.const 511)) (i32.const 2)))
      (local.set $m
        (i32.or (i32.shr_u (local.get $w) (i32.const 8)) (i32.const 1)))
      (f32.store offset=${FLOAT_BASE} (local.get $p)
        (f32.demote_f64
          (f64.mul (f64.convert_i32_s (local.get $m))
            (f64.load offset=${W24_BASE}
              (i32.add (local.get $s4) (local.get $s4))))))
      (i32.store offset=${SLOW_BASE} (local.get $count4) (local.get $p))
      (local.set $count4
        (i32.add (local.get $count4)
          (i32.shl
            (i32.ge_s (local.get $m)
              (i32.load offset=${K24_BASE} (local.get $s4)))
            (i32.const 2))))
      (br_if $word
        (i32.ne
          (local.tee $p (i32.add (local.get $p) (i32.const 4)))
          (local.get $end))))
    (i32.shr_u (local.get $count4) (i32.const 2)))`;

/** One lane of `normal32x4`'s slow-list append. */
function appendIfSlow(lane: number): string {
  return `
        (if (i32.ge_s (i32x4.extract_lane ${lane} (local.get $m))
              (i32x4.extract_lane ${lane} (local.get $k)))
          (then
            (i32.store offset=${SLOW_BASE} (local.get $count4)
              (i32.add (local.get $p) (i32.const ${4 * lane})))
            (local.set $count4
              (i32.add (local.get $count4) (i32.const 4)))))`;
}

/**
 * Each lane's Ziggurat layer as a byte offset into the tables:
 * `vec` = (`word` & 511) << `shift`, and its lanes in the locals
 * `${prefix}0` … `${prefix}3`.
 */
function layerOffsets(
  vec: string,
  word: string,
  shift: number,
  prefix: string,
): string {
  return `(local.set ${vec}
          (i32x4.shl
            (v128.and (local.get ${word}) (v128.const i32x4 511 511 511 511))
            (i32.const ${shift})))
        (local.set ${prefix}0 (i32x4.extract_lane 0 (local.get ${vec})))
        (local.set ${prefix}1 (i32x4.extract_lane 1 (local.get ${vec})))
        (local.set ${prefix}2 (i32x4.extract_lane 2 (local.get ${vec})))
        (local.set ${prefix}3 (i32x4.extract_lane 3 (local.get ${vec})))`;
}

/** `$end` = 8 · (`$n` rounded up to a multiple of 4): the bytes of the words of four elements per step. */
const END8 = `(local.set $end
      (i32.shl (i32.and (i32.add (local.get $n) (i32.const 3)) (i32.const -4))
        (i32.const 3)))`;

const NORMAL32X4 = `
  ;; normal32x4(n) -> slow count: normal32 four words at a time (n a
  ;; multiple of 4), with the same results. The table entries are gathered
  ;; lane by lane; the products are formed as two f64x2 (the same roundings
  ;; as normal32) and demoted to float32. A group with a slow word appends
  ;; its slow words in lane order.
  (func (export "normal32x4") (param $n i32) (result i32)
    (local $p i32) (local $end i32) (local $count4 i32)
    (local $a0 i32) (local $a1 i32) (local $a2 i32) (local $a3 i32)
    (local $w v128) (local $s4 v128) (local $m v128) (local $k v128)
    (local $w01 v128) (local $w23 v128)
    (local.set $end (i32.shl (local.get $n) (i32.const 2)))
    (block $done
      (loop $group
        (br_if $done (i32.ge_u (local.get $p) (local.get $end)))
        (local.set $w (v128.load (local.get $p)))
        ;; 4s per lane (byte offsets into K; twice that into W)
        ${layerOffsets("$s4", "$w", 2, "$a")}
        (local.set $m
          (v128.or (i32x4.shr_u (local.get $w) (i32.const 8))
            (v128.const i32x4 1 1 1 1)))
        ;; W of lanes 0-1 and of lanes 2-3
        (local.set $w01
          (v128.load64_lane offset=${W24_BASE} 1
            (i32.add (local.get $a1) (local.get $a1))
            (v128.load64_zero offset=${W24_BASE}
              (i32.add (local.get $a0) (local.get $a0)))))
        (local.set $w23
          (v128.load64_lane offset=${W24_BASE} 1
            (i32.add (local.get $a3) (local.get $a3))
            (v128.load64_zero offset=${W24_BASE}
              (i32.add (local.get $a2) (local.get $a2)))))
        ;; floats = demote(m * W), lanes 0-1 and 2-3, packed
        (v128.store offset=${FLOAT_BASE} (local.get $p)
          (i8x16.shuffle ${L0145}
            (f32x4.demote_f64x2_zero
              (f64x2.mul (f64x2.convert_low_i32x4_s (local.get $m))
                (local.get $w01)))
            (f32x4.demote_f64x2_zero
              (f64x2.mul
                (f64x2.convert_low_i32x4_s
                  (i8x16.shuffle ${L2323}
                    (local.get $m) (local.get $m)))
                (local.get $w23)))))
        ;; K per lane; any lane with m >= K goes on the slow list
        (local.set $k
          (v128.load32_lane offset=${K24_BASE} 3 (local.get $a3)
            (v128.load32_lane offset=${K24_BASE} 2 (local.get $a2)
              (v128.load32_lane offset=${K24_BASE} 1 (local.get $a1)
                (v128.load32_zero offset=${K24_BASE} (local.get $a0))))))
        (if (v128.any_true (i32x4.ge_s (local.get $m) (local.get $k)))
          (then${appendIfSlow(0)}${appendIfSlow(1)}${appendIfSlow(2)}${
  appendIfSlow(3)
}))
        (local.set $p (i32.add (local.get $p) (i32.const 16)))
        (br $group)))
    (i32.shr_u (local.get $count4) (i32.const 2)))`;

const UNIFORM32 = `
  ;; uniform32(n): chunk words 0 .. n - 1 (rounded up to a multiple of 4)
  ;; give the float32 (w >>> 8) * 2^-24 (exact) at FLOAT_BASE + 4t.
  (func (export "uniform32") (param $n i32)
    (local $p i32) (local $end i32)
    (local.set $end (i32.shl (local.get $n) (i32.const 2)))
    (block $done
      (loop $group
        (br_if $done (i32.ge_u (local.get $p) (local.get $end)))
        (v128.store offset=${FLOAT_BASE} (local.get $p)
          (f32x4.mul
            (f32x4.convert_i32x4_s
              (i32x4.shr_u (v128.load (local.get $p)) (i32.const 8)))
            (v128.const f32x4 0x1p-24 0x1p-24 0x1p-24 0x1p-24)))
        (local.set $p (i32.add (local.get $p) (i32.const 16)))
        (br $group))))`;

const EXTRAS = `
  ;; extras(count, jbLo, jbHi, stream, key0, key1): for each of the first
  ;; count slow-list entries q (a byte address 4t), extra block 0 of element
  ;; j = jb + t, jb = jbHi * 2^32 + jbLo: Philox of the counter
  ;; [j mod 2^32, j div 2^32, stream, 1], to EXTRA_BASE + 16q.
  (func (export "extras")
    (param $count i32) (param $jbLo i32) (param $jbHi i32) (param $stream i32)
    (param $key0 i32) (param $key1 i32)
    (local $q i32) (local $t i32)
    (local $x0 i32) (local $x1 i32) (local $x2 i32) (local $x3 i32)
    (local $k0 i32) (local $k1 i32) (local $p0 i64) (local $p1 i64)
    (local $j i64)
    (if (i32.eqz (local.get $count)) (then (return)))
    (loop $entry
      (local.set $t
        (i32.shr_u
          (i32.load offset=${SLOW_BASE}
            (i32.shl (local.get $q) (i32.const 2)))
          (i32.const 2)))
      (local.set $j
        (i64.add
          (i64.or
            (i64.shl (i64.extend_i32_u (local.get $jbHi)) (i64.const 32))
            (i64.extend_i32_u (local.get $jbLo)))
          (i64.extend_i32_u (local.get $t))))
      (local.set $x0 (i32.wrap_i64 (local.get $j)))
      (local.set $x1 (i32.wrap_i64 (i64.shr_u (local.get $j) (i64.const 32))))
      (local.set $x2 (local.get $stream))
      (local.set $x3 (i32.const 1))
      (local.set $k0 (local.get $key0))
      (local.set $k1 (local.get $key1))
${rounds("      ")}
      (i32.store offset=${EXTRA_BASE}
        (i32.shl (local.get $q) (i32.const 4)) (local.get $x0))
      (i32.store offset=${EXTRA_BASE + 4}
        (i32.shl (local.get $q) (i32.const 4)) (local.get $x1))
      (i32.store offset=${EXTRA_BASE + 8}
        (i32.shl (local.get $q) (i32.const 4)) (local.get $x2))
      (i32.store offset=${EXTRA_BASE + 12}
        (i32.shl (local.get $q) (i32.const 4)) (local.get $x3))
      (br_if $entry
        (i32.ne
          (local.tee $q (i32.add (local.get $q) (i32.const 1)))
          (local.get $count)))))`;

/**
 * `normal53` (float32 results) or `normal53f64` (float64 results): one
 * function text for both, differing only in the store.
 */
function normal53(name: string, wide: boolean): string {
  const result = wide
    ? "a float64 at FLOAT_BASE + 8e"
    : "a float32 (rounded once) at FLOAT_BASE + 4e";
  const store = wide
    ? `(f64.store offset=${FLOAT_BASE} (local.get $p)`
    : `(f32.store offset=${FLOAT_BASE} (local.get $e4)\n        (f32.demote_f64`;
  return `
  ;; ${name}(n, lower, upper, mean, std) -> slow count: the 53-bit
  ;; Ziggurat's fast path over elements e = 0 .. n - 1, element e from chunk
  ;; words a = word 2e and b = word 2e + 1: s = a & 511 (layer and sign),
  ;; the odd numerator m = (a >>> 9) * 2^30 + ((b >>> 2) | 1) (below 2^53,
  ;; so exact in f64), x = m * W[s]. When m < K[s] (inside the layer's
  ;; rectangle) and lower <= x <= upper, the element is done: mean + std * x
  ;; (f64 arithmetic, no fused multiply-add) goes to the results, ${result};
  ;; else 4e goes on the slow list, whose length is returned (those results
  ;; are to be overwritten by the host). Branch-free, like normal32.
  (func (export "${name}") (param $n i32) (param $lower f64) (param $upper f64)
    (param $mean f64) (param $std f64) (result i32)
    (local $p i32) (local $end i32) (local $e4 i32) (local $a i32)
    (local $s8 i32) (local $m f64) (local $x f64) (local $count4 i32)
    (local.set $end (i32.shl (local.get $n) (i32.const 3)))
    (if (i32.eqz (local.get $n)) (then (return (i32.const 0))))
    (loop $element
      ;; $p = 8e: the byte address of word 2e; $e4 = 4e
      (local.set $e4 (i32.shr_u (local.get $p) (i32.const 1)))
      (local.set $a (i32.load (local.get $p)))
      (local.set $s8
        (i32.shl (i32.and (local.get $a) (i32.const 511)) (i32.const 3)))
      (local.set $m
        (f64.convert_i64_s
          (i64.or
            (i64.shl
              (i64.extend_i32_u (i32.shr_u (local.get $a) (i32.const 9)))
              (i64.const 30))
            (i64.extend_i32_u
              (i32.or
                (i32.shr_u (i32.load offset=4 (local.get $p)) (i32.const 2))
                (i32.const 1))))))
      (local.set $x
        (f64.mul (local.get $m)
          (f64.load offset=${W53_BASE} (local.get $s8))))
      ${store}
          (f64.add (local.get $mean)
            (f64.mul (local.get $std) (local.get $x)))${wide ? ")" : "))"}
      (i32.store offset=${SLOW_BASE} (local.get $count4) (local.get $e4))
      (local.set $count4
        (i32.add (local.get $count4)
          (i32.shl
            (i32.eqz
              (i32.and
                (f64.lt (local.get $m)
                  (f64.load offset=${K53_BASE} (local.get $s8)))
                (i32.and
                  (f64.ge (local.get $x) (local.get $lower))
                  (f64.le (local.get $x) (local.get $upper)))))
            (i32.const 2))))
      (br_if $element
        (i32.ne
          (local.tee $p (i32.add (local.get $p) (i32.const 8)))
          (local.get $end))))
    (i32.shr_u (local.get $count4) (i32.const 2)))`;
}

/** `uniform53` (float32 results) or `uniform53f64` (float64 results). */
function uniform53(name: string, wide: boolean): string {
  const result = wide
    ? "a float64 at FLOAT_BASE + 8e"
    : "a float32 (rounded once) at FLOAT_BASE + 4e";
  const store = wide
    ? `(f64.store offset=${FLOAT_BASE} (local.get $p)`
    : `(f32.store offset=${FLOAT_BASE}
        (i32.shr_u (local.get $p) (i32.const 1))
        (f32.demote_f64`;
  return `
  ;; ${name}(n, low, width): elements e = 0 .. n - 1, element e from
  ;; chunk words a = word 2e and b = word 2e + 1: the 53-bit uniform
  ;; u = ((a >>> 5) * 2^26 + (b >>> 6)) * 2^-53 (exact), and low + width * u
  ;; (f64 arithmetic) to the results, ${result}.
  (func (export "${name}") (param $n i32) (param $low f64) (param $width f64)
    (local $p i32) (local $end i32)
    (local.set $end (i32.shl (local.get $n) (i32.const 3)))
    (if (i32.eqz (local.get $n)) (then (return)))
    (loop $element
      ${store}
        (f64.add (local.get $low)
          (f64.mul (local.get $width)
            (f64.mul
              (f64.convert_i64_s
                (i64.or
                  (i64.shl
                    (i64.extend_i32_u
                      (i32.shr_u (i32.load (local.get $p)) (i32.const 5)))
                    (i64.const 26))
                  (i64.extend_i32_u
                    (i32.shr_u (i32.load offset=4 (local.get $p))
                      (i32.const 6)))))
              (f64.const 0x1p-53))))${wide ? ")" : "))"}
      (br_if $element
        (i32.ne
          (local.tee $p (i32.add (local.get $p) (i32.const 8)))
          (local.get $end)))))`;
}

/** The gather of a 53-bit table entry per lane: `table` at `$s8_l`, lanes `l0`, `l1`. */
function gather2(table: number, l0: number, l1: number): string {
  return `(v128.load64_lane offset=${table} 1 (local.get $s8_${l1})
            (v128.load64_zero offset=${table} (local.get $s8_${l0})))`;
}

/** One lane of `normal53x4`'s slow-list append: element `e + lane` when its `$ok` lane is 0. */
function append53(ok: string, half: number, lane: number): string {
  return `
          (if (i64.eqz (i64x2.extract_lane ${half} (local.get ${ok})))
            (then
              (i32.store offset=${SLOW_BASE} (local.get $count4)
                (i32.add (local.get $e4) (i32.const ${4 * lane})))
              (local.set $count4
                (i32.add (local.get $count4) (i32.const 4)))))`;
}

/** `normal53x4` or `normal53x4f64`: four elements per step in SIMD. */
function normal53x4(name: string, wide: boolean): string {
  const y = (m: string, w: string) =>
    `(f64x2.add (local.get $mean2)
            (f64x2.mul (local.get $std2) (local.tee ${w} (f64x2.mul (local.get ${m}) ${
      w === "$x01" ? gather2(W53_BASE, 0, 1) : gather2(W53_BASE, 2, 3)
    }))))`;
  const store = wide
    ? `(v128.store offset=${FLOAT_BASE} (local.get $p) (local.get $y01))
        (v128.store offset=${FLOAT_BASE + 16} (local.get $p) (local.get $y23))`
    : `(v128.store offset=${FLOAT_BASE} (local.get $e4)
          (i8x16.shuffle ${L0145}
            (f32x4.demote_f64x2_zero (local.get $y01))
            (f32x4.demote_f64x2_zero (local.get $y23))))`;
  return `
  ;; ${name}(n, lower, upper, mean, std) -> slow count: ${
    wide ? "normal53f64" : "normal53"
  } four elements
  ;; per step (n rounded up to a multiple of 4), with the same results: the
  ;; numerators are formed in f64x2 as (a >>> 9) * 2^30 + ((b >>> 2) | 1)
  ;; (exact: the same values as the i64 route), the tables gathered lane by
  ;; lane, the arithmetic in f64x2 (the same roundings). A step with an
  ;; element not done appends those in lane order.
  (func (export "${name}") (param $n i32) (param $lower f64) (param $upper f64)
    (param $mean f64) (param $std f64) (result i32)
    (local $p i32) (local $end i32) (local $e4 i32) (local $count4 i32)
    (local $s8_0 i32) (local $s8_1 i32) (local $s8_2 i32) (local $s8_3 i32)
    (local $a v128) (local $b v128) (local $hi v128) (local $lo v128)
    (local $m01 v128) (local $m23 v128) (local $x01 v128) (local $x23 v128)
    (local $y01 v128) (local $y23 v128) (local $ok01 v128) (local $ok23 v128)
    (local $lower2 v128) (local $upper2 v128) (local $mean2 v128)
    (local $std2 v128)
    (local.set $lower2 (f64x2.splat (local.get $lower)))
    (local.set $upper2 (f64x2.splat (local.get $upper)))
    (local.set $mean2 (f64x2.splat (local.get $mean)))
    (local.set $std2 (f64x2.splat (local.get $std)))
    ;; $end = 8 * (n rounded up to a multiple of 4)
    ${END8}
    (block $done
      (loop $step
        (br_if $done (i32.ge_u (local.get $p) (local.get $end)))
        ;; $p = 8e for the step's first element e; $e4 = 4e
        (local.set $e4 (i32.shr_u (local.get $p) (i32.const 1)))
        ;; words a (lanes: elements e .. e + 3) and b
        (local.set $a
          (i8x16.shuffle ${L0246}
            (v128.load (local.get $p)) (v128.load offset=16 (local.get $p))))
        (local.set $b
          (i8x16.shuffle ${L1357}
            (v128.load (local.get $p)) (v128.load offset=16 (local.get $p))))
        ;; 8s per lane (byte offsets into the tables)
        ${layerOffsets("$hi", "$a", 3, "$s8_")}
        ;; m = (a >>> 9) * 2^30 + ((b >>> 2) | 1), lanes 0-1 and 2-3
        (local.set $hi (i32x4.shr_u (local.get $a) (i32.const 9)))
        (local.set $lo
          (v128.or (i32x4.shr_u (local.get $b) (i32.const 2))
            (v128.const i32x4 1 1 1 1)))
        (local.set $m01
          (f64x2.add
            (f64x2.mul (f64x2.convert_low_i32x4_s (local.get $hi))
              (v128.const f64x2 0x1p30 0x1p30))
            (f64x2.convert_low_i32x4_s (local.get $lo))))
        (local.set $m23
          (f64x2.add
            (f64x2.mul
              (f64x2.convert_low_i32x4_s
                (i8x16.shuffle ${L2323} (local.get $hi) (local.get $hi)))
              (v128.const f64x2 0x1p30 0x1p30))
            (f64x2.convert_low_i32x4_s
              (i8x16.shuffle ${L2323} (local.get $lo) (local.get $lo)))))
        ;; x = m * W[s]; y = mean + std * x
        (local.set $y01
          ${y("$m01", "$x01")})
        (local.set $y23
          ${y("$m23", "$x23")})
        ${store}
        ;; done: m < K[s] and lower <= x <= upper
        (local.set $ok01
          (v128.and
            (f64x2.lt (local.get $m01) ${gather2(K53_BASE, 0, 1)})
            (v128.and (f64x2.ge (local.get $x01) (local.get $lower2))
              (f64x2.le (local.get $x01) (local.get $upper2)))))
        (local.set $ok23
          (v128.and
            (f64x2.lt (local.get $m23) ${gather2(K53_BASE, 2, 3)})
            (v128.and (f64x2.ge (local.get $x23) (local.get $lower2))
              (f64x2.le (local.get $x23) (local.get $upper2)))))
        (if (i32.eqz
              (i64x2.all_true (v128.and (local.get $ok01) (local.get $ok23))))
          (then${append53("$ok01", 0, 0)}${append53("$ok01", 1, 1)}${
    append53("$ok23", 0, 2)
  }${append53("$ok23", 1, 3)}))
        (local.set $p (i32.add (local.get $p) (i32.const 32)))
        (br $step)))
    (i32.shr_u (local.get $count4) (i32.const 2)))`;
}

/** `uniform53x4` or `uniform53x4f64`: four elements per step in SIMD. */
function uniform53x4(name: string, wide: boolean): string {
  const u = (half: (v: string) => string) =>
    `(f64x2.add (local.get $low2)
            (f64x2.mul (local.get $width2)
              (f64x2.mul
                (f64x2.add
                  (f64x2.mul
                    (f64x2.convert_low_i32x4_s ${half("$a")})
                    (v128.const f64x2 0x1p26 0x1p26))
                  (f64x2.convert_low_i32x4_s ${half("$b")}))
                (v128.const f64x2 0x1p-53 0x1p-53))))`;
  const low = (v: string) => `(local.get ${v})`;
  const high = (v: string) =>
    `(i8x16.shuffle ${L2323} (local.get ${v}) (local.get ${v}))`;
  const store = wide
    ? `(v128.store offset=${FLOAT_BASE} (local.get $p)
          ${u(low)})
        (v128.store offset=${FLOAT_BASE + 16} (local.get $p)
          ${u(high)})`
    : `(v128.store offset=${FLOAT_BASE}
          (i32.shr_u (local.get $p) (i32.const 1))
          (i8x16.shuffle ${L0145}
            (f32x4.demote_f64x2_zero
              ${u(low)})
            (f32x4.demote_f64x2_zero
              ${u(high)})))`;
  return `
  ;; ${name}(n, low, width): ${
    wide ? "uniform53f64" : "uniform53"
  } four elements per step (n rounded up to a
  ;; multiple of 4), with the same results: (a >>> 5) * 2^26 + (b >>> 6)
  ;; formed exactly in f64x2, then the same f64 arithmetic.
  (func (export "${name}") (param $n i32) (param $low f64) (param $width f64)
    (local $p i32) (local $end i32) (local $a v128) (local $b v128)
    (local $low2 v128) (local $width2 v128)
    (local.set $low2 (f64x2.splat (local.get $low)))
    (local.set $width2 (f64x2.splat (local.get $width)))
    ${END8}
    (block $done
      (loop $step
        (br_if $done (i32.ge_u (local.get $p) (local.get $end)))
        ;; a >>> 5 and b >>> 6 of elements e .. e + 3 ($p = 8e)
        (local.set $a
          (i32x4.shr_u
            (i8x16.shuffle ${L0246}
              (v128.load (local.get $p)) (v128.load offset=16 (local.get $p)))
            (i32.const 5)))
        (local.set $b
          (i32x4.shr_u
            (i8x16.shuffle ${L1357}
              (v128.load (local.get $p)) (v128.load offset=16 (local.get $p)))
            (i32.const 6)))
        ${store}
        (local.set $p (i32.add (local.get $p) (i32.const 32)))
        (br $step))))`;
}

const SIMD_ONLY = [
  BLOCKS4,
  NORMAL32X4,
  UNIFORM32,
  normal53x4("normal53x4", false),
  normal53x4("normal53x4f64", true),
  uniform53x4("uniform53x4", false),
  uniform53x4("uniform53x4f64", true),
].map((f) => `\n${f}`).join("");

function module(simd: boolean): string {
  return `${HEADER}
(module
  (memory (export "mem") ${MEMORY_PAGES})
${BLOCKS}
${NORMAL32}
${normal53("normal53", false)}
${normal53("normal53f64", true)}
${uniform53("uniform53", false)}
${uniform53("uniform53f64", true)}
${EXTRAS}${simd ? SIMD_ONLY : ""})
`;
}

/** The variants: with fixed-width SIMD, and without. */
export const WAT: Record<"simd" | "scalar", string> = {
  simd: module(true),
  scalar: module(false),
};
