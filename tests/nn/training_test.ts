/**
 * Training with tfjs optimizers: the loss must fall by a stated factor, and
 * non-trainable parameters must not change.
 */
import { assert, assertEquals, assertLess } from "@std/assert";
import { AutoNCP, Dense, NCP, Sequential, setSeed, tf } from "../../mod.ts";
import type { Module } from "../../mod.ts";

/**
 * Trains `net` with Adam at `rate` for `steps` steps on the mean squared
 * error of `net.call(x)` against `y`; the loss before and after.
 */
function fit(
  net: Module,
  x: tf.Tensor,
  y: tf.Tensor,
  rate: number,
  steps: number,
): [number, number] {
  const loss = () => tf.losses.meanSquaredError(y, net.call(x)) as tf.Scalar;
  const optimizer = tf.train.adam(rate);
  const first = tf.tidy(() => loss().dataSync()[0]);
  for (let i = 0; i < steps; i++) {
    optimizer.minimize(loss, false, net.trainableVariables());
  }
  const last = tf.tidy(() => loss().dataSync()[0]);
  optimizer.dispose();
  return [first, last];
}

Deno.test("a Dense/Sequential net learns a small regression (loss falls at least 20×)", () => {
  setSeed(1);
  const before = tf.memory().numTensors;
  const net = new Sequential([
    new Dense(16, { activation: "tanh" }),
    new Dense(1),
  ]);
  // y = sin(2x₀) + x₁², on 128 fixed points.
  const x = tf.tidy(() => tf.randomUniform([128, 2], -1, 1, "float32", 3));
  const y = tf.tidy(() => {
    const [a, b] = tf.split(x, 2, 1);
    return tf.add(tf.sin(tf.mul(a, 2)), tf.square(b));
  });
  net.call(x).dispose(); // build
  const [first, last] = fit(net, x, y, 0.02, 300);
  assertLess(last, first / 20, `loss ${first} → ${last}`);
  tf.dispose([x, y]);
  net.dispose();
  assertEquals(tf.memory().numTensors, before);
});

Deno.test("an NCP learns to continue a sine wave (loss falls at least 5×), masks unchanged", async () => {
  setSeed(2);
  const before = tf.memory().numTensors;
  const ncp = new NCP(new AutoNCP(16, 1, { seed: 5 }));
  // Input: sin(t), target: sin(t + 0.3), 4 sequences of 24 steps with different phases.
  const steps = 24;
  const phases = [0, 1, 2, 3];
  const xs = phases.flatMap((p) =>
    Array.from({ length: steps }, (_, t) => Math.sin(p + 0.3 * t))
  );
  const ys = phases.flatMap((p) =>
    Array.from({ length: steps }, (_, t) => Math.sin(p + 0.3 * (t + 1)))
  );
  const x = tf.tensor3d(xs, [4, steps, 1]);
  const y = tf.tensor3d(ys, [4, steps, 1]);
  ncp.call(x).dispose(); // build
  const masks = [
    await ncp._inputMask!.data.data(),
    await ncp._recurrentMask!.data.data(),
  ];
  const [first, last] = fit(ncp, x, y, 0.03, 120);
  assertLess(last, first / 5, `loss ${first} → ${last}`);
  assertEquals(await ncp._inputMask!.data.data(), masks[0]);
  assertEquals(await ncp._recurrentMask!.data.data(), masks[1]);
  // Masked-out recurrent weights get zero gradient: where the mask is 0, the
  // effective weight R ⊙ mask stays exactly 0.
  const effective = tf.tidy(() =>
    tf.mul(ncp._recurrentKernel!.data, ncp._recurrentMask!.data).dataSync()
  );
  masks[1].forEach((m, i) => {
    if (m === 0) assert(effective[i] === 0);
  });
  tf.dispose([x, y]);
  ncp.dispose();
  assertEquals(tf.memory().numTensors, before);
});
