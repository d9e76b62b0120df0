/**
 * jacobianSpectrum: exact where the Jacobian is known in closed form (a
 * product of matrices; one tanh layer: W₂ᵀ·diag(1 − h²)·W₁ᵀ), flat for an
 * orthogonal linear stack (Pennington, Schoenholz & Ganguli 2017's
 * isometry), spread for a Gaussian one, the same in chunks of any size,
 * and clean about its errors and tensors.
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
  jacobianSpectrum,
  Sequential,
  singularValuesSync,
  tf,
} from "../../mod.ts";
import { matmulInto } from "../_matmul.ts";

const W = 32;

function linearStack(init: Record<string, unknown>, depth: number) {
  return new Sequential(
    Array.from({ length: depth }, (_, i) =>
      new Dense(W, {
        useBias: false,
        kernelInitializer: { ...init, seed: 10 + i } as never,
      })),
    { inputShape: [W] },
  );
}

/** Row-major product of host matrices. */
function matmul(
  a: Float64Array,
  b: Float64Array,
  n: number,
  k: number,
  m: number,
): Float64Array {
  return matmulInto(new Float64Array(n * m), a, b, n, k, m);
}

async function host(t: tf.Tensor): Promise<Float64Array> {
  return Float64Array.from(await t.data());
}

Deno.test("an orthogonal linear stack has a flat Jacobian spectrum; a Gaussian one does not, and both are the product's", async () => {
  const before = tf.memory().numTensors;
  const x = initializers.randomNormal([8, W], { stddev: 1, seed: 0 });
  const orthogonal = linearStack({ name: "orthogonal" }, 10);
  const gaussian = linearStack(
    { name: "random_normal", stddev: 1 / Math.sqrt(W) },
    10,
  );
  const flat = await jacobianSpectrum(orthogonal, x);
  const spread = await jacobianSpectrum(gaussian, x);
  const s = flat.singularValues;
  assertLess(s[0] / s[W - 1], 1.001);
  for (const e of flat.perExample) assertLess(e[0] / e[W - 1], 1.001);
  assertAlmostEquals(flat.meanSquared, 1, 1e-4);
  // Ten Gaussian matrices: the product's smallest singular value collapses.
  assertGreater(spread.singularValues[0] / spread.singularValues[W - 1], 100);
  // y = x·W₁⋯W₁₀, so J = (W₁⋯W₁₀)ᵀ for every example: same singular values.
  let product: Float64Array | null = null;
  for (const [, p] of gaussian.namedParameters()) {
    const k = await host(p.data);
    product = product ? matmul(product, k, W, W, W) : k;
  }
  const exact = singularValuesSync({ values: product!, shape: [W, W] });
  for (const e of spread.perExample) {
    for (let i = 0; i < W; i++) {
      // float32 products: error about u·σ₁ per layer.
      assertAlmostEquals(e[i], exact[i], 1e-5 * exact[0]);
    }
  }
  assertEquals(spread.shape, [W, W]);
  assertEquals([spread.batch, spread.diverged], [8, 0]);
  assertAlmostEquals(spread.floor, spread.singularValues[0] * W * 2 ** -24);
  tf.dispose(x);
  orthogonal.dispose();
  gaussian.dispose();
  assertEquals(tf.memory().numTensors, before);
});

Deno.test("one tanh layer: J = W₂ᵀ·diag(1 − h²)·W₁ᵀ at each example; chunks and model kinds agree", async () => {
  const inputs = 12;
  const hidden = 20;
  const outputs = 7;
  const net = new Sequential([
    new Dense(hidden, {
      activation: "tanh",
      kernelInitializer: { name: "glorot_normal", seed: 1 },
      biasInitializer: { name: "random_normal", stddev: 0.3, seed: 2 },
    }),
    new Dense(outputs, { kernelInitializer: { name: "he_normal", seed: 3 } }),
  ], { inputShape: [inputs] });
  const x = initializers.randomNormal([5, inputs], { stddev: 1, seed: 4 });
  const result = await jacobianSpectrum(net, x);
  assertEquals(result.shape, [outputs, inputs]);
  const [w1, b1, w2] = await Promise.all(
    net.namedParameters().slice(0, 3).map(([, p]) => host(p.data)),
  );
  const xs = await host(x);
  for (let b = 0; b < 5; b++) {
    // J[j][i] = Σ_k W₂[k][j]·(1 − h_k²)·W₁[i][k]
    const a = matmul(
      xs.subarray(b * inputs, (b + 1) * inputs),
      w1,
      1,
      inputs,
      hidden,
    );
    const jac = new Float64Array(outputs * inputs);
    for (let k = 0; k < hidden; k++) {
      const d = 1 - Math.tanh(a[k] + b1[k]) ** 2;
      for (let j = 0; j < outputs; j++) {
        for (let i = 0; i < inputs; i++) {
          jac[j * inputs + i] += w2[k * outputs + j] * d * w1[i * hidden + k];
        }
      }
    }
    const exact = singularValuesSync({ values: jac, shape: [outputs, inputs] });
    exact.forEach((v, i) =>
      assertAlmostEquals(result.perExample[b][i], v, 1e-5 * exact[0])
    );
  }
  // The mean over the batch, rank by rank.
  for (let i = 0; i < outputs; i++) {
    const mean = result.perExample.reduce((s, e) => s + e[i], 0) / 5;
    assertAlmostEquals(result.singularValues[i], mean, 1e-12);
  }
  // One output per pass gives the same Jacobian as all at once.
  const chunked = await jacobianSpectrum(net, x, { maxRows: 1 });
  assertEquals(chunked.perExample, result.perExample);
  // A function, and a tf.LayersModel with the same weights.
  const fn = await jacobianSpectrum((t) => net.call(t), x);
  assertEquals(fn.perExample, result.perExample);
  const model = tf.sequential({
    layers: [
      tf.layers.dense({
        units: hidden,
        activation: "tanh",
        inputShape: [inputs],
      }),
      tf.layers.dense({ units: outputs }),
    ],
  });
  model.layers[0].setWeights([
    net.namedParameters()[0][1].data,
    net.namedParameters()[1][1].data,
  ]);
  model.layers[1].setWeights([
    net.namedParameters()[2][1].data,
    net.namedParameters()[3][1].data,
  ]);
  const theirs = await jacobianSpectrum(model, x);
  theirs.singularValues.forEach((v, i) =>
    assertAlmostEquals(v, result.singularValues[i], 1e-6)
  );
  model.dispose();
  x.dispose();
  net.dispose();
});

Deno.test("a diverged example is counted and left out of the mean, not dropped silently", async () => {
  const net = new Sequential([new Dense(4, { useBias: false })], {
    inputShape: [3],
  });
  const x = tf.tensor2d([[1, 2, 3], [0, 1, 1]]);
  // y = net(x)·e^(100·x₀): e^100 overflows float32 at the first example.
  const result = await jacobianSpectrum(
    (t) =>
      tf.mul(net.call(t), tf.exp(tf.mul(tf.slice(t, [0, 0], [-1, 1]), 100))),
    x,
  );
  assertEquals(result.diverged, 1);
  assert(result.perExample[0].every(Number.isNaN));
  assert(result.perExample[1].every(Number.isFinite));
  assertEquals(result.singularValues, result.perExample[1]);
  x.dispose();
  net.dispose();
});

Deno.test("jacobianSpectrum: bad input is an error, and leaves no tensor behind", async () => {
  const net = new Sequential([new Dense(4)], { inputShape: [3] });
  const x = tf.ones([2, 3]);
  const before = tf.memory().numTensors;
  await assertRejects(
    () => jacobianSpectrum({} as never, x),
    TypeError,
    "jacobianSpectrum: net must be a Module, a tf.LayersModel or a function",
  );
  await assertRejects(
    () => jacobianSpectrum(net, "x" as never),
    TypeError,
    "jacobianSpectrum: x must be a tf.Tensor",
  );
  const cube = tf.ones([2, 1, 3]);
  await assertRejects(
    () => jacobianSpectrum(net, cube),
    RangeError,
    "x must have rank 2",
  );
  cube.dispose();
  await assertRejects(
    () => jacobianSpectrum((t) => tf.sum(t), x),
    RangeError,
    "net must map [batch, inputs] to [batch, outputs], received an output of shape []",
  );
  await assertRejects(
    () => jacobianSpectrum(net, x, { maxRows: 0 }),
    RangeError,
    "options.maxRows must be a positive integer, received 0",
  );
  await assertRejects(
    () => jacobianSpectrum(net, x, { rows: 3 } as never),
    TypeError,
    'jacobianSpectrum: each key of options must be one of "maxRows", received "rows"',
  );
  await assertRejects(
    () => jacobianSpectrum(() => 3 as never, x),
    TypeError,
    "net must return a tf.Tensor, received 3",
  );
  assertEquals(tf.memory().numTensors, before);
  x.dispose();
  net.dispose();
});
