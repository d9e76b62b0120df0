/**
 * Hugging Face sharded checkpoints (`model.safetensors.index.json` and its
 * shards) through `openWeights`/`loadWeights`.
 *
 * @module
 */
import { assertEquals, assertRejects } from "@std/assert";
import { join } from "node:path";
import { tf } from "../../lib/tf.ts";
import { loadWeights, openWeights } from "../../lib/io/load_weights.ts";
import { saveSafetensors } from "../../lib/io/safetensors.ts";
import { withTempDir } from "../_scoped.ts";

/** Three shards of two tensors each, and their index. */
async function checkpoint(dir: string): Promise<Map<string, Float32Array>> {
  const values = new Map<string, Float32Array>();
  const map: Record<string, string> = {};
  for (let s = 0; s < 3; s++) {
    const shard = `model-0000${s + 1}-of-00003.safetensors`;
    const tensors = new Map<string, tf.Tensor>();
    for (const part of ["q", "k"]) {
      const name = `layers.${s}.attn.${part}.weight`;
      const t = tf.randomNormal([6, 4], 0, 1, "float32", 10 * s + part.length);
      values.set(name, await t.data() as Float32Array);
      tensors.set(name, t);
      map[name] = shard;
    }
    await saveSafetensors(join(dir, shard), tensors);
    tf.dispose([...tensors.values()]);
  }
  await Deno.writeTextFile(
    join(dir, "model.safetensors.index.json"),
    JSON.stringify({ metadata: { total_size: 576 }, weight_map: map }),
  );
  return values;
}

Deno.test("a 3-shard checkpoint loads by its index: every tensor, in shard order, rows read alone", async () => {
  await withTempDir(async (dir) => {
    const values = await checkpoint(dir);
    const index = join(dir, "model.safetensors.index.json");
    const loaded = await loadWeights(index);
    assertEquals(loaded.format, "safetensors-sharded");
    assertEquals([...loaded.keys()].sort(), [...values.keys()].sort());
    for (const [name, v] of values) {
      assertEquals(await loaded.get(name)!.data(), v, name);
    }
    tf.dispose([...loaded.values()]);
    const file = await openWeights(index);
    const w = file.weights.find((x) => x.name === "layers.2.attn.k.weight")!;
    assertEquals(w.file, join(dir, "model-00003-of-00003.safetensors"));
    const rows = await file.readRows(w, [1, 5]);
    const v = values.get(w.name)!;
    assertEquals(
      Float32Array.from(rows),
      Float32Array.from([...v.subarray(4, 8), ...v.subarray(20, 24)]),
    );
    file.close();
  });
});

Deno.test("sharded checkpoints: a missing shard, a tensor the index and shards disagree on, a path outside the folder", async () => {
  await withTempDir(async (dir) => {
    await checkpoint(dir);
    const index = join(dir, "model.safetensors.index.json");
    const json = JSON.parse(await Deno.readTextFile(index));
    const write = async (name: string, map: Record<string, string>) => {
      await Deno.writeTextFile(
        join(dir, name),
        JSON.stringify({ weight_map: map }),
      );
      return join(dir, name);
    };
    const map = json.weight_map as Record<string, string>;
    const cases: [Record<string, string>, string][] = [
      [
        { ...map, "x.weight": "model-00009-of-00009.safetensors" },
        "model-00009-of-00009",
      ],
      [
        { ...map, "x.weight": map["layers.0.attn.q.weight"] },
        "which has no such tensor",
      ],
      [
        Object.fromEntries(
          Object.entries(map).filter(([k]) => k !== "layers.1.attn.k.weight"),
        ),
        'the index does not list: "layers.1.attn.k.weight"',
      ],
      [
        { "a": "../elsewhere.safetensors" },
        "shards must be inside the index's folder",
      ],
    ];
    for (const [i, [m, message]] of cases.entries()) {
      await assertRejects(
        async () => await loadWeights(await write(`bad${i}.index.json`, m)),
        Error,
        message,
      );
    }
  });
});
