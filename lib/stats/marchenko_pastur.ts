/**
 * The Marchenko–Pastur law: the limiting spectrum of WᵀW/N for an N×M matrix
 * W of iid entries with variance σ², as N, M → ∞ with Q = N/M ≥ 1 fixed.
 *
 * @module
 */
import { checkPositive, rangeError, typeError } from "../validate.ts";
import { mpCdf } from "./_mp_quantile.ts";

/** Checks the aspect ratio `q` ≥ 1 and the variance `sigma2` > 0 given to `fn`. */
function check(fn: string, q: unknown, sigma2: unknown): void {
  const what = "a finite number >= 1 (rows / cols, with rows >= cols)";
  if (typeof q !== "number") throw typeError(fn, "q", what, q);
  if (!(q >= 1) || !Number.isFinite(q)) throw rangeError(fn, "q", what, q);
  checkPositive(fn, "sigma2", sigma2);
}

/**
 * The bulk edges λ± = σ²(1 ± 1/√Q)².
 *
 * @param q The aspect ratio N/M ≥ 1.
 * @param sigma2 The entries' variance σ².
 * @returns `[λ−, λ+]`.
 *
 * @example
 * ```ts
 * import { marchenkoPasturEdges } from "../../mod.ts";
 * import { assertEquals } from "@std/assert";
 *
 * assertEquals(marchenkoPasturEdges(4, 1), [0.25, 2.25]);
 * ```
 */
export function marchenkoPasturEdges(
  q: number,
  sigma2: number,
): [number, number] {
  check("marchenkoPasturEdges", q, sigma2);
  const r = 1 / Math.sqrt(q);
  return [sigma2 * (1 - r) ** 2, sigma2 * (1 + r) ** 2];
}

/**
 * The Marchenko–Pastur density
 * ρ(λ) = Q / (2πσ²λ) · √((λ+ − λ)(λ − λ−)) on [λ−, λ+], 0 elsewhere. It
 * integrates to 1 for Q ≥ 1 (at Q = 1 it has an integrable 1/√λ singularity
 * at 0).
 *
 * @param lambda The eigenvalue.
 * @param q The aspect ratio N/M ≥ 1.
 * @param sigma2 The entries' variance σ².
 * @returns The density at `lambda`.
 *
 * @example
 * ```ts
 * import { marchenkoPasturDensity } from "../../mod.ts";
 * import { assert } from "@std/assert";
 *
 * assert(marchenkoPasturDensity(1, 4, 1) > 0);
 * assert(marchenkoPasturDensity(3, 4, 1) === 0);
 * ```
 */
export function marchenkoPasturDensity(
  lambda: number,
  q: number,
  sigma2: number,
): number {
  const [lo, hi] = marchenkoPasturEdges(q, sigma2);
  if (!(lambda > lo && lambda < hi) || lambda <= 0) return 0;
  return (q / (2 * Math.PI * sigma2 * lambda)) *
    Math.sqrt((hi - lambda) * (lambda - lo));
}

/**
 * The Tracy–Widom centring and scale of the largest eigenvalue of WᵀW/N
 * (Johnstone 2001, real Gaussian W, N×M): μ = σ²(√(N−1) + √M)²/N and
 * s = σ²(√(N−1) + √M)(1/√(N−1) + 1/√M)^(1/3)/N. (λ_max − μ)/s is
 * approximately TW₁, which exceeds 4 with probability below 10⁻³.
 *
 * @param rows N (≥ cols).
 * @param cols M.
 * @param sigma2 σ².
 * @returns `{ mu, scale }`.
 */
export function tracyWidomScale(
  rows: number,
  cols: number,
  sigma2: number,
): { mu: number; scale: number } {
  const a = Math.sqrt(Math.max(rows - 1, 1));
  const b = Math.sqrt(cols);
  return {
    mu: (sigma2 * (a + b) ** 2) / rows,
    scale: (sigma2 * (a + b) * Math.cbrt(1 / a + 1 / b)) / rows,
  };
}

/**
 * The Marchenko–Pastur CDF P(λ ≤ x): the fraction of the bulk's eigenvalues
 * at or below `x`. Computed from a 4096-step table of the density in the
 * variable θ of λ = (λ₋+λ₊)/2 − (λ₊−λ₋)/2·cos θ, where it is smooth, so the
 * error is about 1e-7.
 *
 * @param x The eigenvalue.
 * @param q The aspect ratio N/M ≥ 1.
 * @param sigma2 The entries' variance σ².
 * @returns The CDF at `x`, in [0, 1].
 *
 * @example
 * ```ts
 * import { marchenkoPasturCdf, marchenkoPasturEdges } from "../../mod.ts";
 * import { assertAlmostEquals, assertEquals } from "@std/assert";
 *
 * const [lo, hi] = marchenkoPasturEdges(4, 1);
 * assertEquals(marchenkoPasturCdf(lo, 4, 1), 0);
 * assertEquals(marchenkoPasturCdf(hi, 4, 1), 1);
 * // ∫ from λ₋ to 1 of the density, by scipy's quad: 0.55339008…
 * assertAlmostEquals(marchenkoPasturCdf(1, 4, 1), 0.5533900813, 1e-6);
 * ```
 */
export function marchenkoPasturCdf(
  x: number,
  q: number,
  sigma2: number,
): number {
  check("marchenkoPasturCdf", q, sigma2);
  return mpCdf(q, [x / sigma2])[0];
}
