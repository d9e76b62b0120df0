/**
 * The binomial (Bernoulli) initializer: masks of 0s and 1s.
 *
 * @module
 */
import type { tf } from "../tf.ts";
import type { BackendName } from "../backend.ts";
import {
  allocate,
  type BaseOptions,
  drawFor,
  finish,
  type InitDType,
  prepare,
  type Prepared,
} from "./_core.ts";
import { checkProbability } from "../validate.ts";
import { keyFromSeed } from "../random/stream.ts";
import { bernoulli } from "../random/distributions.ts";

/** Options for {@linkcode binomial}. */
export interface BinomialOptions extends BaseOptions {
  /** P(value = 1), in [0, 1]. Default 0.5. */
  probability?: number;
}

const DTYPES = ["float32", "int32", "bool"] as const;

/** Checks the options of `binomial`: a probability in [0, 1]. */
export function binomialOptions(
  p: Prepared,
  o: BinomialOptions,
): { probability: number } {
  return {
    probability: checkProbability(
      p.fn,
      "options.probability",
      o.probability ?? 0.5,
    ),
  };
}

/**
 * Values that are 1 with probability `probability` and 0 otherwise,
 * independently (Ember ML's `binomial`, used for sparsity masks).
 * `probability` 0 and 1 give exactly all-zeros and all-ones.
 *
 * @param shape The shape.
 * @param options `probability` (0.5), `dtype` (float32, int32 or bool), `seed`, `device`.
 * @returns The tensor.
 * @throws {RangeError} If `probability` is outside [0, 1] or NaN, or a bad
 * shape or seed.
 * @throws {TypeError} For a probability or seed that is not a number, or a
 * misspelt option.
 *
 * @example
 * ```ts
 * import { initializers } from "../../mod.ts";
 * import { assert } from "@std/assert";
 *
 * const mask = initializers.binomial([1000], { probability: 0.2, seed: 4 });
 * const ones = (await mask.data()).filter((v) => v === 1).length;
 * assert(ones > 150 && ones < 250);
 * mask.dispose();
 * ```
 */
export function binomial(
  shape: readonly number[],
  options?: BinomialOptions,
): tf.Tensor {
  const { prepared, options: o } = prepare(
    "binomial",
    shape,
    options,
    ["probability"],
    DTYPES,
  );
  const { probability } = binomialOptions(prepared, o);
  const draw = drawFor(prepared);
  const values = allocate(prepared.dtype, prepared.size);
  bernoulli(prepared.size, probability, draw, 0, values);
  return finish(prepared, values, {
    name: "binomial",
    options: { probability },
    density: { kind: "bernoulli", p: probability },
  });
}

/** What {@linkcode BinomialInitializer.getConfig} returns. */
export interface BinomialConfig {
  /** P(value = 1). */
  probability: number;
  /** The seed, or `null` for the global stream. */
  seed: number | null;
}

/**
 * Ember ML's `BinomialInitializer`, as a class: construct it with a
 * probability and an optional seed, then call it with a shape.
 *
 * With a seed, every call gives the same mask for the same shape (as Keras's
 * seeded initializers do); without one, each call draws from the global
 * stream.
 *
 * @example
 * ```ts
 * import { initializers } from "../../mod.ts";
 * import { assertEquals } from "@std/assert";
 *
 * const init = new initializers.BinomialInitializer(0.3, 42);
 * const a = init.call([4, 4]);
 * const b = init.call([4, 4], "int32");
 * assertEquals(Array.from(await a.data()), Array.from(await b.data()));
 * assertEquals(init.getConfig(), { probability: 0.3, seed: 42 });
 * a.dispose();
 * b.dispose();
 * ```
 */
export class BinomialInitializer {
  /** P(value = 1). */
  readonly probability: number;
  /** The seed, or `undefined` for the global stream. */
  readonly seed: number | undefined;

  /**
   * Configures the initializer (nothing is drawn yet).
   *
   * @param probability P(value = 1), in [0, 1]. Default 0.5.
   * @param seed Optional seed (integer in [0, 2^53 − 1]).
   * @throws {RangeError} For a bad probability or seed.
   * @throws {TypeError} For a probability or seed that is not a number.
   */
  constructor(probability = 0.5, seed?: number) {
    const fn = "BinomialInitializer";
    this.probability = checkProbability(fn, "probability", probability);
    if (seed !== undefined) keyFromSeed(seed, fn, "seed");
    this.seed = seed;
  }

  /**
   * Draws a mask.
   *
   * @param shape The shape.
   * @param dtype `"float32"` (default), `"int32"` or `"bool"`.
   * @param device A backend name; default the active backend.
   * @returns The mask.
   */
  call(
    shape: readonly number[],
    dtype?: InitDType,
    device?: BackendName,
  ): tf.Tensor {
    const options: BinomialOptions = { probability: this.probability };
    if (this.seed !== undefined) options.seed = this.seed;
    if (dtype !== undefined) options.dtype = dtype;
    if (device !== undefined) options.device = device;
    return binomial(shape, options);
  }

  /**
   * The constructor arguments, as Ember ML's `get_config`.
   *
   * @returns `{ probability, seed }` (`seed` is `null` when none was given).
   */
  getConfig(): BinomialConfig {
    return { probability: this.probability, seed: this.seed ?? null };
  }
}
