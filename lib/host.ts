/**
 * Weights as host data (typed arrays with a shape): what the numerics in
 * `lib/linalg` and `lib/stats` take. No tfjs here; `lib/read` turns tensors
 * and Parameters into these.
 *
 * @module
 */
import { show } from "./_validate.ts";

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
 * Checks host weights and returns them as `{ values, shape }` without
 * copying.
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
      throw new TypeError(
        `${fn}: values must be a Float32Array, Float64Array, Int32Array, Uint8Array or number[], received ${
          show(values)
        }`,
      );
    }
    for (const d of shape) {
      if (!Number.isInteger(d) || d < 0) {
        throw new RangeError(
          `${fn}: shape must hold integers ≥ 0, received ${show(shape)}`,
        );
      }
    }
    const size = shape.reduce((a: number, b: number) => a * b, 1);
    if (size !== values.length) {
      throw new RangeError(
        `${fn}: shape ${
          show(shape)
        } has ${size} elements but values has ${values.length}`,
      );
    }
    return { values, shape: [...shape] };
  }
  const tensorLike = x !== null && typeof x === "object" &&
    ("dataSync" in x || "data" in x);
  throw new TypeError(
    tensorLike
      ? `${fn} takes host data ({ values, shape } or a typed array); for a tensor or Parameter use the asynchronous helper without "Sync" (await it)`
      : `${fn} needs { values, shape } or a Float32Array/Float64Array, received ${
        show(x)
      }`,
  );
}
