/**
 * `plotTraining`: how a parameter's histogram and spectrum move during
 * training.
 *
 * @module
 */
import { namedWeights, type WeightCollection } from "../lib/read/collection.ts";
import type { Figure } from "./figure.ts";
import { rowsFigure } from "./_rows.ts";
import { Parameter } from "../lib/nn/parameter.ts";
import { checkOptions, message, show } from "../lib/validate.ts";
import { checkModule } from "./_common.ts";
import type { Density } from "../lib/stats/density.ts";
import { readWeights } from "../lib/read/weights.ts";

/** The weights of a module at one step. */
export interface TrainingSnapshot {
  /** The training step. */
  step: number;
  /** Copies of the parameters' values. */
  weights: Map<
    string,
    { values: Float32Array; shape: number[]; density: Density | null }
  >;
}

/**
 * Copies a module's parameters (one read each) for {@linkcode plotTraining}.
 *
 * @param module The module, or any whole model: a tf.LayersModel,
 * tf.GraphModel, Map<string, tf.Tensor> or tf.NamedTensorMap.
 * @param step The training step.
 * @returns The snapshot.
 *
 * @example
 * ```ts
 * import { Dense, snapshotWeights, tf } from "../mod.ts";
 * import { assertEquals } from "@std/assert";
 *
 * const layer = new Dense(3);
 * layer.call(tf.ones([1, 2])).dispose();
 * const snap = await snapshotWeights(layer, 0);
 * assertEquals(snap.weights.get("_kernel")?.shape, [2, 3]);
 * layer.dispose();
 * ```
 */
export async function snapshotWeights(
  module: WeightCollection,
  step: number,
): Promise<TrainingSnapshot> {
  checkModule("snapshotWeights", module);
  const weights = new Map<
    string,
    { values: Float32Array; shape: number[]; density: Density | null }
  >();
  for (const { name, x: p } of namedWeights(module, "snapshotWeights")) {
    if (p.dtype !== "float32") continue;
    // readWeights: a disposed parameter is a TypeError naming this helper.
    const { values } = await readWeights(p, "snapshotWeights");
    weights.set(name, {
      values: Float32Array.from(values),
      shape: [...p.shape],
      density: (p instanceof Parameter ? p.init?.density : null) ?? null,
    });
  }
  return { step, weights };
}

/** Options for {@linkcode plotTraining}. */
export interface PlotTrainingOptions {
  /** The parameter to follow. Default: the first of rank ≥ 2. */
  parameter?: string;
  /** Width in pixels. Default 960. */
  width?: number;
}

/**
 * One row per snapshot (faceted by step): the parameter's histogram (with
 * its initial law), its ESD against the Marchenko–Pastur law (the
 * initializer's at step 0, fitted afterwards), and its singular values, so
 * the drift from the random bulk (spikes, heavier tails) can be read off.
 *
 * @param history Snapshots from {@linkcode snapshotWeights}, in step order.
 * @param options `parameter`, `width`.
 * @returns A Figure.
 * @throws {RangeError} For an empty history or an unknown parameter name.
 */
export function plotTraining(
  history: readonly TrainingSnapshot[],
  options: PlotTrainingOptions = {},
): Figure {
  checkOptions("plotTraining", options, ["parameter", "width"]);
  if (!Array.isArray(history) || history.length === 0) {
    throw new RangeError(
      `plotTraining: history must be a non-empty array of snapshots (see snapshotWeights), received ${
        Array.isArray(history) ? "[]" : show(history)
      }`,
    );
  }
  const first = history[0].weights;
  const name = options.parameter ??
    [...first.entries()].find(([, w]) => w.shape.length >= 2)?.[0];
  if (name === undefined || !first.has(name)) {
    throw new RangeError(
      options.parameter === undefined
        ? `plotTraining: history[0] must hold a parameter of rank >= 2, received one with ${
          [...first.keys()].join(", ") || "none"
        }`
        : message(
          "plotTraining",
          "options.parameter",
          `the name of a parameter in history[0] (available: ${
            [...first.keys()].join(", ")
          })`,
          options.parameter,
        ),
    );
  }
  return rowsFigure(
    `Training: ${name}`,
    `${history.length} snapshots · histogram | ESD with Marchenko–Pastur (theory at the start, fitted after) | singular values`,
    history.map((snap, i) => {
      const w = snap.weights.get(name);
      if (!w) {
        throw new RangeError(
          `plotTraining: history[${i}] must hold ${
            show(name)
          } like history[0], received the snapshot at step ${snap.step} without it`,
        );
      }
      return {
        name: `step ${snap.step}`,
        x: { values: w.values, shape: w.shape },
        weights: { values: w.values, shape: w.shape },
        expected: w.density,
        mp: i === 0 && w.density ? undefined : "fit",
      };
    }),
    { width: options.width, share: true, fn: "plotTraining" },
  ).figure;
}
