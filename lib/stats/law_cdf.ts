/**
 * Cumulative distribution functions of the initializers' laws, for
 * goodness-of-fit tests: the continuous part of each `Density`.
 *
 * @module
 */
import type { Density } from "./density.ts";
import { normalPdf, upperTail } from "../_normal.ts";
import { betaRegularized } from "./_beta.ts";

/**
 * Q(t) = P(Z > t), fast where KS tests evaluate it most: for |t| < 3 the
 * series 1/2 − φ(t)·Σ t^(2k+1)/(2k+1)!! (at most 40 terms; absolute error
 * about 1e-16, relative about 1e-13 at t = 3), beyond it `upperTail`'s
 * continued fraction (relative error 1e-15).
 */
function tail(t: number): number {
  if (!(Math.abs(t) < 3)) return t > 0 ? upperTail(t) : 1 - upperTail(-t);
  const t2 = t * t;
  let term = t;
  let sum = t;
  for (let k = 3; Math.abs(term) > 1e-17 * Math.abs(sum); k += 2) {
    term *= t2 / k;
    sum += term;
  }
  return 0.5 - normalPdf(t) * sum;
}

/** Φ(x). */
function phi(x: number): number {
  return tail(-x);
}

/** P(a < Z ≤ b) for a standard normal Z, without cancellation in the tails. */
function normalMass(a: number, b: number): number {
  if (a >= 0) return tail(a) - tail(b);
  if (b <= 0) return phi(b) - phi(a);
  return 1 - phi(a) - tail(b);
}

/**
 * The CDF of the continuous part of an initializer's law, normalised to total
 * mass 1, or `null` when the law has no continuous part (constants,
 * Bernoulli masks, identity and Dirac kernels, a zero gain or standard
 * deviation, an orthogonal matrix of dimension 1, whose entries are ±gain).
 *
 * - `uniform`: (x − low)/(high − low) on [low, high].
 * - `normal`: Φ((x − mean)/std).
 * - `truncatedNormal`: (Φ(z) − Φ(a))/(Φ(b) − Φ(a)), z = (x − mean)/std and
 *   a, b the standardised bounds (differences of tails taken on the side
 *   where they do not cancel).
 * - `orthogonal`: an entry is gain · t, t a coordinate of a uniform unit
 *   vector in R^dim, so t² ~ Beta(1/2, (dim − 1)/2) and
 *   F(x) = 1/2 + sign(t)·I_{t²}(1/2, (dim − 1)/2)/2.
 * - `sparse`: the non-zero values, Φ(x/std) (the zeros are an atom).
 *
 * Accuracy: about 1e-15 absolute for the normal kinds, 1e-13 for
 * `orthogonal` (the incomplete beta function's continued fraction).
 *
 * @param density From an initializer's record (`initRecordOf(t).density`).
 * @returns `F(x)`, non-decreasing from 0 to 1, or `null`.
 *
 * @example
 * ```ts
 * import { continuousCdf } from "./law_cdf.ts";
 * import { assertAlmostEquals } from "@std/assert";
 *
 * const cdf = continuousCdf({ kind: "normal", mean: 0, std: 2 })!;
 * assertAlmostEquals(cdf(2), 0.8413447460685429, 1e-15);
 * const entry = continuousCdf({ kind: "orthogonal", dim: 3, gain: 1 })!;
 * assertAlmostEquals(entry(0.5), 0.75, 1e-12); // uniform on [−1, 1] for dim 3
 * ```
 */
export function continuousCdf(
  density: Density,
): ((x: number) => number) | null {
  switch (density.kind) {
    case "constant":
    case "bernoulli":
    case "pointMass":
      return null;
    case "uniform": {
      const { low, high } = density;
      if (!(high > low)) return null;
      const width = high - low;
      return (x) => x <= low ? 0 : x >= high ? 1 : (x - low) / width;
    }
    case "normal": {
      const { mean, std } = density;
      if (!(std > 0)) return null;
      return (x) => phi((x - mean) / std);
    }
    case "truncatedNormal": {
      const { mean, std, low, high } = density;
      if (!(std > 0)) return null;
      const a = (low - mean) / std;
      const b = (high - mean) / std;
      const mass = normalMass(a, b);
      return (x) => {
        if (x <= low) return 0;
        if (x >= high) return 1;
        return Math.min(1, normalMass(a, (x - mean) / std) / mass);
      };
    }
    case "orthogonal": {
      const { dim, gain } = density;
      if (!(gain > 0) || dim < 2) return null;
      const b = (dim - 1) / 2;
      return (x) => {
        const t = x / gain;
        if (t <= -1) return 0;
        if (t >= 1) return 1;
        const half = betaRegularized(0.5, b, t * t) / 2;
        return t < 0 ? 0.5 - half : 0.5 + half;
      };
    }
    case "sparse": {
      const { std, zeros } = density;
      if (!(std > 0) || zeros >= 1) return null;
      return (x) => phi(x / std);
    }
  }
}
