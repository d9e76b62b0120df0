/**
 * Weights as host data (typed arrays with a shape): what the numerics in
 * `lib/linalg` and `lib/stats` take. No tfjs here; `lib/read` turns tensors
 * and Parameters into these.
 *
 * @module
 */
import { checkValuesShape, typeError } from "./validate.ts";

/** Row-major values as the numerics take them. */
export type HostValues =
  | Float32Array
  | Float64Array
  | Int32Array
  | Uint8Array
  | readonly number[];

/** Values with a shape: what the numerics accept besides a bare typed array. */
export interface ShapedArray {
  /** Row-major values. */
  values: HostValues;
  /** The shape; its product must equal `values.length`. */
  shape: readonly number[];
}

/** Host weights: `{ values, shape }`, or a Float32Array/Float64Array (1-D). */
export type HostWeights = ShapedArray | Float32Array | Float64Array;

/** Values and shape, as read. */
export interface Weights {
  /** Row-major values (a view of the tensor's one read, or the array given). */
  values: HostValues;
  /** The shape. */
  shape: number[];
}

/**
 * The `TypeError` for an `x` given to `fn` that is not host data: for a
 * tensor or Parameter the message names the asynchronous helper to await
 * instead (`fn` without `Sync`).
 *
 * @param fn The function the user called.
 * @param x What it was given.
 * @param requirement What `x` must be.
 */
export function notHostData(
  fn: string,
  x: unknown,
  requirement: string,
): TypeError {
  const tensorLike = x !== null && typeof x === "object" &&
    ("dataSync" in x || "data" in x);
  const error = typeError(fn, "x", requirement, x);
  if (!tensorLike) return error;
  return new TypeError(
    `${error.message} (for a tensor or Parameter, await the asynchronous ${
      fn.replace(/Sync$/, "")
    })`,
  );
}

/**
 * Checks host weights given to `fn` as `x` and returns them as
 * `{ values, shape }` without copying.
 *
 * @throws {TypeError} For anything but host weights (a tensor's message says
 * to use the asynchronous helper).
 * @throws {RangeError} When the shape's product is not the values' length.
 */
export function hostWeights(x: unknown, fn: string): Weights {
  if (x instanceof Float32Array || x instanceof Float64Array) {
    return { values: x, shape: [x.length] };
  }
  if (
    x !== null && typeof x === "object" && "values" in x && "shape" in x &&
    Array.isArray((x as ShapedArray).shape)
  ) {
    const { values, shape } = x as ShapedArray;
    if (
      !(values instanceof Float32Array || values instanceof Float64Array ||
        values instanceof Int32Array || values instanceof Uint8Array ||
        Array.isArray(values))
    ) {
      throw typeError(
        fn,
        "x.values",
        "a Float32Array, Float64Array, Int32Array, Uint8Array or number[]",
        values,
      );
    }
    return { values, shape: checkValuesShape(fn, "x", shape, values.length) };
  }
  throw notHostData(
    fn,
    x,
    "host data ({ values, shape } or a Float32Array/Float64Array)",
  );
}
