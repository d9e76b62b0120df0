/**
 * Spectral statistics of a weight matrix from its singular values alone:
 * norms, ranks, the Marchenko–Pastur bulk and spikes, and the power-law
 * tail. The lower-level function beneath `analyzeSpectrum`, which also
 * looks at the entries (mean, zero rows, levels, unequal variances).
 *
 * @module
 */
import {
  checkCount,
  checkOptions,
  checkPositive,
  rangeError,
  show,
} from "../validate.ts";
import { fitBulk, hasTail, MIN_BULK } from "./_bulk.ts";
import { fitPowerLaw, type PowerLawFit } from "./power_law.ts";

export type { PowerLawFit } from "./power_law.ts";
export { fitPowerLaw } from "./power_law.ts";

/** The Marchenko–Pastur fit of a matrix's spectrum. */
export interface MarchenkoPasturFit {
  /**
   * Aspect ratio Q ≥ 1 of the law fitted: N/M (N the longer side), or N
   * over the number of eigenvalues above zero when fewer are (a
   * rank-deficient matrix's non-zero spectrum).
   */
  q: number;
  /** The entries' variance σ²: given (theory) or fitted to the bulk. */
  sigma2: number;
  /** Whether σ² was fitted (`false` when given). */
  fitted: boolean;
  /** Lower bulk edge of the ESD (eigenvalues of WᵀW/N). */
  lambdaMinus: number;
  /** Upper bulk edge. */
  lambdaPlus: number;
  /** Eigenvalues separated above the bulk (see `analyzeSpectrum`'s `spikes`). */
  spikes: number;
  /** Eigenvalues above this are outside the bulk (Infinity without a fit). */
  spikeThreshold: number;
}

/**
 * Fits the Marchenko–Pastur law to a spectrum and counts its spikes, as
 * `analyzeSpectrum` does (without the entry-level steps): σ² matched to the
 * MP quantiles at levels 0.1–0.6 of the eigenvalues above zero (unless
 * given), a Tracy–Widom edge at a false-alarm rate of 10⁻³ per iid matrix,
 * and spikes that stand apart from the top of the bulk below them.
 *
 * @param eigenvalues The ESD, σᵢ²/N (any order; zeros are left out of the fit).
 * @param rows Rows of the matrix.
 * @param cols Columns.
 * @param sigma2 The entries' variance in theory; default fitted.
 * @returns The fit; σ² = 0 and no spikes with fewer than 8 eigenvalues above zero.
 *
 * @example
 * ```ts
 * import { fitMarchenkoPastur } from "./spectral.ts";
 * import { assertEquals } from "@std/assert";
 *
 * // Ten equal eigenvalues and one far above them.
 * const eig = [...Array(10).fill(1), 30];
 * assertEquals(fitMarchenkoPastur(eig, 11, 11, 1).lambdaPlus, 4);
 * ```
 */
export function fitMarchenkoPastur(
  eigenvalues: ArrayLike<number>,
  rows: number,
  cols: number,
  sigma2?: number,
): MarchenkoPasturFit {
  const fn = "fitMarchenkoPastur";
  checkCount(fn, "rows", rows, 1);
  checkCount(fn, "cols", cols, 1);
  if (sigma2 !== undefined) checkPositive(fn, "sigma2", sigma2);
  const n = Math.max(rows, cols);
  const m = Math.min(rows, cols);
  const positive = Float64Array.from(
    Array.from(eigenvalues).filter((v) => v > 0),
  ).sort().reverse();
  if (positive.length < MIN_BULK && sigma2 === undefined) {
    return {
      q: n / m,
      sigma2: 0,
      fitted: true,
      lambdaMinus: 0,
      lambdaPlus: 0,
      spikes: 0,
      spikeThreshold: Infinity,
    };
  }
  const fit = fitBulk(positive, n, Math.min(m, positive.length), { sigma2 });
  return {
    q: fit.q,
    sigma2: fit.sigma2,
    fitted: fit.fitted,
    lambdaMinus: fit.lambdaMinus,
    lambdaPlus: fit.lambdaPlus,
    spikes: fit.spikes,
    spikeThreshold: fit.threshold,
  };
}

/** What {@linkcode spectralStats} returns. */
export interface SpectralStats {
  /** Rows of the matrix. */
  rows: number;
  /** Columns of the matrix. */
  cols: number;
  /** σ₁ = ‖W‖₂. */
  spectralNorm: number;
  /** ‖W‖_F = √Σσᵢ². */
  frobeniusNorm: number;
  /** ‖W‖_F² / ‖W‖₂²: between 1 and min(N, M). */
  stableRank: number;
  /** σ₁ / σ_min (Infinity when σ_min = 0). */
  conditionNumber: number;
  /** exp(−Σ pᵢ ln pᵢ), pᵢ = σᵢ/Σσⱼ (Roy & Vetterli 2007). */
  effectiveRank: number;
  /** Singular values above max(N, M)·2⁻⁵²·σ₁ (the SVD's own error; `analyzeSpectrum` also allows for the storage's rounding). */
  numericalRank: number;
  /** The eigenvalues of WᵀW/N (σᵢ²/N), descending: the ESD. */
  eigenvalues: Float64Array;
  /** The Marchenko–Pastur fit and spike count. */
  marchenkoPastur: MarchenkoPasturFit;
  /**
   * The power-law tail fit of the eigenvalues above the numerical-rank
   * tolerance, or `null` with fewer than 10 of them or all equal.
   */
  powerLaw: PowerLawFit | null;
  /**
   * Whether the bulk itself has a tail: at least max(5, 1% of the
   * eigenvalues) lie beyond the MP edge without being separated spikes (as
   * `analyzeSpectrum`'s `heavyTailed`, without its entry-level steps).
   */
  heavyTail: boolean;
}

/** Options for {@linkcode spectralStats}. */
export interface SpectralOptions {
  /** The entries' variance σ² in theory (a random init's); default: fitted to the bulk. */
  sigma2?: number;
}

/**
 * Spectral statistics from singular values.
 *
 * @param singularValues σ₁ ≥ σ₂ ≥ … ≥ 0 (as `singularValues` returns).
 * @param shape `[rows, cols]` of the matrix.
 * @param options `sigma2`: the entries' variance in theory (else fitted).
 * @returns Norms, ranks, the ESD, the Marchenko–Pastur fit and the power-law fit.
 * @throws {RangeError} If the counts do not match the shape, or a singular
 * value is negative, NaN, infinite or out of (descending) order.
 *
 * @example
 * ```ts
 * import { spectralStats } from "../../mod.ts";
 * import { assertAlmostEquals, assertEquals } from "@std/assert";
 *
 * const s = spectralStats(new Float64Array([4, 3]), [2, 2]);
 * assertEquals(s.spectralNorm, 4);
 * assertAlmostEquals(s.frobeniusNorm, 5);
 * assertAlmostEquals(s.stableRank, 25 / 16);
 * assertAlmostEquals(s.conditionNumber, 4 / 3);
 * ```
 */
export function spectralStats(
  singularValues: Float64Array,
  shape: readonly [number, number] | readonly number[],
  options: SpectralOptions = {},
): SpectralStats {
  const fn = "spectralStats";
  const { sigma2 } = checkOptions(fn, options, ["sigma2"]);
  if (sigma2 !== undefined) checkPositive(fn, "options.sigma2", sigma2);
  if (shape.length !== 2) {
    throw rangeError(fn, "shape", "[rows, cols]", shape);
  }
  const [rows, cols] = shape;
  const m = Math.min(rows, cols);
  const n = Math.max(rows, cols);
  if (singularValues.length !== m || m === 0) {
    throw rangeError(
      fn,
      "singularValues.length",
      `min(rows, cols) = ${m} > 0 for shape ${show(shape)}`,
      singularValues.length,
    );
  }
  for (let i = 0; i < m; i++) {
    const s = singularValues[i];
    if (!(s >= 0) || !Number.isFinite(s)) {
      throw rangeError(fn, `singularValues[${i}]`, "a finite number >= 0", s);
    }
    if (i > 0 && s > singularValues[i - 1]) {
      throw rangeError(
        fn,
        `singularValues[${i}]`,
        `<= singularValues[${i - 1}] = ${
          singularValues[i - 1]
        } (descending order)`,
        s,
      );
    }
  }
  const s1 = singularValues[0];
  let sumSq = 0;
  let sum = 0;
  for (const s of singularValues) {
    sumSq += s * s;
    sum += s;
  }
  let entropy = 0;
  if (sum > 0) {
    for (const s of singularValues) {
      const p = s / sum;
      if (p > 0) entropy -= p * Math.log(p);
    }
  }
  const tol = n * 2 ** -52 * s1;
  let numericalRank = 0;
  for (const s of singularValues) if (s > tol) numericalRank++;
  const eigenvalues = singularValues.map((s) => (s * s) / n);
  const smallest = singularValues[m - 1];
  const marchenkoPastur = fitMarchenkoPastur(
    eigenvalues,
    rows,
    cols,
    options.sigma2,
  );
  const powerLaw = fitPowerLaw(eigenvalues.subarray(0, numericalRank));
  const positive = eigenvalues.subarray(0, numericalRank);
  const bulk = positive.length >= MIN_BULK
    ? fitBulk(positive, n, numericalRank, { sigma2: options.sigma2 })
    : null;
  return {
    rows,
    cols,
    spectralNorm: s1,
    frobeniusNorm: Math.sqrt(sumSq),
    stableRank: s1 > 0 ? sumSq / (s1 * s1) : 0,
    conditionNumber: smallest > 0 ? s1 / smallest : Infinity,
    effectiveRank: sum > 0 ? Math.exp(entropy) : 0,
    numericalRank,
    eigenvalues,
    marchenkoPastur,
    powerLaw,
    heavyTail: bulk !== null && hasTail(bulk, positive.length),
  };
}
