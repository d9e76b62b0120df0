/**
 * `assertFollowsInit`: do these values follow the law an initializer draws
 * from?
 *
 * @module
 */
import { AssertionError } from "@std/assert";
import type { InitializerConfig } from "../initializers/registry.ts";
import { checkOptions, rangeError, typeError } from "../validate.ts";
import { readWeights, type WeightsLike } from "../read/weights.ts";
import { lawOf } from "../stats/laws.ts";
import { continuousCdf } from "../stats/law_cdf.ts";
import { ksTest } from "../stats/kolmogorov_smirnov.ts";
import { binomialTest } from "../stats/binomial_test.ts";
import { type ExpectedLaw, expectedLaw } from "../initializers/expected_law.ts";
import { indexText, moments, num, pValue, shapeText } from "./_format.ts";

/** Options for {@linkcode assertFollowsInit}. */
export interface AssertFollowsInitOptions {
  /**
   * The significance level: the assertion fails when the test's p-value is
   * below it, so a correct draw fails with probability `alpha`. In (0, 1).
   * Default 1e-3.
   */
  alpha?: number;
}

const FN = "assertFollowsInit";

/**
 * Asserts that the values of `x` follow the exact law that the initializer
 * `nameOrConfig` draws from for `x`'s shape: a one-sample
 * Kolmogorov–Smirnov test at significance `alpha` for continuous laws, an
 * exact binomial test for two-valued ones, and equality for deterministic
 * ones.
 *
 * **The law.** The name or config is resolved exactly as `getInitializer`
 * resolves it (names, aliases, `{ name, ...options }`, Keras's
 * `{ class_name, config }`), its options are checked by the initializer's
 * own checks, and the law is worked out from `x`'s shape without drawing
 * anything: fans by `computeFans` (with the config's `inAxis`/`outAxis`),
 * variance `gain²·scale/fan`, and the same density the initializer records
 * (`initRecordOf(t).density`). So `glorotNormal` means a normal truncated at
 * ±2σ whose σ is corrected so that the variance is 2/(fanIn + fanOut);
 * `orthogonal` means gain × a coordinate of a uniform unit vector in R^big
 * (big = the longer side of the matrix the shape is read as), whose square
 * is Beta(1/2, (big − 1)/2).
 *
 * **The tests**, by initializer:
 *
 * - Continuous laws (uniform, normal and truncated-normal families,
 *   variance scaling, `orthogonal`, `deltaOrthogonal`'s centre tap):
 *   Kolmogorov–Smirnov against the law's exact CDF; the p-value is exact
 *   (Marsaglia–Tsang–Wang) for small samples and Stephens' corrected
 *   asymptotic formula for large ones (relative error < 4% for n ≥ 100; see
 *   `kolmogorovPValue`). `deltaOrthogonal`'s other taps must be exactly 0.
 * - `sparse`: the number of exact zeros must be what `sparse` makes
 *   (⌈sparsity·rows⌉ per column: a count, not a chance); the other values
 *   are tested by KS against N(0, stddev²).
 * - `binomial` (and `orthogonal` of a 1×1 matrix, ±gain): every value must
 *   be one of the two, and the count of the larger is tested by an exact
 *   two-sided binomial test at `alpha`.
 * - Deterministic initializers (`zeros`, `ones`, `constant`, `identity`,
 *   `dirac`, and any law of zero width: `stddev: 0`, `gain: 0`,
 *   `minval = maxval`): every value must be exactly what the initializer
 *   stores (rounded to float32), position by position. No statistics.
 *
 * The KS test assumes independent values. Entries of an orthogonal matrix
 * are not quite independent (each column has norm exactly gain), which only
 * makes the test conservative.
 *
 * **Calibration.** It is calibrated for a false-alarm rate of `alpha`
 * (default 1e-3: about one spurious failure in a thousand seeded tests):
 * for a correct draw the p-value is uniform on (0, 1). Measured false-alarm
 * rates at α = 0.05 / 0.01 / 0.001:
 *
 * - `glorotNormal([256, 256])`, 1000 seeds (Stephens' p-values):
 *   5.1% / 1.0% / 0 (p-values uniform: KS p = 0.29);
 * - `glorotUniform([20, 10])`, 2000 seeds (exact p-values):
 *   4.3% / 0.85% / 0.10%;
 * - `heNormal([3, 3, 8, 4])`, 2000 seeds (exact): 4.6% / 0.95% / 0.15%;
 * - `orthogonal([64, 64])`, 2000 seeds: 3.3% / 0.5% / 0.05%, and
 *   `orthogonal([256, 128])`, 500 seeds: 4.0% / 0.4% / 0.2%: conservative,
 *   as the dependence between entries makes it.
 *
 * The tests re-check 200 seeds of `glorotNormal([256, 256])` at 1e-3 and 400
 * seeds of three laws at 0.05. Its power is large: tfjs's own
 * `tf.initializers.glorotNormal` (which truncates at ±2σ without correcting
 * σ, so its variance is 0.77× the target) fails at [256, 256] with
 * D = 0.032 to 0.036 (the population distance between the two laws is
 * 0.0325) and p between 2e-73 and 7e-60 (seeds 0 to 4).
 *
 * Values are read once with `await tensor.data()` (so WebGPU tensors work);
 * the test itself runs in Float64 on the host.
 *
 * @param x A tensor, Parameter, LayerVariable or `{ values, shape }`.
 * @param nameOrConfig What `getInitializer` takes: `"glorotNormal"`,
 * `"he_uniform"`, `{ name: "randomNormal", stddev: 0.1 }`,
 * `{ class_name: "VarianceScaling", config: { scale: 2 } }`. A seed in the
 * config is ignored.
 * @param options `alpha` (default 1e-3).
 * @throws {AssertionError} When the values do not follow the law; the
 * message gives the test's statistic, p-value, n and α, and the measured
 * against the law's mean and standard deviation.
 * @throws {RangeError} For an unknown initializer, a bad option of the
 * config, a shape the initializer refuses, an empty `x`, or `alpha` outside
 * (0, 1).
 * @throws {TypeError} For an unknown option, a non-number `alpha`, or an
 * `x` that is not weights.
 *
 * @example Our glorotNormal passes; tfjs's fails
 * ```ts
 * import { initializers, tf } from "../../mod.ts";
 * import { assertFollowsInit } from "../../testing.ts";
 * import { AssertionError, assertRejects } from "@std/assert";
 *
 * const ours = initializers.glorotNormal([256, 256], { seed: 1 });
 * await assertFollowsInit(ours, "glorotNormal");
 * const theirs = tf.initializers.glorotNormal({ seed: 1 }).apply([256, 256]);
 * await assertRejects(() => assertFollowsInit(theirs, "glorotNormal"), AssertionError, "KS D = ");
 * tf.dispose([ours, theirs]);
 * ```
 */
export async function assertFollowsInit(
  x: WeightsLike,
  nameOrConfig: string | InitializerConfig,
  options: AssertFollowsInitOptions = {},
): Promise<void> {
  const o = checkOptions(FN, options, ["alpha"]);
  const alpha = o.alpha ?? 1e-3;
  if (typeof alpha !== "number") {
    throw typeError(FN, "options.alpha", "a number in (0, 1)", alpha);
  }
  if (!(alpha > 0 && alpha < 1)) {
    throw rangeError(FN, "options.alpha", "a number in (0, 1)", alpha);
  }
  const { values, shape } = await readWeights(x, FN);
  const law = expectedLaw(withoutSeed(nameOrConfig), shape, FN);
  if (values.length === 0) {
    throw rangeError(
      FN,
      "x.shape",
      "a non-empty shape (there are no values to test)",
      shape,
    );
  }
  const what = `values do not follow ${law.name} for shape ${shapeText(shape)}`;
  assertFiniteValues(values, shape, what);
  let tested: ArrayLike<number> = values;
  if (law.block !== null) {
    const { offset, length } = law.block;
    checkZeroOutside(values, shape, offset, length, what);
    tested = Array.prototype.slice.call(values, offset, offset + length);
  }
  const plan = law.plan;
  if (plan.kind === "exact") {
    checkExact(tested, shape, plan.value, what);
  } else if (plan.kind === "twoPoint") {
    checkTwoPoint(tested, shape, plan, alpha, what);
  } else {
    checkContinuous(tested, law, plan.zeros, alpha, what);
  }
}

/** A config's seed changes the draw, not the law; drop it so any seed is accepted. */
function withoutSeed(
  nameOrConfig: string | InitializerConfig,
): string | InitializerConfig {
  if (nameOrConfig === null || typeof nameOrConfig !== "object") {
    return nameOrConfig;
  }
  if ("class_name" in nameOrConfig) {
    const config = nameOrConfig.config;
    if (config === null || typeof config !== "object") return nameOrConfig;
    const { seed: _, ...rest } = config as Record<string, unknown>;
    return { ...nameOrConfig, config: rest };
  }
  const { seed: _, ...rest } = nameOrConfig as Record<string, unknown>;
  return rest as InitializerConfig;
}

function assertFiniteValues(
  values: ArrayLike<number>,
  shape: readonly number[],
  what: string,
): void {
  let bad = 0;
  let first = -1;
  for (let i = 0; i < values.length; i++) {
    if (!Number.isFinite(values[i])) {
      bad++;
      if (first < 0) first = i;
    }
  }
  if (bad > 0) {
    throw new AssertionError(
      `${what}: ${bad} of ${values.length} values are NaN or infinite (first at ${
        indexText(first, shape)
      }: ${values[first]})`,
    );
  }
}

function checkZeroOutside(
  values: ArrayLike<number>,
  shape: readonly number[],
  offset: number,
  length: number,
  what: string,
): void {
  let bad = 0;
  let first = -1;
  for (let i = 0; i < values.length; i++) {
    if ((i < offset || i >= offset + length) && values[i] !== 0) {
      bad++;
      if (first < 0) first = i;
    }
  }
  if (bad > 0) {
    throw new AssertionError(
      `${what}: ${bad} values outside the centre tap are not 0 (first at ${
        indexText(first, shape)
      }: ${num(values[first], 4)})`,
    );
  }
}

function checkExact(
  values: ArrayLike<number>,
  shape: readonly number[],
  value: (i: number) => number,
  what: string,
): void {
  let bad = 0;
  let first = -1;
  for (let i = 0; i < values.length; i++) {
    if (values[i] !== value(i)) {
      bad++;
      if (first < 0) first = i;
    }
  }
  if (bad > 0) {
    throw new AssertionError(
      `${what}: ${bad} of ${values.length} values differ from what it makes (first at ${
        indexText(first, shape)
      }: ${num(values[first], 6)}, expected ${num(value(first), 6)})`,
    );
  }
}

function checkTwoPoint(
  values: ArrayLike<number>,
  shape: readonly number[],
  plan: { low: number; high: number; p: number },
  alpha: number,
  what: string,
): void {
  const n = values.length;
  let high = 0;
  let other = 0;
  let first = -1;
  for (let i = 0; i < n; i++) {
    const v = values[i];
    if (v === plan.high) high++;
    else if (v !== plan.low) {
      other++;
      if (first < 0) first = i;
    }
  }
  if (other > 0) {
    throw new AssertionError(
      `${what}: ${other} of ${n} values are neither ${num(plan.low, 6)} nor ${
        num(plan.high, 6)
      } (first at ${indexText(first, shape)}: ${num(values[first], 6)})`,
    );
  }
  const p = binomialTest(high, n, plan.p);
  if (p < alpha) {
    const expected = n * plan.p;
    const sd = Math.sqrt(n * plan.p * (1 - plan.p));
    throw new AssertionError(
      `${what}: ${high} of ${n} values are ${num(plan.high, 6)}, expected ${
        num(expected, 4)
      } ± ${num(sd, 3)} (P = ${num(plan.p, 4)}); binomial test p = ${
        pValue(p, Math.log10(p))
      }, n = ${n} (alpha ${num(alpha)})`,
    );
  }
}

function checkContinuous(
  values: ArrayLike<number>,
  law: ExpectedLaw,
  zeros: number,
  alpha: number,
  what: string,
): void {
  let sample: ArrayLike<number> = values;
  const density = law.density;
  if (density.kind === "sparse") {
    let count = 0;
    for (let i = 0; i < values.length; i++) if (values[i] === 0) count++;
    if (count !== zeros) {
      const perColumn = zeros / law.shape[1];
      throw new AssertionError(
        `${what}: ${count} values are exactly 0, sparse makes ${zeros} (${perColumn} per column of ${
          law.shape[0]
        } rows)`,
      );
    }
    sample = Array.prototype.filter.call(values, (v: number) => v !== 0);
  }
  const cdf = continuousCdf(density)!;
  const test = ksTest(sample, cdf);
  if (test.pValue < alpha) {
    const reference = density.kind === "sparse"
      ? lawOf({ kind: "normal", mean: 0, std: density.std })
      : lawOf(density);
    const measured = moments(sample);
    throw new AssertionError(
      `${what}: KS D = ${num(test.d)}, p = ${
        pValue(test.pValue, test.log10PValue)
      }, n = ${test.n} (alpha ${num(alpha)}); measured mean ${
        num(measured.mean)
      }, std ${num(measured.std)}; law ${reference.label}${
        density.kind === "sparse" ? " (non-zero values)" : ""
      }: mean ${num(reference.mean)}, std ${num(reference.std)}`,
    );
  }
}
