/**
 * Histograms of weights, with NaN and ±Inf counted apart.
 *
 * @module
 */
import { type HostWeights, hostWeights } from "../host.ts";
import { checkCount, checkOptions, rangeError } from "../validate.ts";

/** Options for {@linkcode histogramSync} (and `histogram`). */
export interface HistogramOptions {
  /** Number of equal-width bins. Default 50. Ignored when `thresholds` is given. */
  bins?: number;
  /** Explicit bin edges, strictly increasing (at least two). */
  thresholds?: readonly number[];
  /**
   * [low, high] of the bins. Default: the finite values' min and max
   * (min − ½ to max + ½ when they are equal, [0, 1] when no value is
   * finite). Ignored when `thresholds` is given.
   */
  range?: readonly [number, number];
}

/** What {@linkcode histogramSync} (and `histogram`) returns. */
export interface Histogram {
  /** Bin edges, `counts.length + 1` of them. Bin i is [edges[i], edges[i+1]), the last one closed. */
  edges: Float64Array;
  /** Values per bin. */
  counts: Float64Array;
  /** All elements: binned + outside the range + NaN + ±Inf. */
  size: number;
  /** Finite values outside `range` (not binned). */
  outside: number;
  /** NaN values (not binned). */
  nan: number;
  /** +Inf values (not binned). */
  posInf: number;
  /** −Inf values (not binned). */
  negInf: number;
  /** Min of the finite values (NaN when there are none). */
  min: number;
  /** Max of the finite values (NaN when there are none). */
  max: number;
  /** Mean of the finite values, accumulated in Float64. */
  mean: number;
  /** Standard deviation (population, divisor n) of the finite values, two-pass in Float64. */
  std: number;
}

function checkEdges(fn: string, edges: readonly number[]): Float64Array {
  const what = "at least two finite, strictly increasing edges";
  if (!Array.isArray(edges) || edges.length < 2) {
    throw rangeError(fn, "options.thresholds", what, edges);
  }
  edges.forEach((e, i) => {
    if (
      typeof e !== "number" || !Number.isFinite(e) ||
      (i > 0 && !(e > edges[i - 1]))
    ) {
      throw rangeError(fn, "options.thresholds", what, edges);
    }
  });
  return Float64Array.from(edges);
}

/**
 * Counts host values into bins, without copying them; NaN, +Inf and −Inf
 * are counted and reported, never binned. (`histogram` takes a tensor or
 * Parameter too, read once, asynchronously.) Mean and standard deviation use a two-pass Float64 sum (error
 * O(n·u) relative, u = 2⁻⁵³).
 *
 * @param x A Float32Array/Float64Array, or `{ values, shape }`.
 * @param options `bins` (50), `thresholds`, `range`.
 * @returns Edges, counts, and the counts of what was not binned.
 * @throws {RangeError} For an empty input, bad bins, thresholds or range.
 *
 * @example
 * ```ts
 * import { histogramSync } from "../../mod.ts";
 * import { assertEquals } from "@std/assert";
 *
 * const h = histogramSync(new Float64Array([0, 0.5, 1, NaN, Infinity]), { bins: 2 });
 * assertEquals(Array.from(h.counts), [1, 2]);
 * assertEquals([h.nan, h.posInf, h.size], [1, 1, 5]);
 * ```
 */
export function histogramSync(
  x: HostWeights,
  options: HistogramOptions = {},
): Histogram {
  return histogramAs("histogramSync", x, options);
}

/**
 * {@linkcode histogramSync} for `fn`, the function the user called
 * (`histogram`, `plotHistogram`), as errors name it.
 */
export function histogramAs(
  fn: string,
  x: HostWeights,
  options: HistogramOptions = {},
): Histogram {
  checkOptions(fn, options, ["bins", "thresholds", "range"]);
  const { values } = hostWeights(x, fn);
  const n = values.length;
  if (n === 0) throw rangeError(fn, "x", "non-empty", values);
  let nan = 0;
  let posInf = 0;
  let negInf = 0;
  let min = Infinity;
  let max = -Infinity;
  let sum = 0;
  for (let i = 0; i < n; i++) {
    const v = values[i];
    if (v !== v) nan++;
    else if (v === Infinity) posInf++;
    else if (v === -Infinity) negInf++;
    else {
      if (v < min) min = v;
      if (v > max) max = v;
      sum += v;
    }
  }
  const finite = n - nan - posInf - negInf;
  const mean = finite > 0 ? sum / finite : NaN;
  let ss = 0;
  for (let i = 0; i < n; i++) {
    const v = values[i];
    if (Number.isFinite(v)) ss += (v - mean) * (v - mean);
  }
  const std = finite > 0 ? Math.sqrt(ss / finite) : NaN;

  let edges: Float64Array;
  if (options.thresholds !== undefined) {
    edges = checkEdges(fn, options.thresholds);
  } else {
    const bins = checkCount(fn, "options.bins", options.bins ?? 50, 1);
    let lo: number;
    let hi: number;
    if (options.range !== undefined) {
      [lo, hi] = options.range;
      if (!Number.isFinite(lo) || !Number.isFinite(hi) || !(lo < hi)) {
        throw rangeError(
          fn,
          "options.range",
          "two finite numbers [low, high] with low < high",
          options.range,
        );
      }
    } else if (finite === 0) {
      [lo, hi] = [0, 1];
    } else {
      [lo, hi] = min < max ? [min, max] : [min - 0.5, max + 0.5];
    }
    edges = new Float64Array(bins + 1);
    for (let i = 0; i <= bins; i++) edges[i] = lo + ((hi - lo) * i) / bins;
    edges[bins] = hi;
  }
  const bins = edges.length - 1;
  const counts = new Float64Array(bins);
  const lo = edges[0];
  const hi = edges[bins];
  const uniform = options.thresholds === undefined;
  const scale = bins / (hi - lo);
  let outside = 0;
  for (let i = 0; i < n; i++) {
    const v = values[i];
    if (!Number.isFinite(v)) continue;
    if (v < lo || v > hi) {
      outside++;
      continue;
    }
    let b: number;
    if (uniform) {
      b = Math.min(bins - 1, Math.floor((v - lo) * scale));
      // Rounding in the scale can land one bin off: settle against the edges.
      if (v < edges[b]) b--;
      else if (b < bins - 1 && v >= edges[b + 1]) b++;
    } else {
      let l = 0;
      let r = bins - 1;
      while (l < r) {
        const mid = (l + r + 1) >> 1;
        if (edges[mid] <= v) l = mid;
        else r = mid - 1;
      }
      b = l;
    }
    counts[b]++;
  }
  return {
    edges,
    counts,
    size: n,
    outside,
    nan,
    posInf,
    negInf,
    min: finite > 0 ? min : NaN,
    max: finite > 0 ? max : NaN,
    mean,
    std,
  };
}

/**
 * A number of bins from the data, by the Freedman–Diaconis rule: bin width
 * 2·IQR·n^(−1/3) over the finite values' range, clamped to [5, 100]
 * (Sturges' ⌈log₂ n⌉ + 1 when the interquartile range is 0). It grows with
 * the sample size, so 30 values do not go into 50 bins, and stays readable.
 *
 * @param values The data (NaN and ±Inf are ignored).
 * @returns The number of bins, 1 for fewer than 2 distinct finite values.
 *
 * @example
 * ```ts
 * import { freedmanDiaconisBins } from "../../mod.ts";
 * import { assert } from "@std/assert";
 *
 * const few = Array.from({ length: 30 }, (_, i) => Math.sin(i));
 * const many = Array.from({ length: 100000 }, (_, i) => Math.sin(i));
 * assert(freedmanDiaconisBins(few) < 10);
 * assert(freedmanDiaconisBins(many) > 3 * freedmanDiaconisBins(few));
 * ```
 */
export function freedmanDiaconisBins(values: ArrayLike<number>): number {
  const xs: number[] = [];
  for (let i = 0; i < values.length; i++) {
    if (Number.isFinite(values[i])) xs.push(values[i]);
  }
  const n = xs.length;
  if (n < 2) return 1;
  const sorted = Float64Array.from(xs).sort();
  const range = sorted[n - 1] - sorted[0];
  if (!(range > 0)) return 1;
  const at = (p: number) => {
    const h = (n - 1) * p;
    const lo = Math.floor(h);
    return sorted[lo] +
      (h - lo) * (sorted[Math.min(lo + 1, n - 1)] - sorted[lo]);
  };
  const iqr = at(0.75) - at(0.25);
  const bins = iqr > 0
    ? Math.ceil(range / (2 * iqr * n ** (-1 / 3)))
    : Math.ceil(Math.log2(n)) + 1;
  return Math.min(100, Math.max(5, bins));
}
