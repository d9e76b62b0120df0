/**
 * The exact distribution of the one-sample Kolmogorov–Smirnov statistic for
 * a continuous law, by the matrix method of Marsaglia, Tsang and Wang
 * ("Evaluating Kolmogorov's distribution", J. Stat. Softw. 8(18), 2003),
 * after Durbin (1973).
 *
 * @module
 */
import { logGamma } from "./laws.ts";

/** Row-major m×m product. */
function multiply(a: Float64Array, b: Float64Array, m: number): Float64Array {
  const c = new Float64Array(m * m);
  for (let i = 0; i < m; i++) {
    for (let l = 0; l < m; l++) {
      const ail = a[i * m + l];
      if (ail === 0) continue;
      const bl = l * m;
      const ci = i * m;
      for (let j = 0; j < m; j++) c[ci + j] += ail * b[bl + j];
    }
  }
  return c;
}

const SCALE_AT = 2 ** 400;

/** Divides by 2^400 while the largest entry is above it; returns the exponent taken out. */
function rescale(a: Float64Array): number {
  let max = 0;
  for (let i = 0; i < a.length; i++) max = Math.max(max, Math.abs(a[i]));
  let e = 0;
  while (max > SCALE_AT) {
    for (let i = 0; i < a.length; i++) a[i] /= SCALE_AT;
    max /= SCALE_AT;
    e += 400;
  }
  return e;
}

/**
 * P(D_n < d), exactly (up to rounding: relative error about 1e-13), for a
 * sample of n from a continuous law.
 *
 * With k = ⌊n·d⌋ + 1, m = 2k − 1 and h = k − n·d, the m×m matrix H has
 * H[i][j] = 1/(i − j + 1)! for i − j + 1 ≥ 0 (else 0), except the first
 * column and last row, (1 − h^(i+1))/(i + 1)! and (1 − h^(m−j))/(m − j)!,
 * and the corner, (1 − 2h^m + max(0, 2h − 1)^m)/m!. Then
 * P(D_n < d) = n!/nⁿ · (Hⁿ)[k−1][k−1]. The power is taken by squaring, with
 * a power-of-two exponent kept aside so that nothing overflows.
 *
 * @param d The statistic, in (0, 1].
 * @param n The sample size, ≥ 1.
 * @returns The CDF of D_n at d.
 */
export function kolmogorovCdfExact(d: number, n: number): number {
  if (d <= 0) return 0;
  if (d >= 1) return 1;
  const k = Math.floor(n * d) + 1;
  const m = 2 * k - 1;
  const h = k - n * d;
  const H = new Float64Array(m * m);
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < m; j++) H[i * m + j] = i - j + 1 >= 0 ? 1 : 0;
  }
  for (let i = 0; i < m; i++) {
    H[i * m] -= h ** (i + 1);
    H[(m - 1) * m + i] -= h ** (m - i);
  }
  if (2 * h - 1 > 0) H[(m - 1) * m] += (2 * h - 1) ** m;
  const factorial = new Float64Array(m + 1);
  factorial[0] = 1;
  for (let g = 1; g <= m; g++) factorial[g] = factorial[g - 1] * g;
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < m; j++) {
      const g = i - j + 1;
      if (g > 0) H[i * m + j] /= factorial[g]; // Infinity past 170!: the entry is 0
    }
  }
  // Hⁿ by squaring.
  let result: Float64Array | null = null;
  let resultExp = 0;
  let base: Float64Array = H;
  let baseExp = 0;
  for (let e = n; e > 0; e >>= 1) {
    if (e & 1) {
      if (result === null) {
        result = base.slice();
        resultExp = baseExp;
      } else {
        result = multiply(result, base, m);
        resultExp += baseExp + rescale(result);
      }
    }
    if (e > 1) {
      base = multiply(base, base, m);
      baseExp = 2 * baseExp + rescale(base);
    }
  }
  const centre = result![(k - 1) * m + (k - 1)];
  if (centre <= 0) return 0;
  const log = Math.log(centre) + resultExp * Math.LN2 + logGamma(n + 1) -
    n * Math.log(n);
  return Math.min(1, Math.exp(log));
}
