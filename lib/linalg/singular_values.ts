/**
 * Singular values of a weight matrix, in Float64: a two-stage Householder
 * bidiagonalisation whose flops run as WebAssembly matrix products, then
 * implicit QR on the bidiagonal.
 *
 * @module
 */
import { readWeights, type WeightsLike } from "../_read.ts";
import { show } from "../initializers/_validate.ts";
import { bidiagonalSingularValues } from "./_svd_bidiagonal.ts";
import { bandToBidiagonal } from "./_svd_band.ts";
import { bidiagonalizeUnblocked } from "./_svd_householder.ts";
import {
  type ReduceOptions,
  reduceToBand,
  type RowLoader,
} from "./_svd_reduce.ts";

/** Options of {@linkcode singularValues}. */
export interface SingularValuesOptions {
  /**
   * The largest short side, min(rows, cols), computed without a warning;
   * default 4096. Above it the singular values are still computed exactly,
   * by the same method, after a `console.warn` with the expected time (it
   * grows as the cube of the short side). `Infinity` turns the warning off.
   * The long side has no limit: a tall or wide matrix is reduced to a
   * square one in blocks of rows first.
   */
  maxSide?: number;
}

/** Options only the tests and benchmarks use (tuning knobs of the reduction). */
export interface SingularValuesInternals extends ReduceOptions {
  /** Use the one-stage bidiagonalisation in JavaScript (the small-matrix path) at any size. */
  unblocked?: boolean;
  /** Use the two-stage path (WebAssembly products) at any size. */
  forceBlocked?: boolean;
}

/** Default of {@linkcode SingularValuesOptions.maxSide}. */
export const MAX_SIDE = 4096;

/** Seconds a 4096×4096 matrix took on the 2-core reference machine (bench/RESULTS.md). */
const SECONDS_AT_4096 = 20;

/** Matrices with at most this many flops (4mn²) take the one-stage JavaScript path. */
const SMALL_FLOPS = 4 * 96 ** 3;

/** WebAssembly's 32-bit addresses reach 4 GiB. */
const WASM_BYTES = 2 ** 32;

const OPTION_NAMES = new Set(["maxSide"]);

function checkOptions(options: unknown): SingularValuesOptions {
  if (options === undefined) return {};
  if (
    options === null || typeof options !== "object" || Array.isArray(options)
  ) {
    throw new TypeError(
      `singularValues: options must be an object, received ${show(options)}`,
    );
  }
  for (const key of Object.keys(options)) {
    if (!OPTION_NAMES.has(key)) {
      throw new TypeError(
        `singularValues: unknown option ${show(key)} (known: maxSide)`,
      );
    }
  }
  const { maxSide } = options as SingularValuesOptions;
  if (
    maxSide !== undefined &&
    (typeof maxSide !== "number" ||
      !(maxSide === Infinity || (Number.isInteger(maxSide) && maxSide >= 1)))
  ) {
    throw new RangeError(
      `singularValues: maxSide must be a positive integer or Infinity, received ${
        show(maxSide)
      }`,
    );
  }
  return { maxSide };
}

/** Counts NaN, +Inf and −Inf, and finds the largest |value|. */
function scan(values: ArrayLike<number>): {
  nan: number;
  posInf: number;
  negInf: number;
  max: number;
} {
  let nan = 0;
  let posInf = 0;
  let negInf = 0;
  let max = 0;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (v !== v) nan++;
    else if (v === Infinity) posInf++;
    else if (v === -Infinity) negInf++;
    else {
      const a = v < 0 ? -v : v;
      if (a > max) max = a;
    }
  }
  return { nan, posInf, negInf, max };
}

/**
 * A {@linkcode RowLoader} for the m×n matrix A (m ≥ n) that is the rows×cols
 * row-major `values` (or its transpose when rows < cols), times `scale`.
 */
function rowLoader(
  values: ArrayLike<number>,
  rows: number,
  cols: number,
  scale: number,
): RowLoader {
  if (rows >= cols) {
    // A = X: row i of A is values[i·cols …], scattered into columns.
    const n = cols;
    return (r0, r1, f, off, ld) => {
      for (let i0 = r0; i0 < r1; i0 += 16) {
        const i1 = Math.min(r1, i0 + 16);
        for (let k = 0; k < n; k++) {
          const dst = off - r0 + k * ld;
          for (let i = i0; i < i1; i++) f[dst + i] = values[i * n + k] * scale;
        }
      }
    };
  }
  // A = Xᵀ (m = cols): column k of A is row k of X, contiguous.
  const m = cols;
  return (r0, r1, f, off, ld) => {
    for (let k = 0; k < rows; k++) {
      const dst = off - r0 + k * ld;
      const src = k * m;
      for (let i = r0; i < r1; i++) f[dst + i] = values[src + i] * scale;
    }
  };
}

/**
 * The singular values of a matrix, in descending order, computed in Float64
 * from the values as stored (a float32 tensor's values are exact in
 * Float64).
 *
 * **Input.** A tensor, a `Parameter`, or `{ values, shape }`, of rank ≥ 2:
 * higher ranks are read as the matrix [product of all axes but the last,
 * last axis] (a conv kernel `[kh, kw, in, out]` as `[kh·kw·in, out]`). A
 * bare Float32Array/Float64Array is 1-D and refused, like any rank-1 input.
 *
 * **Algorithm.** The matrix (transposed if wide, so m ≥ n) is scaled by a
 * power of two and copied once into WebAssembly memory as Float64.
 * 1. If m ≥ 5n/3, it is reduced to the n×n triangular factor R of a blocked
 *    Householder QR, on blocks of rows (R of [R; next rows], …), so that a
 *    long side of any length needs only n² plus one block of memory.
 * 2. The two-stage Golub–Kahan bidiagonalisation: blocked Householder QR
 *    and LQ steps on panels of 16 columns/rows reduce the matrix to upper
 *    band form, with every update a matrix product (the register-blocked
 *    SIMD kernel of `householderQr`, split over worker threads); then a
 *    Householder bulge chase takes the band to upper bidiagonal form in
 *    O(16·n²) flops.
 * 3. Implicit QR sweeps on the bidiagonal (Golub–Kahan shifted sweeps,
 *    Demmel–Kahan's zero-shift sweep when the shift is negligible, zero
 *    diagonal entries rotated out), values only.
 *
 * Matrices with at most about 4·96³ flops skip the blocking: a one-stage
 * Golub–Kahan bidiagonalisation in plain JavaScript, then step 3.
 *
 * **Accuracy.** Every step applies orthogonal transformations (reflectors,
 * rotations) in Float64, so the method is backward stable: the computed
 * σ̂ᵢ are the exact singular values of A + E with ‖E‖₂ ≤ c·n·u·‖A‖₂
 * (u = 2⁻⁵³, c a small constant), and by Weyl's inequality
 * |σᵢ − σ̂ᵢ| ≤ c·n·u·σ₁ for every i. Small singular values are thus
 * accurate to that absolute level (not to high relative accuracy). Against
 * LAPACK (numpy's `svd`, float64) on the same float32 values, the largest
 * difference measured is about 1e-14·σ₁ for 2048×2048 and for
 * rank-deficient and condition-number-1e6 matrices, and every
 * σᵢ ≥ 1e-6·σ₁ agrees to better than 1e-9 relative.
 *
 * **Large matrices.** Time grows as m·n² (n the short side): here, about
 * 0.25 s for 1024×1024 and 20 s for 4096×4096 (2 cores). A short side above
 * `maxSide` (default 4096) is still computed, exactly, after a warning with
 * the expected time. Memory is about 8·n² bytes plus the input, and the
 * WebAssembly memory holds at most 4 GiB, so the short side can be at most
 * about 22 000 (a RangeError says so beyond that).
 *
 * @param x A tensor, Parameter, or `{ values, shape }` of rank ≥ 2.
 * @param options `maxSide`: the short side above which a warning about the
 * time is printed first (default 4096).
 * @returns σ₁ ≥ σ₂ ≥ … ≥ σ_k ≥ 0, k = min(rows, cols), as a Float64Array.
 * @throws {RangeError} For a 1-D (or scalar) input (use `histogram` or
 * `plotHistogram` for the distribution of a vector's values), an empty
 * input, NaN or ±Inf values (the message says how many of each), a bad
 * `maxSide`, or a short side too large for WebAssembly's 4 GiB.
 * @throws {TypeError} For an input that is not weights, or an unknown option.
 *
 * @example The singular values of a 3×2 matrix
 * ```ts
 * import { singularValues } from "./singular_values.ts";
 * import { assertAlmostEquals, assertEquals } from "@std/assert";
 *
 * // Orthogonal columns of norms 5 and 3: σ = [5, 3].
 * const s = singularValues({ values: [3, 0, 4, 0, 0, 3], shape: [3, 2] });
 * assertEquals(s.length, 2);
 * assertAlmostEquals(s[0], 5, 1e-14);
 * assertAlmostEquals(s[1], 3, 1e-14);
 *
 * // A 2×3 matrix has two singular values; the Frobenius norm is √Σσᵢ².
 * const wide = singularValues({ values: [1, 2, 3, 4, 5, 6], shape: [2, 3] });
 * assertAlmostEquals(Math.hypot(wide[0], wide[1]), Math.sqrt(91), 1e-13);
 * ```
 */
export function singularValues(
  x: WeightsLike,
  options?: SingularValuesOptions,
): Float64Array {
  return singularValuesWith(x, options, {});
}

/**
 * {@linkcode singularValues} with the reduction's tuning knobs, for the
 * tests and benchmarks.
 */
export function singularValuesWith(
  x: WeightsLike,
  options: SingularValuesOptions | undefined,
  internals: SingularValuesInternals,
): Float64Array {
  const { maxSide = MAX_SIDE } = checkOptions(options);
  const { values, shape } = readWeights(x, "singularValues");
  if (shape.length < 2) {
    throw new RangeError(
      `singularValues: x must be a matrix (rank ≥ 2), received shape ${
        show(shape)
      }; for the distribution of a vector's values use histogram or plotHistogram`,
    );
  }
  const cols = shape[shape.length - 1];
  const rows = cols === 0 ? 0 : values.length / cols;
  if (values.length === 0) {
    throw new RangeError(
      `singularValues: x is empty (shape ${
        show(shape)
      }, read as ${rows}×${cols})`,
    );
  }
  const { nan, posInf, negInf, max } = scan(values);
  const bad = nan + posInf + negInf;
  if (bad > 0) {
    throw new RangeError(
      `singularValues: x has ${bad} non-finite value${
        bad === 1 ? "" : "s"
      } (${nan} NaN, ${posInf} +Infinity, ${negInf} −Infinity) among ${values.length}; singular values need finite entries (histogram and plotHistogram count them)`,
    );
  }
  const m = Math.max(rows, cols);
  const n = Math.min(rows, cols);
  const out = new Float64Array(n);
  if (max === 0) return out;
  if (n > maxSide) {
    const seconds = SECONDS_AT_4096 * (n / 4096) ** 3 *
      (m >= (5 / 3) * n ? (3 * m / n + 8) / 13 : (4 * m / n - 4 / 3) / (8 / 3));
    console.warn(
      `singularValues: the short side ${n} of the ${rows}×${cols} matrix is above maxSide ${maxSide}; computing all ${n} singular values exactly anyway, which takes roughly ${
        Math.ceil(seconds)
      } s on a 2-core machine (time grows as the cube of the short side; pass maxSide: Infinity to silence this)`,
    );
  }
  // Scale by a power of two (exact) so that the largest |entry| is in [1, 2).
  const exponent = Math.floor(Math.log2(max));
  const scale = 2 ** -exponent;
  const load = rowLoader(values, rows, cols, scale);
  let d: Float64Array;
  let e: Float64Array;
  if (
    internals.unblocked ||
    (!internals.forceBlocked && 4 * m * n * n <= SMALL_FLOPS)
  ) {
    const a = new Float64Array(m * n);
    load(0, m, a, 0, m);
    ({ d, e } = bidiagonalizeUnblocked(a, m, n));
  } else {
    const held = 8 * n * (n + 3 * 16) * 1.05;
    if (held >= WASM_BYTES) {
      throw new RangeError(
        `singularValues: the short side ${n} of the ${rows}×${cols} matrix needs about ${
          Math.ceil(held / 2 ** 30)
        } GiB of working memory, more than the 4 GiB WebAssembly can address (the short side can be at most about 22000)`,
      );
    }
    const band = reduceToBand(load, m, n, internals);
    ({ d, e } = bandToBidiagonal(band));
  }
  const s = bidiagonalSingularValues(d, e);
  const unscale = 2 ** exponent;
  for (let i = 0; i < n; i++) out[i] = s[i] * unscale;
  return out;
}
