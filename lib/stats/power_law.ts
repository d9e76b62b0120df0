/**
 * Power-law fits p(λ) ∝ λ^−α of the upper tail of a spectrum, by maximum
 * likelihood with the tail's start chosen by the Kolmogorov–Smirnov distance
 * (Clauset, Shalizi & Newman 2009), in two conventions.
 *
 * @module
 */
import { checkChoice, checkOptions } from "../validate.ts";

/** A power-law fit p(λ) ∝ λ^−α of a spectrum's tail. */
export interface PowerLawFit {
  /** The exponent α = 1 + n / Σ ln(λᵢ/xmin) over the tail. */
  alpha: number;
  /** Where the tail starts (the smallest eigenvalue in it). */
  xmin: number;
  /** The Kolmogorov–Smirnov distance between the tail and the fitted law. */
  ks: number;
  /** Eigenvalues in the tail. */
  tailSize: number;
}

/** The conventions of {@linkcode fitPowerLaw}. */
export type PowerLawMethod = "default" | "weightwatcher";

/** Options for {@linkcode fitPowerLaw}. */
export interface PowerLawOptions {
  /**
   * `"default"`: the tail has at least 5 eigenvalues, and D is the two-sided
   * KS distance max over the tail of |F(xᵢ) − i/n| and |(i+1)/n − F(xᵢ)|.
   * `"weightwatcher"`: WeightWatcher's default fit: eigenvalues ≤ 1e-5 are
   * dropped, xmin may be any eigenvalue but the largest (no minimum tail),
   * and D = max |F(xᵢ) − i/n| (i = 0…n−1 over the sorted tail).
   * Default `"default"`.
   */
  method?: PowerLawMethod;
}

const OPTIONS = ["method"];

/**
 * Fits p(λ) ∝ λ^−α to the upper tail of `eigenvalues` by maximum likelihood,
 * α = 1 + n / Σ ln(λᵢ/xmin), choosing xmin among the eigenvalues to minimise
 * the Kolmogorov–Smirnov distance D between the tail's empirical CDF and
 * F(λ) = 1 − (λ/xmin)^(1−α) (the first xmin on ties).
 *
 * **Cost.** Suffix sums of ln λ make each candidate's α O(1); its D is
 * first bounded from below at the points where recent candidates deviated
 * most (neighbouring candidates deviate most at nearly the same points),
 * then on 32 evenly spaced points of the tail, and computed in full
 * (stopping once it cannot win) only when those bounds do not rule it out.
 * The result is the exact minimiser; 10⁵ eigenvalues, power-law or not,
 * take well under a second.
 *
 * @param eigenvalues The spectrum (any order; non-positive and non-finite
 * values are ignored).
 * @param options `method`: `"default"` or `"weightwatcher"` (see
 * {@linkcode PowerLawOptions}).
 * @returns The fit, or `null` with fewer than 10 positive eigenvalues (2 for
 * `"weightwatcher"`) or when all are equal.
 * @throws {TypeError} For an unknown option.
 * @throws {RangeError} For an unknown method.
 *
 * @example
 * ```ts
 * import { fitPowerLaw } from "./power_law.ts";
 * import { assert } from "@std/assert";
 *
 * // Quantiles of a Pareto law with α = 3 (density ∝ x^−3 on x ≥ 1).
 * const xs = Array.from({ length: 1000 }, (_, i) => (1 - (i + 0.5) / 1000) ** -0.5);
 * const fit = fitPowerLaw(xs)!;
 * assert(Math.abs(fit.alpha - 3) < 0.1);
 * ```
 */
export function fitPowerLaw(
  eigenvalues: ArrayLike<number>,
  options: PowerLawOptions = {},
): PowerLawFit | null {
  checkOptions("fitPowerLaw", options, OPTIONS);
  const method = checkChoice(
    "fitPowerLaw",
    "options.method",
    options.method ?? "default",
    ["default", "weightwatcher"],
  );
  const ww = method === "weightwatcher";
  const floor = ww ? 1e-5 : 0;
  const kept: number[] = [];
  for (let i = 0; i < eigenvalues.length; i++) {
    const v = eigenvalues[i];
    if (v > floor && Number.isFinite(v)) kept.push(v);
  }
  const xs = Float64Array.from(kept).sort();
  const n = xs.length;
  if (n < (ww ? 2 : 10) || xs[0] === xs[n - 1]) return null;
  const logs = xs.map(Math.log);
  const suffix = new Float64Array(n + 1);
  for (let i = n - 1; i >= 0; i--) suffix[i] = suffix[i + 1] + logs[i];
  const minTail = ww ? 2 : 5;
  const last = n - minTail;
  // The deviation |F(x) − ECDF| of the tail starting at `start` at its i-th point.
  const deviation = (start: number, e: number, i: number) => {
    const tail = n - start;
    const model = 1 - Math.exp(e * (logs[start + i] - logs[start]));
    const lower = Math.abs(model - i / tail);
    const upper = ww ? 0 : Math.abs((i + 1) / tail - model);
    return lower > upper ? lower : upper;
  };
  // Points (indices into xs) where a recent candidate's deviation was
  // largest: neighbouring candidates deviate most at nearly the same points,
  // so these usually show at once that a candidate cannot win.
  const witnesses = new Int32Array(4).fill(-1);
  let nextWitness = 0;
  const remember = (point: number) => {
    for (const w of witnesses) if (w === point) return;
    witnesses[nextWitness] = point;
    nextWitness = (nextWitness + 1) % witnesses.length;
  };
  // D of the tail starting at `start`, or a value > `bound` once it cannot
  // beat it: the witnesses first, then 32 evenly spaced points, then all.
  const distance = (start: number, alpha: number, bound: number) => {
    const tail = n - start;
    const e = 1 - alpha;
    for (const w of witnesses) {
      if (w >= start && deviation(start, e, w - start) > bound) return Infinity;
    }
    if (tail > 64) {
      const step = Math.floor(tail / 32);
      for (let i = 0; i < tail; i += step) {
        if (deviation(start, e, i) > bound) {
          remember(start + i);
          return Infinity;
        }
      }
    }
    let d = 0;
    let at = start;
    for (let i = 0; i < tail; i++) {
      const here = deviation(start, e, i);
      if (here > d) {
        d = here;
        at = start + i;
        if (d > bound) break;
      }
    }
    remember(at);
    return d;
  };
  const alphaAt = (start: number) => {
    const sumLog = suffix[start] - (n - start) * logs[start];
    return sumLog > 0 ? 1 + (n - start) / sumLog : NaN;
  };
  let best: PowerLawFit | null = null;
  let bestStart = -1;
  const consider = (start: number) => {
    if (start > 0 && xs[start] === xs[start - 1]) return;
    const alpha = alphaAt(start);
    if (!Number.isFinite(alpha)) return;
    const d = distance(start, alpha, best === null ? Infinity : best.ks);
    if (
      best === null || d < best.ks || (d === best.ks && start < bestStart)
    ) {
      best = { alpha, xmin: xs[start], ks: d, tailSize: n - start };
      bestStart = start;
    }
  };
  // A coarse pass first finds a good bound; the full pass is then mostly pruned.
  const coarse = Math.max(1, Math.floor((last + 1) / 64));
  for (let start = 0; start <= last; start += coarse) consider(start);
  for (let start = 0; start <= last; start++) {
    if (start % coarse !== 0) consider(start);
  }
  return best;
}
