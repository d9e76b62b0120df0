/**
 * Quantiles of the Marchenko–Pastur law (σ² = 1), for fitting σ² to the
 * central part of a spectrum.
 *
 * @module
 */

const GRID = 4096;

/** CDF tables by aspect ratio: the last few used (the analyses of one model share a handful of shapes). */
const tables = new Map<number, { cdf: Float64Array; x: Float64Array }>();

/**
 * The CDF of MP(q, 1) on a grid. With λ = (a+b)/2 − (b−a)/2·cos θ the density
 * times dλ is q/(2π)·((b−a)/2)²·sin²θ/λ(θ) dθ, bounded and smooth on [0, π]
 * even at q = 1 (where a = 0 and sin²θ/λ → 4/b); the trapezoid rule on 4096
 * steps integrates it to about 1e-7 and the table is normalised to end at 1.
 */
function table(q: number): { cdf: Float64Array; x: Float64Array } {
  const hit = tables.get(q);
  if (hit) return hit;
  const r = 1 / Math.sqrt(q);
  const a = (1 - r) ** 2;
  const b = (1 + r) ** 2;
  const half = (b - a) / 2;
  const c = (q / (2 * Math.PI)) * half * half;
  const x = new Float64Array(GRID + 1);
  const f = new Float64Array(GRID + 1);
  for (let i = 0; i <= GRID; i++) {
    const theta = (Math.PI * i) / GRID;
    x[i] = (a + b) / 2 - half * Math.cos(theta);
    const s = Math.sin(theta);
    f[i] = x[i] > 0 ? (c * s * s) / x[i] : (i === 0 && a === 0 ? c * 4 / b : 0);
  }
  const cdf = new Float64Array(GRID + 1);
  const h = Math.PI / GRID;
  for (let i = 1; i <= GRID; i++) {
    cdf[i] = cdf[i - 1] + (h * (f[i] + f[i - 1])) / 2;
  }
  const total = cdf[GRID];
  for (let i = 0; i <= GRID; i++) cdf[i] /= total;
  if (tables.size >= 8) tables.delete(tables.keys().next().value!);
  const entry = { cdf, x };
  tables.set(q, entry);
  return entry;
}

/**
 * The quantile function of MP(q, 1) at probability t ∈ [0, 1] (linear
 * interpolation in the CDF table; `ts` ascending for a single merge pass).
 */
export function mpQuantiles(q: number, ts: ArrayLike<number>): Float64Array {
  const { cdf, x } = table(q);
  const out = new Float64Array(ts.length);
  let j = 1;
  for (let i = 0; i < ts.length; i++) {
    const t = Math.min(Math.max(ts[i], 0), 1);
    if (j > 1 && cdf[j - 1] > t) j = 1;
    while (j < GRID && cdf[j] < t) j++;
    const c0 = cdf[j - 1];
    const c1 = cdf[j];
    const w = c1 > c0 ? (t - c0) / (c1 - c0) : 0;
    out[i] = x[j - 1] + w * (x[j] - x[j - 1]);
  }
  return out;
}

/**
 * The CDF of MP(q, 1) at each of `xs` (linear interpolation in the table;
 * 0 below the lower edge, 1 above the upper).
 */
export function mpCdf(q: number, xs: ArrayLike<number>): Float64Array {
  const { cdf, x } = table(q);
  const out = new Float64Array(xs.length);
  for (let i = 0; i < xs.length; i++) {
    const v = xs[i];
    if (!(v > x[0])) {
      out[i] = 0;
      continue;
    }
    if (v >= x[GRID]) {
      out[i] = 1;
      continue;
    }
    let lo = 0;
    let hi = GRID;
    while (hi - lo > 1) {
      const mid = (lo + hi) >> 1;
      if (x[mid] <= v) lo = mid;
      else hi = mid;
    }
    const w = (v - x[lo]) / (x[hi] - x[lo]);
    out[i] = cdf[lo] + w * (cdf[hi] - cdf[lo]);
  }
  return out;
}
