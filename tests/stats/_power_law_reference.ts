/**
 * Plain O(n²) reimplementations of `fitPowerLaw`'s two conventions, written
 * from their documented definitions and nothing else (no pruning, no suffix
 * sums), for the tests to check the pruned search against.
 *
 * @module
 */

/** A reference fit: the same fields as `PowerLawFit`. */
export interface ReferenceFit {
  alpha: number;
  xmin: number;
  ks: number;
  tailSize: number;
}

/**
 * The fit by exhaustive search over xmin.
 *
 * `"weightwatcher"`: drop λ ≤ 1e-5; sort; every distinct value but the
 * largest is a candidate xmin; the tail is λ ≥ xmin, n its size,
 * α = 1 + n / Σ ln(λ/xmin), and D = max over the sorted tail i = 0…n−1 of
 * |1 − (λᵢ/xmin)^(1−α) − i/n|.
 *
 * `"default"`: drop λ ≤ 0 and non-finite λ; at least 10 values; candidate
 * tails have at least 5 values; D = max over the tail of
 * max(|F(λᵢ) − i/n|, |(i+1)/n − F(λᵢ)|), F(λ) = 1 − (λ/xmin)^(1−α).
 *
 * Both: the smallest D wins, the first (smallest xmin) on ties; `null` when
 * there are too few values (10 default, 2 WeightWatcher) or all are equal.
 */
export function referenceFit(
  values: ArrayLike<number>,
  method: "default" | "weightwatcher",
): ReferenceFit | null {
  const ww = method === "weightwatcher";
  const xs = Array.from(values)
    .filter((v) => Number.isFinite(v) && v > (ww ? 1e-5 : 0))
    .sort((a, b) => a - b);
  const total = xs.length;
  if (total < (ww ? 2 : 10) || xs[0] === xs[total - 1]) return null;
  const minTail = ww ? 2 : 5;
  let best: ReferenceFit | null = null;
  for (let c = 0; c < total; c++) {
    const xmin = xs[c];
    if (c > 0 && xs[c - 1] === xmin) continue; // the same xmin as before
    const tail = xs.filter((v) => v >= xmin);
    const n = tail.length;
    if (n < minTail) continue;
    let sum = 0;
    for (const v of tail) sum += Math.log(v / xmin);
    const alpha = 1 + n / sum;
    if (!Number.isFinite(alpha)) continue; // a tail of equal values
    let d = 0;
    for (let i = 0; i < n; i++) {
      const f = 1 - Math.pow(tail[i] / xmin, 1 - alpha);
      d = Math.max(d, Math.abs(f - i / n));
      if (!ww) d = Math.max(d, Math.abs((i + 1) / n - f));
    }
    if (best === null || d < best.ks) {
      best = { alpha, xmin, ks: d, tailSize: n };
    }
  }
  return best;
}
