import {
  assert,
  assertEquals,
  assertStrictEquals,
  assertThrows,
} from "@std/assert";
import { join } from "node:path";
import { Dense, Parameter, tf } from "../../mod.ts";
import { namedTensors } from "../../lib/io/named_tensors.ts";
import { loadSafetensors, saveSafetensors } from "../../lib/io/safetensors.ts";
import { bitsOf } from "./_helpers.ts";
import { withTempDir } from "../_scoped.ts";

/** A GraphModel with two Const nodes, loaded from memory. */
async function graphModel(): Promise<tf.GraphModel> {
  const w = new Float32Array([1, 2, 3, 4]);
  const b = new Float32Array([0.5, -0.5]);
  const data = new Uint8Array(24);
  data.set(new Uint8Array(w.buffer), 0);
  data.set(new Uint8Array(b.buffer), 16);
  const constant = (name: string, dims: number[]) => ({
    name,
    op: "Const",
    attr: {
      dtype: { type: "DT_FLOAT" },
      value: {
        tensor: {
          dtype: "DT_FLOAT",
          tensorShape: { dim: dims.map((d) => ({ size: String(d) })) },
        },
      },
    },
  });
  return await tf.loadGraphModel(tf.io.fromMemory({
    modelTopology: {
      versions: { producer: 1, minConsumer: 0 },
      node: [
        {
          name: "x",
          op: "Placeholder",
          attr: {
            dtype: { type: "DT_FLOAT" },
            shape: { shape: { dim: [{ size: "1" }, { size: "2" }] } },
          },
        },
        constant("dense/kernel", [2, 2]),
        constant("dense/bias", [2]),
        { name: "mm", op: "MatMul", input: ["x", "dense/kernel"], attr: {} },
        { name: "y", op: "BiasAdd", input: ["mm", "dense/bias"], attr: {} },
      ],
    },
    weightSpecs: [
      { name: "dense/kernel", shape: [2, 2], dtype: "float32" },
      { name: "dense/bias", shape: [2], dtype: "float32" },
    ],
    weightData: data.buffer,
  }));
}

Deno.test("namedTensors takes a Map, a plain object, a null-prototype object and a stateDict, keeping order and identity", () => {
  const a = tf.ones([2]);
  const b = tf.zeros([3], "int32");
  const before = tf.memory().numTensors;
  const fromMap = namedTensors(new Map([["b", b], ["a", a]]), "f");
  assertEquals([...fromMap.keys()], ["b", "a"]);
  assertStrictEquals(fromMap.get("a"), a);

  const fromObject = namedTensors({ b, a }, "f");
  assertEquals([...fromObject], [["b", b], ["a", a]]);

  const bare = Object.assign(Object.create(null), { a, "x/y": b });
  assertEquals([...namedTensors(bare, "f")], [["a", a], ["x/y", b]]);

  // A key that is special to objects is data here.
  const proto = Object.fromEntries([["__proto__", a]]);
  assertEquals([...namedTensors(proto, "f")], [["__proto__", a]]);

  assertEquals(namedTensors({}, "f").size, 0);
  assertEquals(namedTensors(new Map(), "f").size, 0);

  const module = { stateDict: () => new Map([["w", a]]) };
  assertEquals([...namedTensors(module, "f")], [["w", a]]);
  assertEquals(tf.memory().numTensors, before, "no tensor is made");
  tf.dispose([a, b]);
});

Deno.test("namedTensors takes a Module by its state dict", () => {
  const layer = new Dense(3);
  layer.build([2, 4]);
  const tensors = namedTensors(layer, "f");
  assertEquals([...tensors.keys()], [...layer.stateDict().keys()]);
  for (const [name, t] of layer.stateDict()) {
    assertStrictEquals(tensors.get(name), t);
  }
  layer.dispose();
});

Deno.test("namedTensors takes a tf.LayersModel by originalName, and its weights array", () => {
  const model = tf.sequential({
    layers: [
      tf.layers.dense({ units: 3, inputShape: [2], name: "hidden" }),
      tf.layers.dense({ units: 1, useBias: false }),
    ],
  });
  const before = tf.memory().numTensors;
  const tensors = namedTensors(model, "f");
  const names = model.weights.map((w) => w.originalName);
  assertEquals([...tensors.keys()], names);
  assertEquals(names.slice(0, 2), ["hidden/kernel", "hidden/bias"]);
  assert(/^dense_Dense\d+\/kernel$/.test(names[2]), names[2]);
  model.weights.forEach((w) => {
    assertStrictEquals(tensors.get(w.originalName), w.read());
  });
  // The same weights, as an array of LayerVariables.
  assertEquals(
    [...namedTensors(model.getLayer("hidden").weights, "f").keys()],
    ["hidden/kernel", "hidden/bias"],
  );
  assertEquals(tf.memory().numTensors, before, "no tensor is made");
  model.dispose();
});

Deno.test("namedTensors takes a tf.GraphModel by node name", async () => {
  const model = await graphModel();
  const tensors = namedTensors(model, "f");
  assertEquals([...tensors.keys()].sort(), ["dense/bias", "dense/kernel"]);
  assertEquals(
    await tensors.get("dense/kernel")!.data(),
    new Float32Array([1, 2, 3, 4]),
  );
  assertEquals(tensors.get("dense/bias")!.shape, [2]);
  model.dispose();
});

Deno.test("namedTensors rejects what it cannot take, naming the caller and what it accepts", () => {
  const good = tf.ones([1]);
  const gone = tf.ones([1]);
  gone.dispose();
  const model = tf.sequential({
    layers: [tf.layers.dense({ units: 1, inputShape: [1], name: "gone" })],
  });
  const variables = model.getLayer("gone").weights;
  model.dispose();
  const cases: [unknown, string][] = [
    [42, "plotThing: x must be a Map of name → tf.Tensor"],
    [
      null,
      "tf.GraphModel or an array of tf.LayerVariable, received null",
    ],
    [undefined, "received undefined"],
    ["w", 'received "w"'],
    [[good], "received [a Tensor]"],
    [[], "received []"],
    [new Date(0), "received a Date"],
    [good, "received a Tensor"],
    [
      new Map([[3, good]]),
      "plotThing: each name in x must be a string, received 3",
    ],
    [
      new Map([["x", [1, 2]]]),
      'plotThing: x.get("x") must be a tf.Tensor, received [1, 2]',
    ],
    [{ x: 1 }, 'plotThing: x["x"] must be a tf.Tensor, received 1'],
    [
      { x: gone },
      'plotThing: x["x"] must be a tensor that is not disposed, received a disposed tensor',
    ],
    [variables, "plotThing: x[0] must be a tensor that is not disposed"],
    [
      { stateDict: () => ({ w: good }) },
      'plotThing: x.stateDict() must be a Map of tensors, received {"w":"a Tensor"}',
    ],
    [
      { stateDict: () => new Map([["w", 3]]) },
      'plotThing: x.stateDict().get("w") must be a tf.Tensor, received 3',
    ],
  ];
  for (const [input, message] of cases) {
    assertThrows(() => namedTensors(input, "plotThing"), TypeError, message);
  }
  good.dispose();
});

Deno.test("namedTensors refuses two weights of one name", () => {
  const model = tf.sequential({
    layers: [tf.layers.dense({ units: 1, inputShape: [1], name: "twice" })],
  });
  const [kernel] = model.weights;
  assertThrows(
    () => namedTensors([kernel, kernel], "f"),
    TypeError,
    'f: the weight names of x must be distinct, received "twice/kernel" twice',
  );
  model.dispose();
});

Deno.test("saveSafetensors saves a Map, a NamedTensorMap, a LayersModel and a GraphModel, and they load back", async () => {
  await withTempDir(async (dir) => {
    const a = tf.tensor([[1, 2], [3, 4]]);
    const n = tf.tensor([7, -7], [2], "int32");
    const layers = tf.sequential({
      layers: [tf.layers.dense({ units: 2, inputShape: [3], name: "fc" })],
    });
    const graph = await graphModel();
    const before = tf.memory().numTensors;
    const inputs: [string, unknown][] = [
      ["map", new Map([["a", a], ["n", n]])],
      ["object", { a, n }],
      ["layers", layers],
      ["graph", graph],
    ];
    for (const [label, input] of inputs) {
      const path = join(dir, `${label}.safetensors`);
      await saveSafetensors(path, input as Map<string, tf.Tensor>);
      const expected = namedTensors(input, "test");
      const loaded = await loadSafetensors(path);
      assertEquals([...loaded.keys()], [...expected.keys()], label);
      for (const [name, t] of expected) {
        assertEquals(await bitsOf(loaded.get(name)!), await bitsOf(t), name);
      }
      tf.dispose([...loaded.values()]);
    }
    const header = await loadSafetensors(join(dir, "layers.safetensors"));
    assertEquals([...header.keys()], ["fc/kernel", "fc/bias"]);
    tf.dispose([...header.values()]);
    assertEquals(tf.memory().numTensors, before);
    layers.dispose();
    graph.dispose();
    tf.dispose([a, n]);
  });
});

Deno.test("namedTensors takes Parameters in a Map or an object as their variables", () => {
  const p = new Parameter(tf.tensor([1, 2, 3]));
  const t = tf.ones([2]);
  const fromMap = namedTensors(
    new Map<string, unknown>([["p", p], ["t", t]]),
    "f",
  );
  assertEquals([...fromMap.keys()], ["p", "t"]);
  assertStrictEquals(fromMap.get("p"), p.data);
  assertStrictEquals(namedTensors({ p }, "f").get("p"), p.data);
  p.dispose();
  assertThrows(
    () => namedTensors({ p }, "saveThing"),
    TypeError,
    'saveThing: x["p"] must be a tensor that is not disposed, received a disposed tensor',
  );
  t.dispose();
});

Deno.test("namedTensors names a GraphModel node of several tensors node:0, node:1, … as namedWeights does", async () => {
  const model = await graphModel();
  const [a, b, c] = [tf.ones([1]), tf.zeros([2]), tf.fill([3], 5)];
  // tfjs keeps a node's tensors as a list; Const nodes have one, so a node
  // of several is made here by giving the model such a weight map.
  Object.defineProperty(model, "weights", {
    get: () => ({ "lstm/state": [a, b], "dense/kernel": [c] }),
  });
  const tensors = namedTensors(model, "f");
  assertEquals([...tensors.keys()], [
    "lstm/state:0",
    "lstm/state:1",
    "dense/kernel",
  ]);
  assertStrictEquals(tensors.get("lstm/state:1"), b);
  assertStrictEquals(tensors.get("dense/kernel"), c);
  tf.dispose([a, b, c]);
  model.dispose();
});

Deno.test("namedTensors refuses a disposed LayersModel, naming the caller", () => {
  const model = tf.sequential({
    layers: [tf.layers.dense({ units: 1, inputShape: [1], name: "gone" })],
  });
  model.dispose();
  assertThrows(
    () => namedTensors(model, "saveThing"),
    TypeError,
    'saveThing: the weight "gone/kernel" of x must be a tensor that is not disposed, received a disposed tensor',
  );
});

Deno.test("saveSafetensors saves a Map of Parameters and a Module's state", async () => {
  await withTempDir(async (dir) => {
    const p = new Parameter(tf.tensor([[1, 2], [3, 4]]));
    const path = join(dir, "params.safetensors");
    await saveSafetensors(path, new Map([["w", p]]));
    const loaded = await loadSafetensors(path);
    assertEquals(await bitsOf(loaded.get("w")!), await bitsOf(p.data));
    tf.dispose([...loaded.values()]);

    const layer = new Dense(2);
    layer.build([1, 3]);
    await saveSafetensors(path, layer);
    const state = await loadSafetensors(path);
    assertEquals([...state.keys()], [...layer.stateDict().keys()]);
    for (const [name, t] of layer.stateDict()) {
      assertEquals(await bitsOf(state.get(name)!), await bitsOf(t), name);
    }
    tf.dispose([...state.values()]);
    layer.dispose();
    p.dispose();
  });
});
