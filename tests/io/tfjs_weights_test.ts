/**
 * The tfjs formats through `loadWeights`/`openWeights`: a LayersModel saved
 * by tfjs itself, quantised shards (uint8, uint16, float16) against an
 * independent reference and against tfjs's own decoder, a GraphModel, weights
 * that span shards, the real face-api models, and bad manifests.
 *
 * @module
 */
import {
  assert,
  assertEquals,
  assertRejects,
  assertStringIncludes,
} from "@std/assert";
import { join } from "node:path";
import { tf } from "../../lib/tf.ts";
import { loadWeights, openWeights } from "../../lib/io/load_weights.ts";
import { faceApiModels, faceApiWeights } from "../_face_api.ts";
import { fdsUnder } from "./_helpers.ts";
import { convDense } from "./_tfjs_helpers.ts";
import { withTempDir } from "../_scoped.ts";

/** A small Keras-style model: conv2d "conv" → flatten → dense "head". */
function smallModel(): tf.LayersModel {
  return convDense([8, 8, 3], 4, 5, [
    tf.initializers.glorotUniform({ seed: 1 }),
    tf.initializers.randomNormal({ seed: 2 }),
    tf.initializers.glorotNormal({ seed: 3 }),
    tf.initializers.randomNormal({ seed: 4 }),
  ], ["conv", "head"]);
}

/** Saves a model as tfjs does in files: model.json and shards of `shardBytes`. */
async function saveModel(
  model: tf.LayersModel,
  dir: string,
  shardBytes = 1 << 22,
): Promise<void> {
  await model.save(tf.io.withSaveHandler(async (artifacts) => {
    const data = new Uint8Array(artifacts.weightData as ArrayBuffer);
    const paths: string[] = [];
    for (let at = 0, i = 0; at < data.length; at += shardBytes, i++) {
      const name = `group1-shard${i + 1}.bin`;
      await Deno.writeFile(join(dir, name), data.subarray(at, at + shardBytes));
      paths.push(name);
    }
    await Deno.writeTextFile(
      join(dir, "model.json"),
      JSON.stringify({
        format: "layers-model",
        generatedBy: "tfjs",
        modelTopology: artifacts.modelTopology,
        weightsManifest: [{ paths, weights: artifacts.weightSpecs }],
      }),
    );
    return {
      modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: "JSON" },
    };
  }));
}

Deno.test("a LayersModel saved by tfjs loads back exactly, by its weights' names, in shards that split weights", async () => {
  const model = smallModel();
  await withTempDir(async (dir) => {
    // 100-byte shards: most weights span two or more.
    await saveModel(model, dir, 100);
    const before = tf.memory().numTensors;
    const loaded = await loadWeights(join(dir, "model.json"));
    assertEquals(loaded.format, "tfjs-layers-model");
    assertEquals(
      [...loaded.keys()],
      model.weights.map((w) => w.originalName),
    );
    for (const w of model.weights) {
      const got = loaded.get(w.originalName)!;
      assertEquals(got.shape, w.shape);
      assertEquals(await got.data(), await w.read().data(), w.originalName);
      assertEquals(loaded.quantization(w.originalName), null);
    }
    tf.dispose([...loaded.values()]);
    assertEquals(tf.memory().numTensors, before);
    // tfjs itself reads the same files the same way.
    const file = await openWeights(join(dir, "model.json"));
    const kernel = file.weights.find((w) => w.name === "conv/kernel")!;
    const rows = await file.readRows(kernel, [0, 5, 26]);
    const all = await model.weights[0].read().data();
    const cols = kernel.shape.at(-1)!;
    [0, 5, 26].forEach((r, i) => {
      for (let j = 0; j < cols; j++) {
        assertEquals(rows[i * cols + j], all[r * cols + j]);
      }
    });
    file.close();
  });
  model.dispose();
});

/** Quantises float32 values as the tfjs converter does: scale = (max − min)/(2^bits − 1), q = round((v − min)/scale). */
function quantise(values: Float32Array, bits: 8 | 16) {
  let min = Infinity;
  let max = -Infinity;
  for (const v of values) {
    min = Math.min(min, v);
    max = Math.max(max, v);
  }
  const scale = (max - min) / (2 ** bits - 1);
  const q = values.map((v) => Math.round((v - min) / scale));
  return {
    q: bits === 8 ? Uint8Array.from(q) : Uint16Array.from(q),
    scale,
    min,
  };
}

/** IEEE half precision, round to nearest even (finite values in range). */
function toHalf(v: number): number {
  const f = new Float32Array([v]);
  const x = new Uint32Array(f.buffer)[0];
  const sign = (x >>> 16) & 0x8000;
  const e = ((x >>> 23) & 0xff) - 127 + 15;
  let m = x & 0x7fffff;
  if (e <= 0) {
    m = (m | 0x800000) >>> (1 - e + 13);
    return sign | m;
  }
  const half = sign | (e << 10) | (m >>> 13);
  const rest = m & 0x1fff;
  return rest > 0x1000 || (rest === 0x1000 && (half & 1)) ? half + 1 : half;
}

Deno.test("quantised shards (uint8, uint16, float16) decode as q·scale + min in float32 and as tfjs decodes them", async () => {
  await withTempDir(async (dir) => {
    const values = Float32Array.from(
      { length: 60 },
      (_, i) => Math.sin(i * 0.7) * 0.3 + 0.01 * i,
    );
    const u8 = quantise(values, 8);
    const u16 = quantise(values, 16);
    const halves = Uint16Array.from(values, toHalf);
    const parts = [
      new Uint8Array(u8.q.buffer),
      new Uint8Array(u16.q.buffer),
      new Uint8Array(halves.buffer),
    ];
    const bytes = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
    let at = 0;
    for (const p of parts) {
      bytes.set(p, at);
      at += p.length;
    }
    await Deno.writeFile(join(dir, "w.bin"), bytes);
    const specs = [
      {
        name: "a/kernel",
        shape: [6, 10],
        dtype: "float32" as const,
        quantization: { dtype: "uint8" as const, scale: u8.scale, min: u8.min },
      },
      {
        name: "b/kernel",
        shape: [6, 10],
        dtype: "float32" as const,
        quantization: {
          dtype: "uint16" as const,
          scale: u16.scale,
          min: u16.min,
        },
      },
      {
        name: "c/kernel",
        shape: [6, 10],
        dtype: "float32" as const,
        quantization: { dtype: "float16" as const },
      },
    ];
    await Deno.writeTextFile(
      join(dir, "q-weights_manifest.json"),
      JSON.stringify([{ paths: ["w.bin"], weights: specs }]),
    );
    const loaded = await loadWeights(join(dir, "q-weights_manifest.json"));
    // The reference, written here: affine in double, rounded once to float32.
    const affine = (q: ArrayLike<number>, s: number, m: number) =>
      Float32Array.from(q, (v) => v * s + m);
    const expected = [
      affine(u8.q, u8.scale, u8.min),
      affine(u16.q, u16.scale, u16.min),
    ];
    assertEquals(await loaded.get("a/kernel")!.data(), expected[0]);
    assertEquals(await loaded.get("b/kernel")!.data(), expected[1]);
    const c = await loaded.get("c/kernel")!.data();
    for (let i = 0; i < values.length; i++) {
      // float16 keeps 11 significant bits.
      assert(Math.abs(c[i] - values[i]) <= Math.abs(values[i]) * 2 ** -11);
    }
    // tfjs's own decoder agrees bit for bit.
    const theirs = tf.io.decodeWeights(bytes.buffer, specs);
    for (const spec of specs) {
      assertEquals(
        await loaded.get(spec.name)!.data(),
        await theirs[spec.name].data(),
        spec.name,
      );
    }
    assertEquals(loaded.quantization("a/kernel"), specs[0].quantization);
    assertEquals(loaded.stored.get("c/kernel")?.storedDtype, "float16");
    tf.dispose([...loaded.values(), ...Object.values(theirs)]);
  });
});

Deno.test("a GraphModel's model.json: weights by node name, int32 kept", async () => {
  await withTempDir(async (dir) => {
    const kernel = Float32Array.from({ length: 12 }, (_, i) => i - 5.5);
    const shape = Int32Array.from([2, 3]);
    const bytes = new Uint8Array(kernel.byteLength + shape.byteLength);
    bytes.set(new Uint8Array(kernel.buffer), 0);
    bytes.set(new Uint8Array(shape.buffer), kernel.byteLength);
    await Deno.writeFile(join(dir, "g.bin"), bytes);
    await Deno.writeTextFile(
      join(dir, "model.json"),
      JSON.stringify({
        format: "graph-model",
        modelTopology: {
          node: [{
            name: "StatefulPartitionedCall/dense/MatMul/ReadVariableOp",
            op: "Const",
          }],
        },
        weightsManifest: [{
          paths: ["g.bin"],
          weights: [
            {
              name: "StatefulPartitionedCall/dense/MatMul/ReadVariableOp",
              shape: [4, 3],
              dtype: "float32",
            },
            { name: "Reshape/shape", shape: [2], dtype: "int32" },
          ],
        }],
      }),
    );
    const loaded = await loadWeights(join(dir, "model.json"));
    assertEquals(loaded.format, "tfjs-graph-model");
    assertEquals(
      await loaded.get("StatefulPartitionedCall/dense/MatMul/ReadVariableOp")!
        .data(),
      kernel,
    );
    const s = loaded.get("Reshape/shape")!;
    assertEquals(s.dtype, "int32");
    assertEquals(await s.data(), shape);
    tf.dispose([...loaded.values()]);
  });
});

Deno.test("face-api: every manifest loads, every weight equals the reference decoding, rows read alone", async () => {
  const reference = await faceApiWeights();
  const byName = new Map(reference.map((r) => [`${r.model}|${r.name}`, r]));
  let quantised = 0;
  let checked = 0;
  for (const manifest of await faceApiModels()) {
    const model = manifest.split("/").pop()!.replace(
      /(-weights_manifest)?\.json$/,
      "",
    );
    const file = await openWeights(manifest);
    try {
      for (const w of file.weights) {
        const ref = byName.get(`${model}|${w.name}`);
        assert(ref, `${model} ${w.name}`);
        assertEquals([...w.shape], ref.shape);
        if (w.quantization) quantised++;
        assertEquals(w.quantization, ref.quantization, w.name);
        const t = await file.read(w);
        const got = await t.data();
        t.dispose();
        assertEquals(Float32Array.from(got), ref.values, `${model} ${w.name}`);
        if (w.shape.length >= 2) {
          const cols = w.shape.at(-1)!;
          const rows = ref.values.length / cols;
          const pick = [0, Math.floor(rows / 2), rows - 1];
          const r = await file.readRows(w, pick);
          pick.forEach((row, i) => {
            assertEquals(
              Float32Array.from(r.subarray(i * cols, (i + 1) * cols)),
              ref.values.subarray(row * cols, (row + 1) * cols),
            );
          });
        }
        checked++;
      }
    } finally {
      file.close();
    }
  }
  assert(checked >= 300, `${checked} weights`);
  assert(quantised > 0, "face-api ships uint8-quantised weights");
});

Deno.test("bad manifests: each an error naming the file and the problem; no file left open", async () => {
  await withTempDir(async (dir) => {
    await Deno.writeFile(join(dir, "w.bin"), new Uint8Array(16));
    const manifest = (weights: unknown, paths: unknown = ["w.bin"]) =>
      JSON.stringify([{ paths, weights }]);
    const cases: [string, string, string][] = [
      [
        "missing.json",
        manifest([{ name: "a", shape: [2], dtype: "float32" }], ["nope.bin"]),
        "nope.bin",
      ],
      [
        "short.json",
        manifest([{ name: "a", shape: [5], dtype: "float32" }]),
        "shards end at 16",
      ],
      ["escape.json", manifest([], ["../w.bin"]), 'contains ".."'],
      [
        "dtype.json",
        manifest([{ name: "s", shape: [1], dtype: "string" }]),
        'unsupported dtype "string"',
      ],
      [
        "dup.json",
        manifest([{ name: "a", shape: [1], dtype: "float32" }, {
          name: "a",
          shape: [1],
          dtype: "float32",
        }]),
        'duplicate weight name "a"',
      ],
      [
        "shape.json",
        manifest([{ name: "a", shape: [-1], dtype: "float32" }]),
        "shape must be a list of non-negative integers, found [-1]",
      ],
      [
        "quant.json",
        manifest([{
          name: "a",
          shape: [2],
          dtype: "float32",
          quantization: { dtype: "uint4" },
        }]),
        "uint4",
      ],
    ];
    const fds = fdsUnder(dir);
    for (const [name, text, includes] of cases) {
      await Deno.writeTextFile(join(dir, name), text);
      const error = await assertRejects(() => loadWeights(join(dir, name)));
      assertStringIncludes((error as Error).message, join(dir, name));
      assertStringIncludes((error as Error).message, includes, name);
    }
    await Deno.writeTextFile(join(dir, "broken.json"), "[{");
    await assertRejects(
      () => loadWeights(join(dir, "broken.json")),
      Error,
      "not valid JSON",
    );
    assertEquals(fdsUnder(dir), fds);
  });
});
