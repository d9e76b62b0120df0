/**
 * One figure per weight of a whole model, stacked under a title: what
 * `plotHistogram` and `plotSpectrum` draw for a model.
 *
 * @module
 */
import { Figure } from "./figure.ts";
import { tf } from "../lib/tf.ts";
import { Module } from "../lib/nn/module.ts";
import type { Parameter } from "../lib/nn/parameter.ts";
import {
  type NamedWeight,
  namedWeights,
  type WeightCollection,
} from "../lib/read/collection.ts";

const GAP = 14;
const TOP = 30;

/** The model's name for titles: a Module's class, a LayersModel's name. */
export function collectionName(x: WeightCollection): string {
  if (x instanceof Module) return x.constructor.name;
  if (x instanceof tf.LayersModel) return x.name;
  if (x instanceof tf.GraphModel) return "GraphModel";
  return "weights";
}

/**
 * Draws `plot(weight, options, name)` for each weight of `x` that `keep` accepts,
 * titled with the weight's name and shape, and stacks the figures under
 * `options.title` (default: the model's name and `what` of the count of
 * weights drawn, e.g. `what("2 weights")`).
 *
 * @throws {RangeError} When no weight is kept (`need` says which are).
 */
export async function stackWeights<O extends { title?: string }>(
  x: WeightCollection,
  fn: string,
  keep: (w: NamedWeight) => boolean,
  need: string,
  options: O,
  what: (weights: string) => string,
  plot: (x: tf.Tensor | Parameter, options: O, name: string) => Promise<Figure>,
): Promise<Figure> {
  const { title, ...each } = options;
  const weights = namedWeights(x, fn).filter(keep);
  if (weights.length === 0) {
    throw new RangeError(
      `${fn}: x must hold ${need}, received ${collectionName(x)} with none`,
    );
  }
  const figures: Figure[] = [];
  for (const w of weights) {
    figures.push(
      await plot(w.x, {
        ...each,
        title: `${w.name} [${w.x.shape.join(", ")}]`,
      } as O, w.name),
    );
  }
  const n = weights.length;
  const heading = title ??
    `${collectionName(x)}: ${what(`${n} weight${n === 1 ? "" : "s"}`)}`;
  let y = TOP;
  const panels = figures.map((f) => {
    const panel = { svg: f.svg, x: 0, y, width: f.width, height: f.height };
    y += f.height + GAP;
    return panel;
  });
  return new Figure({
    width: Math.max(...figures.map((f) => f.width)),
    height: y - GAP,
    panels,
    labels: [{ text: heading, x: 8, y: 20, size: 15, weight: "bold" }],
    title: heading,
    text: [heading, ...figures.map((f) => f.text)].join("\n\n"),
  });
}
