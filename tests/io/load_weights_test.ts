/**
 * `loadWeights`, `iterateWeights` and `openWeights`: every format found by
 * its content, whatever the file is called; an unsupported file named with
 * the formats read; non-regular files refused before they are opened; a
 * tensor too large for the backend refused before anything is allocated.
 *
 * The formats' own details (headers, shards, dequantisation) are tested in
 * safetensors_*_test.ts and tfjs_test.ts.
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
import { join } from "node:path";
import {
  iterateWeights,
  loadWeights,
  openWeights,
  tensorLimit,
  UnsupportedFormatError,
  WeightMap,
} from "../../lib/io/load_weights.ts";
import { saveSafetensors } from "../../lib/io/safetensors.ts";
import { tf } from "../../lib/tf.ts";
import { buildFile, entry, fdsUnder } from "./_helpers.ts";
import { withTempDir } from "../_scoped.ts";

/** Open file descriptors of this process. */

/** A tfjs weights manifest with a float32 weight and a uint8-quantised one, in one shard. */
async function writeManifest(dir: string, name: string): Promise<{
  kernel: Float32Array;
  q: Uint8Array;
  scale: number;
  min: number;
}> {
  const kernel = Float32Array.from({ length: 12 }, (_, i) => i / 4 - 1);
  const q = Uint8Array.from({ length: 6 }, (_, i) => i * 40);
  const scale = 0.01;
  const min = -0.5;
  const bytes = new Uint8Array(kernel.byteLength + q.length);
  bytes.set(new Uint8Array(kernel.buffer), 0);
  bytes.set(q, kernel.byteLength);
  await Deno.writeFile(join(dir, "group1-shard1of1.bin"), bytes);
  await Deno.writeTextFile(
    join(dir, name),
    JSON.stringify([{
      paths: ["group1-shard1of1.bin"],
      weights: [
        { name: "dense/kernel", shape: [4, 3], dtype: "float32" },
        {
          name: "dense/bias",
          shape: [6],
          dtype: "float32",
          quantization: { dtype: "uint8", scale, min },
        },
      ],
    }]),
  );
  return { kernel, q, scale, min };
}

Deno.test("openWeights finds the format by content: safetensors under any name, an index, a model.json, a manifest", async () => {
  await withTempDir(async (dir) => {
    const a = tf.tensor2d([[1, 2], [3, 4]]);
    const b = tf.tensor1d([5, 6, 7]);
    // A safetensors file called .bin is still safetensors.
    await saveSafetensors(join(dir, "weights.bin"), new Map([["a", a]]));
    await saveSafetensors(
      join(dir, "model-00001-of-00002.safetensors"),
      new Map([["a", a]]),
    );
    await saveSafetensors(
      join(dir, "model-00002-of-00002.safetensors"),
      new Map([["b", b]]),
    );
    tf.dispose([a, b]);
    await Deno.writeTextFile(
      join(dir, "index.json"),
      JSON.stringify({
        metadata: { total_size: 28 },
        weight_map: {
          a: "model-00001-of-00002.safetensors",
          b: "model-00002-of-00002.safetensors",
        },
      }),
    );
    await writeManifest(dir, "weights_manifest.json");
    const manifest = JSON.parse(
      await Deno.readTextFile(join(dir, "weights_manifest.json")),
    );
    await Deno.writeTextFile(
      join(dir, "model.json"),
      JSON.stringify({
        format: "layers-model",
        modelTopology: {
          class_name: "Sequential",
          config: { name: "s", layers: [] },
        },
        weightsManifest: manifest,
      }),
    );
    const cases: [string, string, string[]][] = [
      ["weights.bin", "safetensors", ["a"]],
      ["index.json", "safetensors-sharded", ["a", "b"]],
      ["weights_manifest.json", "tfjs-weights-manifest", [
        "dense/kernel",
        "dense/bias",
      ]],
      ["model.json", "tfjs-layers-model", ["dense/kernel", "dense/bias"]],
    ];
    for (const [file, format, names] of cases) {
      const opened = await openWeights(join(dir, file));
      assertEquals(opened.format, format, file);
      assertEquals(opened.weights.map((w) => w.name), names, file);
      opened.close();
      const before = tf.memory().numTensors;
      const loaded = await loadWeights(join(dir, file));
      assertInstanceOf(loaded, WeightMap);
      assertEquals(loaded.format, format);
      assertEquals([...loaded.keys()], names, file);
      assertEquals(tf.memory().numTensors, before + names.length);
      tf.dispose([...loaded.values()]);
    }
  });
});

Deno.test("loadWeights dequantises tfjs weights as q·scale + min in float32 and keeps the quantisation", async () => {
  await withTempDir(async (dir) => {
    const { kernel, q, scale, min } = await writeManifest(
      dir,
      "m-weights_manifest.json",
    );
    const loaded = await loadWeights(join(dir, "m-weights_manifest.json"));
    assertEquals(await loaded.get("dense/kernel")!.data(), kernel);
    const expected = Float32Array.from(q, (v) => Math.fround(v * scale + min));
    assertEquals(await loaded.get("dense/bias")!.data(), expected);
    assertEquals(loaded.quantization("dense/kernel"), null);
    assertEquals(loaded.quantization("dense/bias"), {
      dtype: "uint8",
      scale,
      min,
    });
    assertEquals(loaded.stored.get("dense/bias")?.storedDtype, "uint8");
    tf.dispose([...loaded.values()]);
  });
});

Deno.test("an unsupported file names the formats read; non-regular files are refused before opening", async () => {
  await withTempDir(async (dir) => {
    const text = join(dir, "notes.txt");
    await Deno.writeTextFile(text, "not weights");
    const error = await assertRejects(
      () => loadWeights(text),
      UnsupportedFormatError,
    );
    for (const format of ["safetensors", "model.json", "weights_manifest"]) {
      assertStringIncludes(error.message, format);
    }
    const json = join(dir, "config.json");
    await Deno.writeTextFile(json, '{"hidden_size": 768}');
    await assertRejects(
      () => openWeights(json),
      UnsupportedFormatError,
      "weight_map",
    );
    const empty = join(dir, "empty.safetensors");
    await Deno.writeFile(empty, new Uint8Array());
    await assertRejects(
      () => openWeights(empty),
      UnsupportedFormatError,
      "empty",
    );
    await assertRejects(() => openWeights(dir), Error, "a directory");
    const fifo = join(dir, "pipe");
    const made = await new Deno.Command("mkfifo", { args: [fifo] }).output();
    assert(made.success, "mkfifo");
    // Opening a FIFO for reading would block until a writer comes: the
    // refusal must come first. A timeout turns a regression into a failure.
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error("blocked on a FIFO")), 5000);
    });
    try {
      await assertRejects(
        () => Promise.race([loadWeights(fifo), timeout]),
        Error,
        "a FIFO",
      );
    } finally {
      clearTimeout(timer);
    }
  });
});

Deno.test("a tensor past the backend's limit is refused before anything is allocated, naming the file, the tensor and the limit", async () => {
  await withTempDir(async (dir) => {
    // One F32 46340×46340 tensor (8.6 GB), as a sparse file: only the header
    // is written.
    const n = 46340;
    const bytes = n * n * 4;
    const header = buildFile({ big: entry("F32", [n, n], 0, bytes) });
    const path = join(dir, "huge.safetensors");
    await Deno.writeFile(path, header);
    await Deno.truncate(path, header.length + bytes);
    const before = tf.memory().numTensors;
    const error = await assertRejects(() => loadWeights(path), RangeError);
    assertStringIncludes(error.message, path);
    assertStringIncludes(error.message, '"big"');
    assertStringIncludes(error.message, String(tensorLimit()));
    assertEquals(tf.memory().numTensors, before);
    // The backend keeps working.
    const ones = tf.ones([3, 3]);
    const x = ones.sum();
    assertEquals((await x.data())[0], 9);
    tf.dispose([ones, x]);
    // A smaller limit applies to small files too; iterateWeights checks
    // every size before yielding the first.
    const small = join(dir, "small.safetensors");
    const w = tf.ones([10, 10]);
    const v = tf.ones([2]);
    await saveSafetensors(small, new Map([["v", v], ["w", w]]));
    tf.dispose([w, v]);
    // The message names the caller's limit, not the backend's.
    const given = await assertRejects(
      () => loadWeights(small, { maxElements: 50 }),
      RangeError,
      "has 100 elements, more than options.maxElements (50)",
    );
    assert(!given.message.includes("backend"), given.message);
    const it = iterateWeights(small, { maxElements: 50 });
    await assertRejects(() => it.next(), RangeError, '"w"');
    assertEquals(tf.memory().numTensors, before);
    await assertRejects(
      () => loadWeights(small, { maxElements: 0 }),
      RangeError,
      "maxElements",
    );
    await assertRejects(
      // @ts-expect-error: an unknown option
      () => loadWeights(small, { maxElement: 5 }),
      TypeError,
      "maxElements",
    );
  });
});

Deno.test("tensorLimit by backend", () => {
  assertEquals(tensorLimit("wasm"), 2 ** 28);
  assertEquals(tensorLimit("cpu"), 2 ** 30);
  assert(tensorLimit() >= 2 ** 25);
});

Deno.test("iterateWeights yields [name, tensor, stored] in file order and closes its file on break", async () => {
  await withTempDir(async (dir) => {
    const path = join(dir, "w.safetensors");
    const ts = [tf.ones([2, 2]), tf.zeros([3]), tf.fill([2], 7)];
    await saveSafetensors(
      path,
      new Map([["a", ts[0]], ["b", ts[1]], ["c", ts[2]]]),
    );
    tf.dispose(ts);
    const fds = fdsUnder(dir);
    const seen: string[] = [];
    for await (const [name, t, stored] of iterateWeights(path)) {
      seen.push(`${name}:${stored.storedDtype}`);
      t.dispose();
      if (name === "b") break;
    }
    assertEquals(seen, ["a:F32", "b:F32"]);
    assertEquals(fdsUnder(dir), fds, "the file is closed after break");
  });
});

Deno.test("a dropped iterateWeights closes its file when collected", async () => {
  // In a subprocess with --expose-gc: tests here run in parallel.
  await withTempDir(async (dir) => {
    const path = join(dir, "w.safetensors");
    const ts = [tf.ones([2, 2]), tf.zeros([3])];
    await saveSafetensors(path, new Map([["a", ts[0]], ["b", ts[1]]]));
    tf.dispose(ts);
    const script = join(dir, "drop.ts");
    const module = new URL("../../lib/io/load_weights.ts", import.meta.url)
      .href;
    await Deno.writeTextFile(
      script,
      `import { iterateWeights } from ${JSON.stringify(module)};
const fds = () =>
  [...Deno.readDirSync("/proc/self/fd")].filter((e) => {
    try {
      return Deno.readLinkSync(\`/proc/self/fd/\${e.name}\`) === ${
        JSON.stringify(path)
      };
    } catch {
      return false;
    }
  }).length;
const before = fds();
await (async () => {
  const it = iterateWeights(${JSON.stringify(path)});
  const first = await it.next();
  first.value![1].dispose();
})();
const open = fds();
for (let i = 0; i < 200 && fds() > before; i++) {
  (globalThis as unknown as { gc(): void }).gc();
  await new Promise((r) => setTimeout(r, 20));
}
console.log(JSON.stringify({ before, open, after: fds() }));
`,
    );
    const out = await new Deno.Command(Deno.execPath(), {
      args: [
        "run",
        "-A",
        "--config",
        new URL("../../deno.json", import.meta.url).pathname,
        "--v8-flags=--expose-gc",
        script,
      ],
      cwd: new URL("../..", import.meta.url).pathname,
      stdout: "piped",
      stderr: "piped",
    }).output();
    const text = new TextDecoder().decode(out.stdout);
    assert(out.success, new TextDecoder().decode(out.stderr));
    const { before, open, after } = JSON.parse(text.trim().split("\n").pop()!);
    assertEquals(open, before + 1, "the unfinished iterator holds its file");
    assertEquals(after, before, "collected, it closed its file");
  });
});
