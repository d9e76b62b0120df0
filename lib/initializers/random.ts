/**
 * Plain random distributions: `randomUniform`, `randomNormal`,
 * `truncatedNormal`.
 *
 * Values are drawn in Float64 from the counter-based generator
 * (`lib/random`) and rounded once to float32, so a seed gives the same bits on
 * every backend.
 *
 * @module
 */
import type { tf } from "../tf.ts";
import {
  type BaseOptions,
  drawFor,
  finishFloat32,
  type InitRecord,
  type Prepared,
} from "./_core.ts";
import { prepare } from "./_core.ts";
import {
  checkBound,
  checkFinite,
  checkNonNegative,
  rangeError,
} from "../validate.ts";
import { scaledNormal, scaledUniform } from "../random/distributions.ts";

/** Options for {@linkcode randomUniform}. */
export interface RandomUniformOptions extends BaseOptions {
  /** Lower bound. Default −0.05. */
  minval?: number;
  /** Upper bound. Default 0.05. */
  maxval?: number;
}

/** Options for {@linkcode randomNormal}. */
export interface RandomNormalOptions extends BaseOptions {
  /** Mean. Default 0. */
  mean?: number;
  /** Standard deviation, ≥ 0. Default 0.05. */
  stddev?: number;
}

/** Options for {@linkcode truncatedNormal}. */
export interface TruncatedNormalOptions extends RandomNormalOptions {
  /** Lower bound, in standard deviations from the mean. Default −2. */
  lower?: number;
  /** Upper bound, in standard deviations from the mean. Default 2. */
  upper?: number;
}

/** Checks the options of `randomUniform`: finite bounds, `minval <= maxval`. */
export function uniformOptions(
  p: Prepared,
  o: RandomUniformOptions,
): { minval: number; maxval: number } {
  const minval = checkFinite(p.fn, "options.minval", o.minval ?? -0.05);
  const maxval = checkFinite(p.fn, "options.maxval", o.maxval ?? 0.05);
  if (minval > maxval) {
    throw rangeError(
      p.fn,
      "options.minval",
      `<= options.maxval (${maxval})`,
      minval,
    );
  }
  return { minval, maxval };
}

/** Checks the options of `randomNormal`: a finite mean, a `stddev >= 0`. */
export function normalOptions(
  p: Prepared,
  o: RandomNormalOptions,
): { mean: number; stddev: number } {
  const mean = checkFinite(p.fn, "options.mean", o.mean ?? 0);
  const stddev = checkNonNegative(p.fn, "options.stddev", o.stddev ?? 0.05);
  return { mean, stddev };
}

/**
 * Checks the options of `truncatedNormal`: those of `randomNormal`, and
 * bounds (±Infinity allowed) with `lower < upper`.
 */
export function truncatedOptions(
  p: Prepared,
  o: TruncatedNormalOptions,
): { mean: number; stddev: number; lower: number; upper: number } {
  const { mean, stddev } = normalOptions(p, o);
  const lower = checkBound(p.fn, "options.lower", o.lower ?? -2);
  const upper = checkBound(p.fn, "options.upper", o.upper ?? 2);
  if (!(lower < upper)) {
    throw rangeError(
      p.fn,
      "options.lower",
      `< options.upper (${upper})`,
      lower,
    );
  }
  return { mean, stddev, lower, upper };
}

/** Draws `low + (high − low)·u`, u uniform in [0, 1) in Float64, rounded to float32. */
export function sampleUniform(
  p: Prepared,
  low: number,
  high: number,
  record: Omit<InitRecord, "shape" | "dtype" | "seed" | "density">,
): tf.Tensor {
  const draw = drawFor(p);
  return finishFloat32(
    p,
    (out) => scaledUniform(p.size, low, high, draw, 0, out),
    { ...record, density: { kind: "uniform", low, high } },
  );
}

/** Draws `mean + std·z`, z standard normal (truncated to [lower, upper] when given) in Float64, rounded to float32. */
export function sampleNormal(
  p: Prepared,
  mean: number,
  std: number,
  truncation: { lower: number; upper: number } | null,
  record: Omit<InitRecord, "shape" | "dtype" | "seed" | "density">,
): tf.Tensor {
  const draw = drawFor(p);
  const lower = truncation?.lower ?? -Infinity;
  const upper = truncation?.upper ?? Infinity;
  const fill = (out: Float32Array) =>
    scaledNormal(p.size, mean, std, lower, upper, draw, 0, out);
  return finishFloat32(p, fill, {
    ...record,
    density: truncation === null ? { kind: "normal", mean, std } : {
      kind: "truncatedNormal",
      mean,
      std,
      low: mean + std * truncation.lower,
      high: mean + std * truncation.upper,
    },
  });
}

/**
 * Values drawn uniformly from [minval, maxval).
 *
 * Each value is `minval + (maxval − minval)·u` with u a 53-bit uniform in
 * [0, 1), computed in Float64 and rounded to float32 (so `maxval` itself can
 * appear only through that rounding). `minval = maxval` gives a constant.
 *
 * @param shape The shape.
 * @param options `minval` (default −0.05), `maxval` (default 0.05), `seed`, `device`.
 * @returns A float32 tensor.
 * @throws {RangeError} If `minval > maxval` or either is not finite.
 *
 * @example
 * ```ts
 * import { initializers } from "../../mod.ts";
 * import { assert } from "@std/assert";
 *
 * const t = initializers.randomUniform([1000], { minval: 0, maxval: 1, seed: 0 });
 * assert((await t.data()).every((v) => v >= 0 && v <= 1));
 * t.dispose();
 * ```
 */
export function randomUniform(
  shape: readonly number[],
  options?: RandomUniformOptions,
): tf.Tensor {
  const { prepared, options: o } = prepare("randomUniform", shape, options, [
    "minval",
    "maxval",
  ]);
  const { minval, maxval } = uniformOptions(prepared, o);
  return sampleUniform(prepared, minval, maxval, {
    name: "randomUniform",
    options: { minval, maxval },
  });
}

/**
 * Values drawn from the normal distribution N(mean, stddev²).
 *
 * Each value is `mean + stddev·z`, z an exact standard normal computed in
 * Float64, rounded once to float32.
 *
 * @param shape The shape.
 * @param options `mean` (default 0), `stddev` (default 0.05), `seed`, `device`.
 * @returns A float32 tensor.
 * @throws {RangeError} If `stddev < 0`.
 *
 * @example
 * ```ts
 * import { initializers } from "../../mod.ts";
 * import { assertAlmostEquals } from "@std/assert";
 *
 * const t = initializers.randomNormal([10000], { mean: 3, stddev: 0, seed: 1 });
 * assertAlmostEquals((await t.data())[0], 3);
 * t.dispose();
 * ```
 */
export function randomNormal(
  shape: readonly number[],
  options?: RandomNormalOptions,
): tf.Tensor {
  const { prepared, options: o } = prepare("randomNormal", shape, options, [
    "mean",
    "stddev",
  ]);
  const { mean, stddev } = normalOptions(prepared, o);
  return sampleNormal(prepared, mean, stddev, null, {
    name: "randomNormal",
    options: { mean, stddev },
  });
}

/**
 * Values drawn from N(mean, stddev²) conditioned on
 * [mean + lower·stddev, mean + upper·stddev].
 *
 * The bounds are in standard deviations (default ±2, as in Keras and tfjs;
 * ±Infinity gives a one-sided truncation);
 * `stddev` is that of the normal *before* truncation, so the result's standard
 * deviation is smaller (0.8796·stddev for ±2). Sampling is exact (see
 * `truncatedStandardNormal`), in Float64, rounded once to float32.
 *
 * @param shape The shape.
 * @param options `mean` (0), `stddev` (0.05), `lower` (−2), `upper` (2), `seed`, `device`.
 * @returns A float32 tensor.
 * @throws {RangeError} If `stddev < 0` or `lower >= upper`.
 *
 * @example
 * ```ts
 * import { initializers } from "../../mod.ts";
 * import { assert } from "@std/assert";
 *
 * const t = initializers.truncatedNormal([1000], { stddev: 1, seed: 2 });
 * assert((await t.data()).every((v) => Math.abs(v) <= 2));
 * t.dispose();
 * ```
 */
export function truncatedNormal(
  shape: readonly number[],
  options?: TruncatedNormalOptions,
): tf.Tensor {
  const { prepared, options: o } = prepare("truncatedNormal", shape, options, [
    "mean",
    "stddev",
    "lower",
    "upper",
  ]);
  const { mean, stddev, lower, upper } = truncatedOptions(prepared, o);
  return sampleNormal(prepared, mean, stddev, { lower, upper }, {
    name: "truncatedNormal",
    options: { mean, stddev, lower, upper },
  });
}
