/**
 * QR decomposition in Float64: a blocked Householder QR whose matrix products
 * run as WebAssembly SIMD kernels, for the orthogonal initializer and for
 * checking orthogonality.
 *
 * @module
 */
import { blockedQr } from "./_blocked_qr.ts";
import { matmul } from "./_matmul.ts";
import { checkCount, rangeError, typeError } from "../validate.ts";

/** Result of {@linkcode householderQr}: row-major Float64Arrays. */
export interface QrResult {
  /** Q, m×k with orthonormal columns, row-major. */
  q: Float64Array;
  /** R, k×n, upper triangular (upper trapezoidal when n > m), row-major. */
  r: Float64Array;
  /** Rows of A. */
  m: number;
  /** Columns of A. */
  n: number;
  /** min(m, n): columns of Q, rows of R. */
  k: number;
}

/** Throws unless `a` is a Float64Array of `rows·cols` entries. */
function checkMatrix(
  fn: string,
  name: string,
  a: unknown,
  rows: number,
  cols: number,
): asserts a is Float64Array {
  if (!(a instanceof Float64Array)) {
    throw typeError(fn, name, "a Float64Array", a);
  }
  if (a.length !== rows * cols) {
    throw rangeError(
      fn,
      `${name}.length`,
      `${rows}×${cols} = ${rows * cols}`,
      a.length,
    );
  }
}

/**
 * Throws unless `m` and the column count (called `colsName`) are
 * non-negative integers and `a` is a Float64Array of `m·cols` entries,
 * checked in that order.
 */
function checkArguments(
  fn: string,
  name: string,
  a: unknown,
  m: number,
  colsName: string,
  cols: number,
): asserts a is Float64Array {
  checkCount(fn, "m", m);
  checkCount(fn, colsName, cols);
  checkMatrix(fn, name, a, m, cols);
}

/**
 * The reduced ("economic") QR decomposition A = QR of the m×n matrix `a`,
 * in Float64: Q is m×k with orthonormal columns and R is k×n upper
 * triangular (upper trapezoidal when n > m), k = min(m, n). Works for tall,
 * wide and square shapes. `a` is not modified.
 *
 * **Algorithm.** Blocked Householder QR (LAPACK's `dgeqrf` + `dorgqr`
 * scheme). Panels of 32 columns are factored recursively (halves down to 8
 * columns, then column by column); each panel's reflectors are gathered in
 * compact WY form, H₁⋯H_b = I − V T Vᵀ, and applied to the trailing columns
 * as three matrix products (W = VᵀC, W ← TᵀW, C −= VW). Q is formed
 * explicitly by applying the block reflectors backward to the first k
 * columns of the identity, again as matrix products. The products run in a
 * register-blocked `f64x2` WebAssembly SIMD kernel (4×6 tiles; fused
 * multiply-add where the runtime has relaxed SIMD), written in WebAssembly
 * text and compiled at first use (plain JavaScript where no WebAssembly SIMD
 * runs; `linalgKernelInfo` says which runs here, and why); the arithmetic is
 * Float64 throughout. R's diagonal follows
 * LAPACK's sign convention (it may be negative), so Q and R match
 * `numpy.linalg.qr` up to rounding for a matrix of full rank.
 *
 * **Threads and memory.** Above about 1.5 GFlop of work (n ≳ 800 for a
 * square matrix) the call starts one worker per further core (at most 3)
 * that shares the products through shared memory, and ends them before it
 * returns; the call stays synchronous, and the result is bit-for-bit the
 * same as on one thread. (Under Deno the workers need read permission for
 * their module; without it the calling thread does all the work.) The working memory, about 8·(m·n + m·k) bytes, is
 * kept for the next call when it is at most 64 MiB.
 *
 * **Accuracy.** Householder QR is backward stable: the computed factors
 * satisfy ‖A − QR‖ ≤ c·m·n·u·‖A‖ and ‖QᵀQ − I‖ ≤ c·m·n·u for a small
 * constant c, with u = 2⁻⁵³ (Higham, *Accuracy and Stability of Numerical
 * Algorithms*, §19.3). These are worst-case bounds; measured on uniform
 * random input up to 2048×2048 (square, tall and wide), max|QᵀQ − I| ≤ 5e-15
 * and max|QR − A| / max|A| ≤ 4e-14, and max|QᵀQ − I| ≤ 2e-8 after rounding
 * Q to float32. Rank-deficient input is fine: a zero Householder vector gets
 * τ = 0 (no reflection), so zero columns give zeros in R and no NaN.
 * Non-finite entries in `a` give non-finite results.
 *
 * @param a The matrix, row-major: entry (i, j) is `a[i * n + j]`.
 * @param m Rows of A, a non-negative integer.
 * @param n Columns of A, a non-negative integer.
 * @returns Q (m×k) and R (k×n) as row-major Float64Arrays, with m, n and
 * k. When m or n is 0, `q` and `r` are empty.
 * @throws {TypeError} If `a` is not a Float64Array, or `m` or `n` is not a
 * number.
 * @throws {RangeError} If `m` or `n` is not a non-negative integer, or
 * `a.length` is not m·n.
 *
 * @example QR of a 3×2 matrix
 * ```ts
 * import { householderQr, orthogonalityError } from "./householder_qr.ts";
 * import { assert, assertAlmostEquals, assertEquals } from "@std/assert";
 *
 * const a = new Float64Array([
 *   1, 2,
 *   3, 4,
 *   5, 6,
 * ]);
 * const { q, r, k } = householderQr(a, 3, 2);
 * assertEquals(k, 2);
 * assertEquals(q.length, 3 * 2);
 * assertEquals(r[2], 0); // r is upper triangular: entry (1, 0) is zero
 * assert(orthogonalityError(q, 3, 2) < 1e-14);
 * // A = QR: entry (2, 1) is q[2, :] · r[:, 1].
 * assertAlmostEquals(q[4] * r[1] + q[5] * r[3], 6, 1e-13);
 * // |R[0, 0]| is the norm of A's first column.
 * assertAlmostEquals(Math.abs(r[0]), Math.sqrt(1 + 9 + 25), 1e-13);
 * ```
 */
export function householderQr(
  a: Float64Array,
  m: number,
  n: number,
): QrResult {
  checkArguments("householderQr", "a", a, m, "n", n);
  const k = Math.min(m, n);
  if (k === 0) {
    return { q: new Float64Array(0), r: new Float64Array(0), m, n, k };
  }
  const { q, r } = blockedQr(a, m, n);
  return { q, r, m, n, k };
}

/**
 * How far the columns of Q are from orthonormal: max |QᵀQ − I| over all
 * entries, with QᵀQ computed in Float64 (on the same kernels as
 * {@linkcode householderQr}).
 *
 * @param q Q, m×k row-major, a Float64Array (for example
 * {@linkcode QrResult.q}, or its values rounded to float32 and stored back
 * in a Float64Array).
 * @param m Rows of Q.
 * @param k Columns of Q.
 * @returns The largest absolute entry of QᵀQ − I (0 when k is 0).
 * @throws {TypeError} If `q` is not a Float64Array or `m`, `k` are not numbers.
 * @throws {RangeError} If `q.length` is not m·k, or `m`, `k` are not
 * non-negative integers.
 *
 * @example
 * ```ts
 * import { orthogonalityError } from "./householder_qr.ts";
 * import { assertEquals } from "@std/assert";
 *
 * const rotation = new Float64Array([0.6, -0.8, 0.8, 0.6]);
 * assertEquals(orthogonalityError(rotation, 2, 2) < 1e-15, true);
 * assertEquals(orthogonalityError(new Float64Array([2, 0, 0, 1]), 2, 2), 3);
 * ```
 */
export function orthogonalityError(
  q: Float64Array,
  m: number,
  k: number,
): number {
  checkArguments("orthogonalityError", "q", q, m, "k", k);
  if (k === 0) return 0;
  const g = matmul(q, k, m, q, k, true); // QᵀQ
  let worst = 0;
  for (let i = 0; i < k; i++) {
    for (let j = 0; j < k; j++) {
      const e = Math.abs(g[i * k + j] - (i === j ? 1 : 0));
      if (!(e <= worst)) worst = e; // NaN wins too
    }
  }
  return worst;
}

/**
 * How well Q·R reproduces A: max |QR − A| / max |A| over all entries, with
 * QR computed in Float64 (0 for a zero or empty A when QR is zero too).
 *
 * @param a A, m×n row-major.
 * @param q Q, m×k row-major.
 * @param r R, k×n row-major.
 * @param m Rows of A.
 * @param n Columns of A.
 * @returns The largest absolute entry of QR − A, relative to the largest of A.
 * @throws {TypeError} If an array is not a Float64Array or `m`, `n` are not numbers.
 * @throws {RangeError} If a length does not match, or `m`, `n` are not
 * non-negative integers.
 *
 * @example
 * ```ts
 * import { householderQr, reconstructionError } from "./householder_qr.ts";
 * import { assert } from "@std/assert";
 *
 * const a = new Float64Array([4, 1, 2, 3, 5, 7]);
 * const { q, r } = householderQr(a, 2, 3);
 * assert(reconstructionError(a, q, r, 2, 3) < 1e-15);
 * ```
 */
export function reconstructionError(
  a: Float64Array,
  q: Float64Array,
  r: Float64Array,
  m: number,
  n: number,
): number {
  checkArguments("reconstructionError", "a", a, m, "n", n);
  const k = Math.min(m, n);
  checkMatrix("reconstructionError", "q", q, m, k);
  checkMatrix("reconstructionError", "r", r, k, n);
  const qr = matmul(q, m, k, r, n);
  let diff = 0;
  let scale = 0;
  for (let i = 0; i < m * n; i++) {
    const d = Math.abs(qr[i] - a[i]);
    if (!(d <= diff)) diff = d;
    scale = Math.max(scale, Math.abs(a[i]));
  }
  if (diff === 0) return 0;
  return scale === 0 ? Infinity : diff / scale;
}
