/**
 * `assertFollowsInit`: passes on our initializers' own draws, for every
 * initializer and many seeds (a false-alarm rate of alpha), and fails on the
 * wrong law — tfjs's uncorrected glorotNormal, heNormal against
 * glorotNormal, wrong probabilities, sparsities, gains and layouts — with a
 * message that gives the statistic, the p-value and n.
 *
 * @module
 */
import {
  assert,
  AssertionError,
  assertLess,
  assertRejects,
  assertStringIncludes,
} from "@std/assert";
import { initializers as I, tf } from "../../mod.ts";
import { assertFollowsInit } from "../../testing.ts";
import { continuousCdf } from "../../lib/stats/law_cdf.ts";
import { leakFreeTest, messageOf, numberAfter } from "./_helpers.ts";

/**
 * The scale of √n·D's fluctuations: the Kolmogorov distribution's mean,
 * √(π/2)·ln 2 ≈ 0.87 (its standard deviation is 0.26).
 */
const KS_SCALE = 0.87;

leakFreeTest(
  "ours passes and tfjs's glorotNormal fails, by the population D within sampling error",
  async () => {
    const shape = [256, 256];
    const n = 65536;
    // The population D between tfjs's law (±2σ truncation, σ uncorrected) and ours.
    const sigma = Math.sqrt(2 / 512);
    const std = sigma / I.TRUNCATED_NORMAL_STD_FACTOR;
    const ours = continuousCdf({
      kind: "truncatedNormal",
      mean: 0,
      std,
      low: -2 * std,
      high: 2 * std,
    })!;
    const theirs = continuousCdf({
      kind: "truncatedNormal",
      mean: 0,
      std: sigma,
      low: -2 * sigma,
      high: 2 * sigma,
    })!;
    let population = 0;
    for (let x = -2 * std; x <= 2 * std; x += std / 2000) {
      population = Math.max(population, Math.abs(ours(x) - theirs(x)));
    }
    for (let seed = 0; seed < 5; seed++) {
      const good = I.glorotNormal(shape, { seed });
      await assertFollowsInit(good, "glorotNormal");
      good.dispose();
      const bad = tf.initializers.glorotNormal({ seed }).apply(shape);
      const message = await messageOf(() =>
        assertFollowsInit(bad, "glorotNormal")
      );
      bad.dispose();
      assertStringIncludes(
        message,
        "values do not follow glorotNormal for shape [256, 256]: KS D = ",
      );
      assertStringIncludes(message, `n = ${n} (alpha 0.001)`);
      const d = numberAfter(message, "KS D = ");
      // D is the population distance plus a fluctuation of order 0.87/√n.
      assertLess(
        Math.abs(d - population),
        5 * KS_SCALE / Math.sqrt(n),
        message,
      );
      assertLess(numberAfter(message, ", p = "), 1e-30, message);
      // The std it reports is tfjs's: 0.8796 of the target.
      const measured = numberAfter(message, "std ");
      assertLess(
        Math.abs(measured / Math.sqrt(2 / 512) - 0.8796),
        0.01,
        message,
      );
    }
  },
);

leakFreeTest(
  "heNormal is not glorotNormal; glorotNormal is not glorotUniform",
  async () => {
    const he = I.heNormal([256, 256], { seed: 1 });
    await assertFollowsInit(he, "heNormal");
    await assertFollowsInit(he, "kaiming_normal");
    await assertRejects(
      () => assertFollowsInit(he, "glorotNormal"),
      AssertionError,
      "law N(0, ",
    );
    he.dispose();
    // Same variance, different shape of law: KS sees it at n = 4096.
    const g = I.glorotNormal([64, 64], { seed: 2 });
    await assertRejects(
      () => assertFollowsInit(g, "glorotUniform"),
      AssertionError,
      "do not follow glorotUniform",
    );
    g.dispose();
  },
);

/** Failures over `seeds` seeds at `alpha`. */
async function falseAlarms(
  name: string,
  shape: number[],
  seeds: number,
  alpha: number,
): Promise<number> {
  let failures = 0;
  for (let seed = 0; seed < seeds; seed++) {
    const t = I.getInitializer(name)(shape, { seed: 10_000 + seed });
    try {
      await assertFollowsInit(t, name, { alpha });
    } catch (error) {
      if (!(error instanceof AssertionError)) throw error;
      failures++;
    } finally {
      t.dispose();
    }
  }
  return failures;
}

leakFreeTest(
  "calibration: 200 seeds of glorotNormal [256, 256] at alpha 1e-3",
  async () => {
    // Expected 0.2 false alarms; 4 or more has probability 5e-5.
    const failures = await falseAlarms("glorotNormal", [256, 256], 200, 1e-3);
    assertLess(failures, 4, `${failures} false alarms in 200`);
  },
);

leakFreeTest(
  "calibration: the false-alarm rate at alpha 0.05 is 0.05, exact and asymptotic p-values",
  async () => {
    // 400 seeds: 20 expected, standard deviation 4.4; allow 4.5 of them each way.
    for (
      const [name, shape] of [["glorotUniform", [16, 16]], ["heNormal", [
        48,
        48,
      ]], ["orthogonal", [32, 16]]] as const
    ) {
      const failures = await falseAlarms(name, [...shape], 400, 0.05);
      const sd = Math.sqrt(400 * 0.05 * 0.95);
      // Orthogonal entries are not independent, which makes KS conservative: no lower bound there.
      if (name !== "orthogonal") {
        assert(
          failures >= 20 - 4.5 * sd,
          `${name}: only ${failures} of 400 at 0.05`,
        );
      }
      assert(failures <= 20 + 4.5 * sd, `${name}: ${failures} of 400 at 0.05`);
    }
  },
);

/** Draws with `config` and asserts the draw follows `config`. */
async function selfCheck(
  config: Parameters<typeof I.getInitializer>[0],
  shape: number[],
  seed = 3,
): Promise<void> {
  const t = I.getInitializer(config)(shape, { seed });
  try {
    await assertFollowsInit(t, config);
  } finally {
    t.dispose();
  }
}

leakFreeTest(
  "every initializer's own draw passes, by name and by config",
  async () => {
    await selfCheck("zeros", [3, 4]);
    await selfCheck("ones", [5]);
    await selfCheck({ name: "ones", dtype: "int32" }, [5]);
    await selfCheck({ name: "zeros", dtype: "bool" }, [2, 2]);
    await selfCheck({ name: "constant", value: 0.1 }, [7]);
    await selfCheck({ name: "constant", value: 3, dtype: "bool" }, [7]);
    await selfCheck("randomUniform", [1000]);
    await selfCheck({ name: "random_uniform", minval: 2, maxval: 2 }, [10]);
    await selfCheck({ name: "randomNormal", mean: 1, stddev: 3 }, [500]);
    await selfCheck({ name: "randomNormal", stddev: 0 }, [10]);
    await selfCheck({ name: "truncatedNormal", lower: -1, upper: Infinity }, [
      2000,
    ]);
    await selfCheck(
      { name: "truncatedNormal", lower: 3, upper: 6, stddev: 2 },
      [2000],
    );
    await selfCheck("glorotUniform", [30, 20]);
    await selfCheck("lecun_normal", [3, 3, 8, 16]);
    await selfCheck("lecunUniform", [40, 2]);
    await selfCheck("heUniform", [5, 5, 3, 7]);
    await selfCheck({ name: "he_normal", gain: 3, inAxis: 1, outAxis: 0 }, [
      16,
      8,
      3,
      3,
    ]);
    await selfCheck({
      class_name: "VarianceScaling",
      config: { scale: 2, mode: "fan_out", distribution: "uniform", seed: 9 },
    }, [20, 30]);
    await selfCheck({
      class_name: "VarianceScaling",
      config: { mode: "fan_avg", distribution: "untruncated_normal" },
    }, [20, 30]);
    await selfCheck({ name: "varianceScaling", gain: 0 }, [4, 4]);
    await selfCheck("orthogonal", [100, 30]);
    await selfCheck({ name: "orthogonal", gain: 2 }, [30, 100]);
    await selfCheck("orthogonal", [3, 3, 16, 8]);
    await selfCheck("orthogonal", [1, 1]);
    await selfCheck({ name: "orthogonal", gain: 0 }, [4, 4]);
    await selfCheck("deltaOrthogonal", [3, 3, 16, 32]);
    await selfCheck({ name: "deltaOrthogonal", gain: 1.5 }, [5, 4, 4]);
    await selfCheck("deltaOrthogonal", [3, 1, 1]);
    await selfCheck({ name: "identity", gain: 2 }, [3, 5]);
    await selfCheck("eye", [6, 4]);
    await selfCheck("dirac", [3, 4, 8]);
    await selfCheck({ name: "dirac", groups: 2, gain: 0.5 }, [3, 3, 4, 8]);
    await selfCheck({ name: "sparse", sparsity: 0.3 }, [50, 40]);
    await selfCheck({ name: "sparse", sparsity: 0.3, stddev: 2 }, [7, 300]);
    await selfCheck({ name: "sparse", sparsity: 1 }, [5, 5]);
    await selfCheck("binomial", [1000]);
    await selfCheck({ name: "bernoulli", probability: 0.1, dtype: "int32" }, [
      50,
      50,
    ]);
    await selfCheck({ name: "binomial", probability: 1, dtype: "bool" }, [20]);
  },
);

leakFreeTest(
  "accepts what the plots accept: host values and a seed in the config",
  async () => {
    const t = I.heUniform([40, 30], { seed: 4 });
    const values = await t.data() as Float32Array;
    await assertFollowsInit({ values, shape: [40, 30] }, "heUniform");
    await assertFollowsInit({
      values: Float64Array.from(values),
      shape: [40, 30],
    }, { name: "heUniform", seed: 123 });
    await assertFollowsInit(t, {
      class_name: "HeUniform",
      config: { seed: 4 },
    });
    t.dispose();
  },
);

leakFreeTest(
  "fails on the wrong law, with what failed and by how much",
  async () => {
    const cases: [string, () => Promise<void>, string][] = [];
    const tensors: tf.Tensor[] = [];
    const keep = (t: tf.Tensor) => (tensors.push(t), t);
    const mask = keep(I.binomial([4000], { probability: 0.3, seed: 1 }));
    cases.push([
      "binomial 0.3 is not 0.5",
      () => assertFollowsInit(mask, "binomial"),
      "values are 1, expected 2000 ± 31.6 (P = 0.5); binomial test p = ",
    ]);
    const sparse = keep(I.sparse([100, 10], { sparsity: 0.3, seed: 1 }));
    cases.push([
      "sparsity 0.3 is not 0.5",
      () => assertFollowsInit(sparse, { name: "sparse", sparsity: 0.5 }),
      "300 values are exactly 0, sparse makes 500 (50 per column of 100 rows)",
    ]);
    cases.push([
      "stddev 0.01 is not 0.02",
      () =>
        assertFollowsInit(sparse, {
          name: "sparse",
          sparsity: 0.3,
          stddev: 0.02,
        }),
      "(non-zero values): mean 0, std 0.02",
    ]);
    const eye = keep(I.identity([4, 4], { gain: 2 }));
    cases.push([
      "identity's gain",
      () => assertFollowsInit(eye, "identity"),
      "4 of 16 values differ from what it makes (first at [0, 0]: 2, expected 1)",
    ]);
    const k = keep(I.constant([3], { value: 0.5 }));
    cases.push([
      "constant",
      () => assertFollowsInit(k, "zeros"),
      "3 of 3 values differ",
    ]);
    const delta = I.deltaOrthogonal([3, 3, 4, 8], { seed: 1 });
    const nudged = keep(
      tf.tidy(() =>
        delta.add(tf.oneHot([0], 3 * 3 * 4 * 8).reshape(delta.shape).mul(1e-3))
      ),
    );
    delta.dispose();
    cases.push([
      "delta-orthogonal's other taps",
      () => assertFollowsInit(nudged, "deltaOrthogonal"),
      "1 values outside the centre tap are not 0 (first at [0, 0, 0, 0]: 0.001)",
    ]);
    const q = keep(I.orthogonal([256, 128], { seed: 1 }));
    cases.push([
      "orthogonal gain",
      () => assertFollowsInit(q, { name: "orthogonal", gain: 1.1 }),
      "law orthogonal entries (d = 256, gain 1.1)",
    ]);
    const u = keep(
      I.randomUniform([5000], {
        minval: -Math.sqrt(3),
        maxval: Math.sqrt(3),
        seed: 1,
      }),
    );
    cases.push([
      "uniform is not normal of the same variance",
      () => assertFollowsInit(u, { name: "randomNormal", stddev: 1 }),
      "measured mean",
    ]);
    const nan = keep(tf.tensor([[1, NaN], [0, 2]]));
    cases.push([
      "NaN",
      () => assertFollowsInit(nan, "glorotNormal"),
      "1 of 4 values are NaN or infinite (first at [0, 1]: NaN)",
    ]);
    for (const [what, call, text] of cases) {
      await assertRejects(call, AssertionError, text, what);
    }
    tf.dispose(tensors);
  },
);

leakFreeTest(
  "a p-value below the smallest double is still printed",
  async () => {
    const he = I.heNormal([512, 512], { seed: 1 });
    const message = await messageOf(() =>
      assertFollowsInit(he, "lecunUniform")
    );
    he.dispose();
    assert(/p = [0-9.]+e-[0-9]{3,}/.test(message), message);
  },
);

leakFreeTest(
  "bad arguments: RangeError or TypeError naming the argument and the value",
  async () => {
    const w = I.glorotNormal([8, 8], { seed: 0 });
    const empty = tf.zeros([0, 4]);
    const vector = tf.zeros([5]);
    await assertRejects(
      () => assertFollowsInit(w, "glorotNormal", { alpha: 0 }),
      RangeError,
      "assertFollowsInit: options.alpha must be a number in (0, 1), received 0",
    );
    await assertRejects(
      () => assertFollowsInit(w, "glorotNormal", { alpha: 1 }),
      RangeError,
      "received 1",
    );
    await assertRejects(
      () => assertFollowsInit(w, "glorotNormal", { alpha: NaN }),
      RangeError,
      "received NaN",
    );
    await assertRejects(
      () => assertFollowsInit(w, "glorotNormal", { alpha: "0.01" as never }),
      TypeError,
      'assertFollowsInit: options.alpha must be a number in (0, 1), received "0.01"',
    );
    await assertRejects(
      () => assertFollowsInit(w, "glorotNormal", { alfa: 0.01 } as never),
      TypeError,
      'assertFollowsInit: each key of options must be one of "alpha", received "alfa"',
    );
    await assertRejects(
      () => assertFollowsInit(w, "glorot_normla"),
      RangeError,
      'assertFollowsInit: nameOrConfig must be an initializer\'s name, received "glorot_normla" (did you mean "glorot_normal"?',
    );
    await assertRejects(
      () => assertFollowsInit(w, { name: "randomNormal", stdev: 1 }),
      TypeError,
      'randomNormal: each key of options must be one of "dtype", "device", "seed", "mean", "stddev", received "stdev"',
    );
    await assertRejects(
      () => assertFollowsInit(w, { name: "sparse" }),
      TypeError,
      "sparse: options.sparsity must be a number in [0, 1], received undefined",
    );
    await assertRejects(
      () => assertFollowsInit(empty, "glorotNormal"),
      RangeError,
      "assertFollowsInit: x.shape must be a non-empty shape (there are no values to test), received [0, 4]",
    );
    await assertRejects(
      () => assertFollowsInit(vector, "glorotNormal"),
      RangeError,
      "glorotNormal: shape must be of rank >= 2, received [5]",
    );
    await assertRejects(
      () => assertFollowsInit([1, 2] as never, "zeros"),
      TypeError,
      "assertFollowsInit",
    );
    tf.dispose([w, empty, vector]);
  },
);
