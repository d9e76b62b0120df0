import {
  assert,
  assertEquals,
  assertNotEquals,
  assertStringIncludes,
  assertThrows,
} from "@std/assert";
import { initializers, setSeed, tf } from "../../mod.ts";

const I = initializers;

/** Every initializer with options that make it valid for a [6, 4] shape. */
const CASES: [
  string,
  (s: number[], o?: Record<string, unknown>) => tf.Tensor,
  Record<string, unknown>,
][] = [
  ["zeros", I.zeros, {}],
  ["ones", I.ones, {}],
  ["constant", I.constant, { value: 0.25 }],
  ["randomUniform", I.randomUniform, {}],
  ["randomNormal", I.randomNormal, {}],
  ["truncatedNormal", I.truncatedNormal, {}],
  ["varianceScaling", I.varianceScaling, {}],
  ["glorotUniform", I.glorotUniform, {}],
  ["glorotNormal", I.glorotNormal, {}],
  ["heUniform", I.heUniform, {}],
  ["heNormal", I.heNormal, {}],
  ["lecunUniform", I.lecunUniform, {}],
  ["lecunNormal", I.lecunNormal, {}],
  ["orthogonal", I.orthogonal, {}],
  ["identity", I.identity, {}],
  ["sparse", I.sparse, { sparsity: 0.5 }],
  ["binomial", I.binomial, {}],
];

Deno.test("every initializer returns one float32 tensor of the shape, and nothing else", () => {
  for (const [name, fn, options] of CASES) {
    const before = tf.memory().numTensors;
    const t = fn([6, 4], { ...options, seed: 1 });
    assertEquals(tf.memory().numTensors, before + 1, name);
    assertEquals(t.shape, [6, 4], name);
    assertEquals(t.dtype, "float32", name);
    assertEquals(I.initRecordOf(t)?.name, name);
    t.dispose();
  }
});

Deno.test("zero-size dimensions give empty tensors", () => {
  for (const [name, fn, options] of CASES) {
    const t = fn([0, 4], { ...options, seed: 1 });
    assertEquals(t.shape, [0, 4], name);
    assertEquals(t.size, 0, name);
    t.dispose();
  }
  const k = I.dirac([3, 0, 2]);
  assertEquals(k.size, 0);
  k.dispose();
});

Deno.test("the same seed gives the same bits; seed 0 is a real seed", async () => {
  for (const [name, fn, options] of CASES) {
    const a = fn([6, 4], { ...options, seed: 0 });
    const b = fn([6, 4], { ...options, seed: 0 });
    assertEquals(await a.data(), await b.data(), name);
    tf.dispose([a, b]);
  }
  const a = I.randomNormal([100], { seed: 0 });
  const b = I.randomNormal([100], { seed: 1 });
  assertNotEquals(await a.data(), await b.data());
  tf.dispose([a, b]);
});

Deno.test("without a seed, setSeed makes the global stream reproducible and each call advances it", async () => {
  setSeed(123);
  const a1 = I.glorotUniform([8, 8]);
  const a2 = I.glorotUniform([8, 8]);
  setSeed(123);
  const b1 = I.glorotUniform([8, 8]);
  const b2 = I.glorotUniform([8, 8]);
  assertEquals(await a1.data(), await b1.data());
  assertEquals(await a2.data(), await b2.data());
  assertNotEquals(await a1.data(), await a2.data());
  tf.dispose([a1, a2, b1, b2]);
});

Deno.test("options set to 0 are honoured", async () => {
  const u = I.randomUniform([100], { minval: 0, maxval: 0, seed: 1 });
  assert((await u.data()).every((v) => v === 0));
  const n = I.randomNormal([100], { mean: 0, stddev: 0, seed: 1 });
  assert((await n.data()).every((v) => v === 0));
  const c = I.constant([3], { value: 0 });
  assertEquals(await c.data(), new Float32Array(3));
  const g = I.orthogonal([4, 4], { gain: 0, seed: 1 });
  assert((await g.data()).every((v) => v === 0));
  const m = I.binomial([100], { probability: 0, seed: 0 });
  assert((await m.data()).every((v) => v === 0));
  tf.dispose([u, n, c, g, m]);
});

Deno.test("dtype: int32 and bool for constants and masks, float32 only for random laws", async () => {
  const o = I.ones([2], { dtype: "int32" });
  assertEquals(o.dtype, "int32");
  const b = I.binomial([5], { probability: 1, dtype: "bool", seed: 1 });
  assertEquals(b.dtype, "bool");
  assertEquals(await b.data(), new Uint8Array([1, 1, 1, 1, 1]));
  assertThrows(
    () => I.randomNormal([2], { dtype: "int32" }),
    RangeError,
    'randomNormal: options.dtype must be one of "float32", received "int32"',
  );
  tf.dispose([o, b]);
});

/** Asserts that `fn` throws `Type` mentioning `text`, and that no tensor was left behind. */
function rejects(
  fn: () => unknown,
  Type: typeof RangeError | typeof TypeError,
  text: string,
): void {
  const before = tf.memory().numTensors;
  assertThrows(fn, Type, text);
  assertEquals(tf.memory().numTensors, before, `leaked a tensor on: ${text}`);
}

Deno.test("bad shapes name the argument and the value", () => {
  rejects(
    () => I.zeros([2, -1]),
    RangeError,
    "zeros: shape[1] must be a non-negative integer, received -1",
  );
  rejects(() => I.zeros([2.5]), RangeError, "zeros: shape[0]");
  rejects(() => I.zeros([NaN]), RangeError, "received NaN");
  rejects(
    () => I.zeros(["3" as never]),
    TypeError,
    'zeros: shape[0] must be a non-negative integer, received "3"',
  );
  rejects(
    () => I.zeros(5 as never),
    TypeError,
    "zeros: shape must be an array of non-negative integers, received 5",
  );
  rejects(
    () => I.glorotUniform([5]),
    RangeError,
    "glorotUniform: shape must be of rank >= 2, received [5]",
  );
  rejects(() => I.orthogonal([5]), RangeError, "orthogonal: shape");
  rejects(
    () => I.identity([2, 2, 2]),
    RangeError,
    "identity: shape must be 2-D, received [2, 2, 2]",
  );
  rejects(() => I.dirac([3, 3]), RangeError, "rank 3 to 5");
});

Deno.test("bad options name the argument and the value, and leave the stream alone", async () => {
  rejects(
    () => I.binomial([3], { probability: 1.5 }),
    RangeError,
    "binomial: options.probability must be a number in [0, 1], received 1.5",
  );
  rejects(
    () => I.binomial([3], { probability: NaN }),
    RangeError,
    "probability",
  );
  rejects(
    () => I.randomNormal([3], { stddev: -1 }),
    RangeError,
    "randomNormal: options.stddev must be a finite number >= 0, received -1",
  );
  I.randomNormal([3], { stddev: 0, seed: 0 }).dispose(); // 0 is a value
  rejects(
    () => I.truncatedNormal([3], { lower: 1, upper: 1 }),
    RangeError,
    "truncatedNormal: options.lower must be < options.upper (1), received 1",
  );
  rejects(
    () => I.randomUniform([3], { minval: 1, maxval: 0 }),
    RangeError,
    "randomUniform: options.minval must be <= options.maxval (0), received 1",
  );
  rejects(
    () => I.glorotNormal([3, 3], { seed: -1 }),
    RangeError,
    "glorotNormal: options.seed must be a non-negative integer, received -1",
  );
  rejects(
    () => I.randomNormal([3], { seed: 1.5 }),
    RangeError,
    "randomNormal: options.seed must be a non-negative integer, received 1.5",
  );
  rejects(
    () => I.varianceScaling([3, 3], { mode: "fan_sideways" as never }),
    RangeError,
    'varianceScaling: options.mode must be one of "fanIn", "fanOut", "fanAvg", received "fan_sideways"',
  );
  rejects(
    () => I.varianceScaling([3, 3], { distribution: "cauchy" as never }),
    RangeError,
    "distribution",
  );
  rejects(
    () => I.randomNormal([3], { stdev: 1 } as never),
    TypeError,
    'randomNormal: each key of options must be one of "dtype", "device", "seed", "mean", "stddev", received "stdev"',
  );
  rejects(() => I.constant([3]), TypeError, "value");
  rejects(() => I.sparse([3, 3], {}), TypeError, "sparsity");
  rejects(() => new I.BinomialInitializer(2), RangeError, "probability");
  // A failed unseeded call does not advance the global stream.
  setSeed(5);
  const a = I.randomNormal([4]);
  setSeed(5);
  assertThrows(() => I.randomNormal([4], { stddev: -1 }));
  const b = I.randomNormal([4]);
  assertEquals(await a.data(), await b.data());
  tf.dispose([a, b]);
});

Deno.test("getInitializer accepts Ember, camelCase and class names, and configs", async () => {
  const names = [
    "glorot_uniform",
    "glorotUniform",
    "GlorotUniform",
    "xavier_uniform",
  ];
  const reference = I.glorotUniform([4, 5], { seed: 9 });
  for (const name of names) {
    const t = I.getInitializer(name)([4, 5], { seed: 9 });
    assertEquals(await t.data(), await reference.data(), name);
    t.dispose();
  }
  const fromConfig = I.getInitializer({
    name: "variance_scaling",
    scale: 2,
    mode: "fan_in",
    seed: 9,
  })([4, 5]);
  const he = I.heNormal([4, 5], { seed: 9 });
  assertEquals(await fromConfig.data(), await he.data());
  const keras = I.getInitializer({
    class_name: "VarianceScaling",
    config: {
      scale: 2,
      mode: "fan_in",
      distribution: "truncated_normal",
      seed: 9,
    },
  })([4, 5]);
  assertEquals(await keras.data(), await he.data());
  const mask = I.getInitializer("binomial")([10], { probability: 1, seed: 1 });
  assertEquals(await mask.data(), new Float32Array(10).fill(1));
  for (
    const name of [
      "he_normal",
      "random_normal",
      "truncated_normal",
      "lecun_uniform",
      "orthogonal",
      "zeros",
      "ones",
      "LeCunNormal",
      "RandomUniform",
      "Identity",
    ]
  ) {
    const init = I.getInitializer(name);
    assertEquals(typeof init, "function", name);
  }
  tf.dispose([reference, fromConfig, he, keras, mask]);
});

Deno.test("getInitializer: an unknown name lists the names and suggests the closest", () => {
  const error = assertThrows(
    () => I.getInitializer("glorot_unifrom"),
    RangeError,
  );
  assertStringIncludes(
    error.message,
    `getInitializer: nameOrConfig must be an initializer's name, received "glorot_unifrom" (did you mean "glorot_uniform"? Available initializers:`,
  );
  assertStringIncludes(error.message, "he_normal");
  const camel = assertThrows(() => I.getInitializer("heNormol"), RangeError);
  assertStringIncludes(camel.message, '(did you mean "heNormal"?');
  assertThrows(
    () => I.getInitializer({ name: "glorotUnifrom" }),
    RangeError,
    'getInitializer: nameOrConfig.name must be an initializer\'s name, received "glorotUnifrom"',
  );
  assertThrows(() => I.getInitializer(42 as never), TypeError);
});

Deno.test("BinomialInitializer: Ember ML's class", async () => {
  const init = new I.BinomialInitializer(0.25, 3);
  assertEquals(init.getConfig(), { probability: 0.25, seed: 3 });
  const a = init.call([20, 20]);
  const b = init.call([20, 20], "float32", "cpu");
  assertEquals(await a.data(), await b.data());
  assert((await a.data()).every((v) => v === 0 || v === 1));
  assertEquals(new I.BinomialInitializer().getConfig(), {
    probability: 0.5,
    seed: null,
  });
  tf.dispose([a, b]);
});

Deno.test("identity, dirac and sparse have the documented structure", async () => {
  const eye = I.identity([3, 3], { gain: 2 });
  assertEquals(await eye.data(), new Float32Array([2, 0, 0, 0, 2, 0, 0, 0, 2]));
  // dirac with 2 groups on a [3, 2, 4] kernel: centre tap maps in d → out g*2 + d.
  const k = I.dirac([3, 2, 4], { groups: 2 });
  const v = await k.data();
  const centre = 1 * 2 * 4;
  assertEquals(Array.from(v.slice(centre, centre + 8)), [
    1,
    0,
    1,
    0,
    0,
    1,
    0,
    1,
  ]);
  assertEquals(Array.from(v).reduce((a, b) => a + b, 0), 4);
  assertThrows(() => I.dirac([3, 2, 3], { groups: 2 }), RangeError, "groups");
  const s = I.sparse([10, 6], { sparsity: 0.25, stddev: 1, seed: 2 });
  const sv = await s.data();
  for (let j = 0; j < 6; j++) {
    let zeros = 0;
    for (let i = 0; i < 10; i++) zeros += sv[i * 6 + j] === 0 ? 1 : 0;
    assertEquals(zeros, 3, `column ${j}`);
  }
  tf.dispose([eye, k, s]);
});

Deno.test("the device option puts the tensor on that backend", async () => {
  const t = I.glorotUniform([4, 4], { seed: 1, device: "cpu" });
  assertEquals(
    tf.engine().state.tensorInfo.get(t.dataId)?.backend,
    tf.findBackend("cpu"),
  );
  const u = I.glorotUniform([4, 4], { seed: 1 });
  assertEquals(await t.data(), await u.data());
  tf.dispose([t, u]);
});

Deno.test("random initializers give the same bits on the WASM backend (written in its heap) and the CPU, and free what they hold", async () => {
  const cases: [
    (s: number[], o?: Record<string, unknown>) => tf.Tensor,
    Record<string, unknown>,
  ][] = [
    [I.randomNormal, { mean: 1, stddev: 2 }],
    [I.randomUniform, { minval: -3, maxval: 5 }],
    [I.truncatedNormal, {}],
    [I.truncatedNormal, { lower: 3, upper: 4 }],
    [I.glorotNormal, {}],
    [I.heUniform, {}],
  ];
  for (const [fn, options] of cases) {
    for (const shape of [[1, 1], [33, 65], [300, 301]]) {
      const before = tf.memory();
      const wasmIds = tf.findBackend("wasm").numDataIds();
      const onCpu = fn(shape, { ...options, seed: 7, device: "cpu" });
      const onWasm = fn(shape, { ...options, seed: 7, device: "wasm" });
      assertEquals(
        tf.engine().state.tensorInfo.get(onWasm.dataId)?.backend,
        tf.findBackend("wasm"),
      );
      assertEquals(onWasm.shape, shape);
      assertEquals(await onWasm.data(), await onCpu.data(), fn.name);
      assertEquals(
        I.initRecordOf(onWasm)?.density,
        I.initRecordOf(onCpu)?.density,
      );
      assertEquals(tf.memory().numBytes, before.numBytes + 2 * onCpu.size * 4);
      tf.dispose([onCpu, onWasm]);
      assertEquals(tf.memory().numTensors, before.numTensors);
      assertEquals(tf.memory().numBytes, before.numBytes);
      assertEquals(tf.findBackend("wasm").numDataIds(), wasmIds);
    }
  }
});
