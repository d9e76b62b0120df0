/**
 * A reference matrix product for tests, written out plainly (independent of
 * lib/linalg, so a bug there cannot hide one here).
 *
 * @module
 */

/**
 * Adds the n×k row-major `a` times the k×m `b` into the n×m `out` (in `out`'s
 * precision) and returns `out`.
 */
export function matmulInto<T extends Float32Array | Float64Array>(
  out: T,
  a: ArrayLike<number>,
  b: ArrayLike<number>,
  n: number,
  k: number,
  m: number,
): T {
  for (let i = 0; i < n; i++) {
    for (let p = 0; p < k; p++) {
      const v = a[i * k + p];
      for (let j = 0; j < m; j++) out[i * m + j] += v * b[p * m + j];
    }
  }
  return out;
}
