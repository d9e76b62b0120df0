/**
 * The one analysis of a weight matrix's spectrum that every plot, table,
 * notebook and the report use: numerical rank, the Marchenko–Pastur bulk,
 * spikes, the mean's outlier, a heavy tail, the power-law α, and a verdict.
 * Pure numerics on plain arrays.
 *
 * @module
 */
import {
  checkChoice,
  checkOptions,
  checkPositive,
  checkValuesShape,
  message,
  rangeError,
  show,
  typeError,
} from "../validate.ts";
import { notHostData } from "../host.ts";
import { scanValues } from "../_scan.ts";
import { singularValuesAs } from "../linalg/singular_values.ts";
import { fitBulk, hasTail, MIN_BULK } from "./_bulk.ts";
import {
  expectedBelow,
  type RoundedRank,
  roundedRank,
} from "./_rounded_rank.ts";
import { floatFloor, gridFloor } from "./_storage_floor.ts";
import { STORED_FLOATS, type StoredFloat } from "./stored_float.ts";
import { equalize, type MatrixFacts, matrixFacts } from "./_matrix.ts";
import { fitPowerLaw, type PowerLawMethod } from "./power_law.ts";

/** Values with a shape, as `analyzeSpectrumSync` takes them. */
export interface ShapedValues {
  /** Row-major values. */
  values: ArrayLike<number>;
  /** The shape; its product is `values.length`. */
  shape: readonly number[];
}

/** Options for {@linkcode analyzeSpectrumSync} (and `analyzeSpectrum`). */
export interface AnalyzeSpectrumOptions {
  /**
   * How a kernel of rank ≥ 3, `[...spatial, in, out]`, becomes matrices.
   * `"reshape"`: one matrix [product of all axes but the last, last].
   * `"slices"`: WeightWatcher's treatment, one [in, out] matrix per spatial
   * position, their eigenvalues pooled. A depthwise kernel
   * `[...spatial, C, 1]` is always the C × (product of spatial) matrix of its
   * filters. Default `"reshape"`.
   */
  conv?: "reshape" | "slices";
  /** The power-law convention: `"default"` or `"weightwatcher"` (see `fitPowerLaw`). Default `"default"`. */
  powerLaw?: PowerLawMethod;
  /**
   * The entries' variance in theory (a random initializer's, mean removed):
   * the bulk is then this MP law rather than a fitted one. Default: fitted.
   */
  sigma2?: number;
  /**
   * The matrix's singular values, already computed (by a worker, for
   * example), descending: used as given instead of computing them. They
   * must be those of the matrix {@linkcode storageMatrix} names for this
   * shape, `min(rows, cols)` of them; not with `conv: "slices"`. Default:
   * computed.
   */
  singularValues?: Float64Array;
  /**
   * The step h of the grid the entries are stored on, for quantised weights
   * (a uint8 weight of tfjs stores q·scale + min: h = scale). Rounding to
   * the grid adds a matrix E of errors uniform in ±h/2, whose spectral norm
   * is about (h/√12)(√N + √M) (Bai–Yin); by Weyl's inequality no singular
   * value below it can be told from rounding, so the numerical rank counts
   * only those above it (see `rank`), and so does the re-test on equalised
   * rows and columns (`rescaled`: scaling keeps the rank). Default: none
   * (the entries are taken as exact in their storage type).
   */
  quantizationStep?: number;
  /**
   * The low-precision float format the entries were stored in before they
   * were decoded to these values (see {@linkcode StoredFloat}). Rounding to
   * nearest in it moves each entry by up to u·|w| (u its unit roundoff), or
   * by half the subnormal step below its smallest normal number, a matrix of
   * errors whose spectral norm is about (1/√3)(largest row norm + largest
   * column norm) of that bound; the numerical rank counts only singular
   * values above it, as for `quantizationStep`. Default: none (the array's
   * own precision).
   */
  storedDtype?: StoredFloat;
}

/**
 * The matrix whose singular values {@linkcode analyzeSpectrumSync} computes
 * for a shape, as stored row-major: [product of all axes but the last, last];
 * for a depthwise kernel `[...spatial, C, 1]`, [product of spatial, C] (the
 * transpose of the C × spatial matrix of filters: the same singular values).
 *
 * @param shape The weights' shape, rank ≥ 2.
 * @returns `[rows, cols]`.
 *
 * @example
 * ```ts
 * import { storageMatrix } from "./analyze_spectrum.ts";
 * import { assertEquals } from "@std/assert";
 *
 * assertEquals(storageMatrix([3, 3, 16, 32]), [144, 32]);
 * assertEquals(storageMatrix([3, 3, 32, 1]), [9, 32]);
 * ```
 */
export function storageMatrix(shape: readonly number[]): [number, number] {
  const last = shape[shape.length - 1];
  const spatial = shape.slice(0, -2).reduce((a, b) => a * b, 1);
  const depthwise = shape.length >= 3 && last === 1 && spatial > 1;
  const cols = depthwise ? shape[shape.length - 2] : last;
  const size = shape.reduce((a, b) => a * b, 1);
  return [cols === 0 ? 0 : size / cols, cols];
}

/** What a spectrum is, in one word; the first that applies wins, in this order. */
export type SpectrumVerdict =
  | "zero"
  | "binary"
  | "flat"
  | "heavy-tailed"
  | "spiked"
  | "low-rank"
  | "random-like";

/** Every verdict {@linkcode analyzeSpectrumSync} gives, in its order of precedence. */
export const SPECTRUM_VERDICTS: readonly SpectrumVerdict[] = Object.freeze([
  "zero",
  "binary",
  "flat",
  "heavy-tailed",
  "spiked",
  "low-rank",
  "random-like",
]);

/** The Marchenko–Pastur law of the bulk. */
export interface MarchenkoPasturBulk {
  /** Aspect ratio N/M ≥ 1 of the matrix (without its all-zero rows and columns). */
  q: number;
  /** The entries' variance σ², mean removed: fitted to the bulk, or given. */
  sigma2: number;
  /** Lower bulk edge σ²(1 − 1/√Q)² of the eigenvalues. */
  lambdaMinus: number;
  /** Upper bulk edge σ²(1 + 1/√Q)². */
  lambdaPlus: number;
  /** Whether σ² was fitted (false when given by the `sigma2` option). */
  fitted: boolean;
}

/** The power-law fit of the ESD's tail, and whether to trust it. */
export interface PowerLawSummary {
  /** α of p(λ) ∝ λ^−α. */
  alpha: number;
  /** Start of the tail (in the units of `eigenvalues`; of σ² for `"weightwatcher"`). */
  xmin: number;
  /** Kolmogorov–Smirnov distance of the fit. */
  ks: number;
  /** Eigenvalues in the tail. */
  tailSize: number;
  /** Whether α means something here: a heavy-tailed bulk, ≥ 50 eigenvalues, a tail of ≥ 10, α ≤ 8. */
  meaningful: boolean;
  /** Why not, when `meaningful` is false; else `null`. */
  reason: string | null;
}

/** What {@linkcode analyzeSpectrumSync} returns. */
export interface SpectrumAnalysis {
  /** The input's shape. */
  shape: number[];
  /**
   * The matrix analysed, [rows, cols]: rank ≥ 3 inputs as [product of all
   * axes but the last, last]; a depthwise kernel [kh, kw, C, 1] as the
   * C × kh·kw matrix of its filters; with `conv: "slices"`, one slice.
   */
  matrixShape: [number, number];
  /** Matrices pooled: 1, or the number of spatial positions with `conv: "slices"`. */
  slices: number;
  /** Singular values, descending (pooled over slices). */
  singularValues: Float64Array;
  /**
   * The empirical spectral density's points: σᵢ²/N, descending, N the longer
   * side of the matrix without its all-zero rows and columns (with
   * `conv: "slices"`, the longer side of a slice, zero rows included).
   */
  eigenvalues: Float64Array;
  /** σ₁. */
  spectralNorm: number;
  /** √Σσᵢ². */
  frobeniusNorm: number;
  /** ‖W‖_F²/σ₁². */
  stableRank: number;
  /**
   * Numerical rank: singular values above `rankTolerance` =
   * max(N·2⁻⁵²·σ₁, 8·u·‖W‖_F·(1/√N + 1/√M)), u the unit roundoff of the
   * storage (2⁻²⁴ for a Float32Array, else 2⁻⁵³): the SVD's own error, and
   * the spectral norm that rounding the entries to storage precision leaves.
   * With the `quantizationStep` option h, also at least (h/√12)(√N + √M),
   * the rounding floor of a quantised weight; with `storedDtype`, at least
   * the rounding floor of that half-precision format.
   */
  rank: number;
  /** See `rank`. */
  rankTolerance: number;
  /** All-zero rows of the matrix (0 with `conv: "slices"`: not counted). */
  zeroRows: number;
  /** All-zero columns of the matrix (0 with `conv: "slices"`: not counted). */
  zeroCols: number;
  /** Mean of the entries (of the non-zero rows and columns). */
  mean: number;
  /** Variance of the entries, mean removed (same entries). */
  variance: number;
  /**
   * Eigenvalues significantly separated above the bulk (see
   * `spikeIndices`). The test is designed for a false-alarm rate of 10⁻³ per
   * matrix of iid noise; unequal row and column variances, a heavy tail or
   * a bulk reshaped by training do not make spikes, because a spike must
   * also stand 6 Tracy–Widom scales above the edge of the eigenvalues just
   * below it.
   */
  spikes: number;
  /** Indices into `eigenvalues` of the spikes. */
  spikeIndices: number[];
  /** Eigenvalues above this are outside the MP bulk (for drawing). */
  spikeThreshold: number;
  /** The rank-one outlier that a non-zero mean makes (never a spike). */
  meanOutlier: boolean;
  /**
   * Its index into `eigenvalues`, or −1 (always −1 with `conv: "slices"`,
   * where each slice may have one: see `meanOutlier`).
   */
  meanOutlierIndex: number;
  /**
   * The bulk itself has a tail: at least max(5, 1% of the eigenvalues) lie
   * beyond the MP edge without being separated spikes.
   */
  heavyTailed: boolean;
  /** All non-zero singular values equal within 0.1%: an orthogonal matrix up to scale. */
  flat: boolean;
  /** The entries take exactly two values (a mask, not learned weights). */
  binary: boolean;
  /** All entries are zero. */
  zero: boolean;
  /**
   * Whether spikes and tail were measured on the matrix with its rows and
   * columns scaled to equal spread (they were unequal), see `_matrix.ts`.
   */
  rescaled: boolean;
  /**
   * Whether the rank is below min(N, M) by more than rounding explains:
   * all-zero rows or columns, or more singular values under `rankTolerance`
   * than a random matrix with the fitted bulk has there
   * (`expectedBelowTolerance`, tested as a Poisson count at a 10⁻³
   * false-alarm rate). The verdict is "low-rank" only when no verdict
   * before it in the order applies.
   */
  lowRank: boolean;
  /**
   * How many singular values a full-rank random matrix with the fitted
   * Marchenko–Pastur bulk has under `rankTolerance`: about 0 for weights
   * stored as floats, a few for a near-square matrix stored on a coarse
   * grid (at N = M the law reaches down to 0). `null` without a bulk fit.
   */
  expectedBelowTolerance: number | null;
  /**
   * The bulk's MP law, or `null` with fewer than 8 eigenvalues above
   * `rankTolerance` or a flat or zero spectrum (`sigma2` 0 when the fit
   * fails).
   */
  marchenkoPastur: MarchenkoPasturBulk | null;
  /** The power-law fit, or `null` with too few distinct eigenvalues. */
  powerLaw: PowerLawSummary | null;
  /** The verdict: the first of zero, binary, flat, heavy-tailed, spiked, low-rank, random-like that applies. */
  verdict: SpectrumVerdict;
  /** One line for people. */
  summary: string;
}

const OPTIONS = [
  "conv",
  "powerLaw",
  "sigma2",
  "singularValues",
  "quantizationStep",
  "storedDtype",
];

function checkSpectrumOptions(
  fn: string,
  options: AnalyzeSpectrumOptions,
): void {
  checkOptions(fn, options, OPTIONS);
  const { conv, powerLaw, sigma2, quantizationStep, storedDtype } = options;
  if (conv !== undefined) {
    checkChoice(fn, "options.conv", conv, ["reshape", "slices"]);
  }
  if (powerLaw !== undefined) {
    checkChoice(fn, "options.powerLaw", powerLaw, ["default", "weightwatcher"]);
  }
  if (sigma2 !== undefined) checkPositive(fn, "options.sigma2", sigma2);
  if (quantizationStep !== undefined) {
    checkPositive(fn, "options.quantizationStep", quantizationStep);
  }
  if (storedDtype !== undefined) {
    checkChoice(fn, "options.storedDtype", storedDtype, STORED_FLOATS);
  }
}

function checkInput(fn: string, x: ShapedValues): void {
  if (
    x === null || typeof x !== "object" || !("values" in x) ||
    !("shape" in x) || !Array.isArray(x.shape)
  ) {
    throw notHostData(fn, x, "host data { values, shape }");
  }
  const { values } = x;
  const shape = checkValuesShape(fn, "x", x.shape, values.length);
  if (shape.length < 2) {
    throw new RangeError(
      `${
        message(fn, "x.shape", "of rank >= 2 (a matrix)", shape)
      }; for a vector's values use histogram or plotHistogram`,
    );
  }
  if (values.length === 0) {
    throw rangeError(fn, "x.shape", "a non-empty shape", shape);
  }
  const { nan, posInf: pos, negInf: neg } = scanValues(values);
  if (nan + pos + neg > 0) {
    throw new RangeError(
      `${fn}: x.values must be finite (a spectrum needs finite entries; histogram counts them), received ${nan} NaN, ${pos} +Infinity and ${neg} −Infinity among ${values.length} values`,
    );
  }
}

/** Unit roundoff of the storage type. */
function roundoff(values: ArrayLike<number>): number {
  return values instanceof Float32Array ? 2 ** -24 : 2 ** -53;
}

function svd(
  fn: string,
  values: ArrayLike<number>,
  rows: number,
  cols: number,
) {
  return singularValuesAs(
    fn,
    { values: values as Float64Array, shape: [rows, cols] },
    { maxSide: Infinity },
  );
}

/** Index of the value in `eig[0..count)` closest to `target` in log scale, or −1. */
function closest(eig: Float64Array, count: number, target: number): number {
  let best = -1;
  let d = Infinity;
  for (let i = 0; i < count; i++) {
    const e = Math.abs(Math.log(eig[i] / target));
    if (e < d) {
      d = e;
      best = i;
    }
  }
  return best;
}

/** Without index `skip` (−1: a copy of all). */
function without(eig: Float64Array, skip: number): Float64Array {
  if (skip < 0) return eig.slice();
  const out = new Float64Array(eig.length - 1);
  out.set(eig.subarray(0, skip));
  out.set(eig.subarray(skip + 1), skip);
  return out;
}

/** Indices of the `count` largest eigenvalues, skipping `skip`. */
function topIndices(count: number, skip: number): number[] {
  const out: number[] = [];
  for (let i = 0; out.length < count; i++) if (i !== skip) out.push(i);
  return out;
}

function fmt(x: number): string {
  if (x === 0) return "0";
  const a = Math.abs(x);
  if (a >= 1e-3 && a < 1e5) return String(+x.toPrecision(3));
  return x.toExponential(2).replace("e+", "e");
}

/**
 * Analyses the spectrum of a weight matrix given as host values.
 *
 * **Steps.** The entries are scanned (all-zero rows and columns, mean,
 * variance, levels); the singular values are computed in Float64
 * (`singularValues`); the eigenvalues σᵢ²/N below the numerical-rank
 * tolerance take no part in the bulk fit or the default power-law fit
 * (`powerLaw: "weightwatcher"` fits every σ², as WeightWatcher does). A rank below min(N, M) is structure
 * (`lowRank`) only if more values lie under the tolerance than the MP law
 * puts there (`expectedBelowTolerance`: a near-square random matrix on a
 * coarse grid loses a few); otherwise the bulk is fitted as full rank with
 * those values censored. The bulk is MP(Q, σ²) with σ² fitted
 * to the eigenvalues' 0.1–0.6 quantiles (robust to spikes and to a heavy
 * tail) unless given. A non-zero mean μ adds a rank-one outlier, predicted
 * at (s²+σ²)(s²+σ²/Q)/s² with s² = μ²M when s² > σ²/√Q (the BBP
 * threshold); the eigenvalue nearest to it is set aside as `meanOutlier`.
 * Spikes are eigenvalues above the bulk's Tracy–Widom edge (false-alarm
 * rate 10⁻³ per iid matrix) that also stand apart from the top of the bulk
 * below them. When the rows' or columns' robust scales differ beyond iid
 * fluctuation and the spectrum has a tail past the MP edge, spikes and tail
 * are measured again on the matrix with its rows and columns scaled to
 * equal median absolute value (`rescaled`), so unequal variances are not
 * taken for structure; that costs a second SVD.
 *
 * **Cost.** One SVD (two when `rescaled`; one per slice with
 * `conv: "slices"`; none when `singularValues` is given), O(NM) scans, and
 * O(k log k) fits (the power law's search is pruned; see `fitPowerLaw`).
 *
 * @param x `{ values, shape }` of rank ≥ 2 (a typed array or number array).
 * @param options `conv`, `powerLaw`, `sigma2`, `singularValues`,
 * `quantizationStep`, `storedDtype` (see {@linkcode AnalyzeSpectrumOptions}).
 * @returns The analysis, field by field in {@linkcode SpectrumAnalysis}.
 * @throws {RangeError} For rank < 2, an empty input, NaN or ±Inf entries
 * (how many of each), or a bad `sigma2`, `conv`, `powerLaw`,
 * `quantizationStep` or `storedDtype`.
 * @throws {TypeError} For an unknown option, `singularValues` that is not a
 * Float64Array of min(rows, cols) values (or is given with
 * `conv: "slices"`), or a bad input.
 *
 * @example Noise plus a planted rank-2 signal
 * ```ts
 * import { analyzeSpectrumSync } from "./analyze_spectrum.ts";
 * import { assertEquals } from "@std/assert";
 *
 * // A 300×200 matrix: pseudo-random noise plus two strong directions.
 * let s = 1;
 * const rand = () => ((s = (s * 48271) % 2147483647) / 2147483647) - 0.5;
 * const values = new Float64Array(300 * 200);
 * for (let i = 0; i < 300; i++) {
 *   for (let j = 0; j < 200; j++) {
 *     const signal = 0.3 * Math.sin(i) * Math.cos(j) + 0.3 * Math.cos(3 * i) * Math.sin(2 * j);
 *     values[i * 200 + j] = rand() + signal;
 *   }
 * }
 * const a = analyzeSpectrumSync({ values, shape: [300, 200] });
 * assertEquals(a.spikes, 2);
 * assertEquals(a.verdict, "spiked");
 * ```
 */
export function analyzeSpectrumSync(
  x: ShapedValues,
  options: AnalyzeSpectrumOptions = {},
): SpectrumAnalysis {
  return analyzeSpectrumAs("analyzeSpectrumSync", x, options);
}

/**
 * {@linkcode analyzeSpectrumSync} for `fn`, the function the user called
 * (`analyzeSpectrum`, `assertSpectrum`, `plotSpectrum`), as errors name it.
 */
export function analyzeSpectrumAs(
  fn: string,
  x: ShapedValues,
  options: AnalyzeSpectrumOptions = {},
): SpectrumAnalysis {
  checkSpectrumOptions(fn, options);
  checkInput(fn, x);
  const shape = [...x.shape];
  const values = x.values;
  const last = shape[shape.length - 1];
  const spatial = shape.slice(0, -2).reduce((a, b) => a * b, 1);
  const depthwise = shape.length >= 3 && last === 1 && spatial > 1;
  if (options.conv === "slices" && shape.length >= 3 && !depthwise) {
    if (options.singularValues !== undefined) {
      throw new TypeError(
        `${fn}: options.singularValues must be absent with options.conv "slices", received ${
          show(options.singularValues)
        }`,
      );
    }
    return analyzeSlices(fn, values, shape, spatial, options);
  }
  // The storage order of [...spatial, C, 1] is [spatial, C]; its transpose,
  // C × spatial, has the same singular values.
  const cols = depthwise ? shape[shape.length - 2] : last;
  const rows = values.length / cols;
  const facts = matrixFacts(values, rows, cols);
  const matrixShape: [number, number] = depthwise ? [cols, rows] : [rows, cols];
  const [zeroRows, zeroCols] = depthwise
    ? [facts.zeroCols, facts.zeroRows]
    : [facts.zeroRows, facts.zeroCols];
  const given = options.singularValues;
  if (given !== undefined) {
    const k = Math.min(rows, cols);
    if (!(given instanceof Float64Array) || given.length !== k) {
      throw typeError(
        fn,
        "options.singularValues",
        `a Float64Array of min(rows, cols) = ${k} values`,
        given,
      );
    }
  }
  const sigma = given ?? svd(fn, values, rows, cols);
  return analyzeMatrix(values, rows, cols, facts, sigma, options, {
    fn,
    shape,
    matrixShape,
    zeroRows,
    zeroCols,
  });
}

function analyzeMatrix(
  values: ArrayLike<number>,
  rows: number,
  cols: number,
  facts: MatrixFacts,
  sigma: Float64Array,
  options: AnalyzeSpectrumOptions,
  meta: {
    fn: string;
    shape: number[];
    matrixShape: [number, number];
    zeroRows: number;
    zeroCols: number;
  },
): SpectrumAnalysis {
  const liveR = rows - facts.zeroRows;
  const liveC = cols - facts.zeroCols;
  const n = Math.max(liveR, liveC, 1);
  const m = Math.max(Math.min(liveR, liveC), 1);
  const eig = sigma.map((s) => (s * s) / n);
  const s1 = sigma[0] ?? 0;
  const frobenius = Math.sqrt(facts.sumSquares);
  const tol = Math.max(
    n * 2 ** -52 * s1,
    8 * roundoff(values) * frobenius * (1 / Math.sqrt(n) + 1 / Math.sqrt(m)),
    gridFloor(options.quantizationStep, n, m),
    floatFloor(options.storedDtype, values, rows, cols),
  );
  let rank = 0;
  while (rank < sigma.length && sigma[rank] > tol) rank++;
  const zero = facts.sumSquares === 0;
  const binary = facts.levels === 2;
  const flat = rank >= 2 && sigma[0] <= sigma[rank - 1] * (1 + 1e-3);
  const base = {
    shape: meta.shape,
    matrixShape: meta.matrixShape,
    slices: 1,
    singularValues: sigma,
    eigenvalues: eig,
    spectralNorm: s1,
    frobeniusNorm: frobenius,
    stableRank: s1 > 0 ? facts.sumSquares / (s1 * s1) : 0,
    rank,
    rankTolerance: tol,
    zeroRows: meta.zeroRows,
    zeroCols: meta.zeroCols,
    mean: facts.mean,
    variance: facts.variance,
    zero,
    binary,
    flat,
  };
  let marchenkoPastur: MarchenkoPasturBulk | null = null;
  let spikes = 0;
  let spikeIndices: number[] = [];
  let spikeThreshold = Infinity;
  let meanOutlierIndex = -1;
  let heavyTailed = false;
  let rescaled = false;
  const positive = eig.subarray(0, rank);
  // Under min(N, M), the rank is structure only if more values lie under
  // the tolerance than a random matrix's bulk puts there (a near-square
  // random matrix on a coarse grid loses a few); then the bulk is fitted as
  // MP with aspect n/rank, else as a full-rank MP with the missing values
  // censored.
  const rounded = !zero && !flat && rank < m
    ? roundedRank(positive, n, m, [tol], options.sigma2)
    : null;
  const explained = rank >= m || (rounded?.explained ?? false);
  const values0 = rounded !== null && rounded.explained
    ? rounded.padded
    : positive;
  const bulkM = explained ? m : rank;
  const censored = values0.length - rank;
  if (!zero && !flat && rank >= MIN_BULK) {
    const sigma2 = options.sigma2;
    // The censored fit was made by the deficiency test already.
    const first = rounded?.explained
      ? rounded.fit
      : fitBulk(values0, n, bulkM, { sigma2, censored });
    // The mean's rank-one outlier, by the BBP formula for W = μ·11ᵀ + noise.
    const s2 = first.sigma2;
    const gamma = m / n;
    const mu2 = facts.mean * facts.mean * m;
    if (s2 > 0 && mu2 > s2 * Math.sqrt(gamma)) {
      const predicted = ((mu2 + s2) * (mu2 + gamma * s2)) / mu2;
      if (predicted > first.threshold && first.outliers > 0) {
        meanOutlierIndex = closest(positive, first.outliers, predicted);
      }
    }
    const bulk = without(values0, meanOutlierIndex);
    const fit = fitBulk(bulk, n, bulkM, { sigma2, censored });
    marchenkoPastur = bulkOf(fit);
    spikeThreshold = fit.threshold;
    let test = fit;
    let testSize = bulk.length;
    // A tail past the edge may be only unequal row or column variances:
    // then the spikes and the tail are measured again with those equalised.
    if (!binary && sigma2 === undefined && hasTail(fit, bulk.length)) {
      const eq = equalize(values, rows, cols, facts);
      if (eq.unequal) {
        rescaled = true;
        const t = svd(meta.fn, eq.values, eq.rows, eq.cols);
        const ne = Math.max(eq.rows, eq.cols);
        const me = Math.min(eq.rows, eq.cols);
        let ss = 0;
        for (const v of eq.values) ss += v * v;
        const tol2 = Math.max(
          ne * 2 ** -52 * t[0],
          8 * roundoff(values) * Math.sqrt(ss) *
            (1 / Math.sqrt(ne) + 1 / Math.sqrt(me)),
        );
        // Scaling rows and columns by non-zero factors keeps the rank, so the
        // equalised matrix has no more directions above the floor than the
        // original's numerical rank: with a quantisation step, the values
        // under the rounding floor stay out of the re-test too.
        let r2 = 0;
        while (r2 < Math.min(t.length, rank) && t[r2] > tol2) r2++;
        // As above: a deficiency rounding explains is censored, not a rank.
        const e2 = new Float64Array(explained ? me : r2);
        for (let i = 0; i < r2; i++) e2[i] = (t[i] * t[i]) / ne;
        if (r2 >= MIN_BULK) {
          test = fitBulk(e2, ne, e2.length, { censored: e2.length - r2 });
          testSize = e2.length;
        }
      }
    }
    spikes = test.spikes;
    spikeIndices = topIndices(spikes, meanOutlierIndex);
    heavyTailed = hasTail(test, testSize);
  }
  const lowRank = m < Math.min(rows, cols) || !explained;
  const expectedBelowTolerance = expectedOf(rounded, marchenkoPastur, {
    full: rank >= m,
    n,
    m,
    tolerances: [tol],
  });
  const { powerLaw, verdict } = conclude(sigma, eig.subarray(0, rank), {
    zero,
    binary,
    flat,
    heavyTailed,
    spikes,
    lowRank,
  }, options);
  return summarized({
    ...base,
    spikes,
    spikeIndices,
    spikeThreshold,
    meanOutlier: meanOutlierIndex >= 0,
    meanOutlierIndex,
    heavyTailed,
    rescaled,
    lowRank,
    expectedBelowTolerance,
    marchenkoPastur,
    powerLaw,
    verdict,
  });
}

/** The Marchenko–Pastur fields of a bulk fit, as the analysis reports them. */
function bulkOf(fit: MarchenkoPasturBulk): MarchenkoPasturBulk {
  return {
    q: fit.q,
    sigma2: fit.sigma2,
    lambdaMinus: fit.lambdaMinus,
    lambdaPlus: fit.lambdaPlus,
    fitted: fit.fitted,
  };
}

/**
 * `expectedBelowTolerance`: the deficiency test's count where it ran, else
 * (full rank) the fitted bulk's; `null` without a bulk.
 */
function expectedOf(
  rounded: RoundedRank | null,
  bulk: MarchenkoPasturBulk | null,
  shape: { full: boolean; n: number; m: number; tolerances: number[] },
): number | null {
  if (rounded !== null) return rounded.expected;
  if (bulk === null || !shape.full || !(bulk.sigma2 > 0)) return null;
  return expectedBelow(shape.n, shape.m, shape.tolerances, bulk.sigma2);
}

/** The analysis with its one-line summary of the rest (the last field). */
function summarized(
  findings: Omit<SpectrumAnalysis, "summary">,
): SpectrumAnalysis {
  const analysis: SpectrumAnalysis = { ...findings, summary: "" };
  analysis.summary = summarize(analysis);
  return analysis;
}

interface Findings {
  zero: boolean;
  binary: boolean;
  flat: boolean;
  heavyTailed: boolean;
  spikes: number;
  lowRank: boolean;
}

/**
 * The power-law fit (on σ² for `"weightwatcher"`, else on the eigenvalues
 * above the rank tolerance) and the verdict.
 */
function conclude(
  sigma: Float64Array,
  positive: Float64Array,
  f: Findings,
  options: AnalyzeSpectrumOptions,
): { powerLaw: PowerLawSummary | null; verdict: SpectrumVerdict } {
  const powerLaw = f.zero ? null : summarizePowerLaw(
    options.powerLaw === "weightwatcher" ? sigma.map((v) => v * v) : positive,
    options.powerLaw ?? "default",
    f.heavyTailed,
    positive.length,
  );
  return { powerLaw, verdict: verdictOf(f) };
}

/** The first verdict that applies, in the documented order. */
function verdictOf(f: Findings): SpectrumVerdict {
  if (f.zero) return "zero";
  if (f.binary) return "binary";
  if (f.flat) return "flat";
  if (f.heavyTailed) return "heavy-tailed";
  if (f.spikes > 0) return "spiked";
  if (f.lowRank) return "low-rank";
  return "random-like";
}

function summarizePowerLaw(
  eigenvalues: Float64Array,
  method: PowerLawMethod,
  heavyTailed: boolean,
  count: number,
): PowerLawSummary | null {
  const fit = fitPowerLaw(eigenvalues, { method });
  if (fit === null) return null;
  const reason = count < 50
    ? `too few eigenvalues (${count} < 50)`
    : fit.tailSize < 10
    ? `the tail has only ${fit.tailSize} eigenvalues`
    : !heavyTailed
    ? "the tail is only the bulk's edge and spikes"
    : fit.alpha > 8
    ? `α ${fmt(fit.alpha)} > 8 is not a power law`
    : null;
  return { ...fit, meaningful: reason === null, reason };
}

function summarize(a: SpectrumAnalysis): string {
  const [r, c] = a.matrixShape;
  const of = `${a.slices > 1 ? `${a.slices} slices of ` : ""}${r}×${c}`;
  const plural = (k: number, word: string) =>
    `${k} ${word}${k === 1 ? "" : "s"}`;
  // The full rank: of the matrix, or of all its slices together.
  const full = Math.min(r, c) * a.slices;
  const rank = a.rank >= full
    ? ""
    : a.lowRank || a.expectedBelowTolerance === null
    ? `, rank ${a.rank}`
    : `, rank ${a.rank} of ${full} (≈ ${
      fmt(full - a.expectedBelowTolerance)
    } for a random matrix)`;
  const mean = a.meanOutlier ? ", plus the mean's outlier" : "";
  const mp = a.marchenkoPastur;
  const bulk = mp
    ? ` (MP σ² ${fmt(mp.sigma2)}${mp.fitted ? "" : " given"})`
    : "";
  switch (a.verdict) {
    case "zero":
      return `${of}: all zero`;
    case "binary":
      return `${of}: two values (a mask, not learned weights)${rank}${mean}`;
    case "flat":
      return `${of}: flat spectrum, all ${a.rank} singular values ${
        fmt(a.singularValues[0])
      } (orthogonal up to scale)`;
    case "heavy-tailed":
      return `${of}: heavy-tailed bulk${
        a.powerLaw?.meaningful ? `, α ${fmt(a.powerLaw.alpha)}` : ""
      }${a.spikes ? `, ${plural(a.spikes, "spike")}` : ""}${rank}${mean}`;
    case "spiked":
      return `${of}: ${
        plural(a.spikes, "spike")
      } above the bulk${bulk}${rank}${mean}`;
    case "low-rank":
      return `${of}: rank ${a.rank} of ${full}${
        a.zeroRows || a.zeroCols
          ? ` (${plural(a.zeroRows, "zero row")}, ${
            plural(a.zeroCols, "zero column")
          })`
          : ""
      }, no spikes${mean}`;
    default:
      return mp
        ? `${of}: random-like, no spikes${bulk}${rank}${
          a.rescaled ? "; rows and columns of unequal scale widen the bulk" : ""
        }${mean}`
        : `${of}: ${plural(a.rank, "singular value")}, too few for a bulk`;
  }
}

/** `conv: "slices"`: one [in, out] matrix per spatial position, eigenvalues pooled. */
function analyzeSlices(
  fn: string,
  values: ArrayLike<number>,
  shape: number[],
  count: number,
  options: AnalyzeSpectrumOptions,
): SpectrumAnalysis {
  const rows = shape[shape.length - 2];
  const cols = shape[shape.length - 1];
  const size = rows * cols;
  const n = Math.max(rows, cols);
  const m = Math.min(rows, cols);
  const u = roundoff(values);
  const all = matrixFacts(values, count * rows, cols);
  const perSlice: { eig: Float64Array; mean: number }[] = [];
  const pooledSigma: number[] = [];
  let rank = 0;
  const tolerances: number[] = [];
  for (let s = 0; s < count; s++) {
    const slice = Float64Array.from(
      { length: size },
      (_, i) => values[s * size + i],
    );
    const f = matrixFacts(slice, rows, cols);
    const sig = f.sumSquares === 0
      ? new Float64Array(m)
      : svd(fn, slice, rows, cols);
    const tol = Math.max(
      n * 2 ** -52 * sig[0],
      8 * u * Math.sqrt(f.sumSquares) * (1 / Math.sqrt(n) + 1 / Math.sqrt(m)),
      gridFloor(options.quantizationStep, n, m),
      floatFloor(options.storedDtype, slice, rows, cols),
    );
    tolerances.push(tol);
    let r = 0;
    while (r < sig.length && sig[r] > tol) r++;
    rank += r;
    for (const v of sig) pooledSigma.push(v);
    perSlice.push({
      eig: sig.subarray(0, r).map((v) => (v * v) / n),
      mean: f.mean,
    });
  }
  const sigma = Float64Array.from(pooledSigma).sort().reverse();
  const eig = sigma.map((v) => (v * v) / n);
  const positive = eig.subarray(0, rank);
  const s1 = sigma[0];
  const zero = all.sumSquares === 0;
  const binary = all.levels === 2;
  const flat = rank >= 2 && sigma[0] <= sigma[rank - 1] * (1 + 1e-3);
  // As for one matrix: a deficiency that rounding explains is censored.
  const rounded = !zero && !flat && rank < m * count
    ? roundedRank(positive, n, m, tolerances, options.sigma2)
    : null;
  const censored = rounded !== null && rounded.explained ? m * count - rank : 0;
  let marchenkoPastur: MarchenkoPasturBulk | null = null;
  let spikes = 0;
  let spikeThreshold = Infinity;
  let heavyTailed = false;
  let meanOutliers = 0;
  let spikeIndices: number[] = [];
  if (!zero && !flat && rank >= MIN_BULK) {
    const first = rounded?.explained ? rounded.fit : fitBulk(positive, n, m, {
      sigma2: options.sigma2,
      tests: count,
    });
    // Each slice's mean makes its own rank-one outlier.
    const kept: number[] = [];
    const removed: number[] = [];
    const gamma = m / n;
    for (const { eig: e, mean } of perSlice) {
      const mu2 = mean * mean * m;
      let skip = -1;
      if (first.sigma2 > 0 && mu2 > first.sigma2 * Math.sqrt(gamma)) {
        const predicted =
          ((mu2 + first.sigma2) * (mu2 + gamma * first.sigma2)) /
          mu2;
        let above = 0;
        while (above < e.length && e[above] > first.threshold) above++;
        if (predicted > first.threshold && above > 0) {
          skip = closest(e, above, predicted);
        }
      }
      if (skip >= 0) {
        meanOutliers++;
        removed.push(e[skip]);
      }
      e.forEach((v, i) => {
        if (i !== skip) kept.push(v);
      });
    }
    const bulk = new Float64Array(kept.length + censored);
    bulk.set(Float64Array.from(kept).sort().reverse());
    const fit = fitBulk(bulk, n, m, {
      sigma2: options.sigma2,
      tests: count,
      censored,
    });
    marchenkoPastur = bulkOf(fit);
    spikes = fit.spikes;
    spikeThreshold = fit.threshold;
    heavyTailed = hasTail(fit, bulk.length);
    // Pooled order: spikes are the largest values not set aside as a mean outlier.
    spikeIndices = [];
    const setAside = [...removed];
    for (let i = 0; i < eig.length && spikeIndices.length < spikes; i++) {
      const at = setAside.indexOf(eig[i]);
      if (at >= 0) setAside.splice(at, 1);
      else spikeIndices.push(i);
    }
  }
  const lowRank = rank < m * count && !(rounded?.explained ?? false);
  const expectedBelowTolerance = expectedOf(rounded, marchenkoPastur, {
    full: rank >= m * count,
    n,
    m,
    tolerances,
  });
  const { powerLaw, verdict } = conclude(sigma, positive, {
    zero,
    binary,
    flat,
    heavyTailed,
    spikes,
    lowRank,
  }, options);
  return summarized({
    shape,
    matrixShape: [rows, cols],
    slices: count,
    singularValues: sigma,
    eigenvalues: eig,
    spectralNorm: s1,
    frobeniusNorm: Math.sqrt(all.sumSquares),
    stableRank: s1 > 0 ? all.sumSquares / (s1 * s1) : 0,
    rank,
    rankTolerance: Math.max(...tolerances),
    zeroRows: 0,
    zeroCols: 0,
    mean: all.mean,
    variance: all.variance,
    spikes,
    spikeIndices,
    spikeThreshold,
    meanOutlier: meanOutliers > 0,
    meanOutlierIndex: -1,
    heavyTailed,
    flat,
    binary,
    zero,
    rescaled: false,
    lowRank,
    expectedBelowTolerance,
    marchenkoPastur,
    powerLaw,
    verdict,
  });
}
