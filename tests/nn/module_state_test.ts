/**
 * Modules never lose a weight: build/load order, aliasing, name clashes,
 * atomic loads, unreadable places and deep nesting (each case as it was
 * found broken), and the Module API (namedChildren, freeze, initialize,
 * toString, forEachModule).
 */
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
  getBackend,
  initializers,
  Module,
  NCP,
  Parameter,
  Sequential,
  setBackend,
  tf,
} from "../../mod.ts";

/** A module with nothing declared, to hang state on. */
class Bag extends Module {
  // deno-lint-ignore no-explicit-any
  [key: string]: any;
}

const values = async (t: tf.Tensor) => Array.from(await t.data());

/** Runs `fn` on the cpu and on the wasm backend, then restores the backend. */
async function onCpuAndWasm(fn: () => Promise<void>): Promise<void> {
  const previous = getBackend();
  try {
    for (const backend of ["cpu", "wasm"] as const) {
      await setBackend(backend);
      await fn();
    }
  } finally {
    await setBackend(previous);
  }
}

Deno.test("1. build() sets built; build → loadStateDict → call uses the loaded weights and leaks nothing", async () => {
  const before = tf.memory().numTensors;
  const source = new Dense(2, { inputDim: 3 });
  const target = new Dense(2);
  target.build([5, 3]);
  assert(target.built, "build() sets built");
  assertEquals(target.inputShape, [5, 3]);
  target.loadStateDict(source.stateDict());
  const x = tf.ones([1, 3]);
  const [ys, yt] = [source.call(x), target.call(x)];
  assertEquals(await values(yt), await values(ys), "the loaded weights");
  assertEquals(target.parameters().length, 2, "no second build");
  tf.dispose([x, ys, yt]);
  source.dispose();
  target.dispose();
  assertEquals(tf.memory().numTensors, before, "no variable leaked");
});

Deno.test("1. Dense inputDim and Sequential inputShape build at construction; build twice is a no-op or a clear error", () => {
  const before = tf.memory().numTensors;
  const layer = new Dense(4, { inputDim: 3 });
  assert(layer.built);
  assertEquals(layer.kernel?.shape, [3, 4]);
  assertStrictEquals(layer.kernel, layer._kernel);
  assertStrictEquals(layer.bias, layer._bias);
  const kernel = layer.kernel;
  layer.build([7, 3]);
  assertStrictEquals(layer.kernel, kernel, "same last dimension: nothing");
  assertThrows(
    () => layer.build([3, 5]),
    RangeError,
    "Dense.build: inputShape must be a shape with last dimension 3 (Dense was built for inputs of shape [3]), received [3, 5]",
  );
  assertThrows(
    () => layer.build([-1] as number[]),
    TypeError,
    "Dense.build: inputShape must be an array of non-negative integers, received [-1]",
  );
  assertThrows(
    () => new Dense(2, { inputDim: 0 }),
    RangeError,
    "Dense: options.inputDim must be a positive integer, received 0",
  );
  layer.dispose();

  const net = new Sequential([new Dense(8), new Dense(2), new Dense(1)], {
    inputShape: [5],
  });
  assert(net.built);
  assertEquals(net.parameters().map((p) => p.shape), [
    [5, 8],
    [8],
    [8, 2],
    [2],
    [2, 1],
    [1],
  ]);
  assertEquals(net.computeOutputShape([9, 5]), [9, 1]);
  net.dispose();
  assertThrows(
    () => new Sequential([new Dense(1)], { inputShape: [0] }),
    TypeError,
    "inputShape",
  );
  // A pre-built layer that does not fit is named.
  const misfit = new Dense(2, { inputDim: 4 });
  assertThrows(
    () => new Sequential([new Dense(3), misfit], { inputShape: [5] }),
    RangeError,
    "layers[1] (Dense)",
  );
  misfit.dispose();
  assertEquals(tf.memory().numTensors, before);
});

Deno.test("1. a build that throws leaves nothing half-built", () => {
  const before = tf.memory().numTensors;
  class Broken extends Module {
    _a: Parameter | null = null;
    _b: Parameter | null = null;
    override build(shape: number[]): void {
      this._a = new Parameter(initializers.ones([shape[shape.length - 1], 2]));
      throw new Error("boom after _a");
    }
  }
  const net = new Sequential([new Dense(3), new Broken()]);
  assertThrows(() => net.build([1, 4]), Error, "boom after _a");
  assert(!net.built && !net.layers[0].built && !net.layers[1].built);
  assertEquals(net.parameters().length, 0);
  assertEquals(tf.memory().numTensors, before, "the half-built weights freed");
  net.dispose();
});

Deno.test("2. loadStateDict on an unbuilt module: build it first", () => {
  const source = new Dense(2, { inputDim: 3 });
  for (const unbuilt of [new Dense(2), new Sequential([new Dense(2)])]) {
    const e = assertThrows(() => unbuilt.loadStateDict(source.stateDict()));
    assertStringIncludes((e as Error).message, "not built");
    assertStringIncludes(
      (e as Error).message,
      "build it first (call it once, or pass inputDim/inputShape)",
    );
    unbuilt.dispose();
  }
  // Built children inside an unbuilt container are fine.
  const ready = new Sequential([new Dense(2, { inputDim: 3 })]);
  ready.loadStateDict(
    new Map([...source.stateDict()].map(([k, t]) => [`layers.0.${k}`, t])),
  );
  ready.dispose();
  source.dispose();
});

Deno.test("3. loading a tensor into the variable it came from is a no-op (cpu and wasm)", async () => {
  await onCpuAndWasm(async () => {
    const before = tf.memory().numTensors;
    const m = new Sequential([new Dense(3), new Dense(1)], { inputShape: [2] });
    const kernel = await values(m.parameters()[0].data);
    m.loadStateDict(m.stateDict());
    const p = m.parameters()[0];
    p.assign(p.data);
    const alias = tf.clone(p.data); // shares the data: also a no-op
    p.assign(alias);
    alias.dispose();
    // An uncloned snapshot, restored after the weights changed.
    const snapshot = m.stateDict();
    const sgd = tf.train.sgd(0.1);
    sgd.minimize(
      () => tf.sum(m.call(tf.ones([4, 2]))) as tf.Scalar,
      false,
      m.trainableVariables(),
    );
    sgd.dispose();
    m.loadStateDict(snapshot);
    assertEquals(p.data.isDisposed, false);
    const x = tf.ones([1, 2]);
    const y = m.call(x);
    assertEquals((await values(y)).length, 1);
    tf.dispose([x, y]);
    assertEquals((await values(p.data)).length, kernel.length);
    m.dispose();
    assertEquals(tf.memory().numTensors, before);
  });
});

Deno.test("3. any other load copies: disposing the source afterwards harms nothing", async () => {
  const before = tf.memory().numTensors;
  const a = new Dense(2, { inputDim: 3 });
  const b = new Dense(2, { inputDim: 3 });
  const clones = new Map(
    [...a.stateDict()].map(([k, t]) => [k, tf.mul(t, 2)]),
  );
  const expected = await values(clones.get("_kernel")!);
  b.loadStateDict(clones);
  tf.dispose([...clones.values()]);
  assertEquals(await values(b._kernel!.data), expected);
  // A load from another module's live variables, which then train on.
  b.loadStateDict(a.stateDict());
  const fromA = await values(a._kernel!.data);
  a._kernel!.initialize("ones");
  a.dispose();
  assertEquals(await values(b._kernel!.data), fromA);
  b.dispose();
  assertEquals(tf.memory().numTensors, before);
});

Deno.test("4. two places with one dotted name are an error naming both, never a dropped parameter", () => {
  const before = tf.memory().numTensors;
  const m = new Bag();
  m.layers = [new Parameter(initializers.ones([2]))];
  m["layers.0"] = new Parameter(initializers.zeros([2]));
  for (
    const read of [
      () => m.stateDict(),
      () => m.namedParameters(),
      () => m.loadStateDict(new Map(), { strict: false }),
    ]
  ) {
    const e = assertThrows(
      read,
      Error,
      'two places give the state name "layers.0"',
    );
    assertStringIncludes((e as Error).message, "layers[0]");
    assertStringIncludes((e as Error).message, '["layers.0"]');
  }
  const keys = new Bag();
  keys.m = new Map<string | number, Parameter>([
    [1, new Parameter(initializers.ones([1]))],
    ["1", new Parameter(initializers.ones([1]))],
  ]);
  assertThrows(() => keys.stateDict(), Error, 'm.get(1) and m.get("1")');
  const objects = new Bag();
  objects.m = new Map<unknown, Parameter>([
    [{}, new Parameter(initializers.ones([1]))],
  ]);
  assertThrows(() => objects.stateDict(), TypeError, "key of type object");
  for (const p of [m.layers[0], m["layers.0"]]) p.dispose();
  for (const p of keys.m.values()) p.dispose();
  for (const p of objects.m.values()) p.dispose();
  assertEquals(tf.memory().numTensors, before);
});

Deno.test("5. a frozen module: the load is refused before anything is written", async () => {
  const before = tf.memory().numTensors;
  const m = new Bag();
  m.w = new Parameter(initializers.zeros([2]));
  m.stats = Object.freeze({ count: tf.zeros([1]) });
  const state = new Map<string, tf.Tensor>([
    ["w", tf.ones([2])],
    ["stats.count", tf.ones([1])],
  ]);
  const e = assertThrows(() => m.loadStateDict(state));
  assertStringIncludes((e as Error).message, "stats.count cannot be replaced");
  assertEquals(await values(m.w.data), [0, 0], "the parameter is unchanged");
  tf.dispose([...state.values()]);
  m.w.dispose();
  m.stats.count.dispose();
  assertEquals(tf.memory().numTensors, before);
});

Deno.test("6. a strict load with undefined, a non-tensor, a disposed source or a disposed target is refused", async () => {
  const before = tf.memory().numTensors;
  const m = new Dense(2, { inputDim: 2 });
  const good = () =>
    new Map<string, tf.Tensor>([
      ["_kernel", tf.ones([2, 2])],
      ["_bias", tf.ones([2])],
    ]);
  const replace = (value: unknown) => (s: Map<string, tf.Tensor>) => {
    s.get("_bias")!.dispose();
    s.set("_bias", value as tf.Tensor);
  };
  const cases: [string, (s: Map<string, tf.Tensor>) => void, string][] = [
    ["undefined", replace(undefined), "_bias is not a tf.Tensor"],
    ["a number", replace(3), "_bias is not a tf.Tensor"],
    [
      "disposed",
      (s) => s.get("_bias")!.dispose(),
      "_bias is a disposed tensor",
    ],
  ];

  for (const [label, spoil, message] of cases) {
    const state = good();
    spoil(state);
    assertThrows(() => m.loadStateDict(state), Error, message);
    assertThrows(
      () => m.loadStateDict(state, { strict: false }),
      Error,
      message,
    );
    assertEquals(await values(m._kernel!.data) !== null, true, label);
    tf.dispose([...state.values()].filter((t) => t instanceof tf.Tensor));
  }
  const kernel = await values(m._kernel!.data);
  assert(!kernel.every((v) => v === 1), "nothing was written");
  const state = good();
  m._bias!.dispose();
  assertThrows(
    () => m.loadStateDict(state),
    Error,
    "_bias in current model is disposed",
  );
  assertEquals(await values(m._kernel!.data), kernel);
  tf.dispose([...state.values()]);
  m.dispose();
  assertEquals(tf.memory().numTensors, before);
});

Deno.test("7. assign and initialize keep the init record true", () => {
  const p = new Parameter(initializers.glorotUniform([8, 4], { seed: 0 }));
  const he = initializers.heNormal([8, 4], { seed: 1 });
  p.assign(he);
  he.dispose();
  assertEquals(p.init?.name, "heNormal");
  const plain = tf.ones([8, 4]);
  p.assign(plain);
  plain.dispose();
  assertEquals(p.init, undefined, "a plain tensor clears it");
  const variable = p.data;
  p.initialize("orthogonal", { seed: 2 });
  assertStrictEquals(p.data, variable, "in place");
  assertEquals(p.init?.name, "orthogonal");
  assertThrows(() => p.initialize("no_such_init"), RangeError);
  assertEquals(p.init?.name, "orthogonal");
  const m = new Bag();
  m.p = p;
  assertStringIncludes(m.summary().toString(), "orthogonal");
  m.dispose();
});

Deno.test("8. a throwing getter or a revoked Proxy: reported by path; dispose frees everything else", () => {
  const before = tf.memory().numTensors;
  const m = new Bag();
  m.first = new Parameter(initializers.ones([3]));
  Object.defineProperty(m, "bad", {
    get() {
      throw new Error("getter exploded");
    },
    enumerable: true,
  });
  const { proxy, revoke } = Proxy.revocable({ w: tf.ones([2]) }, {});
  m.inner = { proxy };
  revoke();
  m.last = new Parameter(initializers.ones([4]));
  assertThrows(
    () => m.namedParameters(),
    Error,
    "cannot read bad: getter exploded",
  );
  const e = assertThrows(() => m.dispose());
  assertStringIncludes((e as Error).message, "bad (getter exploded)");
  assertStringIncludes((e as Error).message, "inner.proxy");
  assert(m.first.isDisposed && m.last.isDisposed, "the rest is freed");
  assertEquals(
    tf.memory().numTensors,
    before + 1,
    "only the proxied tensor, unreachable",
  );
});

Deno.test("8. 5,000 levels of nesting: no stack overflow", () => {
  const before = tf.memory().numTensors;
  const m = new Bag();
  let node: Record<string, unknown> = {};
  m.deep = node;
  for (let i = 0; i < 5000; i++) {
    const next = {};
    node.a = next;
    node = next;
  }
  node.w = new Parameter(initializers.ones([2]));
  const [[name]] = m.namedParameters();
  assertEquals(name, "deep." + "a.".repeat(5000) + "w");
  assertEquals(m.stateDict().size, 1);
  assertStringIncludes(String(m), "w [2] float32, ones");
  // Nested modules too.
  let outer = new Bag();
  const root = outer;
  for (let i = 0; i < 5000; i++) {
    const child = new Bag();
    outer.c = child;
    outer = child;
  }
  outer.w = new Parameter(initializers.ones([1]));
  assertEquals(root.namedModules().length, 5001);
  assertEquals(String(root).split("\n").length, 5002);
  m.dispose();
  root.dispose();
  assertEquals(tf.memory().numTensors, before);
});

Deno.test("API: namedChildren, children, forEachModule (and apply), toString", () => {
  const net = new Sequential([
    new Dense(4, { activation: "relu" }),
    new Dense(1),
  ], {
    inputShape: [3],
  });
  assertEquals(net.namedChildren().map(([n]) => n), ["layers.0", "layers.1"]);
  assertStrictEquals(net.children()[1], net.layers[1]);
  const order: string[] = [];
  net.forEachModule((m) => void order.push(m.constructor.name));
  assertEquals(order, ["Dense", "Dense", "Sequential"]);
  const again: string[] = [];
  net.apply((m) => void again.push(m.constructor.name));
  assertEquals(again, order);
  assertEquals(
    String(net),
    [
      "Sequential: 21 parameters",
      "  (layers.0) Dense(units=4, activation=relu): 16 parameters",
      "    _kernel [3, 4] float32, glorotUniform",
      "    _bias [4] float32, zeros",
      "  (layers.1) Dense(units=1): 5 parameters",
      "    _kernel [4, 1] float32, glorotUniform",
      "    _bias [1] float32, zeros",
    ].join("\n"),
  );
  assertStringIncludes(
    String(new Dense(2)),
    "Dense(units=2): 0 parameters, not built",
  );
  net.dispose();
});

Deno.test("API: freeze/unfreeze; the NCP's masks stay fixed", () => {
  const ncp = new NCP(new AutoNCP(8, 2, { seed: 1 }), { inputDim: 3 });
  assert(ncp.built);
  assertEquals(ncp.trainableVariables().length, 3);
  ncp.freeze();
  assertEquals(ncp.trainableVariables().length, 0);
  ncp.unfreeze();
  assertEquals(ncp.trainableVariables().length, 3, "masks stay fixed");
  assert(!ncp._inputMask!.trainable && ncp._inputMask!.fixed);
  assertStringIncludes(String(ncp), "_inputMask [3, 8] float32, not trainable");
  ncp.dispose();
});

Deno.test("API: module.initialize redraws in place, atomically", async () => {
  const before = tf.memory().numTensors;
  const net = new Sequential([new Dense(16), new Dense(16)], {
    inputShape: [16],
  });
  const variables = net.parameters().map((p) => p.data);
  net.initialize(
    (_, name) => name.endsWith("_kernel") ? "orthogonal" : undefined,
    {
      seed: 5,
    },
  );
  assertEquals(net.parameters().map((p) => p.init?.name), [
    "orthogonal",
    "zeros",
    "orthogonal",
    "zeros",
  ]);
  net.parameters().forEach((p, i) => assertStrictEquals(p.data, variables[i]));
  const [k0, k1] = [net.layers[0], net.layers[1]].map((l) =>
    (l as Dense).kernel!.data
  );
  const [v0, v1] = [await values(k0), await values(k1)];
  assert(v0.some((v, i) => v !== v1[i]), "one seed, advanced per parameter");
  // A failure half-way changes nothing.
  const kernel = await values(k0);
  assertThrows(
    () =>
      net.initialize((_, name) =>
        name === "layers.1._bias" ? "orthogonal" : "ones"
      ),
    RangeError,
  );
  assertEquals(await values(k0), kernel);
  assertThrows(
    () => net.initialize("ones" as never),
    TypeError,
    'Sequential.initialize: fn must be a function (parameter, name) => initializer, received "ones"',
  );
  net.dispose();
  assertEquals(tf.memory().numTensors, before);
});
