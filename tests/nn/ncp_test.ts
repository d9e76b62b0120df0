import { assert, assertEquals, assertGreater, assertThrows } from "@std/assert";
import {
  AutoNCP,
  FullyConnectedMap,
  NCP,
  NCPMap,
  RandomMap,
  singularValues,
  tf,
} from "../../mod.ts";

function nonZero(values: ArrayLike<number>): number {
  let n = 0;
  for (let i = 0; i < values.length; i++) n += values[i] !== 0 ? 1 : 0;
  return n;
}

Deno.test("NCPMap wires sensory → inter → command ⟲ → motor, and fills the adjacency", () => {
  const map = new NCPMap({
    interNeurons: 5,
    commandNeurons: 4,
    motorNeurons: 3,
    sensoryNeurons: 6,
    seed: 2,
  });
  const u = map.units;
  assertEquals(u, 12);
  assertGreater(map.synapseCount, 0, "Ember ML's map had 0 synapses");
  assertEquals(map.synapseCount, nonZero(map.adjacencyMatrix));
  assertEquals(map.sensorySynapseCount, nonZero(map.sensoryAdjacencyMatrix!));
  const group = (i: number) => (i < 5 ? "inter" : i < 9 ? "command" : "motor");
  for (let i = 0; i < u; i++) {
    for (let j = 0; j < u; j++) {
      const s = map.adjacencyMatrix[i * u + j];
      if (s === 0) continue;
      assert(s === 1 || s === -1);
      const pair = `${group(i)}→${group(j)}`;
      assert(
        ["inter→command", "command→command", "command→motor"].includes(pair),
        pair,
      );
    }
  }
  for (let s = 0; s < 6; s++) {
    for (let j = 0; j < u; j++) {
      if (map.sensoryAdjacencyMatrix![s * u + j] !== 0) {
        assertEquals(group(j), "inter");
      }
    }
  }
  // Every motor and command neuron has an input; every inter neuron an output.
  for (let j = 5; j < u; j++) {
    let inputs = 0;
    for (let i = 0; i < u; i++) {
      inputs += map.adjacencyMatrix[i * u + j] !== 0 ? 1 : 0;
    }
    assertGreater(inputs, 0, `neuron ${j} has no input`);
  }
  assertEquals(Array.from(map.outputMask()), [
    0,
    0,
    0,
    0,
    0,
    0,
    0,
    0,
    0,
    1,
    1,
    1,
  ]);
  assertEquals(map.motorRange, [9, 12]);
});

Deno.test("neuron maps are reproducible from a seed, and sparsity thins them", () => {
  const a = new AutoNCP(30, 4, { seed: 7, sparsityLevel: 0.3 });
  const b = new AutoNCP(30, 4, { seed: 7, sparsityLevel: 0.3 });
  assertEquals(a.adjacencyMatrix, b.adjacencyMatrix);
  const sparse = new AutoNCP(30, 4, { seed: 7, sparsityLevel: 0.8 });
  assertGreater(a.synapseCount, sparse.synapseCount);
  const r = new RandomMap(40, 4, { sparsityLevel: 0.75, seed: 1 });
  const p = 0.25;
  const n = 1600;
  assert(Math.abs(r.synapseCount - p * n) < 5 * Math.sqrt(n * p * (1 - p)));
  const full = new FullyConnectedMap(5, 2);
  assertEquals(full.synapseCount, 25);
  full.build(3);
  assertEquals(full.sensorySynapseCount, 15);
  assertThrows(
    () => full.build(4),
    RangeError,
    "FullyConnectedMap.build: inputDim must be 3 (the number of inputs it is wired for), received 4",
  );
});

Deno.test("neuron maps reject bad sizes", () => {
  assertThrows(
    () => new NCPMap({ interNeurons: 0, commandNeurons: 2, motorNeurons: 1 }),
    RangeError,
    "NCPMap: options.interNeurons must be a positive integer, received 0",
  );
  assertThrows(
    () => new AutoNCP(4, 3),
    RangeError,
    "AutoNCP: units must be >= outputSize + 2 (5: at least one inter and one command neuron), received 4",
  );
  assertThrows(
    () => new RandomMap(5, 2, { sparsityLevel: 1 }),
    RangeError,
    "RandomMap: options.sparsityLevel must be a number in [0, 1), received 1",
  );
  assertThrows(
    () => new FullyConnectedMap(3, 4),
    RangeError,
    "FullyConnectedMap: outputDim must be <= units (3), received 4",
  );
  assertThrows(
    () => new AutoNCP(8, 2, { seed: -1 }),
    RangeError,
    "AutoNCP: options.seed must be a non-negative integer, received -1",
  );
});

Deno.test("NCP: masks are non-trainable Parameters, synapses = non-zero mask entries, output = motor neurons", async () => {
  const before = tf.memory().numTensors;
  const map = new AutoNCP(16, 3, { seed: 4 });
  const ncp = new NCP(map);
  const x = tf.randomNormal([2, 5, 4], 0, 1, "float32", 1);
  const y = ncp.call(x);
  assertEquals(y.shape, [2, 5, 3]);
  assertEquals(
    ncp.neuronMap.synapseCount,
    nonZero(await ncp._recurrentMask!.data.data()),
  );
  assertEquals(
    ncp.neuronMap.sensorySynapseCount,
    nonZero(await ncp._inputMask!.data.data()),
  );
  assertEquals(ncp._recurrentMask!.trainable, false);
  assertEquals(ncp.trainableVariables().length, 3);
  assertEquals(ncp._kernel!.init?.name, "glorotUniform");
  assertEquals(ncp._recurrentKernel!.init?.name, "orthogonal");
  // The output is the last 3 neurons of the state: check against a manual unroll.
  const manual = tf.tidy(() => {
    let h = tf.zeros([2, 16]);
    const outs: tf.Tensor[] = [];
    for (const xt of tf.unstack(x, 1)) {
      h = ncp.step(xt, h);
      outs.push(h.slice([0, 13], [2, 3]));
    }
    return tf.stack(outs, 1);
  });
  assertEquals(await y.data(), await manual.data());
  // A single step: [batch, features] in, [batch, motor] out.
  const x1 = tf.ones([2, 4]);
  const y1 = ncp.call(x1);
  assertEquals(y1.shape, [2, 3]);
  tf.dispose([x, y, manual, x1, y1]);
  ncp.dispose();
  assertEquals(tf.memory().numTensors, before);
});

Deno.test("NCP builds its kernels by name through getInitializer", () => {
  assertThrows(
    () => new NCP(new AutoNCP(8, 2), { recurrentInitializer: "orthogonel" }),
    RangeError,
    'NCP: options.recurrentInitializer must be an initializer\'s name, received "orthogonel" (did you mean "orthogonal"?',
  );
  const ncp = new NCP(new AutoNCP(8, 2, { seed: 0 }), {
    kernelInitializer: "he_normal",
    recurrentInitializer: { name: "orthogonal", gain: 0.5 },
  });
  const x = tf.ones([1, 2, 3]);
  ncp.call(x).dispose();
  assertEquals(ncp._kernel!.init?.name, "heNormal");
  assertEquals(ncp._recurrentKernel!.init?.options.gain, 0.5);
  x.dispose();
  ncp.dispose();
});

Deno.test("NCP.effectiveRecurrentKernel: K ⊙ mask as a new tensor, its rank capped by the mask; unbuilt is an error", async () => {
  const ncp = new NCP(new AutoNCP(16, 3, { seed: 4 }));
  assertThrows(
    () => ncp.effectiveRecurrentKernel(),
    Error,
    "NCP.effectiveRecurrentKernel: the layer is not built yet",
  );
  const x = tf.ones([1, 2, 4]);
  ncp.call(x).dispose();
  x.dispose();
  const before = tf.memory().numTensors;
  const effective = ncp.effectiveRecurrentKernel();
  assertEquals(tf.memory().numTensors, before + 1);
  const k = await ncp._recurrentKernel!.data.data();
  const mask = await ncp._recurrentMask!.data.data();
  const e = await effective.data();
  assertEquals([...e], [...k].map((v, i) => Math.fround(v * mask[i])));
  // Rank ≤ the number of columns (postsynaptic neurons) the mask reaches.
  const n = 16;
  let reached = 0;
  for (let j = 0; j < n; j++) {
    let any = false;
    for (let i = 0; i < n; i++) any ||= mask[i * n + j] !== 0;
    if (any) reached++;
  }
  const s = await singularValues(effective);
  const rank = s.filter((v) => v > s[0] * n * 2 ** -23).length;
  assert(rank <= reached, `rank ${rank} > ${reached} reached columns`);
  effective.dispose();
  ncp.dispose();
});
