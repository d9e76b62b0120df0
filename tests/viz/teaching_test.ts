/**
 * The teaching figures and tables: plotPropagation, plotJacobianSpectrum,
 * varianceTable, plotHistogram's compare, and liveTraining outside Jupyter
 * (its kernel display is tested in kernel_display_test.ts). Checked on their
 * data: what is drawn, what is said, what is never dropped.
 */
import {
  assert,
  assertAlmostEquals,
  assertEquals,
  assertMatch,
  assertNotMatch,
  assertRejects,
  assertStringIncludes,
  assertThrows,
} from "@std/assert";
import {
  Dense,
  initializers,
  jacobianSpectrum,
  liveTraining,
  plotHistogram,
  plotJacobianSpectrum,
  plotPropagation,
  type PropagationRow,
  Sequential,
  tf,
  tracePropagation,
  varianceTable,
} from "../../mod.ts";
import { JUPYTER_DISPLAY } from "../../lib/jupyter.ts";
import { seriesStyle } from "../../viz/_series.ts";
import { logged } from "../_scoped.ts";

/** Rows of a made-up trace: std 1 everywhere except where given. */
function rows(
  layers: number,
  overrides: Record<number, Partial<PropagationRow>> = {},
): PropagationRow[] {
  return Array.from({ length: layers }, (_, i) => ({
    layer: i + 1,
    name: `layers.${i}`,
    activation: "tanh",
    units: 8,
    activationStd: 1,
    gradientStd: 1,
    saturation: 0.1,
    saturationKind: "saturated" as const,
    diverged: false,
    ...overrides[i + 1],
  }));
}

Deno.test("plotPropagation: a legend entry and a distinct colour and marker per series, in three panels", () => {
  const names = [
    "normal σ=0.05",
    "normal σ=1",
    "glorot",
    "he",
    "lecun",
    "orthogonal",
  ];
  const byInit = new Map(names.map((n) => [n, rows(5)]));
  const fig = plotPropagation(byInit, { title: "six inits" });
  const styles = names.map((_, i) => seriesStyle(i));
  assertEquals(new Set(styles.map((s) => s.color)).size, names.length);
  assertEquals(
    new Set(styles.map((s) => `${s.symbol}${s.hollow}`)).size,
    names.length,
  );
  for (const [i, name] of names.entries()) {
    assertStringIncludes(fig.svg, `>${name}<`);
    assertStringIncludes(fig.svg, styles[i].color);
  }
  for (
    const heading of [
      "Activations: std of h",
      "Gradients: std of ∂loss/∂h",
      "Saturated or dead units",
    ]
  ) {
    assertStringIncludes(fig.svg, heading);
  }
  // No labels at the ends of the lines: each name appears once (the legend).
  for (const name of names) {
    assertEquals(fig.svg.split(`>${name}<`).length - 1, 1, name);
  }
  // One array is one series, named by `label`.
  assertStringIncludes(
    plotPropagation(rows(3), { label: "mine" }).svg,
    ">mine<",
  );
});

Deno.test("plotPropagation: Inf and NaN are drawn as ∞ at the top, values off the range as ↑ and ↓, never dropped", () => {
  const diverged = rows(6, {
    4: { activationStd: Infinity, gradientStd: NaN, diverged: true },
    5: { activationStd: NaN, gradientStd: NaN, diverged: true },
    6: { activationStd: NaN, gradientStd: NaN, diverged: true },
  });
  const fig = plotPropagation({ steady: rows(6), diverged });
  // One ∞ per run per panel, in the diverged series' colour (series 1).
  const infinities = fig.svg.match(/>∞</g) ?? [];
  assertEquals(infinities.length, 2 + 1, "two panels' runs and the legend's");
  assertStringIncludes(fig.svg, `fill="${seriesStyle(1).color}"`);
  assertStringIncludes(fig.svg, "Inf or NaN (diverged)");
  assertStringIncludes(fig.text, "diverged: activation std 1 → NaN");
  assertStringIncludes(fig.text, "diverged (Inf/NaN) from layer 4");
  // A range that cuts values off: above is ↑, zero and below are ↓.
  const cut = plotPropagation(
    rows(4, { 2: { activationStd: 100 }, 3: { activationStd: 0 } }),
    { yRange: [0.1, 10] },
  );
  assertStringIncludes(cut.svg, ">↑<");
  assertStringIncludes(cut.svg, ">↓<");
  assertStringIncludes(cut.svg, "above the axis");
  assertNotMatch(cut.svg, />∞</);
  // No saturation anywhere: the panel says so.
  const linear = plotPropagation(
    rows(2).map((r) => ({ ...r, saturation: null, saturationKind: null })),
  );
  assertStringIncludes(linear.svg, "no tanh, sigmoid or ReLU layer");
});

Deno.test("plotPropagation draws what tracePropagation measured", async () => {
  const before = tf.memory().numTensors;
  const x = initializers.randomNormal([32, 16], { stddev: 1, seed: 0 });
  const byInit: Record<string, PropagationRow[]> = {};
  for (const stddev of [0.05, 1]) {
    const net = new Sequential([1, 2, 3, 4].map((seed) =>
      new Dense(16, {
        activation: "tanh",
        kernelInitializer: { name: "random_normal", stddev, seed },
      })
    ));
    byInit[`σ=${stddev}`] = await tracePropagation(net, x);
    net.dispose();
  }
  x.dispose();
  const fig = plotPropagation(byInit);
  assertStringIncludes(fig.text, "Signal propagation through 4 layers");
  assertMatch(fig.text, /σ=1: .*saturated up to 0\.\d/);
  assertEquals(tf.memory().numTensors, before);
});

Deno.test("plotPropagation: bad input is an error naming the function", () => {
  assertThrows(
    () => plotPropagation([] as never),
    TypeError,
    "plotPropagation: the argument must be tracePropagation's rows",
  );
  assertThrows(
    () => plotPropagation(new Map()),
    RangeError,
    "at least one series",
  );
  assertThrows(
    () => plotPropagation({ a: rows(2), b: [{ layer: 1 }] as never }),
    TypeError,
    'series "b" must be',
  );
  assertThrows(
    () => plotPropagation(rows(2), { yRange: [0, 1] }),
    RangeError,
    "yRange must satisfy 0 < low < high",
  );
  assertThrows(
    () => plotPropagation(rows(2), { ylim: [1, 2] } as never),
    TypeError,
    'plotPropagation: each key of options must be one of "title", "subtitle", "label", "width", "height", "yRange", received "ylim"',
  );
  assertThrows(
    () => plotPropagation(rows(2), { width: -1 }),
    RangeError,
    "plotPropagation: options.width must be a finite number > 0, received -1",
  );
});

Deno.test("plotJacobianSpectrum: mean σ by rank with its band, every example's σ, σ = 1 marked, a table", async () => {
  const x = initializers.randomNormal([6, 16], { stddev: 0.1, seed: 0 });
  const spectra = new Map<
    string,
    Awaited<ReturnType<typeof jacobianSpectrum>>
  >();
  for (const init of ["orthogonal", "random_normal"]) {
    const net = new Sequential(
      Array.from({ length: 6 }, (_, i) =>
        new Dense(16, {
          activation: "tanh",
          useBias: false,
          kernelInitializer: init === "orthogonal"
            ? { name: init, seed: i }
            : { name: init, stddev: 0.25, seed: i },
        })),
    );
    spectra.set(init, await jacobianSpectrum(net, x));
    net.dispose();
  }
  x.dispose();
  const fig = plotJacobianSpectrum(spectra);
  assertStringIncludes(fig.svg, "σ = 1 (isometry)");
  assertStringIncludes(fig.svg, "By rank: the batch");
  assertStringIncludes(fig.svg, 'aria-label="area"');
  assertStringIncludes(fig.text, "Pennington, Schoenholz & Ganguli 2017");
  assertMatch(
    fig.text,
    /orthogonal: J 16×16 over 6 examples, mean σ from 0\.9\d* to 0\.\d+/,
  );
  assertStringIncludes(fig.html, "<table");
  assertStringIncludes(fig.html, "σ₁/σ_min");
  assertThrows(
    () => plotJacobianSpectrum([1, 2] as never),
    TypeError,
    "plotJacobianSpectrum: the argument must be jacobianSpectrum's result",
  );
});

Deno.test("plotJacobianSpectrum: values under float32 resolution are ↓ at the floor; diverged examples are named", () => {
  const sv = Float64Array.from([2, 1, 1e-12, 0]);
  const spectrum = {
    singularValues: sv,
    perExample: [sv, Float64Array.from([NaN, NaN, NaN, NaN])],
    shape: [4, 4] as [number, number],
    batch: 2,
    diverged: 1,
    meanSquared: 1.25,
    floor: 2 * 4 * 2 ** -24,
  };
  const fig = plotJacobianSpectrum({ net: spectrum });
  assertStringIncludes(fig.svg, ">↓<");
  assertStringIncludes(fig.svg, "zero or under float32 resolution");
  assertStringIncludes(
    fig.svg,
    "net: 1 of 2 examples have a non-finite Jacobian",
  );
});

Deno.test("varianceTable: fans, the target variance, the law's and a seeded draw's, with standard errors", async () => {
  const before = tf.memory().numTensors;
  const table = await varianceTable(
    [
      "glorot_uniform",
      "glorotNormal",
      "he_normal",
      "lecun_uniform",
      "orthogonal",
      { name: "random_normal", stddev: 0.05 },
    ],
    [400, 200],
    { seed: 3 },
  );
  assertEquals(tf.memory().numTensors, before);
  assertEquals(
    table.rows.map((r) => [r.name, r.fanIn, r.fanOut, r.formula]),
    [
      ["glorot_uniform", 400, 200, "2/(fan_in+fan_out)"],
      ["glorotNormal", 400, 200, "2/(fan_in+fan_out)"],
      ["he_normal", 400, 200, "2/fan_in"],
      ["lecun_uniform", 400, 200, "1/fan_in"],
      ["orthogonal", 400, 200, "1/400 (unit vectors in R^400)"],
      ['{"name":"random_normal","stddev":0.05}', 400, 200, "0.05²"],
    ],
  );
  const theory = [2 / 600, 2 / 600, 2 / 400, 1 / 400, 1 / 400, 0.0025];
  table.rows.forEach((r, i) => {
    assertAlmostEquals(r.theory, theory[i], 1e-12, r.name);
    // Within 6 standard errors (the orthogonal's is exact: its columns are unit vectors).
    assertAlmostEquals(
      r.measured,
      r.theory,
      6 * r.standardError + 1e-9,
      r.name,
    );
    assertAlmostEquals(r.ratio, r.measured / r.theory, 1e-12);
  });
  assertEquals(table.shape, [400, 200]);
  assertStringIncludes(table.html, "<table");
  assertStringIncludes(table.html, "&quot;random_normal&quot;");
  assertStringIncludes(String(table), "80000 values, seed 3");
  const display = (table as unknown as Record<
    symbol,
    () => Record<string, string>
  >)[JUPYTER_DISPLAY];
  const bundle = display.call(table);
  assertEquals(Object.keys(bundle).sort(), ["text/html", "text/plain"]);
  await assertRejects(
    () => varianceTable([], [4, 4]),
    TypeError,
    "names must be a non-empty array",
  );
  await assertRejects(
    () => varianceTable(["glorot_unifrom"], [4, 4]),
    RangeError,
  );
  await assertRejects(
    () => varianceTable(["zeros"], [4, -1]),
    RangeError,
    "shape[1]",
  );
  await assertRejects(
    () => varianceTable(["zeros"], [4, 4], { sed: 1 } as never),
    TypeError,
    "options must be { seed }",
  );
  assertEquals(tf.memory().numTensors, before);
});

Deno.test("plotHistogram compare: tfjs's glorotNormal drawn over ours, on the same bins, 0.88× as wide", async () => {
  const ours = initializers.glorotNormal([300, 300], { seed: 5 });
  const theirs = tf.initializers.glorotNormal({ seed: 5 }).apply([300, 300]);
  const fig = await plotHistogram(ours, {
    compare: { x: theirs, label: "tfjs glorotNormal" },
  });
  // The black step outline and its legend entry.
  assertStringIncludes(fig.svg, 'stroke="#222"');
  assertStringIncludes(fig.svg, ">tfjs glorotNormal<");
  const std = (name: string) =>
    Number(
      fig.text.match(new RegExp(`${name}: mean [^,]+, std ([0-9.e-]+)`))![1],
    );
  const ratio = std("tfjs glorotNormal") / std("measured");
  // tfjs forgets the truncation's correction: its std is 0.8796× the target
  // (± 4·√(2/n), n = 90000: more than 4 standard errors of a ratio of stds).
  assertAlmostEquals(
    ratio,
    initializers.TRUNCATED_NORMAL_STD_FACTOR,
    4 * Math.sqrt(2 / 90000),
  );
  // Different sizes: the compared counts are scaled, and it says by how much.
  const few = tf.randomNormal([900], 0, 0.05, "float32", 1);
  const scaled = await plotHistogram(ours, {
    compare: { x: few, label: "900" },
  });
  assertStringIncludes(scaled.text, "(its 900 values' counts scaled by 100)");
  await assertRejects(
    () => plotHistogram(ours, { compare: theirs as never }),
    TypeError,
    "plotHistogram: options.compare must be { x, label? }",
  );
  tf.dispose([ours, theirs, few]);
});

Deno.test("plotHistogram compare: a ±Infinity in either does not change the bins' range", async () => {
  const a = Float32Array.from({ length: 1000 }, (_, i) => 3 * Math.sin(i));
  const b = Float32Array.from(a);
  b[5] = Infinity;
  const fig = await plotHistogram({ values: a, shape: [1000] }, {
    compare: { x: { values: b, shape: [1000] } },
    expected: null,
  });
  // The +Inf is counted apart; no finite value falls outside the range
  // (the range was [0, 1] and 891 values were outside).
  assertStringIncludes(fig.text, "compared: 1 +Inf of 1000 values not shown");
  assertNotMatch(fig.text, /outside/);
});

/** Runs `fn` with console.log captured. */
async function captured(fn: () => Promise<void>): Promise<string[]> {
  return (await logged(fn)).map((args) => args.join(" "));
}

Deno.test("liveTraining outside Jupyter: a progress line per redraw; the first, the last and finish() always draw", async () => {
  // Not a terminal here (deno test pipes stdout): one line per redraw.
  const throttled = await captured(async () => {
    const live = liveTraining({ title: "fit", interval: 600000 });
    assertEquals(live.output, "text");
    for (let step = 0; step < 5; step++) {
      await live.update({ step, loss: 1 / (step + 1) });
    }
    await live.finish();
  });
  assertEquals(throttled, ["fit: step 0  loss 1", "fit: step 4  loss 0.2"]);
  const known = await captured(async () => {
    const live = liveTraining({ title: "fit", interval: 600000, steps: 3 });
    for (let step = 0; step < 3; step++) {
      await live.update({ step, loss: { train: step, val: NaN } });
    }
    await live.finish(); // the last step was drawn already
  });
  assertEquals(known, [
    "fit: step 0/3  train 0  val NaN",
    "fit: step 2/3  train 2  val NaN",
  ]);
});

Deno.test("liveTraining: the figure of the last step, loss tensors read, NaN kept as ∞, chosen parameters", async () => {
  const before = tf.memory().numTensors;
  const net = new Sequential([
    new Dense(12, { activation: "tanh" }),
    new Dense(8, { activation: "tanh" }),
    new Dense(2),
  ], { inputShape: [4] });
  const live = liveTraining({
    title: "toy",
    parameters: ["layers.1._kernel"],
    output: "none",
  });
  for (let step = 0; step < 6; step++) {
    const loss = tf.scalar(step === 3 ? NaN : 10 / (step + 1));
    await live.update({ step: step * 10, loss, net });
    loss.dispose();
  }
  await live.finish();
  assertEquals(live.history.map((p) => p.loss).slice(2, 4), [
    Math.fround(10 / 3),
    NaN,
  ]);
  const fig = await live.figure();
  assertStringIncludes(fig.text, "step 50 · loss 1.667");
  assertStringIncludes(fig.text, "Parameters at step 50");
  assertStringIncludes(fig.text, "layers.1._kernel");
  assertNotMatch(fig.text, /layers\.0\._kernel/);
  assertStringIncludes(fig.svg, ">∞<");
  assertStringIncludes(fig.html, "ember-table");
  // By default: every matrix if two or fewer, else the first and the last.
  const all = liveTraining({ output: "none" });
  await all.update({ step: 0, loss: 1, net });
  const defaults = await all.figure();
  assertStringIncludes(defaults.text, "layers.0._kernel");
  assertStringIncludes(defaults.text, "layers.2._kernel");
  assertNotMatch(defaults.text, /layers\.1\._kernel/);
  net.dispose();
  assertEquals(tf.memory().numTensors, before);
});

Deno.test("liveTraining: bad options and updates are errors naming the function", async () => {
  assertThrows(
    () => liveTraining({ interval: -1 }),
    RangeError,
    "liveTraining: interval",
  );
  assertThrows(
    () => liveTraining({ steps: 0 }),
    RangeError,
    "liveTraining: steps",
  );
  assertThrows(
    () => liveTraining({ every: 3 } as never),
    TypeError,
    'liveTraining: each key of options must be one of "title", "parameters", "interval", "steps", "width", "output", received "every"',
  );
  assertThrows(
    () => liveTraining({ output: "html" as never }),
    RangeError,
    "liveTraining: options.output must be one of",
  );
  assertThrows(
    () => liveTraining({ output: "jupyter" }),
    RangeError,
    "needs the Deno Jupyter kernel",
  );
  assertThrows(
    () => liveTraining({ parameters: "w" as never }),
    TypeError,
    "parameters must be an array",
  );
  const live = liveTraining({ output: "none" });
  await assertRejects(
    () => live.figure(),
    RangeError,
    "needs at least one update",
  );
  await assertRejects(
    () => live.update({ step: NaN, loss: 1 }),
    RangeError,
    "update's step must be a finite number",
  );
  await assertRejects(
    () => live.update({ step: 0, loss: "1" as never }),
    TypeError,
    'update\'s loss "loss" must be a number or a scalar tensor',
  );
  const vector = tf.ones([2]);
  await assertRejects(
    () => live.update({ step: 0, loss: vector }),
    RangeError,
    "must be a scalar",
  );
  vector.dispose();
  const net = new Sequential([new Dense(2)], { inputShape: [2] });
  const named = liveTraining({ parameters: ["nope"], output: "none" });
  await assertRejects(
    () => named.update({ step: 0, loss: 1, net }),
    RangeError,
    'no parameter "nope"; available: layers.0._kernel, layers.0._bias',
  );
  assertEquals(named.history.length, 0, "nothing recorded from a bad update");
  net.dispose();
  assert(true);
});
