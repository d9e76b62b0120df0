/**
 * `plotModule`: every parameter of a module, histogram beside spectrum.
 *
 * @module
 */
import { checkOptions } from "../lib/validate.ts";
import type { Figure } from "./figure.ts";
import { readItems, rowsFigure } from "./_rows.ts";
import { Module } from "../lib/nn/module.ts";
import { tf } from "../lib/tf.ts";
import { namedWeights, type WeightCollection } from "../lib/read/collection.ts";
import { checkModule } from "./_common.ts";
import { WeightMap } from "../lib/io/load_weights.ts";

/** Options for {@linkcode plotModule}. */
export interface PlotModuleOptions {
  /**
   * Title. Default: "Kind: N parameters" (and ", M masks" or non-trainable
   * weights), Kind the Module's class, the LayersModel's name, "GraphModel"
   * or "weights".
   */
  title?: string;
  /** Width in pixels. Default 960. */
  width?: number;
  /** Bins of every row's value and ESD histograms. Default: Freedman–Diaconis per row (5–100). */
  bins?: number;
}

/**
 * One row per parameter: its histogram (with the initializer's density when
 * known), the histogram of its ESD with the Marchenko–Pastur law, and its
 * singular values in rank order; then a table of statistics (mean, std, σ₁,
 * stable rank, spikes, power-law α) in the HTML output.
 *
 * @param module A built Module, a `tf.LayersModel` (its weights by layer
 * name), a `tf.GraphModel`, a `Map<string, tf.Tensor>` (what `loadWeights`
 * returns: its quantised and half-precision weights are analysed with
 * their `storagePrecision`, so rank counts only what stands above their
 * rounding) or a `tf.NamedTensorMap`.
 * @param options `title`, `width`, `bins`.
 * @returns A Figure.
 * @throws {RangeError} If the module has no parameters (build it by calling it first).
 *
 * @example
 * ```ts
 * import { Dense, plotModule, Sequential, tf } from "../mod.ts";
 * import { assert } from "@std/assert";
 *
 * const net = new Sequential([new Dense(32, { activation: "relu" }), new Dense(4)]);
 * net.call(tf.ones([1, 16])).dispose();
 * const fig = await plotModule(net);
 * assert(fig.html.includes("layers.0._kernel"));
 * net.dispose();
 * ```
 */
export async function plotModule(
  module: WeightCollection,
  options: PlotModuleOptions = {},
): Promise<Figure> {
  checkOptions("plotModule", options, ["title", "width", "bins"]);
  checkModule("plotModule", module);
  const kind = module instanceof Module
    ? module.constructor.name
    : module instanceof tf.LayersModel
    ? module.name
    : module instanceof tf.GraphModel
    ? "GraphModel"
    : "weights";
  const params = namedWeights(module, "plotModule");
  if (params.length === 0) {
    throw new RangeError(
      `plotModule: module must have parameters${
        module instanceof Module && !module.built
          ? " (it builds on its first call: call it once)"
          : ""
      }, received ${module instanceof Module ? "a" : "the"} ${kind} with none`,
    );
  }
  // Trainable parameters first; masks and buffers (non-trainable) after,
  // counted apart.
  const trainable = params.filter((p) => p.trainable);
  const masks = params.filter((p) => !p.trainable);
  const count = trainable.reduce((n, p) => n + p.x.size, 0);
  const what = module instanceof Module ? "mask" : "non-trainable weight";
  // Weights loaded from a file: rank above their storage's rounding only.
  const precision = (name: string) =>
    module instanceof WeightMap ? module.storagePrecision(name) : {};
  const items = await readItems(
    [
      ...trainable.map((p) => ({ name: p.name, x: p.x, ...precision(p.name) })),
      ...masks.map((p) => ({
        name: p.name,
        x: p.x,
        ...precision(p.name),
        section: module instanceof Module
          ? "Masks (not trainable: fixed wiring, not learned)"
          : "Non-trainable weights (buffers, moving statistics)",
      })),
    ],
    "plotModule",
  );
  const plural = (n: number, word: string) =>
    `${n} ${word}${n === 1 ? "" : "s"}`;
  return rowsFigure(
    options.title ??
      `${kind}: ${plural(trainable.length, "parameter")}${
        masks.length ? `, ${plural(masks.length, what)}` : ""
      }`,
    `${
      count.toLocaleString("en-US")
    } trainable values · histogram | ESD with Marchenko–Pastur | singular values`,
    items,
    { width: options.width, bins: options.bins, fn: "plotModule" },
  ).figure;
}
