/**
 * `analyzeSpectrum`: the spectrum analysis of weights wherever they live (a
 * tensor on any backend, a Parameter, or host values), read once,
 * asynchronously.
 *
 * @module
 */
import {
  analyzeSpectrumAs,
  type AnalyzeSpectrumOptions,
  type SpectrumAnalysis,
} from "../stats/analyze_spectrum.ts";
import type { WeightsLike } from "./weights.ts";
import { analyseWeights, type WeightCollection } from "./collection.ts";

/**
 * Analyses the singular-value spectrum of a weight matrix: numerical rank,
 * all-zero rows and columns, the Marchenko–Pastur bulk (σ² of the entries,
 * mean removed, fitted robustly), spikes at a stated false-alarm rate, the
 * mean's outlier, a heavy tail, the power-law α and whether it means
 * anything, and a verdict with a one-line summary. Every plot, table,
 * notebook and the report use this analysis. The field-by-field meaning and
 * the algorithm are documented on `SpectrumAnalysis` and
 * `analyzeSpectrumSync` (the same analysis for host values, synchronous).
 *
 * A tensor's values are read once with `await tensor.data()`, so tensors on
 * the WebGPU backend work too.
 *
 * @param x A tensor, Parameter, LayerVariable or `{ values, shape }` of rank ≥ 2 (rank ≥ 3
 * is read as [product of all axes but the last, last]; a depthwise kernel
 * `[kh, kw, C, 1]` as the C × kh·kw matrix of its filters).
 * @param options `conv` (`"reshape"` or `"slices"`), `powerLaw`
 * (`"default"` or `"weightwatcher"`), `sigma2` (the entries' variance in
 * theory), `singularValues` (already computed), `quantizationStep` (the
 * grid step of quantised weights) and `storedDtype` (a `StoredFloat`:
 * `"float16"`, `"bfloat16"`, `"float8_e4m3fn"`, `"float8_e5m2"`): with either of the last two the rank counts only singular
 * values above the storage's rounding floor (`storagePrecision` gives the
 * right one for a weight read from a file).
 * @returns The analysis.
 * @throws {RangeError} For rank < 2, an empty input, NaN or ±Inf entries
 * (how many of each), or a bad `sigma2`, `conv`, `powerLaw`,
 * `quantizationStep` or `storedDtype`.
 * @throws {TypeError} For an unknown option, `singularValues` that is not a
 * Float64Array of min(rows, cols) values, a disposed or non-numeric tensor,
 * or an input that is not weights.
 *
 * @example Random weights look random; a planted signal is a spike
 * ```ts
 * import { analyzeSpectrum, initializers, tf } from "../../mod.ts";
 * import { assertEquals } from "@std/assert";
 *
 * const w = initializers.randomNormal([400, 200], { seed: 1 });
 * assertEquals((await analyzeSpectrum(w)).verdict, "random-like");
 * const u = tf.randomNormal([400, 1], 0, 1, "float32", 2);
 * const v = tf.randomNormal([1, 200], 0, 1, "float32", 3);
 * const spiked = tf.tidy(() => w.add(u.matMul(v).mul(0.2)));
 * const a = await analyzeSpectrum(spiked);
 * assertEquals([a.verdict, a.spikes], ["spiked", 1]);
 * tf.dispose([w, u, v, spiked]);
 * ```
 */
export async function analyzeSpectrum(
  x: WeightsLike,
  options?: AnalyzeSpectrumOptions,
): Promise<SpectrumAnalysis>;
/**
 * The spectrum analysis of every weight of rank ≥ 2 of a whole model, each
 * read once.
 *
 * @param x A tf.LayersModel, tf.GraphModel, Module, Map<string, tf.Tensor> or
 * tf.NamedTensorMap.
 * @param options As for one weight.
 * @returns The results by weight name, in the model's order.
 */
export async function analyzeSpectrum(
  x: WeightCollection,
  options?: AnalyzeSpectrumOptions,
): Promise<Map<string, SpectrumAnalysis>>;
export async function analyzeSpectrum(
  x: WeightsLike | WeightCollection,
  options: AnalyzeSpectrumOptions = {},
): Promise<SpectrumAnalysis | Map<string, SpectrumAnalysis>> {
  return await analyseWeights(
    x,
    "analyzeSpectrum",
    (shape) => shape.length >= 2,
    (w) => analyzeSpectrumAs("analyzeSpectrum", w, options),
  );
}
