/**
 * Singular values of a weight matrix, in Float64: a two-stage Householder
 * bidiagonalisation whose flops run as WebAssembly matrix products, then
 * implicit QR on the bidiagonal.
 *
 * @module
 */
import { type HostWeights, hostWeights } from "../host.ts";
import { singularValuesWith } from "./_svd.ts";

/** Options of {@linkcode singularValuesSync} (and `singularValues`). */
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
  /**
   * Whether a large matrix's products may run on worker threads (see
   * `linalgKernelInfo`); default `true`. `false` keeps the work on the
   * calling thread, for callers that already run one computation per core.
   * The result is the same to the bit either way.
   */
  threads?: boolean;
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
 *    Householder QR (as LAPACK does for tall matrices), on blocks of rows:
 *    R of the first block, then R of [R; next block], …, so that a long
 *    side of any length needs only n² plus one block (64 MiB) of memory.
 * 2. The two-stage Golub–Kahan bidiagonalisation. Householder QR steps on
 *    panels of 12 columns alternate with LQ steps on the panels' rows and
 *    reduce the matrix to upper band form; the two block reflectors of a
 *    step update the trailing matrix in one product of inner dimension 24
 *    (A ← A + [V₁ Z]·[Y; Uᵀ], the dlabrd idea with blocks), so all but
 *    the narrow panels' flops are matrix products on the register-blocked
 *    SIMD kernel of `householderQr`, most split over worker threads. A
 *    Householder bulge chase then takes the band to upper bidiagonal form
 *    in about 8·12·n² flops (reflectors applied by `f64x2` WebAssembly
 *    kernels).
 * 3. Implicit QR sweeps on the bidiagonal (Golub–Kahan shifted sweeps
 *    toward the smaller end of the block, Demmel–Kahan's zero-shift sweep
 *    when the shift is negligible, zero diagonal entries rotated out),
 *    values only.
 *
 * Matrices with at most 4·64³ flops (4mn²) skip the blocking: a one-stage
 * Golub–Kahan bidiagonalisation in plain JavaScript, then step 3. Values
 * are never formed from AᵀA (whose eigenvalues lose the small σ).
 *
 * **Accuracy.** Every step applies orthogonal transformations (reflectors,
 * rotations) in Float64, so the method is backward stable: the computed
 * σ̂ᵢ are the exact singular values of A + E with ‖E‖₂ ≤ c·n·u·‖A‖₂
 * (u = 2⁻⁵³, c a small constant), and by Weyl's inequality
 * |σᵢ − σ̂ᵢ| ≤ c·n·u·σ₁ for every i. Small singular values are thus
 * accurate to that absolute level, not to high relative accuracy (so a
 * rank-deficient matrix gives "zeros" of about u·σ₁). Measured against
 * LAPACK (numpy's `svd` in float64, on the same float32 values):
 * max |σᵢ − σ̂ᵢ| / σ₁ is at most 8e-14 up to 2048×2048, for random,
 * rank-deficient, Hilbert and condition-number-1e6 matrices, and every
 * σᵢ ≥ 1e-6·σ₁ agrees to 2e-11 relative or better.
 *
 * **Large matrices.** Time grows as m·n² (n the short side): on the 2-core
 * reference machine about 0.25 s for 1024×1024 (1.0–1.3× numpy's float64
 * time), 1.5 s for 2048×2048, 8–11 s for 4096×4096, and 4 s for
 * 100000×512. A short side above `maxSide` (default 4096) is still
 * computed, exactly and by the same method, after a `console.warn` with the
 * expected time (8192² took 58 s); the long side is never limited. Working
 * memory is 8·n² bytes (plus one block of rows for tall inputs) besides the
 * input, in a WebAssembly memory of at most 4 GiB: the short side can be at
 * most about 23 000, and a RangeError says so beyond that.
 *
 * This is the synchronous form for host data; `singularValues` takes a
 * tensor or Parameter too (read once, asynchronously) and returns a Promise.
 *
 * @param x `{ values, shape }` of rank ≥ 2.
 * @param options `maxSide`: the short side above which a warning about the
 * time is printed first (default 4096); `threads` (default true): whether
 * the products may use worker threads.
 * @returns σ₁ ≥ σ₂ ≥ … ≥ σ_k ≥ 0, k = min(rows, cols), as a Float64Array.
 * @throws {RangeError} For a 1-D (or scalar) input (use `histogram` or
 * `plotHistogram` for the distribution of a vector's values), an empty
 * input, NaN or ±Inf values (the message says how many of each), a bad
 * `maxSide`, or a short side too large for WebAssembly's 4 GiB.
 * @throws {TypeError} For an input that is not host weights, or an unknown option.
 *
 * @example The singular values of a 3×2 matrix
 * ```ts
 * import { singularValuesSync } from "./singular_values.ts";
 * import { assertAlmostEquals, assertEquals } from "@std/assert";
 *
 * // Orthogonal columns of norms 5 and 3: σ = [5, 3].
 * const s = singularValuesSync({ values: [3, 0, 4, 0, 0, 3], shape: [3, 2] });
 * assertEquals(s.length, 2);
 * assertAlmostEquals(s[0], 5, 1e-14);
 * assertAlmostEquals(s[1], 3, 1e-14);
 *
 * // A 2×3 matrix has two singular values; the Frobenius norm is √Σσᵢ².
 * const wide = singularValuesSync({ values: [1, 2, 3, 4, 5, 6], shape: [2, 3] });
 * assertAlmostEquals(Math.hypot(wide[0], wide[1]), Math.sqrt(91), 1e-13);
 * ```
 */
export function singularValuesSync(
  x: HostWeights,
  options?: SingularValuesOptions,
): Float64Array {
  return singularValuesAs("singularValuesSync", x, options);
}

/**
 * {@linkcode singularValuesSync} for `fn`, the function the user called
 * (`singularValues`), as errors name it.
 */
export function singularValuesAs(
  fn: string,
  x: HostWeights,
  options?: SingularValuesOptions,
): Float64Array {
  return singularValuesWith(hostWeights(x, fn), options, { fn });
}
