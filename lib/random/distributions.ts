/**
 * Sampling from distributions, from the Philox words of a {@linkcode Draw}.
 *
 * Every function here fills `out` (length `n`) so that element `i` depends
 * only on the draw and on the absolute index `j = offset + i`: it reads the
 * primary words of `j` (word `j` when one word per element is used, words
 * `2j` and `2j + 1` when two are), and, for the rare rejection steps, the
 * element-local extra blocks of `j` (a separate counter range; see
 * `_bits.ts`). So `f(n, draw, offset)` equals the slice
 * `[offset, offset + n)` of `f(offset + n, draw, 0)`, bit for bit, and the
 * values are the same on every tfjs backend and in every run.
 *
 * Values are computed in double precision; a `Float32Array` output holds the
 * correctly rounded (to nearest, ties to even) float32 of each double.
 *
 * Two calls that share a draw read the same words: take a fresh draw
 * (`nextDraw()`) for each call whose values must be independent.
 *
 * @module
 */
import {
  checkBound,
  checkFinite,
  checkNonNegative,
  checkOutput,
  checkProbability,
  rangeError,
} from "../validate.ts";
import { activeKernel, Chunks, ExtraWords } from "./_bits.ts";
import type { PhiloxKernel } from "./_wasm.ts";
import { lowerTail, normalQuantile, upperTail } from "../_normal.ts";
import { F, R, X, Z24, Z53, type ZigguratTables } from "./_ziggurat.ts";
import { checkDrawSpan, type Draw } from "./stream.ts";

const FLOAT_KINDS = [Float32Array, Float64Array] as const;
const TWO_M24 = 5.9604644775390625e-8; // 2^-24
const TWO_M53 = 1.1102230246251565e-16; // 2^-53
const TWO_32 = 4294967296;

/** The chunks of `n` elements of `draw` from element `offset`, `per` words each. */
function chunksOf(n: number, draw: Draw, offset: number, per: 1 | 2): Chunks {
  return new Chunks(n, draw.key.k0, draw.key.k1, draw.stream, offset, per);
}

/**
 * Checks a draw's span (`n` values from `offset`) and the output array
 * (`out`, a Float32Array or Float64Array of length `n`; default a new
 * Float32Array), for `fn`.
 */
function floatOutput(
  fn: string,
  n: number,
  draw: Draw,
  offset: number,
  out: Float32Array | Float64Array | undefined,
): Float32Array | Float64Array {
  checkDrawSpan(fn, n, draw, offset);
  return checkOutput<Float32Array | Float64Array>(
    fn,
    out,
    n,
    FLOAT_KINDS,
    Float32Array,
  );
}

/**
 * Uniform values on [0, 1).
 *
 * - `Float32Array` output (the default): `u = ⌊w / 2^8⌋ · 2^−24` from word
 *   `j`, so `u` is uniform on the 2^24 multiples of 2^−24 in [0, 1): exact
 *   float32 values, the largest `1 − 2^−24`.
 * - `Float64Array` output: `u = (⌊a / 2^5⌋ · 2^26 + ⌊b / 2^6⌋) · 2^−53` from
 *   words `a = 2j`, `b = 2j + 1`: uniform on the 2^53 multiples of 2^−53.
 *
 * There is no rounding: each value is exact, and the distribution differs
 * from U[0, 1) only by this discretisation (CDF error below 2^−24,
 * respectively 2^−53).
 *
 * @param n How many values, an integer ≥ 0.
 * @param draw The key and sub-stream (from `nextDraw`).
 * @param offset The absolute index of the first value (default 0).
 * @param out Where to write them (length `n`); default a new `Float32Array`.
 * @returns `out`.
 * @throws {RangeError} If `n`/`offset` is not a non-negative integer, or
 * `out` has the wrong length.
 * @throws {TypeError} If `draw` or `out` has the wrong type.
 *
 * @example
 * ```ts
 * import { uniform } from "./distributions.ts";
 * import { nextDraw } from "./stream.ts";
 * import { assert, assertEquals } from "@std/assert";
 *
 * const draw = nextDraw(0);
 * const u = uniform(1000, draw);
 * assert(u.every((x) => x >= 0 && x < 1));
 * assertEquals(uniform(10, draw, 990), u.subarray(990));
 * ```
 */
export function uniform<
  T extends Float32Array | Float64Array = Float32Array,
>(
  n: number,
  draw: Draw,
  offset: number = 0,
  out?: T,
): T {
  const o = floatOutput("uniform", n, draw, offset, out);
  if (o instanceof Float32Array) uniform32(o, draw, offset);
  else uniform53Into(o, draw, offset, 0, 1);
  return o as T;
}

/**
 * The Ziggurat's slow path for one element: the wedge test and retries,
 * or the tail, with the element's extra words. `m` is the odd numerator
 * and `s` the table index (layer + 256·sign) of the first attempt.
 */
function zigguratSlow(
  m: number,
  s: number,
  z: ZigguratTables,
  wide: boolean,
  ex: ExtraWords,
): number {
  while (true) {
    const layer = s & 255;
    const x = m * z.W[s];
    const ax = Math.abs(x);
    if (ax < X[layer + 1]) return x; // inside (a conservative fast test missed it)
    if (layer === 0) {
      // Tail beyond R (Marsaglia 1964): with E1, E2 standard exponentials,
      // accept y = E1/R when 2·E2 > y², and return R + y.
      let y: number, e: number;
      do {
        y = -Math.log(1 - ex.uniform53()) / R;
        e = -Math.log(1 - ex.uniform53());
      } while (2 * e <= y * y);
      return x < 0 ? -(R + y) : R + y;
    }
    // Wedge: accept when a uniform height in the layer falls under f(x).
    const height = F[layer] + ex.uniform53() * (F[layer + 1] - F[layer]);
    if (height < Math.exp(-0.5 * ax * ax)) return x;
    // Rejected: a whole new attempt from the extra words.
    if (wide) {
      const a = ex.word(), b = ex.word();
      s = a & 511;
      m = (a >>> 9) * 1073741824 + ((b >>> 2) | 1);
    } else {
      const w = ex.word();
      s = w & 511;
      m = (w >>> 8) | 1;
    }
    if (m < z.K[s]) return m * z.W[s];
  }
}

/**
 * Standard normal values N(0, 1), by the Ziggurat method of Marsaglia and
 * Tsang (2000) with 256 layers of equal area (tables in `_ziggurat.ts`).
 *
 * - `Float32Array` output (the default): one word `w` per element. Bits 0–7
 *   pick the layer `i`, bit 8 the sign, bits 9–31 a uniform `U` on the
 *   midpoints `(2k + 1)/2^24` of 2^23 equal cells of [0, 1); `x = ±U·X[i]`
 *   (one rounding to double, then to float32), accepted at once when
 *   `U·X[i] < X[i+1]`: 98.5 % of elements.
 * - `Float64Array` output: words `2j, 2j + 1`, with 52 random bits in `U`
 *   (midpoints of 2^52 cells).
 *
 * The other 1.5 % take the exact slow path, with element-local extra words:
 * in a wedge, accept when a uniform height between `f(X[i])` and
 * `f(X[i+1])` is below `f(x) = exp(−x²/2)`, else start over with a new
 * sample; in the base layer beyond `R = 3.654…`, Marsaglia's exact tail
 * method (`y = E₁/R` accepted when `2E₂ > y²`, with E₁, E₂ standard
 * exponentials; `x = ±(R + y)`).
 *
 * Error bound: the method is exact for a continuous `U`; the only
 * approximation is `U`'s resolution, which moves each value by at most half
 * a cell within its layer. Each (layer, sign, cell) has probability 2^−32
 * (2^−61 for Float64), so the CDF differs from Φ by at most about
 * 256 · 2^−32 = 2^−24 (2^−53), as for a 24-bit (53-bit) uniform.
 *
 * @param n How many values, an integer ≥ 0.
 * @param draw The key and sub-stream (from `nextDraw`).
 * @param offset The absolute index of the first value (default 0).
 * @param out Where to write them (length `n`); default a new `Float32Array`.
 * @returns `out`.
 * @throws {RangeError} If `n`/`offset` is not a non-negative integer, or
 * `out` has the wrong length.
 * @throws {TypeError} If `draw` or `out` has the wrong type.
 *
 * @example
 * ```ts
 * import { standardNormal } from "./distributions.ts";
 * import { nextDraw } from "./stream.ts";
 * import { assert, assertEquals } from "@std/assert";
 *
 * const x = standardNormal(10000, nextDraw(1));
 * const mean = x.reduce((a, b) => a + b, 0) / x.length;
 * assert(Math.abs(mean) < 0.05); // 5 standard errors: 5/√10000
 * assertEquals(standardNormal(3, nextDraw(1), 9997), x.subarray(9997));
 * ```
 */
export function standardNormal<
  T extends Float32Array | Float64Array = Float32Array,
>(
  n: number,
  draw: Draw,
  offset: number = 0,
  out?: T,
): T {
  const o = floatOutput("standardNormal", n, draw, offset, out);
  if (o instanceof Float32Array) normal32(o, draw, offset);
  else normal53Into(o, draw, offset, -Infinity, Infinity, 0, 1);
  return o as T;
}

/** Below `−TAIL` or above `TAIL` the truncated normal uses rejection. */
const TAIL = 30;
/**
 * Intervals holding at least this much of N(0, 1) are sampled by rejection
 * from the Ziggurat (at most 1/0.75 attempts per value on average), others
 * by the inverse CDF.
 */
const REJECT_ABOVE = 0.75;

/**
 * One value of N(0, 1) conditioned on `[a, b]` with `a ≥ TAIL`, by exact
 * rejection from the element's extra words (Robert 1995): an exponential
 * proposal `a + E/a` accepted with probability `exp(−(z − a)²/2)`, or, when
 * `a·(b − a) < 1`, a uniform proposal on `[a, b]` accepted with probability
 * `exp(−(z − a)(z + a)/2)`.
 */
function farTail(a: number, b: number, ex: ExtraWords): number {
  const width = b - a;
  if (a * width < 1) {
    while (true) {
      const z = a + width * ex.uniform53();
      if (ex.uniform53() < Math.exp(-0.5 * (z - a) * (z + a))) return z;
    }
  }
  while (true) {
    const z = a - Math.log(1 - ex.uniform53()) / a;
    const accept = ex.uniform53() < Math.exp(-0.5 * (z - a) * (z - a));
    if (accept && z <= b) return z;
  }
}

/**
 * Standard normal values conditioned on `lower ≤ x ≤ upper` (bounds in
 * standard deviations; `±Infinity` allowed), exactly. The method depends
 * only on the interval, by its mass `Z = Φ(upper) − Φ(lower)`:
 *
 * - `Z ≥ 0.75` (for example `[−2, 2]`, `Z = 0.954`): rejection. Element `j`
 *   is the first standard normal (the 53-bit Ziggurat of
 *   {@linkcode standardNormal}, first from words `2j`, `2j + 1`, then from
 *   the element's extra words) that falls in the interval. Exact, and on
 *   average `1/Z` attempts.
 * - Otherwise: inverse CDF, from a uniform `u` on the 2^52 odd multiples of
 *   2^−53 in (0, 1) (words `2j`, `2j + 1`): `x = Φ⁻¹(Φ(lower) + u·Z)`,
 *   evaluated on the side where it is accurate: as written when
 *   `Φ(lower) + u·Z ≤ 1/2`, else as `x = −Φ⁻¹(Q(upper) + (1 − u)·Z)` with
 *   the upper tail `Q = 1 − Φ`. `Φ` and `Q` are accurate to below 1e-15
 *   relative (series and continued fraction), `Φ⁻¹` is Wichura's AS 241
 *   (about 1e-16), so `x` has a relative error of a few 1e-15 at most, far
 *   tails included (`lower = 5, upper = 6` works from `Q(5) ≈ 2.9e-7`).
 *   Results are clamped to `[lower, upper]` against the last rounding.
 * - Beyond 30 standard deviations (`lower ≥ 30` or `upper ≤ −30`, where `Q`
 *   nears underflow): exact rejection (Robert 1995: exponential proposals
 *   `lower + E/lower`, or uniform ones on narrow intervals) from the
 *   element's extra words.
 *
 * A `Float32Array` output holds the correctly rounded doubles, so it lies in
 * `[fround(lower), fround(upper)]`.
 *
 * @param n How many values, an integer ≥ 0.
 * @param lower The lower bound (may be `-Infinity`).
 * @param upper The upper bound (may be `Infinity`), `upper > lower`.
 * @param draw The key and sub-stream (from `nextDraw`).
 * @param offset The absolute index of the first value (default 0).
 * @param out Where to write them (length `n`); default a new `Float32Array`.
 * @returns `out`.
 * @throws {RangeError} If a bound is NaN, `lower ≥ upper`, `n`/`offset` is
 * not a non-negative integer, or `out` has the wrong length.
 * @throws {TypeError} If a bound is not a number, or `draw` or `out` has the
 * wrong type.
 *
 * @example Two standard deviations, as tf.truncatedNormal does
 * ```ts
 * import { truncatedStandardNormal } from "./distributions.ts";
 * import { nextDraw } from "./stream.ts";
 * import { assert } from "@std/assert";
 *
 * const x = truncatedStandardNormal(1000, -2, 2, nextDraw(3));
 * assert(x.every((v) => v >= -2 && v <= 2));
 * const tail = truncatedStandardNormal(1000, 5, 6, nextDraw(3));
 * assert(tail.every((v) => v >= 5 && v <= 6));
 * ```
 */
export function truncatedStandardNormal<
  T extends Float32Array | Float64Array = Float32Array,
>(
  n: number,
  lower: number,
  upper: number,
  draw: Draw,
  offset: number = 0,
  out?: T,
): T {
  const a = checkBound("truncatedStandardNormal", "lower", lower);
  const b = checkBound("truncatedStandardNormal", "upper", upper);
  if (!(a < b)) {
    throw rangeError("truncatedStandardNormal", "lower", `< upper (${b})`, a);
  }
  const o = floatOutput("truncatedStandardNormal", n, draw, offset, out);
  truncatedInto(o, draw, offset, a, b);
  return o as T;
}

/** Whether the truncated normal on `[a, b]` is sampled by rejection from the 53-bit Ziggurat (see {@linkcode truncatedStandardNormal}). */
function byRejection(a: number, b: number): boolean {
  return a < TAIL && b > -TAIL && truncation(a, b).mass >= REJECT_ABOVE;
}

/** `Φ(a)`, `Q(b)` and the mass of `[a, b]`, each on the side where it is accurate. */
function truncation(
  a: number,
  b: number,
): { pa: number; qb: number; mass: number } {
  // Lower tail at a (accurate for a ≤ 0), upper tail at b (accurate for b ≥ 0).
  const pa = lowerTail(a), qb = upperTail(b);
  const mass = a >= 0
    ? upperTail(a) - qb
    : b <= 0
    ? lowerTail(b) - pa
    : 1 - pa - qb;
  return { pa, qb, mass };
}

/** The standard normals conditioned on `[a, b]`, by the method for the interval. */
function truncatedInto(
  o: Float32Array | Float64Array,
  draw: Draw,
  offset: number,
  a: number,
  b: number,
): void {
  const { k0, k1 } = draw.key;
  const stream = draw.stream;
  if (a >= TAIL || b <= -TAIL) {
    const flip = b <= -TAIL;
    const lo = flip ? -b : a, hi = flip ? -a : b;
    const ex = new ExtraWords();
    for (let i = 0; i < o.length; i++) {
      ex.reset(k0, k1, stream, offset + i);
      const x = farTail(lo, hi, ex);
      o[i] = flip ? -x : x;
    }
    return;
  }
  const { pa, qb, mass } = truncation(a, b);
  if (mass >= REJECT_ABOVE) normal53Into(o, draw, offset, a, b, 0, 1);
  else inverseCdfInto(o, draw, offset, a, b, pa, qb, mass);
}

/** Elements per Float64 scratch chunk in {@linkcode scaledNormal}'s general path. */
const SCRATCH = 8192;

/**
 * Normal values `mean + std·z`, optionally truncated: `z` is the Float64
 * value of {@linkcode truncatedStandardNormal}`(n, lower, upper, draw,
 * offset)` (of {@linkcode standardNormal} with a Float64Array output when
 * both bounds are infinite, the default), and `mean + std·z` is computed in
 * double precision and stored, so a `Float32Array` output holds it rounded
 * once. This is what the initializers draw; it gives exactly the values of
 * computing `z` into a Float64Array first, without that array.
 *
 * Where `z` comes from the 53-bit Ziggurat (no truncation, or one by
 * rejection) the transform runs in the WebAssembly kernel with it.
 *
 * @param n How many values, an integer ≥ 0.
 * @param mean The mean `mean`, a finite number.
 * @param std The scale `std`, a finite number ≥ 0.
 * @param lower The lower bound of `z`, in standard deviations (may be `-Infinity`).
 * @param upper The upper bound of `z` (may be `Infinity`), `upper > lower`.
 * @param draw The key and sub-stream (from `nextDraw`).
 * @param offset The absolute index of the first value (default 0).
 * @param out Where to write them (length `n`); default a new `Float32Array`.
 * @returns `out`.
 * @throws {RangeError} If `mean` or `std` is not finite, `std < 0`, a bound
 * is NaN, `lower ≥ upper`, `n`/`offset` is not a non-negative integer, or
 * `out` has the wrong length.
 * @throws {TypeError} If an argument has the wrong type.
 *
 * @example The same values as the standard normals, scaled
 * ```ts
 * import { scaledNormal, standardNormal } from "./distributions.ts";
 * import { nextDraw } from "./stream.ts";
 * import { assertEquals } from "@std/assert";
 *
 * const draw = nextDraw(4);
 * const z = standardNormal(1000, draw, 0, new Float64Array(1000));
 * const x = scaledNormal(1000, 3, 0.5, -Infinity, Infinity, draw);
 * assertEquals(x, Float32Array.from(z, (v) => 3 + 0.5 * v));
 * ```
 */
export function scaledNormal<
  T extends Float32Array | Float64Array = Float32Array,
>(
  n: number,
  mean: number,
  std: number,
  lower: number,
  upper: number,
  draw: Draw,
  offset: number = 0,
  out?: T,
): T {
  const m = checkFinite("scaledNormal", "mean", mean);
  const sd = checkNonNegative("scaledNormal", "std", std);
  const a = checkBound("scaledNormal", "lower", lower);
  const b = checkBound("scaledNormal", "upper", upper);
  if (!(a < b)) throw rangeError("scaledNormal", "lower", `< upper (${b})`, a);
  const o = floatOutput("scaledNormal", n, draw, offset, out);
  if (byRejection(a, b)) {
    normal53Into(o, draw, offset, a, b, m, sd);
    return o as T;
  }
  const z = new Float64Array(Math.min(SCRATCH, n));
  for (let start = 0; start < n; start += SCRATCH) {
    const k = Math.min(SCRATCH, n - start);
    const view = k === z.length ? z : z.subarray(0, k);
    truncatedInto(view, draw, offset + start, a, b);
    for (let t = 0; t < k; t++) o[start + t] = m + sd * view[t];
  }
  return o as T;
}

/**
 * Uniform values on `[low, high)`: `low + (high − low)·u` for `u` the
 * Float64 value of {@linkcode uniform}`(n, draw, offset)` (53 bits, words
 * `2j`, `2j + 1`), computed in double precision and stored, so a
 * `Float32Array` output holds it rounded once (and may hold `high` itself
 * through that rounding). This is what the initializers draw; the transform
 * runs in the WebAssembly kernel.
 *
 * @param n How many values, an integer ≥ 0.
 * @param low The lower bound, a finite number.
 * @param high The upper bound, a finite number ≥ `low`.
 * @param draw The key and sub-stream (from `nextDraw`).
 * @param offset The absolute index of the first value (default 0).
 * @param out Where to write them (length `n`); default a new `Float32Array`.
 * @returns `out`.
 * @throws {RangeError} If a bound is not finite, `high < low`, `n`/`offset`
 * is not a non-negative integer, or `out` has the wrong length.
 * @throws {TypeError} If an argument has the wrong type.
 *
 * @example
 * ```ts
 * import { scaledUniform, uniform } from "./distributions.ts";
 * import { nextDraw } from "./stream.ts";
 * import { assertEquals } from "@std/assert";
 *
 * const draw = nextDraw(5);
 * const u = uniform(1000, draw, 0, new Float64Array(1000));
 * assertEquals(scaledUniform(1000, -1, 3, draw), Float32Array.from(u, (v) => -1 + 4 * v));
 * ```
 */
export function scaledUniform<
  T extends Float32Array | Float64Array = Float32Array,
>(
  n: number,
  low: number,
  high: number,
  draw: Draw,
  offset: number = 0,
  out?: T,
): T {
  const lo = checkFinite("scaledUniform", "low", low);
  const hi = checkFinite("scaledUniform", "high", high);
  if (!(hi >= lo)) {
    throw rangeError(
      "scaledUniform",
      "high",
      `a finite number >= low (${lo})`,
      hi,
    );
  }
  const o = floatOutput("scaledUniform", n, draw, offset, out);
  uniform53Into(o, draw, offset, lo, hi - lo);
  return o as T;
}

const BIT_KINDS = [Float32Array, Int32Array, Uint8Array] as const;

/**
 * Bernoulli values: 1 with probability `p`, else 0, exactly.
 *
 * Element `j` is 1 when a uniform `U` (the binary fraction `0.w₀w₁w₂…` of
 * word `j` followed by the element's extra words) is below `p`. Comparing
 * 32 bits at a time with the binary expansion of `p` decides almost every
 * element from word `j` alone (a tie has probability 2^−32), and stops after
 * at most 34 words, because a double has at most 1074 fractional bits. So
 * `P(1) = p` exactly, with no rounding of `p` to a grid: `p = 0` gives all
 * 0 and `p = 1` all 1.
 *
 * @param n How many values, an integer ≥ 0.
 * @param p The probability of a 1, in [0, 1].
 * @param draw The key and sub-stream (from `nextDraw`).
 * @param offset The absolute index of the first value (default 0).
 * @param out Where to write them (length `n`): a `Float32Array`,
 * `Int32Array` or `Uint8Array`; default a new `Float32Array`.
 * @returns `out`.
 * @throws {RangeError} If `p` is NaN or outside [0, 1], `n`/`offset` is
 * not a non-negative integer, or `out` has the wrong length.
 * @throws {TypeError} If `p` is not a number, or `draw` or `out` has the
 * wrong type.
 *
 * @example A dropout mask
 * ```ts
 * import { bernoulli } from "./distributions.ts";
 * import { nextDraw } from "./stream.ts";
 * import { assert, assertEquals } from "@std/assert";
 *
 * const keep = bernoulli(10000, 0.8, nextDraw(5), 0, new Uint8Array(10000));
 * const ones = keep.reduce((s, v) => s + v, 0);
 * assert(Math.abs(ones - 8000) < 5 * 40); // 5 binomial standard errors (√(n·p·(1−p)) = 40)
 * assertEquals(bernoulli(3, 0, nextDraw(5)), new Float32Array(3));
 * ```
 */
export function bernoulli<
  T extends Float32Array | Int32Array | Uint8Array = Float32Array,
>(
  n: number,
  p: number,
  draw: Draw,
  offset: number = 0,
  out?: T,
): T {
  const prob = checkProbability("bernoulli", "p", p);
  checkDrawSpan("bernoulli", n, draw, offset);
  const o = checkOutput<Float32Array | Int32Array | Uint8Array>(
    "bernoulli",
    out,
    n,
    BIT_KINDS,
    Float32Array,
  );
  if (prob === 0 || prob === 1) {
    o.fill(prob);
    return o as T;
  }
  const scaled = prob * 4294967296; // exact: a power-of-two scaling
  const p32 = Math.floor(scaled);
  const frac = scaled - p32; // the bits of p after the first 32, in [0, 1)
  bernoulliInto(o, draw, offset, p32, frac);
  return o as T;
}

// --- the loops, one per output type so that each stays monomorphic ---------

function uniform32(o: Float32Array, draw: Draw, offset: number): void {
  const kernel = activeKernel();
  const toFloat = kernel === null ? null : kernel.uniform32;
  const c = chunksOf(o.length, draw, offset, 1);
  while (c.next()) {
    const { words, at, i, count } = c;
    if (toFloat !== null) {
      toFloat(4 * c.blocks);
      o.set(kernel!.floats.subarray(at, at + count), i);
      continue;
    }
    for (let t = 0; t < count; t++) o[i + t] = (words[at + t] >>> 8) * TWO_M24;
  }
}

/**
 * `low + width·u` for the 53-bit uniforms `u` of words `2j`, `2j + 1`
 * (computed in Float64, then stored: rounded once for a Float32Array).
 */
function uniform53Into(
  o: Float32Array | Float64Array,
  draw: Draw,
  offset: number,
  low: number,
  width: number,
): void {
  const kernel = activeKernel();
  const c = chunksOf(o.length, draw, offset, 2);
  while (c.next()) {
    const { words, at, i, count } = c;
    if (kernel !== null) {
      const skip = at >> 1; // elements of the chunk before the first wanted
      if (o instanceof Float64Array) {
        kernel.uniform53f64(2 * c.blocks, low, width);
        o.set(kernel.floats64.subarray(skip, skip + count), i);
      } else {
        kernel.uniform53(2 * c.blocks, low, width);
        o.set(kernel.floats.subarray(skip, skip + count), i);
      }
      continue;
    }
    for (let t = 0; t < count; t++) {
      const a = words[at + 2 * t] >>> 5, b = words[at + 2 * t + 1] >>> 6;
      o[i + t] = low + width * ((a * 67108864 + b) * TWO_M53);
    }
  }
}

/**
 * Finishes the elements of a chunk that the kernel's fast path listed in
 * `kernel.slow` (the first `slowCount` entries, by word index within the
 * chunk, `skip` elements of which come before the first wanted one):
 * computes their first extra blocks in one kernel call, then, for each of
 * them among the `count` wanted, resets `ex` to that element (absolute
 * index `j0 + t`) and calls `slowElement(t)` to compute and store it.
 */
function finishSlow(
  kernel: PhiloxKernel,
  slowCount: number,
  draw: Draw,
  j0: number,
  skip: number,
  count: number,
  ex: ExtraWords,
  slowElement: (t: number) => void,
): void {
  const { k0, k1 } = draw.key;
  const stream = draw.stream;
  const jb = j0 - skip; // the element of word 0 of the chunk
  kernel.extras(
    slowCount,
    jb % TWO_32,
    Math.floor(jb / TWO_32),
    stream,
    k0,
    k1,
  );
  const slow = kernel.slow, first = kernel.extraWords;
  for (let q = 0; q < slowCount; q++) {
    const t = (slow[q] >>> 2) - skip;
    if (t < 0 || t >= count) continue;
    ex.resetFrom(k0, k1, stream, j0 + t, first, 4 * q);
    slowElement(t);
  }
}

function normal32(o: Float32Array, draw: Draw, offset: number): void {
  const { k0, k1 } = draw.key;
  const stream = draw.stream;
  const kernel = activeKernel();
  const ex = new ExtraWords();
  const c = chunksOf(o.length, draw, offset, 1);
  const { W, K } = Z24;
  while (c.next()) {
    const { words, at, i, count } = c;
    if (kernel !== null) {
      // Fast path in WebAssembly: the floats go to `kernel.floats`, and the
      // slow elements are listed in `kernel.slow`; their first extra blocks
      // are computed in one kernel call too.
      const slowCount = kernel.normal32x4 !== null
        ? kernel.normal32x4(4 * c.blocks)
        : kernel.normal32(4 * c.blocks);
      o.set(kernel.floats.subarray(at, at + count), i);
      finishSlow(kernel, slowCount, draw, offset + i, at, count, ex, (t) => {
        const w = words[at + t];
        o[i + t] = zigguratSlow((w >>> 8) | 1, w & 511, Z24, false, ex);
      });
      continue;
    }
    for (let t = 0; t < count; t++) {
      const w = words[at + t];
      const s = w & 511;
      const m = (w >>> 8) | 1;
      if (m < K[s]) {
        o[i + t] = m * W[s];
      } else {
        ex.reset(k0, k1, stream, offset + i + t);
        o[i + t] = zigguratSlow(m, s, Z24, false, ex);
      }
    }
  }
}

/**
 * One attempt of the 53-bit Ziggurat from the words `hi`, `lo`, finished
 * with the extra words of `ex` when it needs the slow path.
 */
function normal53(hi: number, lo: number, ex: ExtraWords): number {
  const s = hi & 511;
  const m = (hi >>> 9) * 1073741824 + ((lo >>> 2) | 1);
  return m < Z53.K[s] ? m * Z53.W[s] : zigguratSlow(m, s, Z53, true, ex);
}

/**
 * The first of the 53-bit Ziggurat's standard normals that lands in
 * `[a, b]`: the first from the words `hi`, `lo`, the next ones from the
 * element's extra words (`ex`, reset to the element).
 */
function normal53In(
  hi: number,
  lo: number,
  a: number,
  b: number,
  ex: ExtraWords,
): number {
  let x = normal53(hi, lo, ex);
  while (!(x >= a && x <= b)) x = normal53(ex.word(), ex.word(), ex);
  return x;
}

/**
 * `mean + std·x` (computed in Float64, then stored: rounded once for a
 * Float32Array) for `x` the first standard normal of the 53-bit Ziggurat
 * in `[a, b]` ({@linkcode normal53In}) of each element `j`: with infinite
 * bounds, the Float64 standard normals; with finite ones, the truncated
 * normal by rejection, exact, used when `[a, b]` holds most of the mass.
 *
 * With the kernel, the fast path (an element whose first attempt is inside
 * its layer's rectangle and in `[a, b]`) runs in WebAssembly with the
 * transform, and the other elements (about 1.5 % with infinite bounds) are
 * finished here, their first extra block computed in one kernel call.
 */
function normal53Into(
  o: Float32Array | Float64Array,
  draw: Draw,
  offset: number,
  a: number,
  b: number,
  mean: number,
  std: number,
): void {
  const { k0, k1 } = draw.key;
  const stream = draw.stream;
  const kernel = activeKernel();
  const ex = new ExtraWords();
  const { W, K } = Z53;
  const c = chunksOf(o.length, draw, offset, 2);
  while (c.next()) {
    const { words, at, i, count } = c;
    if (kernel !== null) {
      const skip = at >> 1; // elements of the chunk before the first wanted
      const wide = o instanceof Float64Array;
      const slowCount = (wide ? kernel.normal53f64 : kernel.normal53)(
        2 * c.blocks,
        a,
        b,
        mean,
        std,
      );
      o.set(
        (wide ? kernel.floats64 : kernel.floats).subarray(skip, skip + count),
        i,
      );
      finishSlow(kernel, slowCount, draw, offset + i, skip, count, ex, (t) => {
        const k = at + 2 * t;
        o[i + t] = mean + std * normal53In(words[k], words[k + 1], a, b, ex);
      });
      continue;
    }
    for (let t = 0; t < count; t++) {
      const hi = words[at + 2 * t], lo = words[at + 2 * t + 1];
      const s = hi & 511;
      const m = (hi >>> 9) * 1073741824 + ((lo >>> 2) | 1);
      const x = m * W[s];
      if (m < K[s] && x >= a && x <= b) {
        o[i + t] = mean + std * x;
      } else {
        ex.reset(k0, k1, stream, offset + i + t);
        o[i + t] = mean + std * normal53In(hi, lo, a, b, ex);
      }
    }
  }
}

/**
 * One inverse-CDF value from the two words at `words[k]`, `words[k + 1]`:
 * `u = (2k + 1)·2^−53` with `k` uniform on 52 bits, so `u` is in (0, 1) and
 * `1 − u` is on the same grid: neither quantile argument can be 0.
 */
function inverseCdfValue(
  hiWord: number,
  loWord: number,
  a: number,
  b: number,
  pa: number,
  qb: number,
  mass: number,
): number {
  const u = ((hiWord >>> 6) * 134217728 + ((loWord >>> 5) | 1)) * TWO_M53;
  const p = pa + u * mass;
  const lowerSide = a < 0 && p <= 0.5;
  const v = normalQuantile(lowerSide ? p : qb + (1 - u) * mass);
  const x = lowerSide ? v : -v;
  return x < a ? a : x > b ? b : x;
}

/** Fills `o` by inverse CDF; float32 output is the correctly rounded double. */
function inverseCdfInto(
  o: Float32Array | Float64Array,
  draw: Draw,
  offset: number,
  a: number,
  b: number,
  pa: number,
  qb: number,
  mass: number,
): void {
  const c = chunksOf(o.length, draw, offset, 2);
  while (c.next()) {
    const { words, at, i, count } = c;
    for (let t = 0; t < count; t++) {
      const k = at + 2 * t;
      o[i + t] = inverseCdfValue(words[k], words[k + 1], a, b, pa, qb, mass);
    }
  }
}

/**
 * Resolves a Bernoulli tie (the first 32 bits of `U` equal those of `p`):
 * compares the element's extra words with the next 32-bit digits of `p`,
 * `frac` being `p`'s remaining bits as a fraction in [0, 1).
 */
function bernoulliTie(frac: number, ex: ExtraWords): number {
  let rest = frac;
  while (rest > 0) {
    const scaled = rest * 4294967296;
    const digit = Math.floor(scaled);
    rest = scaled - digit;
    const e = ex.word();
    if (e !== digit) return e < digit ? 1 : 0;
  }
  return 0; // p's bits ran out: U ≥ p
}

/** Writes 1 where the word falls below p (ties broken exactly by extra words), else 0. */
function bernoulliInto(
  o: Float32Array | Int32Array | Uint8Array,
  draw: Draw,
  offset: number,
  p32: number,
  frac: number,
): void {
  const { k0, k1 } = draw.key;
  const ex = new ExtraWords();
  const c = chunksOf(o.length, draw, offset, 1);
  while (c.next()) {
    const { words, at, i, count } = c;
    for (let t = 0; t < count; t++) {
      const w = words[at + t];
      if (w !== p32) {
        o[i + t] = w < p32 ? 1 : 0;
      } else {
        ex.reset(k0, k1, draw.stream, offset + i + t);
        o[i + t] = bernoulliTie(frac, ex);
      }
    }
  }
}
