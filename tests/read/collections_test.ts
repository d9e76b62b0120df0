/**
 * Whole models everywhere a helper takes weights: a tf.LayersModel, a
 * tf.GraphModel, a tf.NamedTensorMap and a Map<string, tf.Tensor> give one
 * result per weight, by name; a LayerVariable is taken wherever a tensor is.
 *
 * @module
 */
import {
  assert,
  assertEquals,
  assertInstanceOf,
  assertRejects,
  assertStringIncludes,
} from "@std/assert";
import {
  analyzeSpectrum,
  analyzeSpectrumSync,
  Figure,
  histogram,
  histogramSync,
  plotHistogram,
  plotModule,
  plotSpectrum,
  singularValues,
  singularValuesSync,
  snapshotWeights,
  tf,
} from "../../mod.ts";

/** A small trained-shape LayersModel: two dense layers and a batch norm (non-trainable moving statistics). */
function layersModel(): tf.LayersModel {
  const model = tf.sequential({
    layers: [
      tf.layers.dense({
        units: 24,
        inputShape: [40],
        name: "hidden",
        kernelInitializer: tf.initializers.glorotNormal({ seed: 1 }),
      }),
      tf.layers.batchNormalization({ name: "norm" }),
      tf.layers.dense({
        units: 5,
        name: "out",
        kernelInitializer: tf.initializers.glorotNormal({ seed: 2 }),
      }),
    ],
  });
  return model;
}

/** A GraphModel loaded from memory: x · dense/kernel + dense/bias. */
async function graphModel(): Promise<tf.GraphModel> {
  const kernel = Float32Array.from(
    { length: 32 * 12 },
    (_, i) => Math.sin(i * 1.7) * 0.3,
  );
  const bias = Float32Array.from({ length: 12 }, (_, i) => i / 10);
  const data = new Uint8Array((kernel.length + bias.length) * 4);
  data.set(new Uint8Array(kernel.buffer), 0);
  data.set(new Uint8Array(bias.buffer), kernel.length * 4);
  const float = { type: "DT_FLOAT" };
  const dims = (...d: number[]) => ({
    dim: d.map((size) => ({ size: `${size}` })),
  });
  const constant = (name: string, shape: number[]) => ({
    name,
    op: "Const",
    attr: {
      dtype: float,
      value: { tensor: { dtype: "DT_FLOAT", tensorShape: dims(...shape) } },
    },
  });
  const modelTopology = {
    node: [
      {
        name: "x",
        op: "Placeholder",
        attr: { dtype: float, shape: { shape: dims(-1, 32) } },
      },
      constant("dense/kernel", [32, 12]),
      constant("dense/bias", [12]),
      {
        name: "mm",
        op: "MatMul",
        input: ["x", "dense/kernel"],
        attr: {
          T: float,
          transpose_a: { b: false },
          transpose_b: { b: false },
        },
      },
      {
        name: "y",
        op: "BiasAdd",
        input: ["mm", "dense/bias"],
        attr: { T: float },
      },
    ],
    versions: { producer: 1 },
  };
  return await tf.loadGraphModel(tf.io.fromMemory({
    modelTopology,
    weightSpecs: [
      { name: "dense/kernel", shape: [32, 12], dtype: "float32" },
      { name: "dense/bias", shape: [12], dtype: "float32" },
    ],
    weightData: data.buffer,
    format: "graph-model",
  }));
}

/** The expected names and host values of a collection's weights. */
async function hostOf(
  entries: [string, tf.Tensor][],
): Promise<Map<string, { values: Float32Array; shape: number[] }>> {
  const out = new Map<string, { values: Float32Array; shape: number[] }>();
  for (const [name, t] of entries) {
    out.set(name, { values: await t.data() as Float32Array, shape: t.shape });
  }
  return out;
}

Deno.test("every helper takes a LayersModel, a GraphModel, a NamedTensorMap and a Map: one result per weight, by name", async () => {
  const model = layersModel();
  const graph = await graphModel();
  const named: tf.NamedTensorMap = {
    "a/kernel": tf.randomNormal([30, 20], 0, 1, "float32", 3),
    "a/bias": tf.zeros([20]),
  };
  const map = new Map(Object.entries(named));
  const cases: [string, Parameters<typeof singularValues>[0] & object, [
    string,
    tf.Tensor,
  ][]][] = [
    [
      "LayersModel",
      model,
      model.weights.map((v) => [v.originalName, v.read()]),
    ],
    [
      "GraphModel",
      graph,
      Object.entries(graph.weights).map(([k, [t]]) => [k, t]),
    ],
    ["NamedTensorMap", named, Object.entries(named)],
    ["Map", map, [...map.entries()]],
  ];
  const before = tf.memory().numTensors;
  for (const [kind, x, entries] of cases) {
    const host = await hostOf(entries);
    const matrices = [...host].filter(([, w]) => w.shape.length >= 2);
    assert(matrices.length >= 1, kind);

    const sv = await singularValues(x);
    assertEquals([...sv.keys()], matrices.map(([n]) => n), kind);
    for (const [name, w] of matrices) {
      assertEquals(sv.get(name), singularValuesSync(w), `${kind} ${name}`);
    }
    const spectra = await analyzeSpectrum(x);
    assertEquals([...spectra.keys()], matrices.map(([n]) => n), kind);
    for (const [name, w] of matrices) {
      assertEquals(
        spectra.get(name)?.verdict,
        analyzeSpectrumSync(w).verdict,
        `${kind} ${name}`,
      );
    }
    const hists = await histogram(x);
    assertEquals([...hists.keys()], [...host.keys()], kind);
    for (const [name, w] of host) {
      assertEquals(hists.get(name)?.counts, histogramSync(w).counts, name);
    }

    const hFig = await plotHistogram(x);
    assertInstanceOf(hFig, Figure);
    const sFig = await plotSpectrum(x);
    for (const name of host.keys()) {
      assertStringIncludes(hFig.text, name, `${kind} plotHistogram`);
    }
    for (const [name] of matrices) {
      assertStringIncludes(sFig.text, name, `${kind} plotSpectrum`);
    }
    const mFig = await plotModule(x);
    for (const name of host.keys()) {
      assertStringIncludes(mFig.html, name, `${kind} plotModule`);
    }
    const snap = await snapshotWeights(x, 3);
    assertEquals([...snap.weights.keys()], [...host.keys()], kind);
  }
  assertEquals(tf.memory().numTensors, before, "no tensor left behind");
  model.dispose();
  graph.dispose();
  tf.dispose(Object.values(named));
});

Deno.test("plotModule of a LayersModel: kernels by layer name; moving statistics in a section of their own", async () => {
  const model = layersModel();
  const fig = await plotModule(model);
  assertStringIncludes(fig.text, model.name);
  assertStringIncludes(fig.text, "6 parameters, 2 non-trainable weights");
  for (const name of ["hidden/kernel", "out/kernel", "norm/gamma"]) {
    assertStringIncludes(fig.html, name);
  }
  const section = fig.html.indexOf("Non-trainable weights");
  assert(section > 0, "a section heads the non-trainable weights");
  assert(fig.html.indexOf("norm/moving_mean") > section);
  assert(fig.html.indexOf("out/kernel") < section);
  model.dispose();
});

Deno.test("a LayerVariable is taken wherever a tensor is", async () => {
  const model = layersModel();
  const v = model.weights[0];
  const w = {
    values: await v.read().data() as Float32Array,
    shape: v.read().shape,
  };
  assertEquals(await singularValues(v), singularValuesSync(w));
  assertEquals((await histogram(v)).counts, histogramSync(w).counts);
  assertEquals(
    (await analyzeSpectrum(v)).verdict,
    analyzeSpectrumSync(w).verdict,
  );
  assertStringIncludes((await plotHistogram(v)).text, "hidden/kernel");
  assertStringIncludes((await plotSpectrum(v)).text, "hidden/kernel");
  model.dispose();
});

Deno.test("collections: non-tensors named, empty models refused, disposed weights rejected", async () => {
  await assertRejects(
    () => singularValues(new Map([["w", 3 as unknown as tf.Tensor]])),
    TypeError,
    'singularValues: x.get("w") must be a tf.Tensor or Parameter, received 3',
  );
  const bias = { b: tf.zeros([4]) };
  await assertRejects(
    () => plotSpectrum(bias),
    RangeError,
    "plotSpectrum: x must hold a weight of rank >= 2, received weights with none",
  );
  tf.dispose(Object.values(bias));
  const model = layersModel();
  model.dispose();
  await assertRejects(() => plotModule(model), TypeError, "disposed");
});
