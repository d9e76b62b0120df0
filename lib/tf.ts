/**
 * The tfjs namespace, with a backend already selected.
 *
 * Every module of the toolkit imports `tf` from here, so that whichever file
 * a user imports first, the backend is chosen by `setBackend`'s `"auto"`
 * rules (or `EMBER_BACKEND`) before any tensor is made, and tfjs never picks
 * its own default (which would be WebGPU on a software adapter).
 *
 * @module
 */
import * as tfjs from "@tensorflow/tfjs";
import "./_tfjs.ts";
import { initBackend } from "./backend.ts";

await initBackend();

/**
 * The `@tensorflow/tfjs` namespace this toolkit runs on (tfjs-core's ops,
 * gradients and chained methods, `tf.train` optimizers, `tf.layers`), with
 * the CPU, WASM and WebGPU backends registered and a backend already
 * selected.
 *
 * Use this `tf` rather than importing tfjs yourself: a second copy of
 * tfjs keeps its own backend registry, and tensors cannot cross between the
 * two. The common tensor types are available as `tf.Tensor`,
 * `tf.Tensor2D`, `tf.Variable`, `tf.DataType`, `tf.Optimizer` and so on; import any other
 * type from `@tensorflow/tfjs`.
 *
 * @example
 * ```ts
 * import { tf } from "../mod.ts";
 * import { assertEquals } from "@std/assert";
 *
 * const x: tf.Tensor = tf.tensor([1, 2, 3]).square();
 * assertEquals(await x.data(), new Float32Array([1, 4, 9]));
 * x.dispose();
 * ```
 */
export const tf: typeof tfjs = tfjs;

/** The common tfjs types, usable as `tf.Tensor`, `tf.Variable` and so on. */
export declare namespace tf {
  /** A tfjs tensor of any rank. */
  export type Tensor = InstanceType<typeof tf.Tensor>;
  /** A tfjs tensor's rank, as tfjs types it. */
  export type Rank = (typeof tf.Rank)[keyof typeof tf.Rank];
  /** A rank-0 tensor. */
  export type Scalar = InstanceType<typeof tf.Tensor<(typeof tf.Rank)["R0"]>>;
  /** A rank-1 tensor. */
  export type Tensor1D = InstanceType<typeof tf.Tensor<(typeof tf.Rank)["R1"]>>;
  /** A rank-2 tensor. */
  export type Tensor2D = InstanceType<typeof tf.Tensor<(typeof tf.Rank)["R2"]>>;
  /** A rank-3 tensor. */
  export type Tensor3D = InstanceType<typeof tf.Tensor<(typeof tf.Rank)["R3"]>>;
  /** A rank-4 tensor. */
  export type Tensor4D = InstanceType<typeof tf.Tensor<(typeof tf.Rank)["R4"]>>;
  /** A tfjs variable: a mutable tensor that optimizers update. */
  export type Variable = InstanceType<typeof tf.Variable>;
  /** A tensor's element type: `"float32"`, `"int32"`, `"bool"`, `"complex64"` or `"string"`. */
  export type DataType = Tensor["dtype"];
  /** A tfjs optimizer (`tf.train.adam()` and the others). */
  export type Optimizer = InstanceType<typeof tf.Optimizer>;
  /** Tensors by name. */
  export type NamedTensorMap = Record<string, Tensor>;
  /** A Keras-style model of `tf.layers` (`tf.sequential()`, `tf.model()`, `tf.loadLayersModel()`). */
  export type LayersModel = InstanceType<typeof tf.LayersModel>;
  /** A converted TensorFlow graph (`tf.loadGraphModel()`). */
  export type GraphModel = InstanceType<typeof tf.GraphModel>;
  /** One weight of a LayersModel (`model.weights[i]`); its tensor is `read()`. */
  export type LayerVariable = InstanceType<typeof tf.LayerVariable>;
}
