import {
  assert,
  assertEquals,
  assertStrictEquals,
  assertStringIncludes,
  assertThrows,
} from "@std/assert";
import {
  AutoNCP,
  Dense,
  FullyConnectedMap,
  initializers,
  Module,
  NCP,
  NCPMap,
  Parameter,
  RandomMap,
  Sequential,
  tf,
} from "../../mod.ts";
import { JUPYTER_DISPLAY } from "../../lib/jupyter.ts";

/** The seed's TestModule: a module with nothing declared. */
class TestModule extends Module {
  // deno-lint-ignore no-explicit-any
  [key: string]: any;
}

/** The seed's MyModule: attributes set to null, then built in the constructor. */
class MyModule extends Module {
  _kernel: Parameter | null = null;
  _bias: Parameter | null = null;
  constructor(inputDim: number, readonly outputDim: number) {
    super();
    this.build([inputDim]);
    this.built = true;
  }
  override build(inputShape: number[]): void {
    const inputDim = inputShape[inputShape.length - 1];
    this._kernel = new Parameter(
      initializers.glorotUniform([inputDim, this.outputDim]),
    );
    this._bias = new Parameter(initializers.zeros([this.outputDim]));
  }
  override forward(x: tf.Tensor): tf.Tensor {
    return tf.add(tf.matMul(x, this._kernel!.data), this._bias!.data);
  }
}

/** The seed's LazyModule: built on the first call. */
class LazyModule extends Module {
  _kernel: Parameter | null = null;
  _bias: Parameter | null = null;
  constructor(readonly outputDim: number) {
    super();
  }
  override build(inputShape: number[]): void {
    const inputDim = inputShape[inputShape.length - 1];
    const kernelData = initializers.glorotUniform([inputDim, this.outputDim]);
    this._kernel = new Parameter(kernelData);
    this._bias = new Parameter(initializers.zeros([this.outputDim]));
  }
  override forward(x: tf.Tensor): tf.Tensor {
    return tf.add(tf.matMul(x, this._kernel!.data), this._bias!.data);
  }
}

Deno.test("seed: test_initializer_with_parameter", () => {
  const data = initializers.glorotUniform([10, 10]);
  assertEquals(data.shape, [10, 10]);
  const module = new TestModule();
  const param = new Parameter(data);
  module.param = param;
  assert(module.param !== null && module.param !== undefined);
  const paramDict = new Map(module.namedParameters());
  assertStrictEquals(paramDict.get("param"), module.param);
  module.dispose();
});

Deno.test("seed: direct use and getInitializer by name", () => {
  const direct = new Parameter(initializers.glorotUniform([4, 6]));
  const byName = new Parameter(
    initializers.getInitializer("glorot_uniform")([4, 6]),
  );
  assertEquals(direct.shape, byName.shape);
  direct.dispose();
  byName.dispose();
});

Deno.test("seed: null first, then a Parameter, is found (Ember ML's bug, fixed)", () => {
  const m = new MyModule(3, 2);
  assertEquals(m.namedParameters().map(([n]) => n), ["_kernel", "_bias"]);
  assertStrictEquals(m.namedParameters()[0][1], m._kernel);
  m.dispose();
});

Deno.test("seed: LazyModule builds on the first call from the input's shape", () => {
  const before = tf.memory().numTensors;
  const m = new LazyModule(5);
  assertEquals(m.parameters().length, 0);
  assert(!m.built);
  const x = tf.ones([2, 7]);
  const y = m.call(x);
  assert(m.built);
  assertEquals(m._kernel?.shape, [7, 5]);
  assertEquals(y.shape, [2, 5]);
  // build made 2 variables; call returned 1 tensor; the input is ours.
  assertEquals(tf.memory().numTensors, before + 4);
  tf.dispose([x, y]);
  m.dispose();
  assertEquals(tf.memory().numTensors, before);
});

Deno.test("call with a changed last dimension names the module and both shapes", () => {
  const m = new LazyModule(2);
  const a = tf.ones([1, 3]);
  m.call(a).dispose();
  const b = tf.ones([1, 4]);
  assertThrows(
    () => m.call(b),
    RangeError,
    "LazyModule.call: inputs[0].shape must be a shape with last dimension 3 (LazyModule was built for inputs of shape [1, 3]), received [1, 4]",
  );
  tf.dispose([a, b]);
  m.dispose();
});

Deno.test("discovery: nesting, arrays, Maps, plain objects, buffers, in insertion order", () => {
  const m = new TestModule();
  m.first = new Parameter([1]);
  m.list = [new Parameter([2]), { deep: new Parameter([3]) }];
  m.map = new Map<string, Parameter | tf.Tensor>([
    ["a", new Parameter([4])],
    ["b", tf.tensor([5])],
  ]);
  m.child = new TestModule();
  m.child.w = new Parameter([6]);
  m.buffer = tf.tensor([7]);
  m.notState = "text";
  m.count = 3;
  m.external = new (class Holder {
    hidden = new Parameter([8]);
  })();
  assertEquals(m.namedParameters().map(([n]) => n), [
    "first",
    "list.0",
    "list.1.deep",
    "map.a",
    "child.w",
  ]);
  assertEquals(m.namedBuffers().map(([n]) => n), ["map.b", "buffer"]);
  assertEquals(m.namedModules().map(([n]) => n), ["", "child"]);
  assertEquals(m.children().length, 1);
  assertEquals(m.namedParameters("net").map(([n]) => n)[0], "net.first");
  m.external.hidden.dispose();
  m.dispose();
});

Deno.test("discovery: a shared Parameter appears once; cycles do not hang", () => {
  const m = new TestModule();
  const shared = new Parameter([1, 2]);
  m.a = shared;
  m.b = [shared];
  m.self = m;
  const loop: Record<string, unknown> = {};
  loop.again = loop;
  loop.p = new Parameter([3]);
  m.loop = loop;
  m.child = new TestModule();
  m.child.parent = m;
  m.child.tied = shared;
  assertEquals(m.namedParameters().map(([n]) => n), ["a", "loop.p"]);
  assertEquals(m.parameters().length, 2);
  m.dispose();
});

Deno.test("assignment from outside, and later reassignment, is found", () => {
  const m = new TestModule();
  m.w = null;
  assertEquals(m.parameters().length, 0);
  m.w = new Parameter([1, 2, 3]);
  assertEquals(m.namedParameters()[0][0], "w");
  m.dispose();
});

Deno.test("train, eval, apply", () => {
  const net = new Sequential([new Dense(2), new Sequential([new Dense(1)])]);
  net.eval();
  assert(net.namedModules().every(([, m]) => !m.training));
  net.train();
  assert(net.namedModules().every(([, m]) => m.training));
  const order: string[] = [];
  net.apply((m) => order.push(m.constructor.name));
  assertEquals(order[order.length - 1], "Sequential");
  assertEquals(order.length, 4);
  net.dispose();
});

function makeNet(): Sequential {
  const net = new Sequential([
    new Dense(4, { activation: "relu" }),
    new Dense(2),
  ]);
  const x = tf.ones([1, 3]);
  net.call(x).dispose();
  x.dispose();
  return net;
}

Deno.test("stateDict and a strict load round trip", async () => {
  const a = makeNet();
  const b = makeNet();
  const state = a.stateDict();
  assertEquals([...state.keys()], [
    "layers.0._kernel",
    "layers.0._bias",
    "layers.1._kernel",
    "layers.1._bias",
  ]);
  const before = tf.memory().numTensors;
  assertEquals(b.loadStateDict(state), { missingKeys: [], unexpectedKeys: [] });
  assertEquals(tf.memory().numTensors, before);
  for (const [k, v] of b.stateDict()) {
    assertEquals(await v.data(), await state.get(k)!.data(), k);
  }
  a.dispose();
  b.dispose();
});

Deno.test("loadStateDict is atomic and speaks PyTorch's errors", async () => {
  const net = makeNet();
  const snapshot = new Map<string, Float32Array>();
  for (const [k, v] of net.stateDict()) {
    snapshot.set(k, (await v.data()) as Float32Array);
  }
  const state = new Map<string, tf.Tensor>();
  for (const [k, v] of net.stateDict()) state.set(k, tf.onesLike(v));
  // One bad shape among good tensors: nothing may change.
  const good = state.get("layers.1._kernel")!;
  state.set("layers.1._kernel", tf.ones([2, 4]));
  state.set("extra", tf.ones([1]));
  state.delete("layers.0._bias");
  const before = tf.memory().numTensors;
  const error = assertThrows(() => net.loadStateDict(state), Error);
  assertStringIncludes(
    error.message,
    "Error(s) in loading state_dict for Sequential:",
  );
  assertStringIncludes(
    error.message,
    'Missing key(s) in state_dict: "layers.0._bias".',
  );
  assertStringIncludes(
    error.message,
    'Unexpected key(s) in state_dict: "extra".',
  );
  assertStringIncludes(
    error.message,
    "size mismatch for layers.1._kernel: copying a param with shape [2, 4] from checkpoint, the shape in current model is [4, 2].",
  );
  assertEquals(tf.memory().numTensors, before);
  for (const [k, v] of net.stateDict()) {
    assertEquals(await v.data(), snapshot.get(k), `${k} changed`);
  }
  // strict: false reports keys but still refuses the shape mismatch.
  assertThrows(
    () => net.loadStateDict(state, { strict: false }),
    Error,
    "size mismatch",
  );
  state.get("layers.1._kernel")!.dispose();
  state.set("layers.1._kernel", good);
  const result = net.loadStateDict(state, { strict: false });
  assertEquals(result, {
    missingKeys: ["layers.0._bias"],
    unexpectedKeys: ["extra"],
  });
  assertEquals(
    await net.stateDict().get("layers.0._kernel")!.data(),
    new Float32Array(12).fill(1),
  );
  assertEquals(
    await net.stateDict().get("layers.0._bias")!.data(),
    snapshot.get("layers.0._bias"),
  );
  tf.dispose([...state.values()]);
  net.dispose();
});

Deno.test("buffers load by replacement, and dtype mismatches are refused", async () => {
  const m = new TestModule();
  m.running = tf.zeros([3]);
  const old = m.running;
  const incoming = new Map([["running", tf.tensor([1, 2, 3])]]);
  m.loadStateDict(incoming);
  assert(old.isDisposed);
  assertEquals(await m.running.data(), new Float32Array([1, 2, 3]));
  const wrong = new Map([["running", tf.tensor([1, 2, 3], [3], "int32")]]);
  assertThrows(
    () => m.loadStateDict(wrong),
    Error,
    "dtype mismatch for running",
  );
  tf.dispose([...incoming.values(), ...wrong.values()]);
  m.dispose();
});

Deno.test("summary is text outside Jupyter and an HTML table inside", () => {
  const net = makeNet();
  const summary = net.summary();
  const text = String(summary);
  assertStringIncludes(text, "layers.0._kernel");
  assertStringIncludes(text, "[3, 4]");
  assertStringIncludes(text, "glorotUniform");
  assertStringIncludes(text, "26 parameters (26 trainable)");
  const bundle = summary[JUPYTER_DISPLAY]();
  assertStringIncludes(bundle["text/html"], '<table class="ember-table"');
  assertStringIncludes(bundle["text/html"], ">layers.1._bias</td>");
  // The count column is right-aligned, in both forms.
  assertStringIncludes(
    bundle["text/html"],
    '<td style="text-align:right;font-variant-numeric:tabular-nums;padding:3px 10px;white-space:nowrap">12</td>',
  );
  assertStringIncludes(text, "\n----------------  ------  -----");
  assertStringIncludes(text, "layers.0._kernel  [3, 4]     12  yes");
  assertEquals(bundle["text/plain"], text);
  net.dispose();
});

Deno.test("summary escapes names", () => {
  const m = new TestModule();
  m["<img src=x onerror=alert(1)>"] = new Parameter([1]);
  const html = m.summary().toHtml();
  assert(!html.includes("<img"));
  assertStringIncludes(html, "&lt;img src=x onerror=alert(1)&gt;");
  // In a terminal, escape sequences in a name are made visible.
  m["\u001b[2Jw"] = new Parameter([1]);
  const text = m.summary().toString();
  assert(!text.includes("\u001b"));
  assertStringIncludes(text, "?[2Jw");
  m.dispose();
});

Deno.test("dispose frees everything; trainableVariables skips frozen parameters", () => {
  const before = tf.memory().numTensors;
  const m = new TestModule();
  m.w = new Parameter(tf.ones([2, 2]));
  m.mask = new Parameter(tf.ones([2, 2]), { trainable: false });
  m.buf = tf.zeros([2]);
  assertEquals(m.trainableVariables(), [m.w.data]);
  m.dispose();
  assertEquals(tf.memory().numTensors, before);
});

Deno.test("a misspelt option is an error naming it, as in Keras, never a silent default (kernelInitialiser would have meant glorot_uniform)", () => {
  const before = tf.memory().numTensors;
  const cases: [string, () => unknown, string][] = [
    [
      "Dense",
      () => new Dense(4, { kernelInitialiser: "he_normal" } as never),
      "kernelInitialiser",
    ],
    [
      "NCP",
      () =>
        new NCP(new AutoNCP(8, 2), { recurrentInit: "orthogonal" } as never),
      "recurrentInit",
    ],
    [
      "Sequential",
      () => new Sequential([], { input_shape: [3] } as never),
      "input_shape",
    ],
    [
      "Parameter",
      () => new Parameter([2], { requiresGrad: false } as never),
      "requiresGrad",
    ],
    [
      "AutoNCP",
      () => new AutoNCP(8, 2, { sparsity: 0.1 } as never),
      "sparsity",
    ],
    [
      "NCPMap",
      () =>
        new NCPMap(
          {
            interNeurons: 2,
            commandNeurons: 2,
            motorNeurons: 1,
            sparsity: 0.1,
          } as never,
        ),
      "sparsity",
    ],
    [
      "FullyConnectedMap",
      () => new FullyConnectedMap(4, 2, { selfConnection: false } as never),
      "selfConnection",
    ],
    [
      "RandomMap",
      () => new RandomMap(4, 2, { sparsity: 0.1 } as never),
      "sparsity",
    ],
  ];
  for (const [fn, make, key] of cases) {
    const error = assertThrows(
      make,
      TypeError,
      `${fn}: each key of options must be one of`,
    );
    assertStringIncludes((error as Error).message, `received "${key}"`);
  }
  // A boolean option is checked too, not taken for its truthiness.
  assertThrows(
    () => new Dense(4, { useBias: "no" as never }),
    TypeError,
    'Dense: options.useBias must be a boolean, received "no"',
  );
  assertThrows(
    () => new NCP(new AutoNCP(8, 2), { useBias: 0 as never }),
    TypeError,
    "NCP: options.useBias must be a boolean, received 0",
  );
  assertThrows(
    () => new FullyConnectedMap(4, 2, { selfConnections: "false" as never }),
    TypeError,
    'FullyConnectedMap: options.selfConnections must be a boolean, received "false"',
  );
  assertEquals(tf.memory().numTensors, before);
});
