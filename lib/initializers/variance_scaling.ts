/**
 * Variance scaling and its named forms: Glorot (Xavier), He (Kaiming) and
 * LeCun, uniform and normal.
 *
 * @module
 */
import type { tf } from "../tf.ts";
import {
  type BaseOptions,
  type InitRecord,
  prepare,
  type Prepared,
} from "./_core.ts";
import type { Density } from "../stats/density.ts";
import { type FanOptions, fansOf } from "./fans.ts";
import {
  checkChoice,
  checkNonNegative,
  checkPositive,
  checkRank,
  rangeError,
} from "../validate.ts";
import { sampleNormal, sampleUniform } from "./random.ts";

/** Which fan the variance is divided by. */
export type FanMode = "fanIn" | "fanOut" | "fanAvg";

/** The law values are drawn from. */
export type VarianceDistribution = "truncatedNormal" | "normal" | "uniform";

/**
 * The standard deviation of a standard normal truncated to [−2, 2]:
 * √(1 − 4φ(2)/(Φ(2) − Φ(−2))) = 0.87962566103423978. Dividing by it makes the
 * truncated normal's variance exactly the target (JAX and Keras do this;
 * tfjs does not, tensorflow/tfjs#8594).
 */
export const TRUNCATED_NORMAL_STD_FACTOR = 0.87962566103423978;

/** Options for {@linkcode varianceScaling}. */
export interface VarianceScalingOptions extends BaseOptions, FanOptions {
  /** The variance numerator, > 0. Default 1. */
  scale?: number;
  /** Default `"fanIn"`. */
  mode?: FanMode;
  /** Default `"truncatedNormal"`. */
  distribution?: VarianceDistribution;
  /** Multiplies the standard deviation (the variance by gain²). Default 1. See `calculateGain`. */
  gain?: number;
}

/** Options for the named forms (Glorot, He, LeCun): everything but scale, mode and distribution. */
export type NamedVarianceOptions = Omit<
  VarianceScalingOptions,
  "scale" | "mode" | "distribution"
>;

const MODES: readonly FanMode[] = ["fanIn", "fanOut", "fanAvg"];
const DISTRIBUTIONS: readonly VarianceDistribution[] = [
  "truncatedNormal",
  "normal",
  "uniform",
];
const KEYS = ["scale", "mode", "distribution", "gain", "inAxis", "outAxis"];

/** The defaults of the variance-scaling family, by initializer name. */
const VARIANCE_SCALING_PRESETS: Readonly<
  Record<
    string,
    Readonly<
      { scale: number; mode: FanMode; distribution: VarianceDistribution }
    >
  >
> = Object.freeze({
  varianceScaling: { scale: 1, mode: "fanIn", distribution: "truncatedNormal" },
  glorotUniform: { scale: 1, mode: "fanAvg", distribution: "uniform" },
  glorotNormal: { scale: 1, mode: "fanAvg", distribution: "truncatedNormal" },
  heUniform: { scale: 2, mode: "fanIn", distribution: "uniform" },
  heNormal: { scale: 2, mode: "fanIn", distribution: "truncatedNormal" },
  lecunUniform: { scale: 1, mode: "fanIn", distribution: "uniform" },
  lecunNormal: { scale: 1, mode: "fanIn", distribution: "truncatedNormal" },
});

const NAMED_KEYS = ["gain", "inAxis", "outAxis"];

/** What a variance-scaling initializer draws, worked out without drawing. */
export interface VarianceScalingPlan {
  /** The checked shape, dtype, device and seed. */
  prepared: Prepared;
  /** The record the tensor will carry (without shape, dtype, seed and density). */
  record: Omit<InitRecord, "shape" | "dtype" | "seed" | "density">;
  /** The law of each value, as the record will say. */
  density: Density;
  /** How to draw it: the distribution and its parameters. */
  draw:
    | { kind: "uniform"; limit: number }
    | { kind: "normal"; std: number }
    | { kind: "truncatedNormal"; std: number };
}

/**
 * Checks the options of a variance-scaling initializer (`varianceScaling`
 * or one of the named ones in {@linkcode VARIANCE_SCALING_PRESETS}) for a
 * shape and works out its law, without drawing: what the initializer draws,
 * and what `assertFollowsInit` tests against.
 *
 * @param name The initializer's name.
 * @param shape The weight shape, rank ≥ 2.
 * @param options Its options, as the initializer takes them.
 * @returns The plan.
 * @throws {RangeError} As the initializer would, for a bad shape or option.
 */
export function varianceScalingPlan(
  name: string,
  shape: readonly number[],
  options: VarianceScalingOptions | undefined,
): VarianceScalingPlan {
  const defaults = VARIANCE_SCALING_PRESETS[name];
  if (defaults === undefined) {
    throw rangeError(
      "varianceScalingPlan",
      "name",
      `one of ${Object.keys(VARIANCE_SCALING_PRESETS).join(", ")}`,
      name,
    );
  }
  const keys = name === "varianceScaling" ? KEYS : NAMED_KEYS;
  const { prepared, options: o } = prepare(name, shape, options, keys);
  checkRank(name, prepared.shape, 2);
  const scale = checkPositive(name, "options.scale", o.scale ?? defaults.scale);
  const mode = checkChoice(
    name,
    "options.mode",
    o.mode ?? defaults.mode,
    MODES,
  );
  const distribution = checkChoice(
    name,
    "options.distribution",
    o.distribution ?? defaults.distribution,
    DISTRIBUTIONS,
  );
  const gain = checkNonNegative(name, "options.gain", o.gain ?? 1);
  const fans = fansOf(name, prepared.shape, {
    inAxis: o.inAxis,
    outAxis: o.outAxis,
  });
  const fan = mode === "fanIn"
    ? fans.fanIn
    : mode === "fanOut"
    ? fans.fanOut
    : (fans.fanIn + fans.fanOut) / 2;
  // An empty shape has fan 0; it draws nothing, so any finite std will do.
  const variance = fan > 0 ? (gain * gain * scale) / fan : 0;
  const record = {
    name,
    fans,
    options: { scale, mode, distribution, gain },
  };
  if (distribution === "uniform") {
    const limit = Math.sqrt(3 * variance);
    return {
      prepared,
      record,
      density: { kind: "uniform", low: -limit, high: limit },
      draw: { kind: "uniform", limit },
    };
  }
  if (distribution === "normal") {
    const std = Math.sqrt(variance);
    return {
      prepared,
      record,
      density: { kind: "normal", mean: 0, std },
      draw: { kind: "normal", std },
    };
  }
  const std = Math.sqrt(variance) / TRUNCATED_NORMAL_STD_FACTOR;
  return {
    prepared,
    record,
    density: {
      kind: "truncatedNormal",
      mean: 0,
      std,
      low: 0 + std * -2,
      high: 0 + std * 2,
    },
    draw: { kind: "truncatedNormal", std },
  };
}

function scaled(
  name: string,
  shape: readonly number[],
  options: VarianceScalingOptions | undefined,
): tf.Tensor {
  const { prepared, record, draw } = varianceScalingPlan(name, shape, options);
  if (draw.kind === "uniform") {
    return sampleUniform(prepared, -draw.limit, draw.limit, record);
  }
  if (draw.kind === "normal") {
    return sampleNormal(prepared, 0, draw.std, null, record);
  }
  return sampleNormal(prepared, 0, draw.std, { lower: -2, upper: 2 }, record);
}

/**
 * Draws with variance `gain² · scale / fan`, where fan is the fan-in, the
 * fan-out or their mean (see `computeFans`):
 *
 * - `"uniform"`: U(−limit, limit), limit = √(3 · variance);
 * - `"normal"`: N(0, variance);
 * - `"truncatedNormal"`: a normal truncated to ±2 standard deviations, its
 *   standard deviation divided by 0.87962566103423978 so that the variance
 *   of what is drawn is exactly `variance`.
 *
 * Rank < 2 is an error: a vector has no fans.
 *
 * @param shape The weight shape, rank ≥ 2.
 * @param options `scale` (1), `mode` (`"fanIn"`), `distribution`
 * (`"truncatedNormal"`), `gain` (1), `inAxis`/`outAxis`, `seed`, `device`.
 * @returns A float32 tensor.
 * @throws {RangeError} For rank < 2, `scale <= 0`, unknown mode or distribution.
 *
 * @example
 * ```ts
 * import { initializers } from "../../mod.ts";
 * import { assertEquals } from "@std/assert";
 *
 * const a = initializers.varianceScaling([64, 32], { scale: 2, mode: "fanIn", seed: 7 });
 * const b = initializers.heNormal([64, 32], { seed: 7 });
 * assertEquals(await a.data(), await b.data());
 * a.dispose();
 * b.dispose();
 * ```
 */
export function varianceScaling(
  shape: readonly number[],
  options?: VarianceScalingOptions,
): tf.Tensor {
  return scaled("varianceScaling", shape, options);
}

function named(name: string) {
  return (shape: readonly number[], options?: NamedVarianceOptions) =>
    scaled(name, shape, options);
}

/**
 * Glorot (Xavier) uniform: U(−limit, limit) with
 * limit = gain · √(6 / (fanIn + fanOut)). Variance 2/(fanIn + fanOut).
 *
 * @param shape The weight shape, rank ≥ 2 (`[in, out]` for dense).
 * @param options `gain` (1), `inAxis`/`outAxis`, `seed`, `device`.
 * @returns A float32 tensor.
 *
 * @example
 * ```ts
 * import { initializers } from "../../mod.ts";
 * import { assert } from "@std/assert";
 *
 * const w = initializers.glorotUniform([10, 10], { seed: 0 });
 * const limit = Math.sqrt(6 / 20);
 * assert((await w.data()).every((v) => Math.abs(v) <= limit));
 * w.dispose();
 * ```
 */
export const glorotUniform: (
  shape: readonly number[],
  options?: NamedVarianceOptions,
) => tf.Tensor = named("glorotUniform");

/**
 * Glorot (Xavier) normal: the truncated normal (±2σ) that Ember ML's docs
 * name, with variance exactly gain² · 2/(fanIn + fanOut) (its standard
 * deviation before truncation is √(2/(fanIn + fanOut)) / 0.87962566103423978).
 *
 * @param shape The weight shape, rank ≥ 2.
 * @param options `gain` (1), `inAxis`/`outAxis`, `seed`, `device`.
 * @returns A float32 tensor.
 *
 * @example
 * ```ts
 * import { initializers } from "../../mod.ts";
 * import { assertEquals } from "@std/assert";
 *
 * const w = initializers.glorotNormal([256, 256], { seed: 3 });
 * assertEquals(w.shape, [256, 256]);
 * w.dispose();
 * ```
 */
export const glorotNormal: (
  shape: readonly number[],
  options?: NamedVarianceOptions,
) => tf.Tensor = named("glorotNormal");

/**
 * He (Kaiming) uniform: U(−limit, limit), limit = gain · √(6 / fanIn).
 * Variance 2/fanIn, for ReLU networks.
 *
 * @param shape The weight shape, rank ≥ 2.
 * @param options `gain` (1), `inAxis`/`outAxis`, `seed`, `device`.
 * @returns A float32 tensor.
 *
 * @example
 * ```ts
 * import { initializers } from "../../mod.ts";
 * import { assert } from "@std/assert";
 *
 * const w = initializers.heUniform([50, 20], { seed: 0 });
 * assert((await w.data()).every((v) => Math.abs(v) <= Math.sqrt(6 / 50)));
 * w.dispose();
 * ```
 */
export const heUniform: (
  shape: readonly number[],
  options?: NamedVarianceOptions,
) => tf.Tensor = named("heUniform");

/**
 * He (Kaiming) normal: a ±2σ truncated normal with variance exactly
 * gain² · 2/fanIn.
 *
 * @param shape The weight shape, rank ≥ 2.
 * @param options `gain` (1), `inAxis`/`outAxis`, `seed`, `device`.
 * @returns A float32 tensor.
 *
 * @example
 * ```ts
 * import { initializers } from "../../mod.ts";
 * import { assertEquals } from "@std/assert";
 *
 * const w = initializers.heNormal([3, 3, 8, 16], { seed: 0 });
 * assertEquals(initializers.initRecordOf(w)!.fans!.fanIn, 72);
 * w.dispose();
 * ```
 */
export const heNormal: (
  shape: readonly number[],
  options?: NamedVarianceOptions,
) => tf.Tensor = named("heNormal");

/**
 * LeCun uniform: U(−limit, limit), limit = gain · √(3 / fanIn). Variance
 * 1/fanIn, for SELU networks.
 *
 * @param shape The weight shape, rank ≥ 2.
 * @param options `gain` (1), `inAxis`/`outAxis`, `seed`, `device`.
 * @returns A float32 tensor.
 *
 * @example
 * ```ts
 * import { initializers } from "../../mod.ts";
 * import { assert } from "@std/assert";
 *
 * const w = initializers.lecunUniform([30, 5], { seed: 0 });
 * assert((await w.data()).every((v) => Math.abs(v) <= Math.sqrt(3 / 30)));
 * w.dispose();
 * ```
 */
export const lecunUniform: (
  shape: readonly number[],
  options?: NamedVarianceOptions,
) => tf.Tensor = named("lecunUniform");

/**
 * LeCun normal: a ±2σ truncated normal with variance exactly gain² / fanIn.
 *
 * @param shape The weight shape, rank ≥ 2.
 * @param options `gain` (1), `inAxis`/`outAxis`, `seed`, `device`.
 * @returns A float32 tensor.
 *
 * @example
 * ```ts
 * import { initializers } from "../../mod.ts";
 * import { assertEquals } from "@std/assert";
 *
 * const w = initializers.lecunNormal([30, 5], { seed: 0 });
 * assertEquals(w.dtype, "float32");
 * w.dispose();
 * ```
 */
export const lecunNormal: (
  shape: readonly number[],
  options?: NamedVarianceOptions,
) => tf.Tensor = named("lecunNormal");
