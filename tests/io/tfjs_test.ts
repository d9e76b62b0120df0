/**
 * Tests of `openTfjsWeights` (lib/io/_tfjs_file.ts): tfjs model.json files of
 * LayersModels and GraphModels and bare weights manifests, checked against
 * the model's own weights, against tfjs-core's `tf.io.decodeWeights`, against
 * references computed here, and against face-api's shipped weights.
 */
import { join } from "node:path";
import {
  assert,
  assertEquals,
  assertRejects,
  assertStringIncludes,
} from "@std/assert";
import type { io } from "@tensorflow/tfjs";
import { tf } from "../../lib/tf.ts";
import { openTfjsWeights } from "../../lib/io/_tfjs_file.ts";
import type { StoredWeight, WeightFile } from "../../lib/io/_weight_file.ts";
import {
  faceApiModelDir,
  faceApiModels,
  faceApiWeights,
} from "../_face_api.ts";
import {
  artifactsOf,
  bytesOf,
  convDense,
  quantizeAffine,
  seededValues,
  splitAt,
  writeModel,
} from "./_tfjs_helpers.ts";
import { countingReads, fdsUnder } from "./_helpers.ts";
import { withTempDir } from "../_scoped.ts";
import { concat } from "../_bytes.ts";

/** Asserts two lists of numbers are equal element by element (Object.is). */
function assertSame(
  actual: ArrayLike<number>,
  expected: ArrayLike<number>,
  what: string,
): void {
  assertEquals(actual.length, expected.length, `${what}: length`);
  for (let i = 0; i < actual.length; i++) {
    if (!Object.is(actual[i], expected[i])) {
      throw new Error(
        `${what}: element ${i} is ${actual[i]}, expected ${expected[i]}`,
      );
    }
  }
}

/** Reads a weight, checks its shape and dtype, returns its values. */
async function values(
  file: WeightFile,
  w: StoredWeight,
): Promise<ArrayLike<number>> {
  const t = await file.read(w);
  try {
    assertEquals(t.shape, [...w.shape], `${w.name}: shape`);
    assertEquals(t.dtype, w.dtype, `${w.name}: dtype`);
    return await t.data() as ArrayLike<number>;
  } finally {
    t.dispose();
  }
}

/** Checks `readRows` against the rows of the full values. */
async function checkRows(
  file: WeightFile,
  w: StoredWeight,
  all: ArrayLike<number>,
  rows: number[],
): Promise<void> {
  const cols = w.shape.length === 0 ? 1 : w.shape[w.shape.length - 1];
  const got = await file.readRows(w, rows);
  const want: number[] = [];
  for (const r of rows) {
    for (let c = 0; c < cols; c++) want.push(all[r * cols + c]);
  }
  assert(got instanceof Float64Array);
  assertSame(got, want, `${w.name}: rows ${rows}`);
}

/** Compares every weight of `file` with tfjs's decodeWeights of the bytes. */
async function checkAgainstDecodeWeights(
  file: WeightFile,
  bytes: Uint8Array,
  specs: io.WeightsManifestEntry[],
): Promise<void> {
  const decoded = tf.io.decodeWeights(
    bytes.slice().buffer as ArrayBuffer,
    specs,
  );
  try {
    for (const w of file.weights) {
      const t = decoded[w.name];
      assert(t, `decodeWeights has no ${w.name}`);
      assertEquals(t.dtype, w.dtype, `${w.name}: decodeWeights dtype`);
      const mine = await values(file, w);
      const theirs = t.dataSync() as ArrayLike<number>;
      assertSame(mine, theirs, `${w.name} vs tf.io.decodeWeights`);
      if (mine instanceof Float32Array && theirs instanceof Float32Array) {
        // Bit for bit: NaNs keep their sign and payload as in tfjs.
        assertSame(
          new Uint32Array(mine.buffer, mine.byteOffset, mine.length),
          new Uint32Array(theirs.buffer, theirs.byteOffset, theirs.length),
          `${w.name}: float32 bits vs tf.io.decodeWeights`,
        );
      }
    }
  } finally {
    tf.dispose(Object.values(decoded));
  }
}

/** A test in a fresh temporary folder that must leave no tensor behind. */
function tempDirTest(name: string, fn: (dir: string) => Promise<void>): void {
  Deno.test(name, async () => {
    const before = tf.memory().numTensors;
    await withTempDir(fn);
    assertEquals(tf.memory().numTensors, before);
  });
}

tempDirTest(
  "a LayersModel saved by tfjs reads back exactly, as decodeWeights reads it",
  async (dir) => {
    const model = convDense([5, 5, 2], 3, 4, [
      tf.initializers.glorotUniform({ seed: 7 }),
      tf.initializers.randomNormal({ seed: 8 }),
      tf.initializers.glorotUniform({ seed: 9 }),
      tf.initializers.randomNormal({ seed: 10 }),
    ]);
    const artifacts = await artifactsOf(model);
    const specs = artifacts.weightSpecs!;
    const bytes = new Uint8Array(
      tf.io.CompositeArrayBuffer.join(artifacts.weightData!),
    );
    await writeModel(dir, "model.json", {
      format: "layers-model",
      generatedBy: "tests",
      modelTopology: artifacts.modelTopology,
      weightsManifest: [{ paths: ["weights.bin"], weights: specs }],
    }, { "weights.bin": bytes });
    const expected = model.getWeights().map((t) => t.dataSync());
    model.dispose();

    const file = await openTfjsWeights(join(dir, "model.json"));
    try {
      assertEquals(file.format, "tfjs-layers-model");
      assertEquals(file.path, join(dir, "model.json"));
      assertEquals(file.weights.map((w) => w.name), specs.map((s) => s.name));
      assertEquals(file.weights.length, 4);
      for (const [i, w] of file.weights.entries()) {
        assertEquals(w.storedDtype, "float32");
        assertEquals(w.quantization, null);
        assertEquals(w.file, join(dir, "weights.bin"));
        const all = await values(file, w);
        assertSame(all, expected[i], w.name);
        assertEquals(w.byteLength, 4 * all.length);
        const nRows = all.length / (w.shape[w.shape.length - 1] || 1);
        await checkRows(file, w, all, [0, nRows - 1]);
      }
      assertEquals(file.weights[0].shape, [3, 3, 2, 3]);
      await checkRows(
        file,
        file.weights[0],
        await values(file, file.weights[0]),
        [
          17,
          3,
          4,
          5,
          0,
        ],
      );
      await checkAgainstDecodeWeights(file, bytes, specs);
    } finally {
      file.close();
      file.close();
    }
  },
);

tempDirTest(
  "quantised and typed weights decode as tfjs decodes them",
  async (dir) => {
    const v8 = seededValues(1, 30, -2, 3);
    const v16 = seededValues(2, 28, -0.5, 0.25);
    const q8 = quantizeAffine(v8, 8);
    const q16 = quantizeAffine(v16, 16);
    const halves = new Float16Array([
      ...seededValues(3, 8, -100, 100),
      1,
      65504,
      -65504,
    ]);
    const halfBits = new Uint16Array(halves.buffer);
    // ±0, smallest and largest subnormals, smallest normal, ±Inf, a NaN.
    const specials = new Uint16Array([
      0x0000,
      0x8000,
      0x0001,
      0x83ff,
      0x0400,
      0x7c00,
      0xfc00,
      0x7e00,
      0xfe01,
    ]);
    const halfAll = new Uint16Array([...halfBits, ...specials]);
    const qi = new Uint8Array([0, 1, 2, 3, 4, 5, 6, 7, 255]);
    const qiScale = 0.5;
    const qiMin = -2.5;
    const bools = new Uint8Array([0, 1, 1, 0, 1]);
    const ints = new Int32Array([-5, 0, 2147483647, -2147483648]);
    // 1.5, -0, a NaN with a payload, -Infinity.
    const floats = new Float32Array(
      new Uint32Array([0x3fc00000, 0x80000000, 0x7fa00001, 0xff800000]).buffer,
    );
    const specs: io.WeightsManifestEntry[] = [
      {
        name: "q8",
        shape: [6, 5],
        dtype: "float32",
        quantization: { dtype: "uint8", scale: q8.scale, min: q8.min },
      },
      {
        name: "q16",
        shape: [4, 7],
        dtype: "float32",
        quantization: {
          dtype: "uint16",
          scale: q16.scale,
          min: q16.min,
          original_dtype: "float32",
        } as io.WeightsManifestEntry["quantization"],
      },
      {
        name: "half",
        shape: [halfAll.length],
        dtype: "float32",
        quantization: { dtype: "float16" },
      },
      {
        name: "qint",
        shape: [3, 3],
        dtype: "int32",
        quantization: { dtype: "uint8", scale: qiScale, min: qiMin },
      },
      { name: "bools", shape: [5], dtype: "bool" },
      { name: "ints", shape: [2, 2], dtype: "int32" },
      { name: "floats", shape: [4], dtype: "float32" },
      { name: "scalar", shape: [], dtype: "float32" },
      { name: "empty", shape: [2, 0], dtype: "float32" },
    ];
    const bytes = concat(
      bytesOf(q8.levels),
      bytesOf(q16.levels),
      bytesOf(halfAll),
      qi,
      bools,
      bytesOf(ints),
      bytesOf(floats),
      bytesOf(new Float32Array([42.125])),
    );
    const path = await writeModel(
      dir,
      "weights_manifest.json",
      [{ paths: ["group1-shard1of1.bin"], weights: specs }],
      { "group1-shard1of1.bin": bytes },
    );
    const file = await openTfjsWeights(path);
    try {
      assertEquals(file.format, "tfjs-weights-manifest");
      const w = Object.fromEntries(file.weights.map((x) => [x.name, x]));
      // Independent references.
      const ref8 = Array.from(
        q8.levels,
        (q) => Math.fround(q * q8.scale + q8.min),
      );
      const ref16 = Array.from(
        q16.levels,
        (q) => Math.fround(q * q16.scale + q16.min),
      );
      const refHalf = Array.from(
        new Float16Array(halfAll.buffer),
        (x) => Math.fround(x),
      );
      const refInt = Array.from(qi, (q) => Math.round(q * qiScale + qiMin) | 0);
      assertSame(await values(file, w.q8), ref8, "q8");
      assertSame(await values(file, w.q16), ref16, "q16");
      assertSame(await values(file, w.half), refHalf, "half");
      assertSame(await values(file, w.qint), refInt, "qint");
      assertSame(await values(file, w.bools), bools, "bools");
      assertSame(await values(file, w.ints), ints, "ints");
      assertSame(await values(file, w.floats), floats, "floats");
      assertSame(await values(file, w.scalar), [42.125], "scalar");
      assertSame(await values(file, w.empty), [], "empty");
      // The quantisation loses at most half a step.
      for (let i = 0; i < v8.length; i++) {
        assert(Math.abs(ref8[i] - v8[i]) <= q8.scale / 2 + 1e-6);
      }
      for (let i = 0; i < v16.length; i++) {
        assert(Math.abs(ref16[i] - v16[i]) <= q16.scale / 2 + 1e-6);
      }
      // Half floats: the specials, exactly.
      const h = await values(file, w.half);
      const tail = Array.from(h).slice(halfBits.length);
      assertSame(tail.slice(0, 7), [
        0,
        -0,
        2 ** -24,
        -1023 * 2 ** -24,
        2 ** -14,
        Infinity,
        -Infinity,
      ], "half specials");
      assert(Number.isNaN(tail[7]) && Number.isNaN(tail[8]));

      assertEquals(w.q8.quantization, {
        dtype: "uint8",
        scale: q8.scale,
        min: q8.min,
      });
      assertEquals(w.q16.quantization, {
        dtype: "uint16",
        scale: q16.scale,
        min: q16.min,
      });
      assertEquals(w.half.quantization, { dtype: "float16" });
      assertEquals(
        file.weights.map((x) => [x.storedDtype, x.dtype, x.byteLength]),
        [
          ["uint8", "float32", 30],
          ["uint16", "float32", 56],
          ["float16", "float32", 2 * halfAll.length],
          ["uint8", "int32", 9],
          ["bool", "bool", 5],
          ["int32", "int32", 16],
          ["float32", "float32", 16],
          ["float32", "float32", 4],
          ["float32", "float32", 0],
        ],
      );
      await checkRows(file, w.q8, ref8, [5, 0, 2]);
      await checkRows(file, w.q16, ref16, [3, 1]);
      await checkRows(file, w.half, refHalf, [0]);
      await checkRows(file, w.qint, refInt, [2, 1]);
      await checkRows(file, w.scalar, [42.125], [0]);
      await checkRows(file, w.empty, [], [0, 1]);
      await checkAgainstDecodeWeights(file, bytes, specs);

      await assertRejects(
        () => file.readRows(w.q8, [6]),
        RangeError,
        'readRows: rows[0] must be a row of "q8", an integer in [0, 6), received 6',
      );
      await assertRejects(
        () => file.read({ ...w.q8, name: "nope" }),
        TypeError,
        "read: weight must be an element of the weights of",
      );
      // A copy (or another file's weight of the same name) is not one of these.
      await assertRejects(
        () => file.read({ ...w.q8 }),
        TypeError,
        "read: weight must be an element of the weights of",
      );
      await assertRejects(
        () => file.readRows({ ...w.q8 }, [0]),
        TypeError,
        "readRows: weight must be an element of the weights of",
      );
    } finally {
      file.close();
    }
    await assertRejects(() => file.read(file.weights[0]), Error, "close()");
  },
);

tempDirTest(
  "a GraphModel's weights are named after its Const nodes",
  async (dir) => {
    const kernel = seededValues(4, 2 * 2 * 1 * 2);
    const bias = seededValues(5, 2);
    const json = {
      format: "graph-model",
      generatedBy: "2.15.0",
      convertedBy: "TensorFlow.js Converter v4.22.0",
      modelTopology: {
        node: [
          {
            name: "input",
            op: "Placeholder",
            attr: { dtype: { type: "DT_FLOAT" } },
          },
          {
            name: "StatefulPartitionedCall/model/conv/Conv2D/ReadVariableOp",
            op: "Const",
            attr: { dtype: { type: "DT_FLOAT" } },
          },
          {
            name: "StatefulPartitionedCall/model/conv/BiasAdd/ReadVariableOp",
            op: "Const",
            attr: { dtype: { type: "DT_FLOAT" } },
          },
          {
            name: "StatefulPartitionedCall/model/conv/Conv2D",
            op: "Conv2D",
            input: [
              "input",
              "StatefulPartitionedCall/model/conv/Conv2D/ReadVariableOp",
            ],
          },
        ],
        library: {},
        versions: { producer: 1 },
      },
      weightsManifest: [{
        paths: ["group1-shard1of1.bin"],
        weights: [
          {
            name: "StatefulPartitionedCall/model/conv/Conv2D/ReadVariableOp",
            shape: [2, 2, 1, 2],
            dtype: "float32",
          },
          {
            name: "StatefulPartitionedCall/model/conv/BiasAdd/ReadVariableOp",
            shape: [2],
            dtype: "float32",
          },
        ],
      }],
    };
    const path = await writeModel(dir, "model.json", json, {
      "group1-shard1of1.bin": concat(bytesOf(kernel), bytesOf(bias)),
    });
    const file = await openTfjsWeights(path);
    try {
      assertEquals(file.format, "tfjs-graph-model");
      const consts = json.modelTopology.node.filter((n) => n.op === "Const");
      assertEquals(file.weights.map((w) => w.name), consts.map((n) => n.name));
      assertSame(await values(file, file.weights[0]), kernel, "kernel");
      assertSame(await values(file, file.weights[1]), bias, "bias");
    } finally {
      file.close();
    }
    // Found from the topology alone, and from already parsed JSON.
    const { format: _, ...noFormat } = json;
    const graph = await openTfjsWeights(path, noFormat);
    assertEquals(graph.format, "tfjs-graph-model");
    graph.close();
    const layers = await openTfjsWeights(path, {
      modelTopology: { keras_version: "2.15", model_config: {} },
      weightsManifest: json.weightsManifest,
    });
    assertEquals(layers.format, "tfjs-layers-model");
    layers.close();
  },
);

Deno.test("weights span shard boundaries; groups and shards open lazily", async () => {
  const before = tf.memory().numTensors;
  await withTempDir(async (dir) => {
    const a = seededValues(6, 3);
    const b = seededValues(7, 6);
    const c = seededValues(8, 5);
    const qc = quantizeAffine(c, 16);
    const d = seededValues(9, 8);
    const group1 = concat(bytesOf(a), bytesOf(b), bytesOf(qc.levels));
    // a: bytes 0..12, b: 12..36, c: 36..46; cuts at 5, 14 and 30.
    const [s1, s2, s3, s4] = splitAt(group1, [5, 14, 30]);
    const path = await writeModel(dir, "model.json", {
      format: "layers-model",
      modelTopology: { class_name: "Sequential", config: {} },
      weightsManifest: [
        {
          paths: ["g1-1.bin", "g1-2.bin", "sub/g1-3.bin", "g1-4.bin"],
          weights: [
            { name: "a", shape: [3], dtype: "float32" },
            { name: "b", shape: [2, 3], dtype: "float32" },
            {
              name: "c",
              shape: [5],
              dtype: "float32",
              quantization: { dtype: "uint16", scale: qc.scale, min: qc.min },
            },
          ],
        },
        {
          paths: ["g2.bin"],
          weights: [{ name: "d", shape: [4, 2], dtype: "float32" }],
        },
      ],
    }, {});
    await Deno.mkdir(join(dir, "sub"));
    await Deno.writeFile(join(dir, "g1-1.bin"), s1);
    await Deno.writeFile(join(dir, "g1-2.bin"), s2);
    await Deno.writeFile(join(dir, "sub/g1-3.bin"), s3);
    await Deno.writeFile(join(dir, "g1-4.bin"), s4);
    await Deno.writeFile(join(dir, "g2.bin"), bytesOf(d));

    const fds = fdsUnder(dir);
    const file = await openTfjsWeights(path);
    try {
      assertEquals(fdsUnder(dir), fds, "no shard is opened before a read");
      const w = Object.fromEntries(file.weights.map((x) => [x.name, x]));
      assertEquals(
        file.weights.map((x) => x.file),
        ["g1-1.bin", "g1-2.bin", "g1-4.bin", "g2.bin"].map((f) => join(dir, f)),
      );
      assertSame(await values(file, w.d), d, "d");
      if (fds >= 0) assertEquals(fdsUnder(dir), fds + 1, "only g2.bin is open");
      const refC = Array.from(
        qc.levels,
        (q) => Math.fround(q * qc.scale + qc.min),
      );
      // All at once: reads are queued, not interleaved.
      const [va, vb, vc] = await Promise.all([
        values(file, w.a),
        values(file, w.b),
        values(file, w.c),
      ]);
      assertSame(va, a, "a");
      assertSame(vb, b, "b");
      assertSame(vc, refC, "c");
      await checkRows(file, w.b, b, [1, 0]);
      await checkRows(file, w.b, b, [0, 1]);
      await checkRows(file, w.a, a, [0]);
      await checkRows(file, w.c, refC, [0]);
      await checkRows(file, w.d, d, [3, 1, 2]);
      await checkAgainstDecodeWeights(file, concat(group1, bytesOf(d)), [
        { name: "a", shape: [3], dtype: "float32" },
        { name: "b", shape: [2, 3], dtype: "float32" },
        {
          name: "c",
          shape: [5],
          dtype: "float32",
          quantization: { dtype: "uint16", scale: qc.scale, min: qc.min },
        },
        { name: "d", shape: [4, 2], dtype: "float32" },
      ]);
    } finally {
      file.close();
    }
    assertEquals(fdsUnder(dir), fds, "close() closes every shard");
  });
  assertEquals(tf.memory().numTensors, before);
});

Deno.test("readRows samples a sparse 8 GiB weight by reading only its rows", async () => {
  await withTempDir(async (dir) => {
    const rows = 65536;
    const cols = 32768;
    const rowBytes = 4 * cols;
    const path = await writeModel(dir, "big.json", [
      {
        paths: ["big.bin"],
        weights: [{ name: "big", shape: [rows, cols], dtype: "float32" }],
      },
    ]);
    const shard = await Deno.open(join(dir, "big.bin"), {
      write: true,
      create: true,
    });
    try {
      await shard.truncate(rows * rowBytes);
      for (const r of [3, rows - 1]) {
        await shard.seek(r * rowBytes, Deno.SeekMode.Start);
        await shard.write(bytesOf(seededValues(r, cols)));
      }
    } finally {
      shard.close();
    }
    const file = await openTfjsWeights(path);
    try {
      assertEquals(file.weights[0].byteLength, 2 ** 33);
      const got = await file.readRows(file.weights[0], [rows - 1, 3, 4]);
      assertSame(got.subarray(0, cols), seededValues(rows - 1, cols), "last");
      assertSame(got.subarray(cols, 2 * cols), seededValues(3, cols), "row 3");
      assertSame(got.subarray(2 * cols), new Float64Array(cols), "row 4");
    } finally {
      file.close();
    }
  });
});

Deno.test("every face-api manifest reads as tfjs decodes it", async () => {
  const before = tf.memory().numTensors;
  const reference = await faceApiWeights();
  // A private copy, so that the descriptors counted are this test's alone.
  await withTempDir(async (dir) => {
    const source = await faceApiModelDir();
    for await (const entry of Deno.readDir(source)) {
      if (entry.isFile) {
        await Deno.copyFile(join(source, entry.name), join(dir, entry.name));
      }
    }
    const fds = fdsUnder(dir);
    let count = 0;
    const quantized = new Set<string>();
    for (const original of await faceApiModels()) {
      const manifest = join(dir, original.split("/").pop()!);
      const model = manifest.split("/").pop()!.replace(
        /-weights_manifest\.json$/,
        "",
      );
      const refs = reference.filter((r) => r.model === model);
      const file = await openTfjsWeights(manifest);
      try {
        assertEquals(file.format, "tfjs-weights-manifest");
        assertEquals(file.weights.map((w) => w.name), refs.map((r) => r.name));
        for (const [i, w] of file.weights.entries()) {
          const ref = refs[i];
          assertEquals([...w.shape], ref.shape, `${model} ${w.name}: shape`);
          assertEquals(w.dtype, ref.tensorDtype, `${model} ${w.name}: dtype`);
          assertEquals(w.storedDtype, ref.dtype, `${model} ${w.name}: stored`);
          assertEquals(w.quantization, ref.quantization, `${model} ${w.name}`);
          if (w.quantization) quantized.add(w.quantization.dtype);
          const all = await values(file, w);
          assertSame(all, ref.values, `${model} ${w.name}`);
          const cols = w.shape.length === 0 ? 1 : w.shape[w.shape.length - 1];
          const nRows = cols === 0 ? 0 : all.length / cols;
          if (nRows > 0) {
            await checkRows(file, w, ref.values, [
              nRows - 1,
              0,
              Math.floor(nRows / 2),
            ]);
          }
          count++;
        }
      } finally {
        file.close();
      }
    }
    assertEquals(count, reference.length);
    assert(quantized.size > 0, "face-api ships quantised weights");
    assertEquals(fdsUnder(dir), fds);
  });
  assertEquals(tf.memory().numTensors, before);
});

tempDirTest(
  "bad input: errors name the file and the problem, and leave no file open",
  async (dir) => {
    const f32 = (name: string, shape = [2]) => ({
      name,
      shape,
      dtype: "float32",
    });
    const eight = new Uint8Array(8);
    const cases: [string, unknown, Record<string, Uint8Array>, string[]][] = [
      ["missing shard", [{ paths: ["nope.bin"], weights: [f32("w")] }], {}, [
        '"nope.bin"',
        "does not exist",
      ]],
      [
        "short shard",
        [{ paths: ["s1.bin", "s2.bin"], weights: [f32("w"), f32("v", [3])] }],
        { "s1.bin": eight, "s2.bin": new Uint8Array(6) },
        ['"s2.bin"', 'weight "v"', "short"],
      ],
      ["parent path", [{ paths: ["../x.bin"], weights: [f32("w")] }], {}, [
        '"../x.bin"',
        '".."',
      ]],
      ["absolute path", [{ paths: ["/etc/hostname"], weights: [] }], {}, [
        '"/etc/hostname"',
        "absolute",
      ]],
      [
        "string dtype",
        [{
          paths: ["s.bin"],
          weights: [{ name: "s", shape: [1], dtype: "string" }],
        }],
        { "s.bin": eight },
        ['weight "s"', '"string"', "float32, int32 or bool"],
      ],
      [
        "complex64 dtype",
        [{
          paths: ["s.bin"],
          weights: [{ name: "z", shape: [1], dtype: "complex64" }],
        }],
        { "s.bin": eight },
        ['weight "z"', '"complex64"', "float32, int32 or bool"],
      ],
      [
        "unknown quantisation",
        [{
          paths: ["s.bin"],
          weights: [{ ...f32("q"), quantization: { dtype: "int4" } }],
        }],
        { "s.bin": eight },
        ['weight "q"', '"int4"', "uint8 or uint16"],
      ],
      [
        "quantisation without scale",
        [{
          paths: ["s.bin"],
          weights: [{ ...f32("q"), quantization: { dtype: "uint8", min: 0 } }],
        }],
        { "s.bin": eight },
        ['weight "q"', "scale"],
      ],
      [
        "duplicate names",
        [
          { paths: ["s.bin"], weights: [f32("w")] },
          { paths: ["t.bin"], weights: [f32("w")] },
        ],
        { "s.bin": eight, "t.bin": eight },
        [
          'duplicate weight name "w"',
          "weightsManifest[1].weights[0] and weightsManifest[0].weights[0]",
        ],
      ],
      [
        "duplicate names in a group",
        [{ paths: ["s.bin"], weights: [f32("v", [1]), f32("v", [1])] }],
        { "s.bin": eight },
        [
          'duplicate weight name "v"',
          "weightsManifest[0].weights[1] and weightsManifest[0].weights[0]",
        ],
      ],
      [
        "negative dimension",
        [{ paths: ["s.bin"], weights: [f32("w", [2, -1])] }],
        { "s.bin": eight },
        ['weight "w"', "found [2, -1]"],
      ],
      [
        "fractional dimension",
        [{ paths: ["s.bin"], weights: [f32("w", [1.5])] }],
        { "s.bin": eight },
        ['weight "w"', "found [1.5]"],
      ],
      [
        "too many elements",
        [{ paths: ["s.bin"], weights: [f32("w", [2 ** 26, 2 ** 26, 2])] }],
        { "s.bin": eight },
        ['weight "w"', "too large"],
      ],
      [
        "too many rows of nothing",
        [{ paths: ["s.bin"], weights: [f32("w", [2 ** 30, 2 ** 30, 0])] }],
        { "s.bin": eight },
        ['weight "w"', "too large"],
      ],
      ["malformed JSON", '{"weightsManifest": [', {}, ["malformed JSON"]],
      ["no manifest", { format: "layers-model", modelTopology: {} }, {}, [
        '"weightsManifest"',
      ]],
      ["neither format", { weightsManifest: [] }, {}, [
        "not a tfjs model.json",
      ]],
      ["a number", 42, {}, ["not a tfjs model.json or weights manifest"]],
      ["bad group", [{ paths: "s.bin", weights: [] }], {}, [
        "weightsManifest[0]",
      ]],
      ["group without paths", [{ weights: [f32("w")] }], {}, [
        "weightsManifest[0]",
        "paths",
      ]],
      [
        "weight without a shape",
        [{ paths: ["s.bin"], weights: [{ name: "w", dtype: "float32" }] }],
        { "s.bin": eight },
        [
          'weight "w"',
          "shape must be a list of non-negative integers, found undefined",
        ],
      ],
    ];
    const fds = fdsUnder(dir);
    for (const [label, json, shards, expected] of cases) {
      const sub = join(dir, label.replaceAll(" ", "_"));
      await Deno.mkdir(sub);
      const path = await writeModel(sub, "model.json", json, shards);
      const e = await assertRejects(() => openTfjsWeights(path));
      assert(e instanceof Error);
      assertStringIncludes(e.message, path, label);
      for (const text of expected) assertStringIncludes(e.message, text, label);
    }

    // A folder, and a FIFO, where a shard should be.
    await Deno.mkdir(join(dir, "folder"));
    await Deno.mkdir(join(dir, "folder", "shard"));
    const folder = await writeModel(join(dir, "folder"), "m.json", [
      { paths: ["shard"], weights: [] },
    ]);
    await assertRejects(
      () => openTfjsWeights(folder),
      Error,
      "is not a regular file",
    );
    const mkfifo = await new Deno.Command("mkfifo", {
      args: [join(dir, "fifo.bin")],
      stderr: "null",
    }).output().catch(() => null);
    if (mkfifo?.success) {
      const fifo = await writeModel(dir, "fifo.json", [
        { paths: ["fifo.bin"], weights: [f32("w")] },
      ]);
      await assertRejects(
        () => openTfjsWeights(fifo),
        Error,
        "is not a regular file",
      );
    }
    // The JSON path itself.
    await assertRejects(
      () => openTfjsWeights(join(dir, "absent.json")),
      Error,
      "absent.json",
    );
    await assertRejects(
      () => openTfjsWeights(join(dir, "folder")),
      Error,
      `openTfjsWeights: path must name a regular file, received ${
        JSON.stringify(join(dir, "folder"))
      }`,
    );

    // A shard cut short after the file was opened.
    const path = await writeModel(dir, "cut.json", [
      { paths: ["cut.bin"], weights: [f32("w", [4])] },
    ], { "cut.bin": new Uint8Array(16) });
    const file = await openTfjsWeights(path);
    try {
      await Deno.truncate(join(dir, "cut.bin"), 10);
      const e = await assertRejects(() => file.read(file.weights[0]));
      assert(e instanceof Error);
      for (const text of [path, '"cut.bin"', 'weight "w"', "shorter"]) {
        assertStringIncludes(e.message, text);
      }
    } finally {
      file.close();
    }
    assertEquals(fdsUnder(dir), fds, "no file descriptor is left open");
  },
);

tempDirTest(
  "every float16 bit pattern decodes as tfjs decodes it, bit for bit",
  async (dir) => {
    const bits = Uint16Array.from({ length: 65536 }, (_, i) => i);
    const specs: io.WeightsManifestEntry[] = [{
      name: "halves",
      shape: [256, 256],
      dtype: "float32",
      quantization: { dtype: "float16" },
    }];
    const path = await writeModel(
      dir,
      "weights_manifest.json",
      [{ paths: ["h.bin"], weights: specs }],
      { "h.bin": bytesOf(bits) },
    );
    const file = await openTfjsWeights(path);
    try {
      const w = file.weights[0];
      const all = await values(file, w);
      const reference = new Float16Array(bits.buffer);
      for (let i = 0; i < all.length; i++) {
        if (Number.isNaN(reference[i])) {
          assert(Number.isNaN(all[i]), `bits ${i.toString(16)}: not NaN`);
        } else if (!Object.is(all[i], reference[i])) {
          throw new Error(
            `bits ${i.toString(16)}: ${all[i]}, expected ${reference[i]}`,
          );
        }
      }
      await checkRows(file, w, all, [255, 0, 124, 125, 126]);
      await checkAgainstDecodeWeights(file, bytesOf(bits), specs);
    } finally {
      file.close();
    }
  },
);

tempDirTest(
  "a quantised LayersModel reads as tf.loadLayersModel loads it",
  async (dir) => {
    const model = convDense([6, 6, 3], 4, 5, [
      tf.initializers.heNormal({ seed: 11 }),
      tf.initializers.randomUniform({ seed: 12 }),
      tf.initializers.glorotNormal({ seed: 13 }),
      tf.initializers.randomNormal({ seed: 14 }),
    ]);
    const { modelTopology: topology, weightSpecs } = await artifactsOf(model);
    const saved = weightSpecs!;
    const originals = model.getWeights().map((t) =>
      t.dataSync() as Float32Array
    );
    model.dispose();
    assertEquals(saved.length, 4);

    // conv kernel: uint8; conv bias: float16; dense kernel: uint16; dense
    // bias: uint8 in the converter's spelling with original_dtype.
    const parts: Uint8Array[] = [];
    const refs: number[][] = [];
    const specs: io.WeightsManifestEntry[] = saved.map((spec, i) => {
      const v = originals[i];
      if (i === 1) {
        const halves = new Float16Array(v);
        parts.push(bytesOf(halves));
        refs.push(Array.from(halves, (x) => Math.fround(x)));
        return { ...spec, quantization: { dtype: "float16" } };
      }
      const q = quantizeAffine(v, i === 2 ? 16 : 8);
      parts.push(bytesOf(q.levels));
      refs.push(Array.from(q.levels, (l) => Math.fround(l * q.scale + q.min)));
      const quantization = {
        dtype: i === 2 ? "uint16" : "uint8",
        scale: q.scale,
        min: q.min,
        ...(i === 3 ? { original_dtype: "float32" } : {}),
      } as io.WeightsManifestEntry["quantization"];
      return { ...spec, quantization };
    });
    const bytes = concat(...parts);
    // Two shards, cut inside the dense kernel.
    const cut = parts[0].length + parts[1].length + 101;
    const [first, second] = splitAt(bytes, [cut]);
    const path = await writeModel(dir, "model.json", {
      format: "layers-model",
      modelTopology: topology,
      weightsManifest: [{ paths: ["s1.bin", "s2.bin"], weights: specs }],
    }, { "s1.bin": first, "s2.bin": second });

    const loaded = await tf.loadLayersModel(tf.io.fromMemory({
      modelTopology: topology as object,
      weightSpecs: specs,
      weightData: bytes.slice().buffer as ArrayBuffer,
    }));
    const byTfjs = loaded.getWeights().map((t) => t.dataSync());
    loaded.dispose();

    const file = await openTfjsWeights(path);
    try {
      assertEquals(file.format, "tfjs-layers-model");
      assertEquals(
        file.weights.map((w) => [w.name, w.storedDtype, w.byteLength]),
        saved.map((s, i) => [
          s.name,
          ["uint8", "float16", "uint16", "uint8"][i],
          parts[i].length,
        ]),
      );
      assertEquals(file.weights[3].quantization, {
        dtype: "uint8",
        scale: specs[3].quantization!.scale,
        min: specs[3].quantization!.min,
      });
      assertEquals(file.weights[1].quantization, { dtype: "float16" });
      for (const [i, w] of file.weights.entries()) {
        const all = await values(file, w);
        assertSame(all, refs[i], `${w.name} vs the reference`);
        assertSame(all, byTfjs[i], `${w.name} vs tf.loadLayersModel`);
        // Dequantised values lie within half a step of the originals.
        const q = w.quantization!;
        const tolerance = q.dtype === "float16"
          ? (x: number) => Math.abs(x) * 2 ** -11 + 2 ** -25
          : () => q.scale! / 2 + 1e-7;
        for (let k = 0; k < all.length; k++) {
          const orig = originals[i][k];
          assert(Math.abs(all[k] - orig) <= tolerance(orig), `${w.name}[${k}]`);
        }
        const cols = w.shape[w.shape.length - 1];
        const nRows = all.length / cols;
        await checkRows(file, w, all, nRows > 2 ? [nRows - 1, 0, 1] : [0]);
      }
      await checkAgainstDecodeWeights(file, bytes, specs);
    } finally {
      file.close();
    }
  },
);

tempDirTest("read and readRows read only the bytes they need", async (dir) => {
  const a = seededValues(20, 3);
  const big = seededValues(21, 50 * 8);
  const q = quantizeAffine(seededValues(22, 10 * 3), 16);
  const group = concat(bytesOf(a), bytesOf(big), bytesOf(q.levels));
  const shards = splitAt(group, [7, 801, 1500]);
  const path = await writeModel(dir, "model.json", [{
    paths: ["1.bin", "2.bin", "3.bin", "4.bin"],
    weights: [
      { name: "a", shape: [3], dtype: "float32" },
      { name: "big", shape: [50, 8], dtype: "float32" },
      {
        name: "q",
        shape: [10, 3],
        dtype: "float32",
        quantization: { dtype: "uint16", scale: q.scale, min: q.min },
      },
    ],
  }], Object.fromEntries(shards.map((s, i) => [`${i + 1}.bin`, s])));
  const file = await openTfjsWeights(path);
  try {
    const w = Object.fromEntries(file.weights.map((x) => [x.name, x]));
    assertEquals(await countingReads(() => values(file, w.a)), 12);
    assertEquals(await countingReads(() => values(file, w.big)), 1600);
    assertEquals(await countingReads(() => values(file, w.q)), 60);
    assertEquals(
      await countingReads(() => checkRows(file, w.big, big, [49, 0, 1, 2, 24])),
      5 * 32,
    );
    assertEquals(
      await countingReads(() => file.readRows(w.q, [9, 3])),
      2 * 6,
    );
    assertEquals(await countingReads(() => file.readRows(w.a, [0])), 12);
  } finally {
    file.close();
  }
});
