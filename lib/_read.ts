/**
 * Reading weights as Float32/Float64 values, from tensors, Parameters or typed
 * arrays, with at most one copy.
 *
 * @module
 */
import { tf } from "./tf.ts";
import { Parameter } from "./nn/parameter.ts";
import { show } from "./initializers/_validate.ts";

/** Values with a shape: what the analysis functions accept besides tensors. */
export interface ShapedArray {
  /** Row-major values. */
  values:
    | Float32Array
    | Float64Array
    | Int32Array
    | Uint8Array
    | readonly number[];
  /** The shape; its product must equal `values.length`. */
  shape: readonly number[];
}

/** What the analysis functions accept. */
export type WeightsLike =
  | tf.Tensor
  | Parameter
  | ShapedArray
  | Float32Array
  | Float64Array;

/** Values and shape, read once. */
export interface Weights {
  /** Row-major values (a view of the tensor's one read, or the array given). */
  values:
    | Float32Array
    | Float64Array
    | Int32Array
    | Uint8Array
    | readonly number[];
  /** The shape. */
  shape: number[];
}

/**
 * Reads weights without copying more than once: a tensor's `dataSync()` (one
 * copy off the backend), a typed array as is.
 *
 * @throws {TypeError} For anything else, or a disposed tensor.
 */
export function readWeights(x: WeightsLike, fn: string): Weights {
  const tensor = x instanceof Parameter ? x.data : x;
  if (tensor instanceof tf.Tensor) {
    if (tensor.isDisposed) throw new TypeError(`${fn}: the tensor is disposed`);
    if (tensor.dtype === "string" || tensor.dtype === "complex64") {
      throw new TypeError(`${fn}: dtype ${tensor.dtype} is not numeric`);
    }
    return {
      values: tensor.dataSync() as Float32Array | Int32Array | Uint8Array,
      shape: [...tensor.shape],
    };
  }
  if (x instanceof Float32Array || x instanceof Float64Array) {
    return { values: x, shape: [x.length] };
  }
  if (x !== null && typeof x === "object" && "values" in x && "shape" in x) {
    const size = x.shape.reduce((a, b) => a * b, 1);
    if (size !== x.values.length) {
      throw new RangeError(
        `${fn}: shape ${
          show(x.shape)
        } has ${size} elements but values has ${x.values.length}`,
      );
    }
    return { values: x.values, shape: [...x.shape] };
  }
  throw new TypeError(
    `${fn} needs a tf.Tensor, a Parameter, a Float32Array/Float64Array or { values, shape }, received ${
      show(x)
    }`,
  );
}
