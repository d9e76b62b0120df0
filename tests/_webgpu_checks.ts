/**
 * Run by webgpu_test.ts in a process of its own (`deno test` of this file).
 *
 * Every helper that reads tensors, on tensors that live on the WebGPU
 * backend (here the llvmpipe software adapter): a net is trained there, so
 * its parameters have been through GPU kernels and have no CPU copy, and a
 * tf-op result is read too. tfjs cannot read synchronously on WebGPU in
 * Deno, so these pass only if every helper reads with `await data()`.
 *
 * Ignored where the runtime has no WebGPU adapter, unless REQUIRE_WEBGPU=1
 * (CI sets it).
 */
import {
  assert,
  assertAlmostEquals,
  assertEquals,
  assertStringIncludes,
} from "@std/assert";
import {
  analyzeSpectrum,
  analyzeSpectrumSync,
  compareInitializers,
  Dense,
  getBackend,
  histogram,
  histogramSync,
  initializers,
  jacobianSpectrum,
  liveTraining,
  plotHistogram,
  plotJacobianSpectrum,
  plotModule,
  plotPropagation,
  plotSpectrum,
  plotTraining,
  Sequential,
  setBackend,
  setSeed,
  singularValues,
  singularValuesSync,
  snapshotWeights,
  tf,
  tracePropagation,
  varianceTable,
} from "../mod.ts";

const adapter = await navigator.gpu?.requestAdapter();
const required = Deno.env.get("REQUIRE_WEBGPU") === "1";
if (!adapter && required) {
  throw new Error(
    "REQUIRE_WEBGPU=1 but the runtime has no WebGPU adapter (Debian: apt-get install mesa-vulkan-drivers)",
  );
}

/** A test on WebGPU, ignored where there is no adapter; the backend it found is restored. */
function webgpuTest(name: string, fn: () => Promise<void>): void {
  Deno.test({
    name: `webgpu: ${name}`,
    ignore: !adapter,
    fn: async () => {
      const previous = getBackend();
      try {
        await fn();
      } finally {
        await setBackend(previous);
      }
    },
  });
}

webgpuTest(
  "a trained net's parameters and a tf-op result through every reading helper",
  async () => {
    assertEquals(await setBackend("webgpu"), "webgpu");
    const net = new Sequential([
      new Dense(48, { activation: "tanh" }),
      new Dense(24),
    ]);
    try {
      setSeed(5);
      // Tensors of more than 1000 values: tfjs's WebGPU backend hands
      // smaller ones to the CPU, where a synchronous read would still work.
      const x = tf.randomNormal([128, 64], 0, 1, "float32", 1);
      const y = tf.randomNormal([128, 24], 0, 1, "float32", 2);
      net.call(x).dispose();
      const before = await snapshotWeights(net, 0);
      const optimizer = tf.train.adam(0.01);
      for (let step = 0; step < 5; step++) {
        optimizer.minimize(
          () => tf.losses.meanSquaredError(y, net.call(x)) as tf.Scalar,
          false,
          net.trainableVariables(),
        );
      }
      optimizer.dispose();
      // Adam's updates ran on the GPU: the trained kernel has no CPU copy,
      // and a synchronous read fails with the message that says what to do.
      // (An asynchronous read leaves a CPU copy behind, so this comes first.)
      const kernel = net.namedParameters()[0][1];
      let message = "";
      try {
        kernel.data.dataSync();
      } catch (error) {
        message = (error as Error).message;
      }
      assertStringIncludes(message, "await tensor.data()");
      const after = await snapshotWeights(net, 5);
      const op = tf.tidy(() => tf.matMul(x, x, true, false).div(128));
      tf.dispose([x, y]);
      const start = tf.memory().numTensors;

      // So does the op's result.
      message = "";
      try {
        op.dataSync();
      } catch (error) {
        message = (error as Error).message;
      }
      assertStringIncludes(message, "await tensor.data()");

      for (const [what, w] of [["kernel", kernel], ["tf-op", op]] as const) {
        const tensor = "data" in w && w.data instanceof tf.Tensor
          ? w.data
          : w as tf.Tensor;
        const host = { values: await tensor.data(), shape: tensor.shape };
        // Each helper agrees with its synchronous form on the same values.
        assertEquals(
          await singularValues(w),
          singularValuesSync(host),
          what,
        );
        assertEquals(
          (await histogram(w, { bins: 20 })).counts,
          histogramSync(host, { bins: 20 }).counts,
          what,
        );
        const a = await analyzeSpectrum(w);
        assertEquals(a.verdict, analyzeSpectrumSync(host).verdict, what);
        assert((await plotHistogram(w)).svg.startsWith("<svg"), what);
        assert((await plotSpectrum(w)).svg.startsWith("<svg"), what);
      }
      // The Gram matrix of 64 variables from 128 draws: rank 64, all > 0.
      const s = await singularValues(op);
      assertEquals(s.length, 64);
      assert(s[63] > 0);
      const module = await plotModule(net);
      assertStringIncludes(module.text, "layers.0._kernel");
      const compare = await compareInitializers(
        ["glorot_uniform", "orthogonal"],
        [32, 16],
      );
      assertStringIncludes(compare.text, "orthogonal");
      const training = plotTraining([before, after]);
      assertStringIncludes(training.text, "step 5");
      // Training moved the kernel: its snapshot differs from the start.
      const k0 = before.weights.get("layers.0._kernel")!.values;
      const k5 = after.weights.get("layers.0._kernel")!.values;
      assert(k0.some((v, i) => v !== k5[i]), "training changed nothing");
      assertAlmostEquals(k5[0], (await kernel.data.data())[0], 0);
      // Nothing leaked.
      assertEquals(tf.memory().numTensors, start);
      op.dispose();
    } finally {
      net.dispose();
    }
  },
);

webgpuTest(
  "the teaching helpers read only asynchronously, leak nothing, and agree with wasm",
  async () => {
    // Tensors of more than 1000 values, so that WebGPU keeps them on the GPU.
    const run = async () => {
      const x = initializers.randomNormal([64, 32], { stddev: 1, seed: 3 });
      const net = new Sequential(
        [1, 2, 3, 4].map((seed) =>
          new Dense(32, {
            activation: seed === 4 ? "relu" : "tanh",
            kernelInitializer: { name: "glorot_normal", seed },
          })
        ),
        { inputShape: [32] },
      );
      const start = tf.memory().numTensors;
      const rows = await tracePropagation(net, x);
      const few = tf.slice(x, [0, 0], [4, 32]);
      const spectrum = await jacobianSpectrum(net, few);
      const table = await varianceTable(["glorot_normal", "orthogonal"], [
        64,
        32,
      ]);
      const w = initializers.glorotNormal([64, 64], { seed: 1 });
      const theirs = tf.initializers.glorotNormal({ seed: 1 }).apply([64, 64]);
      const compared = await plotHistogram(w, {
        compare: { x: theirs, label: "tfjs" },
      });
      const live = liveTraining({ output: "none" });
      const loss = tf.tidy(() => tf.mean(tf.square(net.call(x))));
      await live.update({ step: 0, loss, net });
      const figure = await live.figure();
      tf.dispose([loss, few, w, theirs]);
      assertEquals(tf.memory().numTensors, start, "tensors leaked");
      net.dispose();
      x.dispose();
      return { rows, spectrum, table, compared, figure };
    };
    assertEquals(await setBackend("wasm"), "wasm");
    const cpu = await run();
    assertEquals(await setBackend("webgpu"), "webgpu");
    const gpu = await run();
    gpu.rows.forEach((r, i) => {
      const c = cpu.rows[i];
      assertAlmostEquals(
        r.activationStd,
        c.activationStd,
        1e-4 * c.activationStd,
      );
      assertAlmostEquals(r.gradientStd, c.gradientStd, 1e-4 * c.gradientStd);
      assertAlmostEquals(r.saturation!, c.saturation!, 0.01);
    });
    const s = cpu.spectrum.singularValues;
    gpu.spectrum.singularValues.forEach((v, i) =>
      assertAlmostEquals(v, s[i], 1e-4 * s[0])
    );
    // The draws are made on the host: the same values on every backend.
    assertEquals(gpu.table.rows, cpu.table.rows);
    assertStringIncludes(gpu.compared.text, "tfjs: mean");
    assertStringIncludes(gpu.figure.text, "Parameters at step 0");
    assert(plotPropagation(gpu.rows).svg.startsWith("<svg"));
    assert(plotJacobianSpectrum(gpu.spectrum).svg.startsWith("<svg"));
  },
);

webgpuTest("matMul on the adapter agrees with the CPU backend", async () => {
  const a = Array.from({ length: 64 * 48 }, (_, i) => Math.sin(i));
  const b = Array.from({ length: 48 * 32 }, (_, i) => Math.cos(3 * i));
  const product = async () => {
    const x = tf.tensor2d(a, [64, 48]);
    const y = tf.tensor2d(b, [48, 32]);
    const z = tf.matMul(x, y);
    const values = await z.data();
    tf.dispose([x, y, z]);
    return values;
  };
  await setBackend("cpu");
  const expected = await product();
  assertEquals(await setBackend("webgpu"), "webgpu");
  const actual = await product();
  let worst = 0;
  for (let i = 0; i < expected.length; i++) {
    worst = Math.max(worst, Math.abs(actual[i] - expected[i]));
  }
  assert(worst <= 1e-5, `max |webgpu - cpu| = ${worst}`);
});

webgpuTest(
  "the same seed gives the same bits on webgpu as on cpu",
  async () => {
    const names = [
      "glorotNormal",
      "orthogonal",
      "randomUniform",
      "binomial",
      "truncatedNormal",
    ];
    const draw = async (backend: "cpu" | "webgpu") => {
      assertEquals(await setBackend(backend), backend);
      const out: Uint32Array[] = [];
      for (const name of names) {
        const t = initializers.getInitializer(name)([33, 17], { seed: 2024 });
        assertEquals(tf.getBackend(), backend);
        out.push(new Uint32Array((await t.data() as Float32Array).buffer));
        t.dispose();
      }
      return out;
    };
    const cpu = await draw("cpu");
    const gpu = await draw("webgpu");
    names.forEach((name, i) => assertEquals(gpu[i], cpu[i], name));
  },
);
