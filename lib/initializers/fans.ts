/**
 * Fans and gains: the numbers that variance-scaling initializers divide by
 * and multiply with.
 *
 * @module
 */
import {
  checkChoice,
  checkFinite,
  checkInteger,
  checkRank,
  checkShape,
  rangeError,
  show,
} from "../validate.ts";

/** Options for {@linkcode computeFans}. */
export interface FanOptions {
  /** The axis that indexes inputs. Default `-2` (dense `[in, out]`, conv `[...spatial, in, out]`). */
  inAxis?: number;
  /** The axis that indexes outputs. Default `-1`. */
  outAxis?: number;
}

/** What {@linkcode computeFans} returns. */
export interface Fans {
  /** `shape[inAxis] × receptiveField`. */
  fanIn: number;
  /** `shape[outAxis] × receptiveField`. */
  fanOut: number;
  /** The product of every axis other than `inAxis` and `outAxis` (1 for a dense kernel). */
  receptiveField: number;
}

function axis(fn: string, arg: string, value: unknown, rank: number): number {
  const a = checkInteger(fn, arg, value, -rank, rank - 1);
  return a < 0 ? a + rank : a;
}

/**
 * {@linkcode computeFans} for `fn`, the function the user called (an
 * initializer passes its own name and options).
 */
export function fansOf(
  fn: string,
  shape: readonly number[],
  options: FanOptions,
): Fans {
  const dims = checkShape(fn, shape);
  checkRank(fn, dims, 2);
  const rank = dims.length;
  const inAxis = axis(fn, "options.inAxis", options.inAxis ?? -2, rank);
  const outAxis = axis(fn, "options.outAxis", options.outAxis ?? -1, rank);
  if (inAxis === outAxis) {
    throw rangeError(
      fn,
      "options.outAxis",
      `an axis other than options.inAxis (axis ${inAxis} of ${show(dims)})`,
      options.outAxis ?? -1,
    );
  }
  let receptiveField = 1;
  dims.forEach((d, i) => {
    if (i !== inAxis && i !== outAxis) receptiveField *= d;
  });
  return {
    fanIn: dims[inAxis] * receptiveField,
    fanOut: dims[outAxis] * receptiveField,
    receptiveField,
  };
}

/**
 * The fan-in and fan-out of a weight shape.
 *
 * With the default axes, a dense kernel `[in, out]` (Ember ML's and tfjs's
 * layout) has `fanIn = in`, `fanOut = out`; a convolution kernel
 * `[...spatial, in, out]` has `fanIn = in × r` and `fanOut = out × r`, where
 * the receptive field `r` is the product of the spatial sizes. Other layouts
 * (PyTorch's `[out, in, ...spatial]`: `{ inAxis: 1, outAxis: 0 }`) are
 * covered by `inAxis` and `outAxis`, as in JAX's `variance_scaling`: the
 * receptive field is then the product of all the other axes.
 *
 * Rank < 2 is an error (as in PyTorch): a bias or a scalar has no fans.
 *
 * @param shape The weight shape.
 * @param options `inAxis` (default −2) and `outAxis` (default −1).
 * @returns `{ fanIn, fanOut, receptiveField }`.
 * @throws {RangeError} For a bad shape, rank < 2, or bad or equal axes.
 * @throws {TypeError} For a shape or axis that is not made of integers.
 *
 * @example
 * ```ts
 * import { computeFans } from "./fans.ts";
 * import { assertEquals } from "@std/assert";
 *
 * assertEquals(computeFans([784, 128]), { fanIn: 784, fanOut: 128, receptiveField: 1 });
 * assertEquals(computeFans([3, 3, 16, 32]), { fanIn: 144, fanOut: 288, receptiveField: 9 });
 * assertEquals(computeFans([32, 16, 3, 3], { inAxis: 1, outAxis: 0 }).fanIn, 144);
 * ```
 */
export function computeFans(
  shape: readonly number[],
  options: FanOptions = {},
): Fans {
  return fansOf("computeFans", shape, options);
}

/** The nonlinearities {@linkcode calculateGain} knows. */
export const NONLINEARITIES: readonly string[] = Object.freeze([
  "linear",
  "identity",
  "conv1d",
  "conv2d",
  "conv3d",
  "conv_transpose1d",
  "conv_transpose2d",
  "conv_transpose3d",
  "sigmoid",
  "tanh",
  "relu",
  "leaky_relu",
  "selu",
]);

const CAMEL: Record<string, string> = {
  convTranspose1d: "conv_transpose1d",
  convTranspose2d: "conv_transpose2d",
  convTranspose3d: "conv_transpose3d",
  leakyRelu: "leaky_relu",
};

/**
 * The recommended gain for a nonlinearity, from PyTorch's table: the factor by
 * which to scale the standard deviation so that activations keep their
 * variance through the layer.
 *
 * | nonlinearity | gain |
 * | --- | --- |
 * | linear, identity, conv*, sigmoid | 1 |
 * | tanh | 5/3 |
 * | relu | √2 |
 * | leaky_relu | √(2 / (1 + slope²)), slope = `param` (default 0.01) |
 * | selu | 3/4 |
 *
 * camelCase names (`leakyRelu`, `convTranspose2d`) are accepted too.
 *
 * @param nonlinearity The activation's name.
 * @param param The negative slope, for `leaky_relu` only.
 * @returns The gain.
 * @throws {RangeError} For an unknown name; {TypeError} for a non-number slope.
 *
 * @example
 * ```ts
 * import { calculateGain } from "./fans.ts";
 * import { assertAlmostEquals } from "@std/assert";
 *
 * assertAlmostEquals(calculateGain("relu"), Math.SQRT2);
 * assertAlmostEquals(calculateGain("leaky_relu", 0.2), Math.sqrt(2 / 1.04));
 * ```
 */
export function calculateGain(nonlinearity: string, param?: number): number {
  const name = checkChoice(
    "calculateGain",
    "nonlinearity",
    CAMEL[nonlinearity as string] ?? nonlinearity,
    NONLINEARITIES,
  );
  switch (name) {
    case "tanh":
      return 5 / 3;
    case "relu":
      return Math.SQRT2;
    case "leaky_relu": {
      const slope = param === undefined
        ? 0.01
        : checkFinite("calculateGain", "param", param);
      return Math.sqrt(2 / (1 + slope * slope));
    }
    case "selu":
      return 3 / 4;
    default:
      return 1;
  }
}
