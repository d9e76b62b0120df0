/**
 * The source of the random kernel: Philox-4x32-10 blocks and the float32
 * transforms that follow them in the hot loops, as WebAssembly text.
 * `deno task wasm` assembles it into `_philox_wasm.ts`; `_wasm.ts`
 * instantiates that.
 *
 * A template rather than a `.wat` file for two reasons: Philox's ten rounds
 * are unrolled (written once here, in {@linkcode rounds} and
 * {@linkcode rounds4}), and there are two variants:
 *
 * - `simd`: every function, `blocks4`, `normal32x4` and `uniform32` included
 *   (fixed-width SIMD);
 * - `scalar`: `blocks`, `normal32` and `extras` only, for runtimes without
 *   SIMD.
 *
 * Both compute the same function as the plain JavaScript of `_philox_js.ts`,
 * the reference (the tests compare them, and all against Random123's known
 * answers). WebAssembly gives the one thing JavaScript lacks for Philox: a
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
  MEMORY_PAGES,
  SLOW_BASE,
  W24_BASE,
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

const HEADER = `;; Philox-4x32-10 and the float32 transforms of its words.
;;
;; Memory (exported as "mem", ${MEMORY_PAGES} pages), byte addresses:
;;
;;   ${at(0)}the chunk: up to ${CHUNK_BLOCKS} Philox blocks of 4 words (i32)
;;   ${at(FLOAT_BASE)}the float32 results: result t belongs to chunk word t
;;   ${at(K24_BASE)}K: the 24-bit Ziggurat's acceptance bounds, 512 i32
;;   ${at(W24_BASE)}W: the 24-bit Ziggurat's layer widths, 512 f64 (signed)
;;   ${at(SLOW_BASE)}the slow list: byte addresses 4t of chunk words t, in order
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
        (local.set $s4
          (i32x4.shl
            (v128.and (local.get $w) (v128.const i32x4 511 511 511 511))
            (i32.const 2)))
        (local.set $a0 (i32x4.extract_lane 0 (local.get $s4)))
        (local.set $a1 (i32x4.extract_lane 1 (local.get $s4)))
        (local.set $a2 (i32x4.extract_lane 2 (local.get $s4)))
        (local.set $a3 (i32x4.extract_lane 3 (local.get $s4)))
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

function module(simd: boolean): string {
  return `${HEADER}
(module
  (memory (export "mem") ${MEMORY_PAGES})
${BLOCKS}
${NORMAL32}
${EXTRAS}${simd ? `\n${BLOCKS4}\n${NORMAL32X4}\n${UNIFORM32}` : ""})
`;
}

/** The variants: with fixed-width SIMD, and without. */
export const WAT: Record<"simd" | "scalar", string> = {
  simd: module(true),
  scalar: module(false),
};
