/**
 * Reading weights for the helpers: a tensor or Parameter is read once, with
 * `await tensor.data()` (so tensors on the WebGPU backend work), host data
 * is taken as it is.
 *
 * @module
 */
import { tf } from "../tf.ts";
import { Parameter } from "../nn/parameter.ts";
import { disposedError, typeError } from "../validate.ts";
import { type HostWeights, hostWeights, type Weights } from "../host.ts";

/** What the reading helpers accept for one weight. */
export type WeightsLike =
  | tf.Tensor
  | Parameter
  | tf.LayerVariable
  | HostWeights;

function readLayerVariable(v: tf.LayerVariable, fn: string): tf.Tensor {
  try {
    return v.read();
  } catch (error) {
    throw Object.assign(disposedError(fn, "x"), { cause: error });
  }
}

/**
 * Reads weights once: a tensor's (or a Parameter's) values with one
 * asynchronous read off its backend, host data as given.
 *
 * @throws {TypeError} For a disposed or non-numeric tensor, a tensor made by
 * another copy of tfjs, or anything that is not weights.
 */
export async function readWeights(
  x: WeightsLike,
  fn: string,
): Promise<Weights> {
  const tensor = x instanceof Parameter
    ? x.data
    : x instanceof tf.LayerVariable
    ? readLayerVariable(x, fn)
    : x;
  if (tensor instanceof tf.Tensor) {
    if (tensor.isDisposed) throw disposedError(fn, "x");
    if (tensor.dtype === "string" || tensor.dtype === "complex64") {
      throw typeError(fn, "x.dtype", "a numeric dtype", tensor.dtype);
    }
    const shape = [...tensor.shape];
    const values = await tensor.data() as
      | Float32Array
      | Int32Array
      | Uint8Array;
    return { values, shape };
  }
  if (
    tensor !== null && typeof tensor === "object" && "dataSync" in tensor &&
    "shape" in tensor && "dtype" in tensor
  ) {
    throw new TypeError(
      `${fn}: x must be a tensor of the tf that mod.ts exports (import { tf } from ".../mod.ts"), so that tensors and backends are shared, received a tensor made by another copy of tfjs`,
    );
  }
  if (
    x !== null && typeof x === "object" && !("values" in x) &&
    !(x instanceof Float32Array || x instanceof Float64Array)
  ) {
    throw typeError(
      fn,
      "x",
      "a tf.Tensor, a Parameter, a LayerVariable, a Float32Array/Float64Array or { values, shape }",
      x,
    );
  }
  return hostWeights(x, fn);
}
