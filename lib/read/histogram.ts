/**
 * `histogram` of weights wherever they live, read once, asynchronously.
 *
 * @module
 */
import {
  type Histogram,
  type HistogramOptions,
  histogramSync,
} from "../stats/histogram.ts";
import { readWeights, type WeightsLike } from "./weights.ts";

/**
 * Counts the values of weights into bins: a tensor (on any backend), a
 * Parameter, or host data, read once with `await tensor.data()`. NaN, +Inf
 * and −Inf are counted apart, never binned; see `histogramSync` (the
 * synchronous form for host data) for the details.
 *
 * @param x A tensor, Parameter, Float32Array/Float64Array or `{ values, shape }`.
 * @param options `bins` (50), `thresholds`, `range`.
 * @returns Edges, counts, moments, and the counts of what was not binned.
 * @throws {RangeError} For an empty input, bad bins, thresholds or range.
 * @throws {TypeError} For a disposed tensor or an input that is not weights.
 *
 * @example
 * ```ts
 * import { histogram, tf } from "../../mod.ts";
 * import { assertEquals } from "@std/assert";
 *
 * const x = tf.tensor([0, 0.5, 1, NaN]);
 * const h = await histogram(x, { bins: 2 });
 * assertEquals(Array.from(h.counts), [1, 2]);
 * assertEquals(h.nan, 1);
 * x.dispose();
 * ```
 */
export async function histogram(
  x: WeightsLike,
  options: HistogramOptions = {},
): Promise<Histogram> {
  return histogramSync(await readWeights(x, "histogram"), options);
}
