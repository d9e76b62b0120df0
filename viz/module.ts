/**
 * `plotModule`: every parameter of a module, histogram beside spectrum.
 *
 * @module
 */
import type { Figure } from "./figure.ts";
import { readItems, rowsFigure } from "./_rows.ts";
import { Module } from "../lib/nn/module.ts";
import { show } from "../lib/initializers/_validate.ts";

/** Options for {@linkcode plotModule}. */
export interface PlotModuleOptions {
  /** Title. Default: the module's class. */
  title?: string;
  /** Width in pixels. Default 960. */
  width?: number;
  /** Histogram bins. Default 40. */
  bins?: number;
}

/**
 * One row per parameter: its histogram (with the initializer's density when
 * known), the histogram of its ESD with the Marchenko–Pastur law, and its
 * singular values in rank order; then a table of statistics (mean, std, σ₁,
 * stable rank, spikes, power-law α) in the HTML output.
 *
 * @param module A built module.
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
  module: Module,
  options: PlotModuleOptions = {},
): Promise<Figure> {
  if (!(module instanceof Module)) {
    throw new TypeError(`plotModule needs a Module, received ${show(module)}`);
  }
  const params = module.namedParameters();
  if (params.length === 0) {
    throw new RangeError(
      `plotModule: ${module.constructor.name} has no parameters${
        module.built ? "" : " yet (it builds on its first call: call it once)"
      }`,
    );
  }
  // Trainable parameters first; masks (non-trainable) after, counted apart.
  const trainable = params.filter(([, p]) => p.trainable);
  const masks = params.filter(([, p]) => !p.trainable);
  const count = trainable.reduce((n, [, p]) => n + p.size, 0);
  const items = await readItems(
    [...trainable, ...masks].map(([name, p]) => ({
      name: p.trainable ? name : `${name} (mask, not trainable)`,
      x: p,
    })),
    "plotModule",
  );
  const plural = (n: number, word: string) =>
    `${n} ${word}${n === 1 ? "" : "s"}`;
  return rowsFigure(
    options.title ??
      `${module.constructor.name}: ${plural(trainable.length, "parameter")}${
        masks.length ? `, ${plural(masks.length, "mask")}` : ""
      }`,
    `${
      count.toLocaleString("en-US")
    } trainable values · histogram | ESD with Marchenko–Pastur | singular values`,
    items,
    { width: options.width, bins: options.bins },
  ).figure;
}
