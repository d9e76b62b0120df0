/**
 * Spectral statistics of a weight matrix from its singular values: norms,
 * ranks, the Marchenko–Pastur fit and spikes, and a power-law tail exponent
 * (WeightWatcher's metrics).
 *
 * @module
 */
import { show } from "../initializers/_validate.ts";
import { marchenkoPasturEdges, tracyWidomScale } from "./marchenko_pastur.ts";

/** The Marchenko–Pastur fit of a matrix's spectrum. */
export interface MarchenkoPasturFit {
  /** Aspect ratio Q = N/M ≥ 1 (N the longer side). */
  q: number;
  /** The entries' variance σ²: given (theory) or fitted to the bulk. */
  sigma2: number;
  /** Whether σ² was fitted (`false` when given). */
  fitted: boolean;
  /** Lower bulk edge of the ESD (eigenvalues of WᵀW/N). */
  lambdaMinus: number;
  /** Upper bulk edge. */
  lambdaPlus: number;
  /** Eigenvalues above the edge by more than 4 Tracy–Widom scales: the spikes. */
  spikes: number;
  /** The threshold used for spikes. */
  spikeThreshold: number;
}

/** A power-law fit p(λ) ∝ λ^−α of the ESD's tail. */
export interface PowerLawFit {
  /** The exponent α (WeightWatcher: 2–6 is typical of trained layers; > 8 is not a power law). */
  alpha: number;
  /** Where the tail starts. */
  xmin: number;
  /** The KS distance between the tail and the fitted law. */
  ks: number;
  /** Eigenvalues in the tail. */
  tailSize: number;
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
  /** Singular values above max(N, M)·u·σ₁ (u = 2⁻⁵³). */
  numericalRank: number;
  /** The eigenvalues of WᵀW/N (σᵢ²/N), descending: the ESD. */
  eigenvalues: Float64Array;
  /** The Marchenko–Pastur fit and spike count. */
  marchenkoPastur: MarchenkoPasturFit;
  /** The power-law tail fit, or `null` with fewer than 10 positive eigenvalues. */
  powerLaw: PowerLawFit | null;
  /**
   * Whether the spectrum is heavy-tailed: α < 6 fitted on at least 10 of at
   * least 50 eigenvalues, with the largest beyond the bulk's spike threshold.
   * (The upper edge of a random matrix's bulk alone can fit any α, so α by
   * itself says little for a random matrix.)
   */
  heavyTail: boolean;
}

/** Options for {@linkcode spectralStats}. */
export interface SpectralOptions {
  /** The entries' variance σ² in theory (a random init's); default: fitted to the bulk. */
  sigma2?: number;
}

/**
 * Fits the Marchenko–Pastur law: with `sigma2` given, just the edges;
 * otherwise σ² starts as the mean eigenvalue (‖W‖_F²/(NM)) and is re-fitted as
 * the mean of the eigenvalues below the spike threshold until the spike count
 * stops changing.
 */
export function fitMarchenkoPastur(
  eigenvalues: Float64Array,
  rows: number,
  cols: number,
  sigma2?: number,
): MarchenkoPasturFit {
  const n = Math.max(rows, cols);
  const m = Math.min(rows, cols);
  const q = n / m;
  const threshold = (s2: number) => {
    const { mu, scale } = tracyWidomScale(n, m, s2);
    return mu + 4 * scale;
  };
  let s2 = sigma2;
  let fitted = false;
  let spikes = 0;
  if (s2 === undefined) {
    fitted = true;
    let sum = 0;
    for (const v of eigenvalues) sum += v;
    s2 = sum / m;
    for (let iteration = 0; iteration < 100 && s2 > 0; iteration++) {
      const t = threshold(s2);
      let count = 0;
      let bulk = 0;
      for (const v of eigenvalues) {
        if (v > t) count++;
        else bulk += v;
      }
      // Missing (zero) eigenvalues of a wide matrix are not part of the M×M ESD.
      const next = bulk / (m - count);
      if (count === spikes && Math.abs(next - s2) <= 1e-12 * s2) break;
      spikes = count;
      s2 = next;
    }
  }
  if (!(s2 > 0)) {
    return {
      q,
      sigma2: 0,
      fitted,
      lambdaMinus: 0,
      lambdaPlus: 0,
      spikes: 0,
      spikeThreshold: 0,
    };
  }
  const [lo, hi] = marchenkoPasturEdges(q, s2);
  const t = threshold(s2);
  spikes = 0;
  for (const v of eigenvalues) if (v > t) spikes++;
  return {
    q,
    sigma2: s2,
    fitted,
    lambdaMinus: lo,
    lambdaPlus: hi,
    spikes,
    spikeThreshold: t,
  };
}

/**
 * Fits p(λ) ∝ λ^−α to the upper tail of `eigenvalues` by maximum likelihood,
 * α = 1 + n / Σ ln(λᵢ/xmin), choosing xmin among the eigenvalues to minimise
 * the Kolmogorov–Smirnov distance (Clauset, Shalizi & Newman 2009; the method
 * WeightWatcher uses). Tails shorter than 5 points are not considered.
 *
 * @returns The fit, or `null` with fewer than 10 positive eigenvalues or a
 * flat spectrum (all within 0.1% of each other).
 */
export function fitPowerLaw(
  eigenvalues: ArrayLike<number>,
): PowerLawFit | null {
  const xs = Float64Array.from(
    Array.from(eigenvalues).filter((v) => v > 0 && Number.isFinite(v)),
  ).sort();
  const n = xs.length;
  if (n < 10) return null;
  // A flat spectrum (orthogonal up to scale) has no tail to fit.
  if (xs[n - 1] - xs[0] <= 1e-3 * xs[n - 1]) return null;
  // Suffix sums of ln x make each candidate's MLE O(1).
  const logs = xs.map(Math.log);
  const suffix = new Float64Array(n + 1);
  for (let i = n - 1; i >= 0; i--) suffix[i] = suffix[i + 1] + logs[i];
  let best: PowerLawFit | null = null;
  for (let start = 0; start <= n - 5; start++) {
    if (start > 0 && xs[start] === xs[start - 1]) continue;
    const tail = n - start;
    const xmin = xs[start];
    const sumLog = suffix[start] - tail * logs[start];
    if (!(sumLog > 0)) continue;
    const alpha = 1 + tail / sumLog;
    let ks = 0;
    for (let i = start; i < n; i++) {
      const model = 1 - Math.pow(xs[i] / xmin, 1 - alpha);
      const below = (i - start) / tail;
      const above = (i - start + 1) / tail;
      ks = Math.max(ks, Math.abs(model - below), Math.abs(above - model));
    }
    if (best === null || ks < best.ks) {
      best = { alpha, xmin, ks, tailSize: tail };
    }
  }
  return best;
}

/**
 * Spectral statistics from singular values.
 *
 * @param singularValues σ₁ ≥ σ₂ ≥ … ≥ 0 (as `singularValues` returns).
 * @param shape `[rows, cols]` of the matrix.
 * @param options `sigma2`: the entries' variance in theory (else fitted).
 * @returns Norms, ranks, the ESD, the Marchenko–Pastur fit and the power-law fit.
 * @throws {RangeError} If the counts do not match the shape.
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
  if (shape.length !== 2) {
    throw new RangeError(`shape must be [rows, cols], received ${show(shape)}`);
  }
  const [rows, cols] = shape;
  const m = Math.min(rows, cols);
  const n = Math.max(rows, cols);
  if (singularValues.length !== m || m === 0) {
    throw new RangeError(
      `expected min(rows, cols) = ${m} > 0 singular values for shape ${
        show(shape)
      }, received ${singularValues.length}`,
    );
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
  const tol = n * 2 ** -53 * s1;
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
  const powerLaw = fitPowerLaw(eigenvalues);
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
    heavyTail: powerLaw !== null && powerLaw.alpha < 6 && m >= 50 &&
      powerLaw.tailSize >= 10 && marchenkoPastur.sigma2 > 0 &&
      eigenvalues[0] > marchenkoPastur.spikeThreshold,
  };
}
