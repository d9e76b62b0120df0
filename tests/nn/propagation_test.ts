/**
 * tracePropagation against theory: through 12 tanh layers of width N, the
 * activations' std follows the mean-field recursion
 * q_l = σ_w²·N·E[tanh(√q_{l−1}·z)²] (Poole et al. 2016; Schoenholz et al.
 * 2017), so σ_w = 0.05 (σ_w²N ≈ 0.32) vanishes geometrically, Glorot
 * (σ_w²N = 1) holds, and σ_w = 1 pushes most units into tanh's flat tails.
 *
 * Tolerances from the sample sizes: for a fixed input direction, the gain
 * ‖Wh‖²/‖h‖² of a layer of N Gaussian rows is σ_w²·χ²_N, so its std gain
 * has a relative standard deviation of 1/√(2N) per layer (averaging over a
 * batch only reduces it); over l layers the log-ratio to theory drifts by
 * at most √l/√(2N) standard deviations, and the tests allow 4 of them. A
 * saturated fraction over N units deviates from its expectation p by about
 * √(p(1 − p)/N) (the batch's examples share the weights, so only the units
 * count as independent); the tests allow 4 of those.
 */
import {
  assert,
  assertAlmostEquals,
  assertEquals,
  assertGreater,
  assertLess,
  assertRejects,
} from "@std/assert";
import {
  Dense,
  initializers,
  type PropagationRow,
  Sequential,
  tf,
  tracePropagation,
} from "../../mod.ts";

const N = 128;
const DEPTH = 12;
const BATCH = 256;

/** E[f(z)] for z ~ N(0, 1), by the trapezoid rule on [−10, 10] (error < 1e-12 for the bounded f here). */
function gaussian(f: (z: number) => number): number {
  let sum = 0;
  let weight = 0;
  for (let i = -4000; i <= 4000; i++) {
    const z = i / 400;
    const p = Math.exp(-z * z / 2);
    sum += p * f(z);
    weight += p;
  }
  return sum / weight;
}

/** The mean-field prediction per layer: the std of tanh(a) and the fraction with |tanh(a)| > 0.99, a ~ N(0, q_l). */
function meanField(
  gain: number,
  inputMeanSquare: number,
): { std: number; saturated: number }[] {
  let q = gain * inputMeanSquare;
  const edge = Math.atanh(0.99);
  return Array.from({ length: DEPTH }, () => {
    const e2 = gaussian((z) => Math.tanh(Math.sqrt(q) * z) ** 2);
    const saturated = gaussian((z) =>
      Math.abs(Math.sqrt(q) * z) > edge ? 1 : 0
    );
    q = gain * e2;
    return { std: Math.sqrt(e2), saturated };
  });
}

function tanhNet(
  init: Record<string, unknown>,
  width = N,
  depth = DEPTH,
): Sequential {
  return new Sequential(
    Array.from({ length: depth }, (_, i) =>
      new Dense(width, {
        activation: "tanh",
        kernelInitializer: { ...init, seed: 100 + i } as never,
      })),
  );
}

async function trace(init: Record<string, unknown>, x: tf.Tensor) {
  const net = tanhNet(init);
  try {
    return await tracePropagation(net, x);
  } finally {
    net.dispose();
  }
}

async function meanSquare(x: tf.Tensor): Promise<number> {
  const values = await x.data();
  let s = 0;
  for (const v of values) s += v * v;
  return s / values.length;
}

function withinTheory(
  rows: PropagationRow[],
  theory: { std: number }[],
  what: string,
): void {
  rows.forEach((r, i) => {
    const l = i + 1;
    const allowed = 4 * Math.sqrt(l / (2 * N));
    const off = Math.abs(Math.log(r.activationStd / theory[i].std));
    assert(
      off <= allowed,
      `${what}, layer ${l}: std ${r.activationStd} against mean-field ${
        theory[i].std
      } (log-ratio ${off.toFixed(3)} > ${allowed.toFixed(3)})`,
    );
  });
}

Deno.test("12 tanh layers: σ=0.05 vanishes, Glorot holds, both as mean-field theory says", async () => {
  const before = tf.memory().numTensors;
  const x = initializers.randomNormal([BATCH, N], { stddev: 1, seed: 1 });
  const m2 = await meanSquare(x);
  const small = await trace({ name: "random_normal", stddev: 0.05 }, x);
  const glorot = await trace({ name: "glorot_normal" }, x);
  x.dispose();
  assertEquals(tf.memory().numTensors, before, "tensors leaked");
  assertEquals(small.length, DEPTH);
  withinTheory(small, meanField(0.05 ** 2 * N, m2), "σ=0.05");
  withinTheory(glorot, meanField(1, m2), "glorot_normal");
  // σ=0.05: each layer multiplies the std by about 0.05·√128 ≈ 0.57, so 11
  // layers take it down ~500×, and the gradient back to layer 1 likewise.
  const first = small[0];
  const last = small[DEPTH - 1];
  assertLess(last.activationStd / first.activationStd, 1e-2);
  assertLess(first.gradientStd / last.gradientStd, 1e-2);
  // Glorot: tanh's slope below 1 only lets the std decay like 1/√(2l)
  // (0.63 → 0.2), and the gradient reaches layer 1 at a third of its size.
  const g1 = glorot[0];
  const g12 = glorot[DEPTH - 1];
  assertGreater(g12.activationStd / g1.activationStd, 0.2);
  assertGreater(g1.gradientStd / g12.gradientStd, 0.2);
  for (const rows of [small, glorot]) {
    for (const r of rows) {
      assertEquals(r.diverged, false);
      assertEquals(r.saturationKind, "saturated");
      assertLess(r.saturation!, 0.05);
    }
  }
  // The default loss is ⟨r, y⟩ with r ~ N(0, 1): the gradient at the
  // output is r, std 1 within 4 standard errors √(1/(2n)) of n values.
  assertAlmostEquals(g12.gradientStd, 1, 4 / Math.sqrt(2 * BATCH * N));
  assertEquals(g12.gradientStd, last.gradientStd, "the same r for both");
});

Deno.test("σ=1 saturates tanh: more than half the outputs beyond ±0.99 at every layer, as theory says", async () => {
  const x = initializers.randomNormal([BATCH, N], { stddev: 1, seed: 2 });
  const m2 = await meanSquare(x);
  const rows = await trace({ name: "random_normal", stddev: 1 }, x);
  x.dispose();
  const theory = meanField(N, m2);
  rows.forEach((r, i) => {
    const p = theory[i].saturated;
    assertGreater(r.saturation!, 0.5, `layer ${r.layer}`);
    assertAlmostEquals(
      r.saturation!,
      p,
      4 * Math.sqrt(p * (1 - p) / N),
      `layer ${r.layer}: saturation against mean-field ${p}`,
    );
  });
  // Its std sits near Glorot's: a std cannot show saturation, the fraction does.
  assertGreater(rows[DEPTH - 1].activationStd, 0.9);
});

Deno.test("ReLU: dead units are those ≤ 0 on every example; layer names, activations and widths", async () => {
  const net = new Sequential([
    new Dense(4, { activation: "relu", inputDim: 3 }),
    new Dense(2),
  ]);
  // Kernel 0 and bias [−1, 1, −1, 0]: units 0, 2 and 3 output max(b, 0) ≤ 0.
  const dense = net.layers[0] as Dense;
  dense.kernel!.assign(tf.zeros([3, 4]));
  const bias = tf.tensor1d([-1, 1, -1, 0]);
  dense.bias!.assign(bias);
  bias.dispose();
  const x = tf.ones([5, 3]);
  const rows = await tracePropagation(net, x);
  assertEquals(rows.map((r) => [r.layer, r.name, r.activation, r.units]), [
    [1, "layers.0", "relu", 4],
    [2, "layers.1", "linear", 2],
  ]);
  assertEquals(rows[0].saturation, 0.75);
  assertEquals(rows[0].saturationKind, "dead");
  assertEquals(rows[1].saturation, null);
  assertEquals(rows[1].saturationKind, null);
  x.dispose();
  net.dispose();
});

Deno.test("diverged values are kept as Infinity or NaN and flagged, never dropped", async () => {
  const before = tf.memory().numTensors;
  const huge = { name: "constant", value: 1e15 };
  const net = new Sequential([
    new Dense(8, { activation: "relu", kernelInitializer: huge }),
    new Dense(8, { activation: "relu", kernelInitializer: huge }),
    new Dense(8, { activation: "relu", kernelInitializer: huge }),
    new Dense(8, {
      kernelInitializer: { name: "random_normal", stddev: 1, seed: 1 },
    }),
  ]);
  const x = tf.ones([4, 8]);
  const rows = await tracePropagation(net, x);
  // 8e15, then 6.4e32, then 5e48: past float32's 3.4e38, every output of
  // layer 3 is +Inf; layer 4 adds +Inf and −Inf: NaN, and so is every
  // gradient that passes back through it.
  assertEquals(rows.length, 4);
  assert(Number.isFinite(rows[1].activationStd));
  assertEquals(rows[2].activationStd, Infinity);
  assertEquals(rows[3].activationStd, NaN);
  assertEquals(rows[2].diverged, true);
  assertEquals(rows[3].diverged, true);
  for (const r of rows) {
    assertEquals(
      r.diverged,
      !Number.isFinite(r.activationStd) || !Number.isFinite(r.gradientStd),
    );
  }
  x.dispose();
  net.dispose();
  assertEquals(tf.memory().numTensors, before);
});

Deno.test("a tf.Sequential with the same weights gives the same rows; a custom loss's gradient is traced", async () => {
  const net = new Sequential([
    new Dense(16, { activation: "tanh" }),
    new Dense(16, { activation: "sigmoid" }),
    new Dense(3),
  ], { inputShape: [6] });
  const model = tf.sequential({
    layers: [
      tf.layers.dense({ units: 16, activation: "tanh", inputShape: [6] }),
      tf.layers.dense({ units: 16, activation: "sigmoid" }),
      tf.layers.dense({ units: 3 }),
    ],
  });
  model.layers.forEach((layer, i) => {
    const d = net.layers[i] as Dense;
    layer.setWeights([d.kernel!.data, d.bias!.data]);
  });
  const x = tf.randomNormal([32, 6], 0, 1, "float32", 3);
  const ours = await tracePropagation(net, x);
  const theirs = await tracePropagation(model, x);
  assertEquals(theirs.map((r) => r.activation), ["tanh", "sigmoid", "linear"]);
  theirs.forEach((r, i) => {
    assertAlmostEquals(r.activationStd, ours[i].activationStd, 1e-6);
    assertAlmostEquals(r.gradientStd, ours[i].gradientStd, 1e-6);
    assertEquals(r.saturation, ours[i].saturation);
  });
  // A functional model whose layers form a chain is taken too.
  const chain = tf.model({ inputs: model.inputs, outputs: model.outputs });
  assertEquals((await tracePropagation(chain, x)).length, 3);
  // The mean squared error to a target: ∂L/∂y = 2(y − t)/n at the output.
  const target = tf.zeros([32, 3]);
  const rows = await tracePropagation(net, x, {
    loss: (y) => tf.losses.meanSquaredError(target, y) as tf.Scalar,
  });
  const y = net.call(x);
  const expected = tf.tidy(() => tf.moments(tf.mul(y, 2 / y.size)).variance);
  assertAlmostEquals(
    rows[2].gradientStd,
    Math.sqrt((await expected.data())[0]),
    1e-7,
  );
  tf.dispose([x, target, y, expected]);
  model.dispose();
  net.dispose();
});

Deno.test("tracePropagation: bad input is an error, and leaves no tensor behind", async () => {
  const net = new Sequential([new Dense(4, { inputDim: 3 })]);
  const x = tf.ones([2, 3]);
  const before = tf.memory().numTensors;
  // A tfjs model with no layers but its input: no layers, not "branches".
  const input = tf.input({ shape: [3] });
  const empty = tf.model({ inputs: input, outputs: input });
  await assertRejects(
    () => tracePropagation(empty, x),
    RangeError,
    "tracePropagation: net must have layers, received none",
  );
  empty.dispose();
  await assertRejects(
    () => tracePropagation(new Dense(3) as never, x),
    TypeError,
    "tracePropagation: net must be a Sequential",
  );
  await assertRejects(
    () => tracePropagation(net, [[1, 2, 3]] as never),
    TypeError,
    "tracePropagation: x must be a tf.Tensor",
  );
  const flat = tf.ones([3]);
  await assertRejects(
    () => tracePropagation(net, flat),
    RangeError,
    "x must have rank >= 2",
  );
  flat.dispose();
  await assertRejects(
    () => tracePropagation(net, x, { lose: 1 } as never),
    TypeError,
    'tracePropagation: each key of options must be one of "loss", "seed", received "lose"',
  );
  await assertRejects(
    () => tracePropagation(net, x, { loss: (y) => y as tf.Scalar }),
    TypeError,
    "options.loss must return a scalar tensor, received a tensor of shape [2, 4]",
  );
  await assertRejects(
    () => tracePropagation(new Sequential([]), x),
    RangeError,
    "net must have layers",
  );
  const wrong = tf.ones([2, 5]);
  await assertRejects(() => tracePropagation(net, wrong), RangeError);
  wrong.dispose();
  assertEquals(tf.memory().numTensors, before);
  x.dispose();
  net.dispose();
});
