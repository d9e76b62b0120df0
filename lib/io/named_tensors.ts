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
import { show } from "../_validate.ts";
import { Parameter } from "../nn/parameter.ts";
import { namedWeights } from "../read/collection.ts";
import { quote } from "./_types.ts";

/** What {@linkcode namedTensors} accepts. */
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

/** A value for a message, kept short for objects. */
function describe(value: unknown): string {
  if (Array.isArray(value)) {
    if (value.length === 0) return "an empty array";
    if (value.some((v) => v !== null && typeof v === "object")) {
      return `an array whose item 0 is ${describe(value[0])}`;
    }
  }
  if (value !== null && typeof value === "object" && !Array.isArray(value)) {
    const proto = Object.getPrototypeOf(value);
    const name = proto?.constructor?.name;
    if (proto !== null && proto !== Object.prototype) {
      return typeof name === "string" && name !== ""
        ? `an instance of ${name}`
        : "an object that is not a plain object";
    }
  }
  const text = show(value);
  return text.length > 120 ? `${text.slice(0, 120)}…` : text;
}

/** A LayerVariable's tensor, or a message-ready failure. */
function readVariable(
  variable: tf.LayerVariable,
  name: string,
  fn: string,
): tf.Tensor {
  let tensor: tf.Tensor;
  try {
    tensor = variable.read();
  } catch (error) {
    throw new TypeError(
      `${fn}: tensor ${quote(name)} has been disposed`,
      { cause: error },
    );
  }
  return tensor;
}

/** Checks one name and value, and adds it to `out`. */
function add(
  out: Map<string, tf.Tensor>,
  name: unknown,
  value: unknown,
  fn: string,
): void {
  if (typeof name !== "string") {
    throw new TypeError(
      `${fn}: tensor names must be strings, received ${describe(name)}`,
    );
  }
  const tensor = value instanceof tf.LayerVariable
    ? readVariable(value, name, fn)
    : value instanceof Parameter
    ? value.data
    : value;
  if (!(tensor instanceof tf.Tensor)) {
    throw new TypeError(
      `${fn}: tensor ${quote(name)} must be a tf.Tensor, received ${
        describe(value)
      }`,
    );
  }
  if (tensor.isDisposed) {
    throw new TypeError(`${fn}: tensor ${quote(name)} has been disposed`);
  }
  out.set(name, tensor);
}

/** LayerVariables by their `originalName`, which must be distinct. */
function variables(
  list: readonly tf.LayerVariable[],
  what: string,
  fn: string,
): Map<string, tf.Tensor> {
  const out = new Map<string, tf.Tensor>();
  for (const variable of list) {
    const name = variable.originalName;
    if (out.has(name)) {
      throw new TypeError(
        `${fn}: two weights of ${what} are named ${
          quote(name)
        }; names must be distinct`,
      );
    }
    add(out, name, variable, fn);
  }
  return out;
}

/**
 * A model's weights through `namedWeights`: a LayersModel's by
 * `originalName`, a GraphModel's by node name (`node:0`, `node:1`, … for a
 * node of several tensors). Names must be distinct.
 */
function modelWeights(
  model: tf.LayersModel | tf.GraphModel,
  what: string,
  fn: string,
): Map<string, tf.Tensor> {
  const out = new Map<string, tf.Tensor>();
  for (const { name, x } of namedWeights(model, fn)) {
    if (out.has(name)) {
      throw new TypeError(
        `${fn}: two weights of ${what} are named ${
          quote(name)
        }; names must be distinct`,
      );
    }
    add(out, name, x, fn);
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
 * assertThrows(() => namedTensors(42, "demo"), TypeError, "demo: expected");
 * model.dispose();
 * p.dispose();
 * w.dispose();
 * ```
 */
export function namedTensors(x: unknown, fn: string): Map<string, tf.Tensor> {
  const out = new Map<string, tf.Tensor>();
  if (x instanceof Map) {
    for (const [name, value] of x) add(out, name, value, fn);
    return out;
  }
  if (x instanceof tf.LayersModel) {
    return modelWeights(x, `the model ${quote(x.name)}`, fn);
  }
  if (x instanceof tf.GraphModel) {
    return modelWeights(x, "the graph model", fn);
  }
  if (
    Array.isArray(x) && x.length > 0 &&
    x.every((v) => v instanceof tf.LayerVariable)
  ) {
    return variables(x, "the array", fn);
  }
  if (x !== null && typeof x === "object" && !Array.isArray(x)) {
    const stateDict = (x as { stateDict?: unknown }).stateDict;
    if (typeof stateDict === "function") {
      const tensors: unknown = stateDict.call(x);
      if (!(tensors instanceof Map)) {
        throw new TypeError(
          `${fn}: stateDict() must return a Map of tensors, returned ${
            describe(tensors)
          }`,
        );
      }
      for (const [name, value] of tensors) add(out, name, value, fn);
      return out;
    }
    const proto = Object.getPrototypeOf(x);
    if (proto === null || proto === Object.prototype) {
      for (const [name, value] of Object.entries(x)) {
        add(out, name, value, fn);
      }
      return out;
    }
  }
  throw new TypeError(`${fn}: expected ${ACCEPTED}; received ${describe(x)}`);
}
