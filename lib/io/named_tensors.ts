/**
 * Tensors by name, from whatever holds them: a `Map`, a plain object
 * (`tf.NamedTensorMap`), a module's `stateDict()`, a `tf.LayersModel`, a
 * `tf.GraphModel` or an array of `tf.LayerVariable`s. The savers and the plot
 * helpers take any of these. Models are read with `namedWeights`
 * (`lib/read/collection.ts`), so a model's weights have the same names here
 * as in the analysis helpers.
 *
 * @module
 */
import { tf } from "../tf.ts";
import { disposedError, show, typeError } from "../validate.ts";
import { Parameter } from "../nn/parameter.ts";
import { namedWeights } from "../read/collection.ts";

/**
 * Tensors by name, in any of the forms `saveSafetensors` accepts: a `Map`
 * of name → tensor, variable or Parameter, a plain object of tensors or
 * Parameters, a Module (anything with `stateDict()`), a `tf.LayersModel`, a
 * `tf.GraphModel`, or an array of `tf.LayerVariable`s.
 *
 * @example
 * ```ts
 * import { type NamedTensorsInput, readSafetensorsHeader, saveSafetensors, tf } from "../../mod.ts";
 * import { assertEquals } from "@std/assert";
 *
 * // One checkpoint writer for every kind of model a notebook holds.
 * async function checkpoint(path: string, weights: NamedTensorsInput) {
 *   await saveSafetensors(path, weights, { step: "100" });
 * }
 * const path = await Deno.makeTempFile({ suffix: ".safetensors" });
 * const w = tf.zeros([2, 2]);
 * await checkpoint(path, { w });
 * assertEquals([...(await readSafetensorsHeader(path)).tensors.keys()], ["w"]);
 * w.dispose();
 * await Deno.remove(path);
 * ```
 */
export type NamedTensorsInput =
  | Map<string, tf.Tensor | tf.LayerVariable | Parameter>
  | { stateDict(): Map<string, tf.Tensor> }
  | tf.NamedTensorMap
  | Record<string, tf.Tensor | Parameter>
  | tf.LayersModel
  | tf.GraphModel
  | readonly tf.LayerVariable[];

const ACCEPTED =
  "a Map of name → tf.Tensor (or Parameter), a plain object of tensors (tf.NamedTensorMap), an object with a stateDict() method (a Module), a tf.LayersModel, a tf.GraphModel or an array of tf.LayerVariable";

/** How a message names the tensor called `name` in the argument. */
type Where = (name: string) => string;

/** Checks one name and value given to `fn`, and adds it to `out`. */
function add(
  out: Map<string, tf.Tensor>,
  name: unknown,
  value: unknown,
  fn: string,
  arg: string,
  at: Where,
): void {
  if (typeof name !== "string") {
    throw typeError(fn, `each name in ${arg}`, "a string", name);
  }
  let tensor: unknown = value instanceof Parameter ? value.data : value;
  if (value instanceof tf.LayerVariable) {
    try {
      tensor = value.read();
    } catch (error) {
      throw Object.assign(disposedError(fn, at(name)), { cause: error });
    }
  }
  if (!(tensor instanceof tf.Tensor)) {
    throw typeError(fn, at(name), "a tf.Tensor", value);
  }
  if (tensor.isDisposed) throw disposedError(fn, at(name));
  out.set(name, tensor);
}

/** Throws if a weight name was seen before: names must be distinct. */
function distinct(
  out: Map<string, tf.Tensor>,
  name: string,
  fn: string,
  what: string,
): void {
  if (out.has(name)) {
    throw new TypeError(
      `${fn}: the weight names of ${what} must be distinct, received ${
        show(name)
      } twice`,
    );
  }
}

/** LayerVariables by their `originalName`, which must be distinct. */
function variables(
  list: readonly tf.LayerVariable[],
  fn: string,
  arg: string,
): Map<string, tf.Tensor> {
  const out = new Map<string, tf.Tensor>();
  list.forEach((variable, i) => {
    const name = variable.originalName;
    distinct(out, name, fn, arg);
    add(out, name, variable, fn, arg, () => `${arg}[${i}]`);
  });
  return out;
}

/**
 * A model's weights through `namedWeights`: a LayersModel's by
 * `originalName`, a GraphModel's by node name (`node:0`, `node:1`, … for a
 * node of several tensors). Names must be distinct.
 */
function modelWeights(
  model: tf.LayersModel | tf.GraphModel,
  fn: string,
  arg: string,
): Map<string, tf.Tensor> {
  const out = new Map<string, tf.Tensor>();
  for (const { name, x } of namedWeights(model, fn)) {
    distinct(out, name, fn, arg);
    add(out, name, x, fn, arg, (n) => `the weight ${show(n)} of ${arg}`);
  }
  return out;
}

/**
 * Tensors by name, from any holder of them. The tensors are not copied: the
 * map holds the holder's own tensors (a Parameter's variable, `.data`), and
 * disposing of them stays the holder's business (no tensor is made).
 *
 * - A `Map` of name → `tf.Tensor` (or `Parameter`, or `tf.LayerVariable`):
 *   its entries, in order.
 * - A plain object (`tf.NamedTensorMap`, whose values may also be
 *   Parameters): its own enumerable keys, in order.
 * - An object with a `stateDict()` method (a `Module`): what it returns,
 *   which must be a `Map`; for a Module that is its parameters and buffers.
 * - A `tf.LayersModel` (`tf.sequential()`, `tf.model()`, a loaded model):
 *   `model.weights`, each by its `originalName` (`"hidden/kernel"`,
 *   `"dense_Dense1/kernel"`: the name `model.save()` writes), its tensor
 *   `read()`, as `namedWeights` names them.
 * - A `tf.GraphModel`: `model.weights` (node name → tensors), a node's
 *   tensor by the node's name, or as `node:0`, `node:1`, … when the node has
 *   several, as `namedWeights` names them; `string` weights are left out.
 * - An array of `tf.LayerVariable` (`layer.weights`,
 *   `model.trainableWeights`): each by its `originalName`.
 *
 * @param x The tensors' holder.
 * @param fn The calling function's name, for messages.
 * @param arg The argument's name in `fn`, for messages (default `"x"`).
 * @returns The tensors by name.
 * @throws {TypeError} Naming `fn`: if `x` is none of the above (the message
 * lists what is accepted), a name is not a string, a value is not a tensor or
 * has been disposed, or two weights of a model share a name.
 *
 * @example From a plain object, a Map of Parameters and a LayersModel
 * ```ts
 * import { namedTensors } from "./named_tensors.ts";
 * import { Parameter } from "../nn/parameter.ts";
 * import { tf } from "../tf.ts";
 * import { assertEquals, assertStrictEquals, assertThrows } from "@std/assert";
 *
 * const w = tf.ones([2, 2]);
 * assertEquals([...namedTensors({ w }, "demo").keys()], ["w"]);
 *
 * const p = new Parameter(tf.zeros([3]));
 * assertStrictEquals(namedTensors(new Map([["p", p]]), "demo").get("p"), p.data);
 *
 * const model = tf.sequential({
 *   layers: [tf.layers.dense({ units: 3, inputShape: [2], name: "out" })],
 * });
 * const weights = namedTensors(model, "demo");
 * assertEquals([...weights.keys()], ["out/kernel", "out/bias"]);
 * assertEquals(weights.get("out/kernel")!.shape, [2, 3]);
 *
 * assertThrows(() => namedTensors(42, "demo"), TypeError, "demo: x must be a Map");
 * model.dispose();
 * p.dispose();
 * w.dispose();
 * ```
 */
export function namedTensors(
  x: unknown,
  fn: string,
  arg = "x",
): Map<string, tf.Tensor> {
  const out = new Map<string, tf.Tensor>();
  if (x instanceof Map) {
    for (const [name, value] of x) {
      add(out, name, value, fn, arg, (n) => `${arg}.get(${show(n)})`);
    }
    return out;
  }
  if (x instanceof tf.LayersModel || x instanceof tf.GraphModel) {
    return modelWeights(x, fn, arg);
  }
  if (
    Array.isArray(x) && x.length > 0 &&
    x.every((v) => v instanceof tf.LayerVariable)
  ) {
    return variables(x, fn, arg);
  }
  if (x !== null && typeof x === "object" && !Array.isArray(x)) {
    const stateDict = (x as { stateDict?: unknown }).stateDict;
    if (typeof stateDict === "function") {
      const tensors: unknown = stateDict.call(x);
      if (!(tensors instanceof Map)) {
        throw typeError(fn, `${arg}.stateDict()`, "a Map of tensors", tensors);
      }
      for (const [name, value] of tensors) {
        add(
          out,
          name,
          value,
          fn,
          arg,
          (n) => `${arg}.stateDict().get(${show(n)})`,
        );
      }
      return out;
    }
    const proto = Object.getPrototypeOf(x);
    if (proto === null || proto === Object.prototype) {
      for (const [name, value] of Object.entries(x)) {
        add(out, name, value, fn, arg, (n) => `${arg}[${show(n)}]`);
      }
      return out;
    }
  }
  throw typeError(fn, arg, ACCEPTED, x);
}
