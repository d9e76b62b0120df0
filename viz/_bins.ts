/**
 * Bins for the histogram of values that lie on a grid: quantised weights
 * (tfjs uint8/uint16, `q × scale + min`) take only a few hundred values, a
 * step apart. Equal-width bins over [min, max] then hold 2 or 3 of those
 * levels in turn, and the histogram shows a comb that is the binning's, not
 * the data's. Bins a whole number of steps wide, with edges halfway between
 * levels, hold the same number of levels each. Low-precision floats
 * (bfloat16, the 8-bit floats) are a grid too, whose step doubles from one
 * power of two to the next: bins a power of two wide, no narrower than the
 * step where most values lie, hold whole steps likewise.
 *
 * @module
 */
import { freedmanDiaconisBins } from "../lib/stats/histogram.ts";
import {
  type StoredFloat,
  storedFloatSpacing,
} from "../lib/stats/stored_float.ts";

/** The most distinct values a grid is looked for in (more levels than this leave a comb under 3%). */
const MAX_LEVELS = 4096;

/** What `histogramSync` takes: a number of bins, over `range` where set. */
export interface Binning {
  /** The number of bins. */
  bins: number;
  /** [low, high] of the bins; absent: the values' min and max. */
  range?: [number, number];
}

/** The distinct values, sorted, if there are at most `max` of them (NaN and ±Inf ignored); else null. */
export function discreteLevels(
  values: ArrayLike<number>,
  max = 10,
): number[] | null {
  const seen = new Set<number>();
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (!Number.isFinite(v)) continue;
    if (!seen.has(v)) {
      seen.add(v);
      if (seen.size > max) return null;
    }
  }
  return seen.size ? [...seen].sort((a, b) => a - b) : null;
}

/**
 * The step of the uniform grid the finite values lie on, if they take more
 * than 10 and at most {@linkcode MAX_LEVELS} distinct values, each within
 * 5% of a step of a grid point (float32 rounding of `q × scale + min`
 * moves them by far less); else null.
 *
 * @param values The data.
 * @returns The step, or null.
 */
export function gridStep(values: ArrayLike<number>): number | null {
  const distinct = discreteLevels(values, MAX_LEVELS);
  if (distinct === null || distinct.length <= 10) return null;
  const levels = Float64Array.from(distinct);
  let gap = Infinity;
  for (let i = 1; i < levels.length; i++) {
    gap = Math.min(gap, levels[i] - levels[i - 1]);
  }
  const span = levels[levels.length - 1] - levels[0];
  // The step from the whole span, so that its error does not grow with
  // the distance from the first level.
  const step = span / Math.round(span / gap);
  for (const level of levels) {
    const k = (level - levels[0]) / step;
    if (Math.abs(k - Math.round(k)) > 0.05) return null;
  }
  return step;
}

/**
 * Bins for values stored in a low-precision float `format`: W a power of
 * two, the one nearest the Freedman–Diaconis width but no less than the
 * format's spacing at the 1st/99th percentile's magnitude, edges at
 * multiples of W less half the format's subnormal step. Every number of the
 * format is a multiple of that step and the numbers between 2^e and 2^(e+1)
 * are the multiples of the spacing there, so each bin holds W/spacing of
 * them: the same count across a power of two. Null with more than
 * {@linkcode MAX_LEVELS} distinct values (bins then hold so many levels
 * that no comb shows) or fewer than 11.
 */
function floatBinning(
  values: ArrayLike<number>,
  format: StoredFloat,
  fd: number,
): Binning | null {
  const counts = new Map<number, number>();
  let n = 0;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (!Number.isFinite(v)) continue;
    counts.set(v, (counts.get(v) ?? 0) + 1);
    n++;
    if (counts.size > MAX_LEVELS) return null;
  }
  if (counts.size <= 10) return null;
  const levels = Float64Array.from(counts.keys()).sort();
  const min = levels[0];
  const max = levels[levels.length - 1];
  const quantile = (p: number) => {
    let seen = 0;
    for (const level of levels) {
      seen += counts.get(level)!;
      if (seen >= p * n) return level;
    }
    return max;
  };
  const central = Math.max(Math.abs(quantile(0.01)), Math.abs(quantile(0.99)));
  const width = Math.max(
    storedFloatSpacing(format, central),
    2 ** Math.round(Math.log2((max - min) / fd)),
  );
  const half = storedFloatSpacing(format, 0) / 2;
  const low = Math.floor((min + half) / width) * width - half;
  const bins = Math.floor((max + half - low) / width) + 1;
  return { bins, range: [low, low + bins * width] };
}

/**
 * The bins of a histogram of `values`: `bins` when the caller gave it;
 * else, for values stored in a low-precision float `format`, bins a power
 * of two wide aligned to its numbers; else, for values on a uniform grid
 * (of step `step`, or the one {@linkcode gridStep} finds), bins k steps wide
 * with edges halfway between levels, k the whole number nearest the
 * Freedman–Diaconis width in steps; else the Freedman–Diaconis number over
 * the values' range.
 *
 * @param values The data.
 * @param options `bins` (the caller's), `step` (a known grid step, such as a
 * tfjs quantisation's scale), `format` (the float format the values were
 * stored in).
 * @returns The number of bins and, on a grid, their range.
 */
export function histogramBinning(
  values: ArrayLike<number>,
  options: { bins?: number; step?: number; format?: StoredFloat } = {},
): Binning {
  if (options.bins !== undefined) return { bins: options.bins };
  const fd = freedmanDiaconisBins(values);
  if (options.format !== undefined) {
    const aligned = floatBinning(values, options.format, fd);
    if (aligned !== null) return aligned;
  }
  const step = options.step ?? gridStep(values);
  if (step === null || !(step > 0)) return { bins: fd };
  let min = Infinity;
  let max = -Infinity;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (Number.isFinite(v)) {
      if (v < min) min = v;
      if (v > max) max = v;
    }
  }
  if (!(max > min)) return { bins: fd };
  const levels = Math.round((max - min) / step) + 1;
  // A given step finer than the data's spread allows: not a grid to align to.
  if (levels > 1e6) return { bins: fd };
  const k = Math.max(1, Math.round(levels / fd));
  const bins = Math.ceil(levels / k);
  const low = min - step / 2;
  return { bins, range: [low, low + bins * k * step] };
}
