/**
 * `histogram` of weights wherever they live, read once, asynchronously.
 *
 * @module
 */
import {
  type Histogram,
  histogramAs,
  type HistogramOptions,
} from "../stats/histogram.ts";
import type { WeightsLike } from "./weights.ts";
import { analyseWeights, type WeightCollection } from "./collection.ts";

/**
 * Counts the values of weights into bins: a tensor (on any backend), a
 * Parameter, or host data, read once with `await tensor.data()`. NaN, +Inf
 * and −Inf are counted apart, never binned; see `histogramSync` (the
 * synchronous form for host data) for the details.
 *
 * @param x A tensor, Parameter, LayerVariable, Float32Array/Float64Array or
 * `{ values, shape }`.
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
  options?: HistogramOptions,
): Promise<Histogram>;
/**
 * The histogram of every weight of a whole model, each read once.
 *
 * @param x A tf.LayersModel, tf.GraphModel, Module, Map<string, tf.Tensor> or
 * tf.NamedTensorMap.
 * @param options As for one weight.
 * @returns The histograms by weight name, in the model's order.
 */
export async function histogram(
  x: WeightCollection,
  options?: HistogramOptions,
): Promise<Map<string, Histogram>>;
export async function histogram(
  x: WeightsLike | WeightCollection,
  options: HistogramOptions = {},
): Promise<Histogram | Map<string, Histogram>> {
  return await analyseWeights(
    x,
    "histogram",
    () => true,
    (w) => histogramAs("histogram", w, options),
  );
}
