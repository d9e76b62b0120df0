/**
 * The bulk of a spectrum: a Marchenko–Pastur fit robust to spikes and heavy
 * tails, and the spikes that stand apart from it. Shared by
 * `analyzeSpectrum` and `spectralStats`.
 *
 * @module
 */
import { mpQuantiles } from "./_mp_quantile.ts";
import { marchenkoPasturEdges, tracyWidomScale } from "./marchenko_pastur.ts";

/** The per-matrix false-alarm rate the spike test is designed for (pure iid noise). */
export const FALSE_ALARM = 1e-3;
/** Separation of a spike from the top of the bulk below it, in units of that edge's Tracy–Widom scale. */
const SEPARATION = 6;
/** Quantile levels of the bulk used to fit σ². */
const FIT_LO = 0.1;
const FIT_HI = 0.6;
/** The fewest eigenvalues for a bulk fit. */
export const MIN_BULK = 8;

/** What {@linkcode fitBulk} finds. */
export interface BulkFit {
  /** Aspect ratio of the model, n/m ≥ 1. */
  q: number;
  /** σ² of the bulk: fitted, or the one given. */
  sigma2: number;
  /** Whether σ² was fitted. */
  fitted: boolean;
  /** MP edges for σ². */
  lambdaMinus: number;
  lambdaPlus: number;
  /** Eigenvalues above this are outside the bulk: edge + TW quantile + finite-size margin. */
  threshold: number;
  /** Outliers also separated from the top of the bulk below them: the spikes. */
  spikes: number;
  /** Eigenvalues above the threshold. */
  outliers: number;
}

/**
 * The upper quantile of the Tracy–Widom (β = 1) law at a small tail
 * probability p ≤ 1e-3, from its right-tail asymptotics
 * P(TW₁ > s) ≈ A·e^(−2s^{3/2}/3)/s^{3/2}, with A set so that the tabulated
 * 0.999 quantile (3.2724) is exact.
 */
export function tracyWidomQuantile(p: number): number {
  const tail = (s: number) =>
    (0.3066 * Math.exp((-2 / 3) * s ** 1.5)) / s ** 1.5;
  let lo = 1;
  let hi = 30;
  for (let i = 0; i < 100; i++) {
    const mid = (lo + hi) / 2;
    if (tail(mid) > p) lo = mid;
    else hi = mid;
  }
  return (lo + hi) / 2;
}

/**
 * Least-squares σ²: the bulk's ascending values x against MP(q, 1)
 * quantiles, on the central levels; the `censored` smallest (known only to
 * lie below the rank tolerance) take up their levels but no part in the fit.
 */
function fitSigma2(
  eig: Float64Array,
  skip: number,
  q: number,
  censored: number,
): number {
  const nb = eig.length - skip;
  let lo = Math.max(Math.ceil(FIT_LO * nb - 0.5), censored);
  let hi = Math.floor(FIT_HI * nb - 0.5);
  if (hi - lo < 2) {
    lo = censored;
    hi = nb - 1;
  }
  if (hi < lo) return 0;
  const ts = new Float64Array(hi - lo + 1);
  for (let i = lo; i <= hi; i++) ts[i - lo] = (i + 0.5) / nb;
  const qs = mpQuantiles(q, ts);
  let xy = 0;
  let yy = 0;
  for (let i = lo; i <= hi; i++) {
    const x = eig[eig.length - 1 - i]; // ascending order of the bulk
    const y = qs[i - lo];
    xy += x * y;
    yy += y * y;
  }
  return yy > 0 ? xy / yy : 0;
}

/**
 * How far `eig[j − 1]` stands above the bulk below it: the top K of
 * `eig[j..]` are fitted as a square-root edge, λ ≈ E − s·aᵢ with aᵢ the
 * Airy-zero positions (3π(i − 1/4)/2)^{2/3}, by least squares; the result is
 * (λ − E)/s (Infinity when the bulk below is flat).
 */
export function separation(eig: Float64Array, j: number, k: number): number {
  const len = Math.min(k, eig.length - j);
  if (len < 4) return Infinity;
  let sa = 0;
  let sy = 0;
  let saa = 0;
  let say = 0;
  for (let i = 1; i <= len; i++) {
    const a = (1.5 * Math.PI * (i - 0.25)) ** (2 / 3);
    const y = eig[j + i - 1];
    sa += a;
    sy += y;
    saa += a * a;
    say += a * y;
  }
  const det = len * saa - sa * sa;
  const slope = -(len * say - sa * sy) / det; // s
  const edge = (sy + slope * sa) / len; // E
  const top = eig[j - 1];
  if (!(slope > 1e-300)) return top > edge * (1 + 1e-12) ? Infinity : 0;
  return (top - edge) / slope;
}

/**
 * Fits the bulk of `eig` (descending, all > 0 but for the last
 * `options.censored`, which stand for values below the rank tolerance) as
 * MP(q = n/m, σ²) and finds the spikes.
 *
 * 1. σ² (unless given) is the least-squares ratio of the bulk's values to
 *    the MP(q, 1) quantiles at levels 0.1–0.6 (positions (i + ½)/nb among
 *    the nb eigenvalues left once the outliers are set aside), so spikes and
 *    a heavy upper tail do not pull it. It is iterated with the outliers
 *    removed until their count is stable.
 * 2. Outliers: eigenvalues above μ_TW + c·s_TW + 2λ₊/p, with μ_TW and s_TW
 *    Johnstone's centring and scale for an n×m matrix of variance σ², c the
 *    Tracy–Widom (β = 1) quantile at FALSE_ALARM/tests, and the last term a
 *    finite-size margin for the error of the fitted σ².
 * 3. Spikes: the largest j ≤ min(outliers, p/4) such that the j-th
 *    eigenvalue stands SEPARATION Tracy–Widom scales above a square-root
 *    edge fitted to the K eigenvalues below it (K = p/8, clamped to 8–40).
 *    An outlier on the smooth continuation of a bulk that is wider than MP
 *    (unequal variances, a heavy tail, training) is not separated.
 */
export function fitBulk(
  eig: Float64Array,
  n: number,
  m: number,
  options: { sigma2?: number; tests?: number; censored?: number } = {},
): BulkFit {
  const q = n / m;
  const p = eig.length;
  const c = tracyWidomQuantile(FALSE_ALARM / (options.tests ?? 1));
  const given = options.sigma2;
  let sigma2 = given ?? 0;
  let threshold = Infinity;
  let k = 0;
  const cap = Math.floor(p / 4);
  for (let iteration = 0; iteration < 30; iteration++) {
    if (given === undefined) {
      sigma2 = fitSigma2(eig, k, q, options.censored ?? 0);
    }
    if (!(sigma2 > 0)) break;
    const { mu, scale } = tracyWidomScale(n, m, sigma2);
    threshold = mu + c * scale + (2 * marchenkoPasturEdges(q, sigma2)[1]) / p;
    let count = 0;
    while (count < p && eig[count] > threshold) count++;
    const next = Math.min(count, cap);
    if (next === k) break;
    k = next;
  }
  if (!(sigma2 > 0)) {
    return {
      q,
      sigma2: 0,
      fitted: given === undefined,
      lambdaMinus: 0,
      lambdaPlus: 0,
      threshold: Infinity,
      spikes: 0,
      outliers: 0,
    };
  }
  let outliers = 0;
  while (outliers < p && eig[outliers] > threshold) outliers++;
  const window = Math.max(8, Math.min(40, Math.round(p / 8)));
  let spikes = 0;
  for (let j = Math.min(outliers, cap); j >= 1; j--) {
    if (separation(eig, j, window) > SEPARATION) {
      spikes = j;
      break;
    }
  }
  const [lambdaMinus, lambdaPlus] = marchenkoPasturEdges(q, sigma2);
  return {
    q,
    sigma2,
    fitted: given === undefined,
    lambdaMinus,
    lambdaPlus,
    threshold,
    spikes,
    outliers,
  };
}

/**
 * Whether the bulk itself has a tail: at least max(5, 1% of `size`)
 * eigenvalues beyond the threshold that are not separated spikes.
 */
export function hasTail(fit: BulkFit, size: number): boolean {
  return fit.outliers - fit.spikes >= Math.max(5, Math.ceil(0.01 * size));
}
