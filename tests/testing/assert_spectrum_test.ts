/**
 * `assertSpectrum`: a planted rank-3 signal is "spiked" with 3 spikes, pure
 * noise is "random-like" with none, an exactly low-rank matrix has its rank;
 * each wrong expectation fails, and the message shows what was expected and
 * what `analyzeSpectrum` found.
 *
 * @module
 */
import {
  assertEquals,
  AssertionError,
  assertRejects,
  assertStringIncludes,
} from "@std/assert";
import { initializers as I, tf } from "../../mod.ts";
import { assertSpectrum, SPECTRUM_VERDICTS } from "../../testing.ts";
import { leakFreeTest, messageOf } from "./_helpers.ts";

/** 400×200 noise N(0, 1) plus 0.3·U·V, U and V 400×3 and 3×200 of N(0, 1): singular values ≈ 0.3·√(400·200) ≈ 85 against a bulk edge √400 + √200 ≈ 34. */
function planted(): { noise: tf.Tensor; signal: tf.Tensor } {
  const noise = I.randomNormal([400, 200], { stddev: 1, seed: 11 });
  const u = I.randomNormal([400, 3], { stddev: 1, seed: 12 });
  const v = I.randomNormal([3, 200], { stddev: 1, seed: 13 });
  const signal = tf.tidy(() => noise.add(tf.matMul(u, v).mul(0.3)));
  tf.dispose([u, v]);
  return { noise, signal };
}

leakFreeTest(
  "a planted rank-3 signal: spiked, 3 spikes; noise: random-like, 0 spikes",
  async () => {
    const { noise, signal } = planted();
    const a = await assertSpectrum(signal, {
      verdict: "spiked",
      spikes: 3,
      rank: 200,
    });
    assertEquals(a.spikes, 3);
    await assertSpectrum(noise, { verdict: "random-like", spikes: 0 });
    await assertSpectrum(noise, { verdict: ["random-like", "spiked"] });
    tf.dispose([noise, signal]);
  },
);

leakFreeTest(
  "wrong verdicts and spike counts fail, showing expected and found",
  async () => {
    const { noise, signal } = planted();
    const onSignal = await messageOf(() =>
      assertSpectrum(signal, { verdict: "random-like", spikes: 0 })
    );
    assertStringIncludes(
      onSignal,
      'spectrum of shape [400, 200] does not match: expected verdict "random-like", found "spiked"; expected 0 spikes, found 3. analyzeSpectrum found verdict "spiked", 3 spikes, rank 200 of 200, bulk edge λ+ = ',
    );
    assertStringIncludes(onSignal, "fitted)");
    const onNoise = await messageOf(() =>
      assertSpectrum(noise, { verdict: ["spiked", "low-rank"], spikes: 3 })
    );
    assertStringIncludes(
      onNoise,
      'expected verdict "spiked" or "low-rank", found "random-like"; expected 3 spikes, found 0.',
    );
    // Only the failed expectations are listed.
    const onlySpikes = await messageOf(() =>
      assertSpectrum(noise, { verdict: "random-like", spikes: 1 })
    );
    assertStringIncludes(
      onlySpikes,
      "does not match: expected 1 spike, found 0. ",
    );
    tf.dispose([noise, signal]);
  },
);

leakFreeTest(
  "rank: an exactly rank-5 matrix is low-rank with rank 5",
  async () => {
    const u = I.randomNormal([100, 5], { stddev: 1, seed: 1 });
    const v = I.randomNormal([5, 80], { stddev: 1, seed: 2 });
    const w = tf.matMul(u, v);
    await assertSpectrum(w, { verdict: "low-rank", rank: 5 });
    await assertRejects(
      () => assertSpectrum(w, { rank: 6 }),
      AssertionError,
      "expected rank 6, found 5",
    );
    tf.dispose([u, v, w]);
  },
);

leakFreeTest("the analysis's own options pass through", async () => {
  const { noise, signal } = planted();
  // With σ² given (the noise's variance is 1), the bulk is not fitted.
  await assertRejects(
    () => assertSpectrum(signal, { spikes: 0, sigma2: 1 }),
    AssertionError,
    "given)",
  );
  tf.dispose([noise, signal]);
});

leakFreeTest(
  "bad arguments: TypeError or RangeError naming the argument and the value",
  async () => {
    const w = I.randomNormal([20, 10], { seed: 1 });
    // deno-lint-ignore no-explicit-any
    const call = (options: any) => () => assertSpectrum(w, options);
    await assertRejects(
      call({}),
      TypeError,
      "assertSpectrum: options must be an object with at least one of verdict, spikes or rank, received {}",
    );
    await assertRejects(
      call(undefined),
      TypeError,
      "assertSpectrum: options must be an object with at least one of verdict, spikes or rank, received undefined",
    );
    await assertRejects(
      call({ verdict: "spikey" }),
      RangeError,
      'assertSpectrum: options.verdict must be one of "zero", "binary"',
    );
    await assertRejects(call({ verdict: [] }), RangeError, "received []");
    await assertRejects(call({ verdict: 3 }), TypeError, "received 3");
    await assertRejects(
      call({ spikes: -1 }),
      RangeError,
      "assertSpectrum: options.spikes must be a non-negative integer, received -1",
    );
    await assertRejects(
      call({ rank: 1.5 }),
      RangeError,
      "assertSpectrum: options.rank must be a non-negative integer, received 1.5",
    );
    await assertRejects(
      call({ spikes: "3" }),
      TypeError,
      'assertSpectrum: options.spikes must be a non-negative integer, received "3"',
    );
    await assertRejects(
      call({ spikes: 0, bins: 3 }),
      TypeError,
      'assertSpectrum: each key of options must be one of "conv", "powerLaw", "sigma2", "singularValues", "quantizationStep", "storedDtype", received "bins"',
    );
    assertEquals(SPECTRUM_VERDICTS.length, 7);
    w.dispose();
  },
);
