/**
 * Whether a numerical rank below min(N, M) is structure, or only what a
 * rounding floor does to a random matrix: near-square random matrices have
 * singular values down to 0 (the Marchenko–Pastur law's hard edge at
 * N = M), so a coarse storage grid hides a few of them even when nothing is
 * low-rank.
 *
 * @module
 */
import {
  type BulkFit,
  FALSE_ALARM,
  fitBulk,
  MIN_BULK,
  tracyWidomQuantile,
} from "./_bulk.ts";
import { logGamma } from "./laws.ts";
import { marchenkoPasturCdf } from "./marchenko_pastur.ts";

/** What {@linkcode roundedRank} finds. */
export interface RoundedRank {
  /**
   * The eigenvalues as a full-rank m-vector: the `rank` measured ones, then
   * zeros for the `m − rank` under the tolerance.
   */
  padded: Float64Array;
  /** How many eigenvalues a random N × M matrix with the fitted bulk has under the tolerance. */
  expected: number;
  /** Whether `m − rank` values under the tolerance are that many or fewer, up to FALSE_ALARM. */
  explained: boolean;
  /** The censored full-rank fit of `padded` (the analysis's first fit when `explained`). */
  fit: BulkFit;
}

/**
 * P(D ≥ d) for D Poisson with mean `mean`, summed from d upward; 1 when
 * d ≤ mean (the probability is then about ½ or more, and only the decision
 * at FALSE_ALARM uses it). The Poisson law's variance (= mean) exceeds that
 * of an eigenvalue count (which grows like log mean), so the tail errs
 * towards "explained" rather than towards a false "low-rank".
 */
function poissonTail(mean: number, d: number): number {
  if (d <= 0) return 1;
  if (mean <= 0) return 0;
  if (d <= mean) return 1;
  let term = Math.exp(-mean + d * Math.log(mean) - logGamma(d + 1));
  let sum = 0;
  for (let k = d; term > sum * 1e-17; k++) {
    sum += term;
    term *= mean / (k + 1);
  }
  return Math.min(sum, 1);
}

/**
 * The scale of the smallest eigenvalue's Tracy–Widom fluctuation below the
 * soft edge λ₋ (Feldheim and Sodin 2010; Ma 2012), in units of λ = σ²ᵢ/N:
 * σ²(√N − √M)(1/√M − 1/√N)^(1/3)/N; 0 at N = M, where the edge is hard.
 */
function lowerEdgeScale(n: number, m: number, sigma2: number): number {
  const a = Math.sqrt(n);
  const b = Math.sqrt(m);
  return (sigma2 * (a - b) * Math.cbrt(Math.max(1 / b - 1 / a, 0))) / n;
}

/**
 * How many eigenvalues of random n × m matrices with entries of variance
 * σ² (one per tolerance) lie under the tolerances: Σ m·F_MP(tol²/n + c·s₋),
 * with s₋ the lower edge's Tracy–Widom scale and c the Tracy–Widom quantile
 * at FALSE_ALARM per matrix, so a floor just under λ₋, which the smallest
 * eigenvalue crosses by fluctuation, counts as reached.
 *
 * @param n The larger dimension.
 * @param m The smaller dimension.
 * @param tolerances Each matrix's rank tolerance on singular values.
 * @param sigma2 The entries' variance, > 0.
 */
export function expectedBelow(
  n: number,
  m: number,
  tolerances: readonly number[],
  sigma2: number,
): number {
  const shift = tracyWidomQuantile(FALSE_ALARM / tolerances.length) *
    lowerEdgeScale(n, m, sigma2);
  let expected = 0;
  for (const t of tolerances) {
    expected += m * marchenkoPasturCdf((t * t) / n + shift, n / m, sigma2);
  }
  return expected;
}

/**
 * Tests the rank deficiency against a full-rank random model: the bulk is
 * fitted as MP(q = n/m, σ²) with the missing values censored (they hold
 * their quantile levels but take no part in the fit), and the expected
 * count under the tolerance is E ({@linkcode expectedBelow}), summed over
 * the slices.
 * The deficiency is explained when P(D ≥ deficiency) ≥ FALSE_ALARM for
 * D ~ Poisson(E), designed for a false-alarm rate of 10⁻³ per matrix.
 * Calibrated on 2,400 random matrices (Gaussian, uniform and Student-t3
 * entries; 128² to 300 × 256; grids of 31 and 255 levels;
 * bench/RESULTS.md): deficiency − E lay within −5.4 … +4.4, and none with a
 * fitted bulk was called low-rank. With E ≈ 0 (float storage, or a floor
 * well below the lower edge λ₋) any deficiency is structure.
 *
 * @param positive The eigenvalues above the tolerance, descending (all
 * slices pooled).
 * @param n The larger dimension of a slice.
 * @param m The smaller dimension of a slice.
 * @param tolerances Each slice's rank tolerance on singular values.
 * @param sigma2 A given σ² (else fitted).
 * @returns The full-rank padding, E, and the verdict; `null` where no bulk
 * can be fitted (fewer than MIN_BULK values, or a failed fit).
 */
export function roundedRank(
  positive: Float64Array,
  n: number,
  m: number,
  tolerances: readonly number[],
  sigma2?: number,
): RoundedRank | null {
  const full = m * tolerances.length;
  const rank = positive.length;
  if (rank < MIN_BULK || rank > full) return null;
  const padded = new Float64Array(full);
  padded.set(positive);
  const fit = fitBulk(padded, n, m, {
    sigma2,
    censored: full - rank,
    tests: tolerances.length,
  });
  if (!(fit.sigma2 > 0)) return null;
  const expected = expectedBelow(n, m, tolerances, fit.sigma2);
  return {
    padded,
    expected,
    explained: poissonTail(expected, full - rank) >= FALSE_ALARM,
    fit,
  };
}
