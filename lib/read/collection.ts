/**
 * Whole models as the helpers take them: a `tf.LayersModel`, a
 * `tf.GraphModel`, a `tf.NamedTensorMap` (a plain object of name → tensor),
 * a `Map<string, tf.Tensor>` (what `loadWeights` returns) or a Module, each
 * turned into its named weights.
 *
 * @module
 */
import { tf } from "../tf.ts";
import { Module } from "../nn/module.ts";
import { Parameter } from "../nn/parameter.ts";
import type { Weights } from "../host.ts";
import { readWeights, type WeightsLike } from "./weights.ts";
import { disposedError, typeError } from "../validate.ts";

/** A whole model's weights, in any of the forms the helpers take. */
export type WeightCollection =
  | tf.LayersModel
  | tf.GraphModel
  | Map<string, tf.Tensor>
  | Module
  | Record<string, tf.Tensor>;

/** One named weight of a collection. */
export interface NamedWeight {
  /** Its name: a LayersModel's `originalName` (`dense_Dense1/kernel`), a node name, a key. */
  name: string;
  /** The tensor or Parameter (not copied: the collection still owns it). */
  x: tf.Tensor | Parameter;
  /** Whether training updates it; masks, buffers and moving statistics are not. */
  trainable: boolean;
}

function isPlainObject(x: unknown): x is Record<string, unknown> {
  if (x === null || typeof x !== "object") return false;
  const proto = Object.getPrototypeOf(x);
  return proto === Object.prototype || proto === null;
}

/**
 * Whether `x` is a whole model's weights rather than one tensor: a
 * LayersModel, a GraphModel, a Module, a `Map` of tensors, or a plain object
 * whose values are all tensors (a `tf.NamedTensorMap`; `{ values, shape }`
 * host weights are not).
 *
 * @param x Anything.
 * @returns Whether the helpers read it as a collection.
 *
 * @example
 * ```ts
 * import { isWeightCollection } from "./collection.ts";
 * import { tf } from "../tf.ts";
 * import { assert } from "@std/assert";
 *
 * const w = tf.ones([2, 2]);
 * assert(isWeightCollection({ w }));
 * assert(isWeightCollection(new Map([["w", w]])));
 * assert(!isWeightCollection(w));
 * assert(!isWeightCollection({ values: [1, 2], shape: [2] }));
 * w.dispose();
 * ```
 */
export function isWeightCollection(x: unknown): x is WeightCollection {
  if (
    x instanceof tf.LayersModel || x instanceof tf.GraphModel ||
    x instanceof Module || x instanceof Map
  ) return true;
  if (!isPlainObject(x)) return false;
  const values = Object.values(x);
  return values.length > 0 && values.every((v) => v instanceof tf.Tensor);
}

/**
 * The named weights of a collection, in the model's order: a LayersModel's
 * `weights` by original name (with `trainable` as the layer says), a
 * GraphModel's weights by node name (a node holding several tensors gets
 * `name:0`, `name:1`, …), a Module's parameters by dotted name (masks are
 * not trainable), a Map's or an object's entries as they are (all counted
 * trainable). Weights of dtype `string` are left out.
 *
 * @param x The collection.
 * @param fn The helper asking, for error messages.
 * @returns The weights; nothing is copied or read.
 * @throws {TypeError} If `x` is not a collection, or a Map or object holds
 * something that is not a tensor (named in the message).
 *
 * @example
 * ```ts
 * import { namedWeights } from "./collection.ts";
 * import { tf } from "../tf.ts";
 * import { assertEquals } from "@std/assert";
 *
 * const model = tf.sequential({
 *   layers: [tf.layers.dense({ units: 3, inputShape: [4], name: "hidden" })],
 * });
 * assertEquals(
 *   namedWeights(model, "example").map((w) => w.name),
 *   ["hidden/kernel", "hidden/bias"],
 * );
 * model.dispose();
 * ```
 */
export function namedWeights(x: unknown, fn: string): NamedWeight[] {
  let out: NamedWeight[];
  if (x instanceof tf.LayersModel) {
    out = x.weights.map((v) => {
      const name = v.originalName ?? v.name;
      let tensor: tf.Tensor;
      try {
        tensor = v.read();
      } catch (error) {
        throw Object.assign(
          disposedError(fn, `the weight ${JSON.stringify(name)} of x`),
          { cause: error },
        );
      }
      return { name, x: tensor, trainable: v.trainable };
    });
  } else if (x instanceof tf.GraphModel) {
    out = [];
    for (const [name, tensors] of Object.entries(x.weights)) {
      tensors.forEach((t, i) =>
        out.push({
          name: tensors.length === 1 ? name : `${name}:${i}`,
          x: t,
          trainable: true,
        })
      );
    }
  } else if (x instanceof Module) {
    out = x.namedParameters().map(([name, p]) => ({
      name,
      x: p,
      trainable: p.trainable,
    }));
  } else if (x instanceof Map || isPlainObject(x)) {
    const entries = x instanceof Map ? [...x.entries()] : Object.entries(x);
    out = entries.map(([name, t]) => {
      if (!(t instanceof tf.Tensor || t instanceof Parameter)) {
        throw typeError(
          fn,
          x instanceof Map
            ? `x.get(${JSON.stringify(name)})`
            : `x[${JSON.stringify(name)}]`,
          "a tf.Tensor or Parameter",
          t,
        );
      }
      return { name: String(name), x: t, trainable: true };
    });
  } else {
    throw typeError(
      fn,
      "x",
      "a tf.LayersModel, tf.GraphModel, Module, Map<string, tf.Tensor> or tf.NamedTensorMap",
      x,
    );
  }
  return out.filter((w) => w.x.dtype !== "string");
}

/**
 * Applies a host-data analysis to `x`: to its values, read once, for one
 * weight; to each weight that `keep` accepts, reading each once, for a
 * collection (asynchronously: any backend).
 *
 * @param x One weight, or a collection.
 * @param fn The helper asking, for error messages.
 * @param keep Which weights of a collection to analyse, by shape.
 * @param analyse The analysis.
 * @returns The result for one weight; for a collection, the results by
 * name, in the model's order.
 */
export async function analyseWeights<T>(
  x: WeightsLike | WeightCollection,
  fn: string,
  keep: (shape: readonly number[]) => boolean,
  analyse: (weights: Weights) => T,
): Promise<T | Map<string, T>> {
  if (!isWeightCollection(x)) return analyse(await readWeights(x, fn));
  const out = new Map<string, T>();
  for (const { name, x: w } of namedWeights(x, fn)) {
    if (!keep(w.shape)) continue;
    out.set(name, analyse(await readWeights(w, fn)));
  }
  return out;
}
