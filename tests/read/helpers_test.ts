/**
 * What every asynchronous helper that reads weights shares (`lib/read` and
 * the plots): a disposed tensor or Parameter is a rejection naming the
 * helper; a tensor made by another copy of tfjs is refused with a message
 * that says so; no tensor is left behind; each call reads each tensor once
 * with `data()` and never synchronously.
 *
 * @module
 */
import {
  assert,
  assertEquals,
  assertInstanceOf,
  assertRejects,
  assertStringIncludes,
  assertThrows,
} from "@std/assert";
import {
  analyzeSpectrum,
  analyzeSpectrumSync,
  compareInitializers,
  Dense,
  Figure,
  histogram,
  histogramSync,
  initializers,
  Module,
  Parameter,
  plotHistogram,
  plotModule,
  plotSpectrum,
  Sequential,
  singularValues,
  singularValuesSync,
  snapshotWeights,
  tf,
  type WeightsLike,
} from "../../mod.ts";
import { spyReads } from "../_reads.ts";

/** The helpers that take weights, by the name their messages use. */
const HELPERS: [string, (x: WeightsLike) => Promise<unknown>][] = [
  ["singularValues", (x) => singularValues(x)],
  ["histogram", (x) => histogram(x)],
  ["analyzeSpectrum", (x) => analyzeSpectrum(x)],
  ["plotHistogram", (x) => plotHistogram(x)],
  ["plotSpectrum", (x) => plotSpectrum(x)],
];

/** A module whose one parameter is `p`. */
class Holder extends Module {
  constructor(readonly p: Parameter) {
    super();
  }
}

/**
 * A tensor as another copy of tfjs makes it: the methods and fields of a
 * tensor, but not an instance of our `tf.Tensor`.
 */
function foreignTensor(): WeightsLike {
  const values = new Float32Array([1, 2, 3, 4, 5, 6]);
  return {
    shape: [2, 3],
    dtype: "float32",
    size: 6,
    rank: 2,
    isDisposed: false,
    dataSync: () => values,
    data: () => Promise.resolve(values),
    arraySync: () => [[1, 2, 3], [4, 5, 6]],
    dispose: () => {},
  } as unknown as WeightsLike;
}

Deno.test("a disposed tensor or Parameter: every helper rejects, naming itself", async () => {
  const t = tf.ones([4, 3]);
  t.dispose();
  const p = new Parameter(tf.ones([4, 3]));
  p.dispose();
  for (const [name, helper] of HELPERS) {
    for (const x of [t, p]) {
      const e = await assertRejects(() => helper(x), TypeError, "disposed");
      assert(
        e.message.startsWith(`${name}:`),
        `${name} (${x === t ? "tensor" : "Parameter"}): ${e.message}`,
      );
    }
  }
  const net = new Holder(new Parameter(tf.ones([4, 3])));
  net.p.dispose();
  await assertRejects(
    () => plotModule(net),
    TypeError,
    "plotModule: x must be a tensor that is not disposed, received a disposed tensor",
  );
  await assertRejects(
    () => snapshotWeights(net, 0),
    TypeError,
    "snapshotWeights: x must be a tensor that is not disposed, received a disposed tensor",
  );
});

Deno.test("a tensor of another copy of tfjs: every helper rejects and says why", async () => {
  for (const [name, helper] of HELPERS) {
    const e = await assertRejects(
      () => helper(foreignTensor()),
      TypeError,
      "another copy of tfjs",
    );
    assert(e.message.startsWith(`${name}:`), `${name}: ${e.message}`);
    assertStringIncludes(e.message, "mod.ts");
  }
});

Deno.test("not weights at all: every helper rejects with a TypeError naming itself", async () => {
  for (const [name, helper] of HELPERS) {
    for (const x of ["x", 3, null, [1, 2, 3], { shape: [2] }]) {
      const e = await assertRejects(() => helper(x as never), TypeError);
      assertStringIncludes(e.message, name, `${name}(${JSON.stringify(x)})`);
    }
  }
});

Deno.test("no helper leaves a tensor behind, whether it resolves or rejects", async () => {
  const w = new Parameter(initializers.heNormal([48, 24], { seed: 4 }));
  const t = initializers.glorotUniform([3, 3, 4, 8], { seed: 5 });
  const v = tf.tensor1d([1, 2, 3]);
  const net = new Sequential([new Dense(6), new Dense(2)]);
  const x = tf.ones([1, 5]);
  net.call(x).dispose();
  const calls: [string, () => Promise<unknown>][] = [
    ...HELPERS.flatMap(([name, helper]): [string, () => Promise<unknown>][] => [
      [`${name}(Parameter)`, () => helper(w)],
      [`${name}(conv tensor)`, () => helper(t)],
      [`${name}(host)`, () => helper({ values: [1, 2, 3, 4], shape: [2, 2] })],
    ]),
    ["histogram(vector)", () => histogram(v)],
    ["plotHistogram(vector)", () => plotHistogram(v)],
    ["plotModule", () => plotModule(net)],
    ["snapshotWeights", () => snapshotWeights(net, 3)],
    [
      "compareInitializers",
      () => compareInitializers(["he_normal", "orthogonal"], [16, 8]),
    ],
  ];
  const rejections: [string, () => Promise<unknown>][] = [
    ["singularValues(vector)", () => singularValues(v)],
    ["analyzeSpectrum(vector)", () => analyzeSpectrum(v)],
    ["plotSpectrum(vector)", () => plotSpectrum(v)],
    [
      "analyzeSpectrum(bad option)",
      () => analyzeSpectrum(w, { no: 1 } as never),
    ],
    ["plotModule(no parameters)", () => plotModule(new Module())],
    [
      "compareInitializers(unknown name)",
      () => compareInitializers(["he_normal", "no_such_init"], [16, 8]),
    ],
    [
      "compareInitializers(bad shape)",
      () => compareInitializers(["he_normal"], [16, -1]),
    ],
  ];
  try {
    for (const [what, call] of calls) {
      const before = tf.memory().numTensors;
      await call();
      assertEquals(tf.memory().numTensors, before, what);
    }
    for (const [what, call] of rejections) {
      const before = tf.memory().numTensors;
      await assertRejects(call, Error, undefined, what);
      assertEquals(tf.memory().numTensors, before, what);
    }
  } finally {
    w.dispose();
    tf.dispose([t, v, x]);
    net.dispose();
  }
});

Deno.test("each helper reads a tensor once per call, with data(), and never synchronously", async () => {
  const t = initializers.heNormal([40, 20], { seed: 6 });
  const p = new Parameter(initializers.glorotNormal([30, 10], { seed: 7 }));
  const spy = spyReads(t, p.data);
  try {
    for (const [name, helper] of HELPERS) {
      spy.reset();
      await helper(t);
      assertEquals(spy.data, [1, 0], `${name}(tensor)`);
      await helper(p);
      assertEquals(spy.data, [1, 1], `${name}(Parameter)`);
      assertEquals(spy.anyData, 2, `${name}: no other tensor read`);
      assertEquals(spy.sync, 0, `${name}: no dataSync or arraySync`);
    }
  } finally {
    spy.restore();
    t.dispose();
    p.dispose();
  }
});

Deno.test("the helpers return Promises, also when they fail", () => {
  const bad = "x" as never;
  for (const [name, helper] of HELPERS) {
    const pending = helper(bad);
    assertInstanceOf(pending, Promise, name);
    pending.catch(() => {});
  }
  for (
    const pending of [
      plotModule(bad),
      snapshotWeights(bad, 0),
      compareInitializers(bad, [2, 2]),
    ]
  ) {
    assertInstanceOf(pending, Promise);
    pending.catch(() => {});
  }
});

Deno.test("concurrent calls on one tensor agree with sequential ones", async () => {
  const t = initializers.orthogonal([32, 16], { seed: 8 });
  try {
    const [s, h, a, fig] = await Promise.all([
      singularValues(t),
      histogram(t, { bins: 8 }),
      analyzeSpectrum(t),
      plotSpectrum(t),
    ]);
    assertEquals(s, await singularValues(t));
    assertEquals(h, await histogram(t, { bins: 8 }));
    assertEquals(a, await analyzeSpectrum(t));
    assertInstanceOf(fig, Figure);
    assertEquals(fig.svg, (await plotSpectrum(t)).svg);
  } finally {
    t.dispose();
  }
});

Deno.test("each synchronous form refuses a tensor or Parameter and points to its asynchronous helper", () => {
  const t = tf.tensor2d([1, 2, 3, 4, 5, 6], [2, 3]);
  const p = new Parameter(t.clone());
  const forms: [string, (x: never) => unknown][] = [
    ["singularValues", (x) => singularValuesSync(x)],
    ["histogram", (x) => histogramSync(x)],
    ["analyzeSpectrum", (x) => analyzeSpectrumSync(x)],
  ];
  try {
    for (const [name, sync] of forms) {
      for (const x of [t, p]) {
        const e = assertThrows(() => sync(x as never), TypeError);
        assert(e.message.startsWith(`${name}Sync: x must be host data`));
        assertStringIncludes(
          e.message,
          `(for a tensor or Parameter, await the asynchronous ${name})`,
        );
      }
    }
  } finally {
    t.dispose();
    p.dispose();
  }
});
