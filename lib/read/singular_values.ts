/**
 * `singularValues` of weights wherever they live, read once, asynchronously.
 *
 * @module
 */
import {
  singularValuesAs,
  type SingularValuesOptions,
} from "../linalg/singular_values.ts";
import type { WeightsLike } from "./weights.ts";
import { analyseWeights, type WeightCollection } from "./collection.ts";

/**
 * The singular values of a weight matrix, descending, in Float64: a tensor
 * (on any backend, WebGPU included), a Parameter, or host data, read once
 * with `await tensor.data()`. The algorithm, its accuracy and its limits
 * are `singularValuesSync`'s (the synchronous form for host data).
 *
 * @param x A tensor, Parameter, LayerVariable or `{ values, shape }` of rank ≥ 2 (higher
 * ranks as [product of all axes but the last, last]).
 * @param options `maxSide` (default 4096): the short side above which a
 * warning about the time is printed first.
 * @returns σ₁ ≥ … ≥ σ_k ≥ 0, k = min(rows, cols).
 * @throws {RangeError} For rank < 2, an empty input, NaN or ±Inf values.
 * @throws {TypeError} For a disposed tensor, a tensor of another tfjs copy,
 * or an input that is not weights.
 *
 * @example
 * ```ts
 * import { initializers, singularValues } from "../../mod.ts";
 * import { assertAlmostEquals } from "@std/assert";
 *
 * const q = initializers.orthogonal([64, 32], { seed: 0 });
 * const s = await singularValues(q); // an orthogonal matrix: all 1
 * assertAlmostEquals(s[0], 1, 1e-6);
 * assertAlmostEquals(s[31], 1, 1e-6);
 * q.dispose();
 * ```
 */
export async function singularValues(
  x: WeightsLike,
  options?: SingularValuesOptions,
): Promise<Float64Array>;
/**
 * The singular values of every weight of rank ≥ 2 of a whole model, each read
 * once.
 *
 * @param x A tf.LayersModel, tf.GraphModel, Module, Map<string, tf.Tensor> or
 * tf.NamedTensorMap.
 * @param options As for one weight.
 * @returns The results by weight name, in the model's order.
 */
export async function singularValues(
  x: WeightCollection,
  options?: SingularValuesOptions,
): Promise<Map<string, Float64Array>>;
export async function singularValues(
  x: WeightsLike | WeightCollection,
  options?: SingularValuesOptions,
): Promise<Float64Array | Map<string, Float64Array>> {
  return await analyseWeights(
    x,
    "singularValues",
    (shape) => shape.length >= 2,
    (w) => singularValuesAs("singularValues", w, options),
  );
}
