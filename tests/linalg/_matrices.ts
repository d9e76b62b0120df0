/**
 * Deterministic test matrices for the linear-algebra tests (independent of
 * lib/random, so a bug there cannot hide one here).
 *
 * @module
 */

/** An m×n row-major matrix of uniform values in [-0.5, 0.5), from a fixed LCG. */
export function lcgMatrix(m: number, n: number, seed = 1): Float64Array {
  let s = seed >>> 0;
  const a = new Float64Array(m * n);
  for (let i = 0; i < a.length; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    a[i] = s / 4294967296 - 0.5;
  }
  return a;
}
