import {
  assert,
  assertEquals,
  assertMatch,
  assertRejects,
  assertStringIncludes,
  assertThrows,
} from "@std/assert";
import {
  AutoNCP,
  compareInitializers,
  Dense,
  Figure,
  histogram,
  initializers,
  loadWeights,
  Module,
  Parameter,
  Plot,
  plotFigure,
  plotHistogram,
  plotModule,
  plotSpectrum,
  plotTraining,
  plotWeightRow,
  plotWiring,
  Sequential,
  snapshotWeights,
  tf,
} from "../../mod.ts";
import { JUPYTER_DISPLAY } from "../../lib/jupyter.ts";
import { rankTicks } from "../../viz/_common.ts";
import { spyReads } from "../_reads.ts";
import { faceApiModelDir } from "../_face_api.ts";
import { join } from "node:path";
import { noise, plant } from "../stats/_spectra.ts";

/** Checks what every helper's Figure must offer. */
function checkFigure(fig: Figure, ...texts: string[]): void {
  assert(fig instanceof Figure);
  assert(fig.svg.startsWith("<svg"), fig.svg.slice(0, 60));
  assert(fig.svg.endsWith("</svg>"));
  // figure.ts names the kernel's symbol itself (Symbol.for: the same value),
  // so its method is looked up by value, not by that module's type.
  const bundle = (fig as unknown as Record<
    symbol,
    () => Record<string, string>
  >)[JUPYTER_DISPLAY]();
  assert(bundle["text/html"].includes("<svg"));
  assert(bundle["image/svg+xml"].startsWith("<svg"));
  assert(bundle["text/plain"].length > 0);
  for (const t of texts) assertStringIncludes(fig.text, t);
  assert(
    !fig.svg.includes("<figure"),
    "Plot returned a <figure>, which Deno's kernel does not display",
  );
}

Deno.test("plotHistogram overlays the initializer's law and reports NaN/Inf", async () => {
  const before = tf.memory().numTensors;
  const p = new Parameter(initializers.glorotUniform([128, 64], { seed: 1 }));
  checkFigure(await plotHistogram(p), "expected U(", "glorotUniform [128, 64]");
  checkFigure(
    await plotHistogram(p, { logY: true, bins: 10, title: "mine" }),
    "mine",
  );
  const bad = tf.tensor([1, NaN, Infinity, -Infinity, 2]);
  const fig = await plotHistogram(bad);
  checkFigure(fig, "1 NaN, 1 +Inf, 1 −Inf of 5 values not shown");
  assertStringIncludes(fig.svg, "1 NaN");
  const empty = tf.tensor([]);
  await assertRejects(
    () => plotHistogram(empty),
    RangeError,
    "plotHistogram: x must be non-empty, received a Float32Array of length 0",
  );
  tf.dispose([bad, empty]);
  p.dispose();
  assertEquals(tf.memory().numTensors, before);
});

Deno.test("plotSpectrum: theory MP for random inits, fitted otherwise; clear errors", async () => {
  const w = initializers.randomNormal([300, 100], { stddev: 1, seed: 2 });
  checkFigure(await plotSpectrum(w), "MP theory σ² 1", "300 × 100");
  checkFigure(await plotSpectrum(w, { mp: "fit" }), "MP fitted");
  const conv = initializers.heNormal([3, 3, 8, 16], { seed: 3 });
  checkFigure(await plotSpectrum(conv), "72 × 16");
  const v = tf.ones([10]);
  await assertRejects(
    () => plotSpectrum(v),
    RangeError,
    "plotSpectrum: x.shape must be of rank >= 2 (a matrix), received [10]; for a 1-D tensor use plotHistogram",
  );
  const e = tf.zeros([0, 4]);
  await assertRejects(
    () => plotSpectrum(e),
    RangeError,
    "plotSpectrum: x.shape must be a non-empty shape, received [0, 4]",
  );
  const nan = tf.tensor2d([[1, NaN], [Infinity, 2]]);
  const fig = await plotSpectrum(nan);
  checkFigure(fig, "2 NaN/Inf values");
  const plain = tf.ones([8, 8]);
  await assertRejects(
    () => plotSpectrum(plain, { mp: "theory" }),
    RangeError,
    'plotSpectrum: options.mp must be "fit" or absent for weights not made by a random initializer (for "theory", give options.expected), received "theory"',
  );
  tf.dispose([w, conv, v, e, nan, plain]);
});

Deno.test("plotModule, compareInitializers, plotWiring, plotTraining and plotFigure render", async () => {
  const before = tf.memory().numTensors;
  const net = new Sequential([
    new Dense(32, { activation: "relu" }),
    new Dense(4),
  ]);
  const x = tf.ones([2, 16]);
  net.call(x).dispose();
  const fig = await plotModule(net);
  checkFigure(fig, "layers.0._kernel [16, 32]", "layers.1._bias [4]");
  assertStringIncludes(fig.html, "<table");
  await assertRejects(
    () => plotModule(new Module()),
    RangeError,
    "plotModule: module must have parameters (it builds on its first call: call it once), received a Module with none",
  );
  checkFigure(
    await compareInitializers([
      "glorot_uniform",
      "he_normal",
      "orthogonal",
      "binomial",
    ], [64, 32]),
    "glorot_uniform",
    "binomial",
  );
  const map = new AutoNCP(12, 2, { seed: 1 });
  checkFigure(plotWiring(map), "inputs not wired yet");
  map.build(3);
  checkFigure(plotWiring(map), `${map.sensorySynapseCount} from inputs`);
  const history = [await snapshotWeights(net, 0)];
  const opt = tf.train.sgd(0.1);
  opt.minimize(
    () => net.call(x).sum() as tf.Scalar,
    false,
    net.trainableVariables(),
  );
  history.push(await snapshotWeights(net, 1));
  checkFigure(plotTraining(history), "Training: layers.0._kernel", "step 1");
  assertThrows(
    () => plotTraining(history, { parameter: "nope" }),
    RangeError,
    'plotTraining: options.parameter must be the name of a parameter in history[0] (available: layers.0._kernel, layers.0._bias, layers.1._kernel, layers.1._bias), received "nope"',
  );
  checkFigure(
    plotFigure({ marks: [Plot.lineY([1, 3, 2])] }, { title: "t" }),
    "t",
  );
  assertThrows(
    () => plotFigure({ title: "x" } as never),
    TypeError,
    "plotFigure: options must have no title, subtitle or caption",
  );
  opt.dispose();
  x.dispose();
  net.dispose();
  assertEquals(tf.memory().numTensors, before);
});

Deno.test("Figure.save writes .svg, .html and a non-empty .png with text", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const fig = await plotHistogram(new Float64Array([0, 1, 1, 2, 2, 2, 3]), {
      title: "save me",
    });
    await fig.save(`${dir}/a.svg`);
    await fig.save(`${dir}/a.html`);
    await fig.save(`${dir}/a.png`);
    assertStringIncludes(await Deno.readTextFile(`${dir}/a.svg`), "<svg");
    const page = await Deno.readTextFile(`${dir}/a.html`);
    assert(page.startsWith("<!DOCTYPE html>") && !page.includes("<script"));
    const png = await Deno.readFile(`${dir}/a.png`);
    assertEquals(Array.from(png.slice(1, 4)), [0x50, 0x4e, 0x47]); // "PNG"
    const view = new DataView(png.buffer, png.byteOffset);
    assertEquals(view.getUint32(16), fig.width * 2); // IHDR width at scale 2
    assert(png.length > 5000, `png is ${png.length} bytes`);
    await assertRejectsRange(() => fig.save(`${dir}/a.jpg`));
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

async function assertRejectsRange(fn: () => Promise<unknown>): Promise<void> {
  try {
    await fn();
  } catch (error) {
    assert(error instanceof RangeError, String(error));
    return;
  }
  throw new Error("expected a RangeError");
}

Deno.test("the plot helpers read a tensor's data once, asynchronously, never synchronously", async () => {
  const t = initializers.heNormal([64, 32], { seed: 9 });
  const spy = spyReads(t);
  try {
    await plotHistogram(t);
    assertEquals(spy.data, [1], "plotHistogram");
    spy.reset();
    await plotSpectrum(t);
    assertEquals(spy.data, [1], "plotSpectrum");
    spy.reset();
    await plotSpectrum(t, { mp: "fit" });
    await plotHistogram(t, { bins: 10 });
    assertEquals(spy.data, [2], "one read per call");
    assertEquals(spy.anyData, 2, "no other tensor is read");
    assertEquals(spy.sync, 0, "no dataSync or arraySync");
  } finally {
    spy.restore();
    t.dispose();
  }
});

Deno.test("plotModule, compareInitializers and snapshotWeights read each parameter once, asynchronously", async () => {
  const net = new Sequential([new Dense(8), new Dense(2)]);
  const x = tf.ones([1, 4]);
  net.call(x).dispose();
  const params = net.namedParameters().map(([, p]) => p.data);
  assertEquals(params.length, 4);
  const spy = spyReads(...params);
  try {
    await plotModule(net);
    assertEquals(spy.data, [1, 1, 1, 1], "plotModule");
    await snapshotWeights(net, 0);
    assertEquals(spy.data, [2, 2, 2, 2], "snapshotWeights");
    assertEquals(spy.anyData, 8, "no other tensor is read");
    assertEquals(spy.sync, 0, "no dataSync or arraySync");
    spy.reset();
    await compareInitializers(["glorot_normal", "orthogonal"], [32, 16]);
    assertEquals(spy.anyData, 2, "compareInitializers: one read per tensor");
    assertEquals(spy.sync, 0, "compareInitializers: no dataSync or arraySync");
  } finally {
    spy.restore();
    x.dispose();
    net.dispose();
  }
});

Deno.test("rank axes: whole ranks at a round step, rank 1 always", () => {
  assertEquals(rankTicks(1), [1]);
  assertEquals(rankTicks(3), [1, 2, 3]);
  assertEquals(rankTicks(10), [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
  assertEquals(rankTicks(13), [1, 2, 4, 6, 8, 10, 12]);
  assertEquals(rankTicks(27), [1, 5, 10, 15, 20, 25]);
  assertEquals(rankTicks(32), [1, 5, 10, 15, 20, 25, 30]);
  assertEquals(rankTicks(50), [1, 10, 20, 30, 40, 50]);
  for (let n = 1; n <= 50; n++) {
    const t = rankTicks(n);
    assert(
      t.length <= 10 && t.every(Number.isInteger) && t.at(-1)! <= n,
      `${n}`,
    );
  }
});

Deno.test("plotModule and plotSpectrum of weights from a file analyse each quantised weight with its storage precision (face-api's uint8 fc: low-rank)", async () => {
  const before = tf.memory().numTensors;
  const weights = await loadWeights(
    join(
      await faceApiModelDir(),
      "face_recognition_model-weights_manifest.json",
    ),
  );
  try {
    const html = (await plotModule(weights)).html;
    // The statistics table's row for fc ends with its verdict: with the
    // uint8 grid's floor, 47 of its 128 singular values are rounding.
    const row = html.slice(html.lastIndexOf(">fc</td>"));
    assertStringIncludes(row.slice(0, row.indexOf("</tr>")), "low-rank");
    // The same tensors as a plain Map carry no storage: full rank, random-like.
    const plain = (await plotModule(new Map(weights))).html;
    const plainRow = plain.slice(plain.lastIndexOf(">fc</td>"));
    assertStringIncludes(
      plainRow.slice(0, plainRow.indexOf("</tr>")),
      "random-like",
    );
    // plotSpectrum: of the WeightMap, each weight with its own; of one
    // tensor, with the option given.
    const fc = weights.get("fc")!;
    const stacked = (await plotSpectrum(weights)).text;
    const fcText = stacked.slice(stacked.indexOf("fc [256, 128]"));
    // (the low-rank verdict's summary: "256×128: rank 81 of 128, no spikes")
    assertMatch(fcText, /256×128: rank \d+ of 128, no spikes/);
    assertMatch(
      (await plotSpectrum(fc, weights.storagePrecision("fc"))).text,
      /256×128: rank \d+ of 128, no spikes/,
    );
    assertStringIncludes((await plotSpectrum(fc)).text, "random-like");
  } finally {
    tf.dispose([...weights.values()]);
  }
  assertEquals(tf.memory().numTensors, before);
});

Deno.test("every plot helper refuses a misspelt option, naming it (a British 'quantisationStep' must not be ignored)", async () => {
  const before = tf.memory().numTensors;
  const w = initializers.glorotUniform([16, 8], { seed: 1 });
  const host = { values: new Float32Array(16), shape: [4, 4] };
  const bad = { quantisationStep: 0.01 } as never;
  const calls: [string, () => unknown][] = [
    ["plotSpectrum", () => plotSpectrum(w, bad)],
    ["plotHistogram", () => plotHistogram(w, bad)],
    ["plotModule", () => plotModule(new Map([["w", w]]), bad)],
    ["compareInitializers", () => compareInitializers(["zeros"], [4, 4], bad)],
    ["plotWeightRow", () => plotWeightRow("w", host, bad)],
    ["plotWiring", () => plotWiring(new AutoNCP(8, 2), bad)],
    ["histogram", () => histogram(w, bad)],
  ];
  for (const [fn, call] of calls) {
    const message = `${fn}: each key of options must be one of`;
    try {
      await call();
      throw new Error(`${fn} accepted a misspelt option`);
    } catch (e) {
      assert(e instanceof TypeError, `${fn}: ${e}`);
      assertStringIncludes(e.message, message);
      assertStringIncludes(e.message, 'received "quantisationStep"');
    }
  }
  const snapshot = await snapshotWeights(new Map([["w", w]]), 0);
  assertThrows(
    () => plotTraining([snapshot], bad),
    TypeError,
    'plotTraining: each key of options must be one of "parameter", "width", received "quantisationStep"',
  );
  assertThrows(
    () => plotFigure({ marks: [] }, bad),
    TypeError,
    'plotFigure: each key of figure must be one of "title", "subtitle", "text", received "quantisationStep"',
  );
  w.dispose();
  assertEquals(tf.memory().numTensors, before);
});

Deno.test("plotSpectrum says why eigenvalues past the drawn edge λ₊ are not spikes", async () => {
  // Three planted spikes, and the bulk's largest eigenvalue a little past
  // λ₊: inside the Tracy–Widom fluctuation, so not a spike.
  const values = plant(noise(400, 200, "gauss", 10), 400, 200, 3, 3, 1, 4);
  const fig = await plotSpectrum({ values, shape: [400, 200] });
  assert(fig.text.includes("3 spikes above the bulk"), fig.text);
  assert(
    fig.text.includes(
      "1 more eigenvalue past λ₊, within the edge's Tracy–Widom fluctuation: not spikes",
    ),
    fig.text,
  );
  // A pure bulk whose largest eigenvalue stays under λ₊ says nothing more.
  const quiet = await plotSpectrum({
    values: noise(400, 200, "gauss", 11),
    shape: [400, 200],
  });
  assert(!quiet.text.includes("past λ₊"), quiet.text);
});
