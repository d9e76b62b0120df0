/**
 * The report on every weights format and on awkward files: a real tfjs model
 * (face-api's quantised manifests), hand-written tfjs model.json files
 * (LayersModel and GraphModel, uint8/uint16/float16 quantised, a weight
 * across two shards), a Hugging Face sharded checkpoint, bfloat16; --out that
 * would clobber weights (also through a symlink or a hard link to a shard), a
 * FIFO, a full disk (a file-size limit), a huge sparse tensor, 20,000 tiny
 * tensors, names with escape sequences on a terminal and on the page.
 *
 * @module
 */
import {
  reportCommand as cli,
  runReport,
  type RunResult as Run,
  showRun,
} from "../_subprocess.ts";
import {
  assert,
  assertAlmostEquals,
  assertEquals,
  assertLess,
  assertMatch,
  assertNotMatch,
  assertStringIncludes,
} from "@std/assert";
import { join } from "node:path";
import { withTempDir } from "../_scoped.ts";
import { tf } from "../../lib/tf.ts";
import { saveSafetensors } from "../../lib/io/safetensors.ts";
import { openWeights } from "../../lib/io/load_weights.ts";
import { reportWeights } from "../../cli/report/main.ts";
import { faceApiModels } from "../_face_api.ts";
import {
  f32Bytes,
  stateDictPickle,
  tensorPickle,
  zipArchive,
} from "../io/_torch_helpers.ts";

const show = showRun;

function assertOneLine(run: Run, includes: string): void {
  assertEquals(run.code, 2, show(run));
  const lines = run.stderr.split("\n").filter((l) => l.trim());
  assertEquals(lines.length, 1, show(run));
  assertStringIncludes(lines[0], includes, show(run));
}

async function small(path: string, names = ["w"]): Promise<void> {
  const ts = names.map((_, i) => tf.randomNormal([16, 8], 0, 1, "float32", i));
  try {
    await saveSafetensors(path, new Map(names.map((n, i) => [n, ts[i]])));
  } finally {
    tf.dispose(ts);
  }
}

/** A tensor of a hand-written safetensors file. */
interface RawTensor {
  name: string;
  dtype: string;
  shape: number[];
  bytes: Uint8Array;
}

/**
 * Writes a safetensors file by hand (any dtype), its data `dataBytes` long
 * when given: then only the header is written and the file is extended
 * (sparse: zeros read back).
 */
async function writeRaw(
  path: string,
  tensors: RawTensor[],
  dataBytes?: number,
): Promise<void> {
  const header: Record<string, unknown> = {};
  let offset = 0;
  for (const t of tensors) {
    const n = dataBytes ?? t.bytes.length;
    header[t.name] = {
      dtype: t.dtype,
      shape: t.shape,
      data_offsets: [offset, offset + n],
    };
    offset += n;
  }
  const json = new TextEncoder().encode(JSON.stringify(header));
  const data = dataBytes === undefined ? offset : 0;
  const bytes = new Uint8Array(8 + json.length + data);
  new DataView(bytes.buffer).setBigUint64(0, BigInt(json.length), true);
  bytes.set(json, 8);
  let at = 8 + json.length;
  if (dataBytes === undefined) {
    for (const t of tensors) {
      bytes.set(t.bytes, at);
      at += t.bytes.length;
    }
  }
  await Deno.writeFile(path, bytes);
  if (dataBytes !== undefined) {
    await Deno.truncate(path, 8 + json.length + dataBytes);
  }
}

/** Deterministic pseudo-random bytes. */
function noiseBytes(n: number, seed: number): Uint8Array {
  const out = new Uint8Array(n);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < n; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = x & 0xff;
  }
  return out;
}

/** Float16 bit patterns of values of magnitude in [2⁻⁵, 1), random signs. */
function halfBytes(n: number, seed: number): Uint8Array {
  const raw = noiseBytes(2 * n, seed);
  const view = new DataView(raw.buffer);
  for (let i = 0; i < n; i++) {
    const r = view.getUint16(2 * i, true);
    const exponent = 10 + (r % 5);
    view.setUint16(2 * i, (r & 0x8000) | (exponent << 10) | (r & 0x3ff), true);
  }
  return raw;
}

/** The HTML of one tensor's section. */
function sectionOf(html: string, name: string): string {
  const start = html.indexOf(`<section id="t-${encodeURIComponent(name)}"`);
  assert(start >= 0, `no section for ${name}`);
  // Its title and notes: the text before its figure.
  return html.slice(start, html.indexOf("<svg", start));
}

/** The row of a tensor in the small tensors' table. */
function smallRow(html: string, name: string): string {
  const start = html.indexOf(`<tr id="t-${encodeURIComponent(name)}"`);
  assert(start >= 0, `no row for ${name}`);
  return html.slice(start, html.indexOf("</tr>", start));
}

/** Temporary files the report may have left in `dir`. */
function leftovers(dir: string): string[] {
  return [...Deno.readDirSync(dir)].map((e) => e.name)
    .filter((n) => n.startsWith(".report-"));
}

Deno.test("report of a real tfjs model: face-api's uint8-quantised manifest reads naturally, with its quantisation", async () => {
  const manifests = await faceApiModels();
  const manifest = manifests.find((m) => m.includes("age_gender"))!;
  await withTempDir(async (dir) => {
    const out = join(dir, "page.html");
    const run = await runReport([manifest, "--out", out]);
    assertEquals(run.code, 0, show(run));
    const html = await Deno.readTextFile(out);
    assertStringIncludes(html, "(a tfjs weights manifest)");
    assertMatch(
      html,
      /Quantised: the tfjs converter stored these weights as uint8 \(value = q × scale \+ min, scale [\d.e-]+, min [-\d.e]+\), so they lie on a grid of 256 levels/,
    );
    assertStringIncludes(html, "<h2>Summary");
    assertStringIncludes(html, "Vectors, scalars and small tensors");
    // Small tensors are rows of the table: a float32 bias as it is, the
    // quantised fc/age/weights [512, 1] (one column) with its grid step.
    assertStringIncludes(
      smallRow(html, "fc/age/bias"),
      '<td class="dt">float32</td>',
    );
    assertMatch(
      smallRow(html, "fc/age/weights"),
      /\[512, 1\]<\/td><td class="dt">float32 ← uint8<\/td>.*on a grid of step 0\.00\d+</,
    );
    // Depthwise kernels [3, 3, C, 1] are [9, C] matrices: sections.
    sectionOf(
      html,
      "entry_flow/reduction_block_0/separable_conv0/depthwise_filter",
    );
    assertStringIncludes(html, "A dtype such as float32 ← uint8 means");
    assert(!run.stderr.includes("\x1b"), "an escape reached the terminal");
  });
});

Deno.test("report of hand-written tfjs model.json files (LayersModel, GraphModel): quantisation shown per weight, a weight across two shards", async () => {
  await withTempDir(async (dir) => {
    // A LayersModel: a uint8 kernel (512 B), a float32 bias (64 B), a float16
    // kernel (512 B), in two shards cut inside the bias.
    const kernel = noiseBytes(32 * 16, 1);
    const bias = new Uint8Array(
      new Float32Array(16).map((_, i) => i / 10).buffer,
    );
    const half = halfBytes(16 * 16, 2);
    const all = new Uint8Array([...kernel, ...bias, ...half]);
    await Deno.writeFile(join(dir, "group1-shard1of2.bin"), all.slice(0, 540));
    await Deno.writeFile(join(dir, "group1-shard2of2.bin"), all.slice(540));
    await Deno.writeTextFile(
      join(dir, "model.json"),
      JSON.stringify({
        format: "layers-model",
        modelTopology: { class_name: "Sequential", config: { layers: [] } },
        weightsManifest: [{
          paths: ["group1-shard1of2.bin", "group1-shard2of2.bin"],
          weights: [
            {
              name: "dense/kernel",
              shape: [32, 16],
              dtype: "float32",
              quantization: { dtype: "uint8", scale: 0.01, min: -1.28 },
            },
            { name: "dense/bias", shape: [16], dtype: "float32" },
            {
              name: "dense_1/kernel",
              shape: [16, 16],
              dtype: "float32",
              quantization: { dtype: "float16" },
            },
          ],
        }],
      }),
    );
    // A GraphModel: a uint16-quantised convolution kernel.
    const graph = join(dir, "graph");
    await Deno.mkdir(graph);
    await Deno.writeFile(
      join(graph, "weights.bin"),
      noiseBytes(2 * 3 * 3 * 8 * 16, 3),
    );
    await Deno.writeTextFile(
      join(graph, "model.json"),
      JSON.stringify({
        format: "graph-model",
        modelTopology: { node: [] },
        weightsManifest: [{
          paths: ["weights.bin"],
          weights: [{
            name: "Conv/weights",
            shape: [3, 3, 8, 16],
            dtype: "float32",
            quantization: { dtype: "uint16", scale: 1e-4, min: -3.2768 },
          }],
        }],
      }),
    );
    const [layers, graphRun] = await Promise.all([
      runReport([join(dir, "model.json"), "--out", join(dir, "layers.html")]),
      runReport([join(graph, "model.json"), "--out", join(dir, "graph.html")]),
    ]);
    assertEquals(layers.code, 0, show(layers));
    assertEquals(graphRun.code, 0, show(graphRun));
    const html = await Deno.readTextFile(join(dir, "layers.html"));
    assertStringIncludes(html, "(a tfjs LayersModel)");
    assertStringIncludes(
      sectionOf(html, "dense/kernel"),
      "stored these weights as uint8 (value = q × scale + min, scale 0.01, min -1.28), so they lie on a grid of 256 levels 0.01 apart",
    );
    // The rounding noise's std, 0.01/√12, against the weights' std.
    const share = sectionOf(html, "dense/kernel").match(
      /std step\/√12 = 0\.002887, ([\d.]+)% of the weights&#39; std/,
    );
    assert(share, sectionOf(html, "dense/kernel").slice(0, 2000));
    const q = Array.from(kernel, (b) => b * 0.01 - 1.28);
    const m = q.reduce((a, b) => a + b, 0) / q.length;
    const std = Math.sqrt(q.reduce((a, b) => a + (b - m) ** 2, 0) / q.length);
    assertAlmostEquals(
      Number(share[1]),
      (100 * 0.01) / Math.sqrt(12) / std,
      0.01,
    );
    assertStringIncludes(
      sectionOf(html, "dense_1/kernel"),
      "Stored as float16 by the tfjs converter: about 3 significant digits",
    );
    assertStringIncludes(smallRow(html, "dense/bias"), "[16]");
    assertStringIncludes(smallRow(html, "dense/bias"), ">1.5<");
    const g = await Deno.readTextFile(join(dir, "graph.html"));
    assertStringIncludes(g, "(a tfjs GraphModel)");
    assertStringIncludes(
      sectionOf(g, "Conv/weights"),
      "as uint16 (value = q × scale + min, scale 1e-4, min -3.277), so they lie on a grid of 65536 levels",
    );
  });
});

/**
 * Reports `path` in this process, figures of at most `maxSide`: the report
 * and its sections, as made; every tensor the report made is disposed.
 */
async function reportInProcess(
  path: string,
  maxSide: number,
): Promise<
  { r: Awaited<ReturnType<typeof reportWeights>>; sections: string[] }
> {
  const before = tf.memory().numTensors;
  const file = await openWeights(path);
  const sections: string[] = [];
  const r = await reportWeights(file, {
    maxSide,
    section: (html) => Promise.resolve(void sections.push(html)),
    progress: false,
  }).finally(() => file.close());
  assertEquals(tf.memory().numTensors, before, "a tensor was not disposed");
  return { r, sections };
}

Deno.test("reportWeights in process: sections in file order as they are made, small tensors apart, every tensor disposed", async () => {
  await withTempDir(async (dir) => {
    const path = join(dir, "m.safetensors");
    const names = ["a.weight", "a.bias", "b.weight", "scale", "c.weight"];
    const shapes = [[48, 32], [32], [32, 40], [], [3, 3, 8, 16]];
    const ts = shapes.map((shape, i) =>
      tf.randomNormal(shape, 0, 1, "float32", 30 + i)
    );
    try {
      await saveSafetensors(path, new Map(names.map((n, i) => [n, ts[i]])));
    } finally {
      tf.dispose(ts);
    }
    const { r, sections } = await reportInProcess(path, 4096);
    assertEquals(r.format, "safetensors");
    assertEquals(r.entries.map((e) => e.name), [
      "a.weight",
      "b.weight",
      "c.weight",
    ]);
    assertEquals(r.small.map((e) => e.name), ["a.bias", "scale"]);
    assert(r.entries.every((e) => e.svg === null), "a figure was kept");
    assertEquals(sections.length, 3);
    assertMatch(sections[0], /^<section id="t-a\.weight">/);
    assertMatch(sections[2], /^<section id="t-c\.weight">/);
  });
});

Deno.test("report of a Hugging Face sharded checkpoint and of bfloat16 safetensors", async () => {
  await withTempDir(async (dir) => {
    const a = tf.randomNormal([40, 24], 0, 1, "float32", 7);
    const b = tf.randomNormal([24], 0, 1, "float32", 8);
    const c = tf.randomNormal([24, 40], 0, 1, "float32", 9);
    try {
      await saveSafetensors(
        join(dir, "model-00001-of-00002.safetensors"),
        new Map([["layer.0.weight", a], ["layer.0.bias", b]]),
      );
      await saveSafetensors(
        join(dir, "model-00002-of-00002.safetensors"),
        new Map([["layer.1.weight", c]]),
      );
    } finally {
      tf.dispose([a, b, c]);
    }
    const index = join(dir, "model.safetensors.index.json");
    await Deno.writeTextFile(
      index,
      JSON.stringify({
        metadata: {},
        weight_map: {
          "layer.0.weight": "model-00001-of-00002.safetensors",
          "layer.0.bias": "model-00001-of-00002.safetensors",
          "layer.1.weight": "model-00002-of-00002.safetensors",
        },
      }),
    );
    // bfloat16: float32 bit patterns rounded to their top halves (to
    // nearest, ties to even, as PyTorch converts). sin(1.7(32i + j)) =
    // sin(aᵢ + bⱼ) is a rank-2 matrix.
    const f32 = new Float32Array(32 * 32).map((_, i) => Math.sin(i * 1.7));
    const top = new Uint16Array(f32.length);
    const bits = new Uint32Array(f32.buffer);
    for (let i = 0; i < f32.length; i++) {
      const b = bits[i];
      top[i] = (b + 0x7fff + ((b >>> 16) & 1)) >>> 16;
    }
    const bf16 = join(dir, "bf16.safetensors");
    await writeRaw(bf16, [{
      name: "w",
      dtype: "BF16",
      shape: [32, 32],
      bytes: new Uint8Array(top.buffer),
    }]);
    const [sharded, half] = await Promise.all([
      runReport([index, "--out", join(dir, "sharded.html")]),
      runReport([bf16, "--out", join(dir, "bf16.html")]),
    ]);
    assertEquals(sharded.code, 0, show(sharded));
    assertEquals(half.code, 0, show(half));
    const html = await Deno.readTextFile(join(dir, "sharded.html"));
    assertStringIncludes(
      html,
      "(a Hugging Face sharded safetensors checkpoint)",
    );
    sectionOf(html, "layer.0.weight");
    sectionOf(html, "layer.1.weight");
    smallRow(html, "layer.0.bias");
    const bf16Section = sectionOf(
      await Deno.readTextFile(join(dir, "bf16.html")),
      "w",
    );
    assertStringIncludes(
      bf16Section,
      "Stored as bfloat16: about 2 significant digits",
    );
    // Its rank counts only what stands above bfloat16's rounding: 2, not 32.
    assertStringIncludes(bf16Section, "low-rank: 32×32: rank 2 of 32");
  });
});

Deno.test("report of a PyTorch checkpoint (pytorch_model.bin): bfloat16 read with its rounding floor, a tied transpose, a bias apart", async () => {
  await withTempDir(async (dir) => {
    // sin(1.7(32i + j)) = sin(aᵢ + bⱼ): rank 2, stored as bfloat16 (rounded
    // to nearest even), and a random float32 matrix with its transpose as a
    // second view of the same storage, as tied weights are saved.
    const f32 = new Float32Array(32 * 32).map((_, i) => Math.sin(i * 1.7));
    const bits = new Uint32Array(f32.buffer);
    const top = Uint16Array.from(
      bits,
      (b) => (b + 0x7fff + ((b >>> 16) & 1)) >>> 16,
    );
    const random = tf.randomNormal([40, 24], 0, 1, "float32", 11);
    const values = await random.data();
    random.dispose();
    const pickle = stateDictPickle([
      [
        "h.0.attn.weight",
        tensorPickle("0", 1024, 0, [32, 32], [32, 1], "BFloat16Storage"),
      ],
      ["h.0.mlp.weight", tensorPickle("1", 960, 0, [40, 24], [24, 1])],
      ["lm_head.weight", tensorPickle("1", 960, 0, [24, 40], [1, 24])],
      ["h.0.mlp.bias", tensorPickle("2", 3, 0, [3], [1])],
    ]);
    const path = join(dir, "pytorch_model.bin");
    await Deno.writeFile(
      path,
      zipArchive([
        { name: "pytorch_model/data.pkl", data: pickle },
        { name: "pytorch_model/data/0", data: new Uint8Array(top.buffer) },
        { name: "pytorch_model/data/1", data: new Uint8Array(values.buffer) },
        { name: "pytorch_model/data/2", data: f32Bytes([1, 2, 3]) },
      ]),
    );
    const out = join(dir, "torch.html");
    const run = await runReport([path, "--out", out]);
    assertEquals(run.code, 0, show(run));
    const html = await Deno.readTextFile(out);
    assertStringIncludes(html, "(a PyTorch checkpoint)");
    const attn = sectionOf(html, "h.0.attn.weight");
    assertStringIncludes(
      attn,
      "Stored as bfloat16: about 2 significant digits",
    );
    assertStringIncludes(attn, "low-rank: 32×32: rank 2 of 32");
    sectionOf(html, "h.0.mlp.weight");
    sectionOf(html, "lm_head.weight");
    smallRow(html, "h.0.mlp.bias");
  });
});

Deno.test("report of a numpy .npz (Flax-style names, compressed): a Gaussian kernel in Fortran order reads random-like, a float16 rank-3 kernel low-rank", async () => {
  await withTempDir(async (dir) => {
    const out = join(dir, "npz.html");
    const run = await runReport([
      join(import.meta.dirname!, "..", "io", "fixtures", "numpy", "mlp.npz"),
      "--out",
      out,
    ]);
    assertEquals(run.code, 0, show(run));
    const html = await Deno.readTextFile(out);
    assertStringIncludes(html, "(a numpy archive of arrays)");
    sectionOf(html, "params/Dense_0/kernel");
    assertStringIncludes(html, "64×32: random-like");
    const low = sectionOf(html, "params/Dense_1/kernel");
    assertStringIncludes(low, "Stored as float16");
    assertStringIncludes(low, "low-rank: 48×32: rank 3 of 32");
    smallRow(html, "params/Dense_0/bias");
  });
});

Deno.test("report of a Keras 2 HDF5 weights file: the format named, a conv kernel's section, small weights in the table", async () => {
  await withTempDir(async (dir) => {
    const out = join(dir, "h5.html");
    const run = await runReport([
      join(import.meta.dirname!, "..", "io", "fixtures", "hdf5", "keras2.h5"),
      "--out",
      out,
    ]);
    assertEquals(run.code, 0, show(run));
    const html = await Deno.readTextFile(out);
    assertStringIncludes(html, "(an HDF5 (Keras) weights file)");
    sectionOf(html, "conv2d/conv2d/kernel:0");
    smallRow(html, "dense/dense/bias:0");
    smallRow(html, "optimizer_weights/iter:0");
  });
});

Deno.test("report --out: a weights extension, the input, a shard, through a symlink or a hard link, is refused before anything is written", async () => {
  await withTempDir(async (dir) => {
    const input = join(dir, "model.safetensors");
    await small(input);
    const before = await Deno.readFile(input);
    const link = join(dir, "page.html");
    await Deno.symlink(input, link);
    const hard = join(dir, "hard.html");
    await Deno.link(input, hard);
    // A sharded checkpoint whose shard a symlink points at.
    const shard = join(dir, "shard-1.safetensors");
    await small(shard, ["s"]);
    const index = join(dir, "model.safetensors.index.json");
    await Deno.writeTextFile(
      index,
      JSON.stringify({ weight_map: { s: "shard-1.safetensors" } }),
    );
    const shardLink = join(dir, "shard.html");
    await Deno.symlink(shard, shardLink);
    const shardBefore = await Deno.readFile(shard);
    const runs = await Promise.all([
      runReport([input, "--out", input]),
      runReport(["--out", join(dir, "model.safetensors")]),
      runReport([input, "--out", link]),
      runReport([input, "--out", join(dir, "weights.BIN")]),
    ]);
    assertOneLine(runs[0], "weights extension");
    assertOneLine(runs[1], "weights extension");
    assertOneLine(runs[2], "would be overwritten");
    assertOneLine(runs[3], "weights extension");
    const more = await Promise.all([
      runReport([input, "--out", hard]),
      runReport([index, "--out", shardLink]),
      runReport([index, "--out", join(dir, "out.json")]),
    ]);
    assertOneLine(more[0], "would be overwritten");
    assertOneLine(more[1], "would be overwritten");
    assertOneLine(more[2], "weights extension");
    assertEquals(await Deno.readFile(input), before, "the weights are intact");
    assertEquals(
      await Deno.readFile(shard),
      shardBefore,
      "the shard is intact",
    );
    const left = [...Deno.readDirSync(dir)].map((e) => e.name).sort();
    assertEquals(left, [
      "hard.html",
      "model.safetensors",
      "model.safetensors.index.json",
      "page.html",
      "shard-1.safetensors",
      "shard.html",
    ], "nothing written, no temporary file");
  });
});

Deno.test("report: a FIFO, a folder and an unsupported file are refused in one line, without blocking", async () => {
  await withTempDir(async (dir) => {
    const fifo = join(dir, "pipe");
    assert(
      (await new Deno.Command("mkfifo", { args: [fifo] }).output()).success,
    );
    const text = join(dir, "notes.txt");
    await Deno.writeTextFile(text, "hello");
    const out = join(dir, "r.html");
    // Killed after 60 s: opening a FIFO would block until then.
    const runs = await Promise.all([
      runReport([fifo, "--out", out], { timeoutMs: 60_000 }),
      runReport([dir, "--out", out], { timeoutMs: 60_000 }),
      runReport([text, "--out", out], { timeoutMs: 60_000 }),
    ]);
    assertOneLine(runs[0], "a FIFO");
    assertOneLine(runs[1], "a directory");
    assertOneLine(runs[2], "the formats read are");
    for (
      const format of [
        "safetensors",
        "model.safetensors.index.json",
        "model.json",
        "weights_manifest.json",
      ]
    ) assertStringIncludes(runs[2].stderr, format);
    assertEquals(leftovers(dir), []);
    assert(!(await exists(out)), "a page was written");
  });
});

async function exists(path: string): Promise<boolean> {
  try {
    await Deno.lstat(path);
    return true;
  } catch {
    return false;
  }
}

Deno.test("report on a full disk (a file-size limit): the previous page stays whole, no temporary file is left", async () => {
  await withTempDir(async (dir) => {
    const input = join(dir, "w.safetensors");
    await small(input, ["a", "b", "c", "d", "e", "f"]);
    const out = join(dir, "report.html");
    const good = await runReport([input, "--out", out]);
    assertEquals(good.code, 0, show(good));
    const page = await Deno.readTextFile(out);
    const size = new TextEncoder().encode(page).length;
    const sections = new TextEncoder().encode(
      (page.match(/<section[\s\S]*?<\/section>\n/g) ?? []).join(""),
    ).length;
    // ulimit -f counts 1024-byte blocks. The first limit stops the sections'
    // temporary file; the second lets it through and stops the page's.
    const blocks = [
      Math.floor(sections / 2 / 1024),
      Math.floor(size / 1024),
    ];
    assertLess(sections, blocks[1] * 1024, "the limits test both files");
    for (const n of blocks) {
      // SIGXFSZ ignored from the start (an ignored signal stays ignored
      // across exec): Deno's own cache writes at start-up (its SQLite WAL is
      // shared with the other Deno processes of the suite and may already be
      // past the limit) then fail quietly instead of killing the process
      // before the report's own SIGXFSZ listener is installed.
      const full = await runReport([input, "--out", out], {
        shell: `trap '' XFSZ; ulimit -f ${n}`,
      });
      assertEquals(full.code, 2, show(full));
      assertMatch(
        full.stderr,
        new RegExp(`\nreport: cannot write ${out}: File too large[^\n]*\n$`),
        show(full),
      );
      assertEquals(
        await Deno.readTextFile(out),
        page,
        "the old page is intact",
      );
      assertEquals(leftovers(dir), [], `ulimit -f ${n}`);
    }
  });
});

Deno.test("report interrupted (SIGINT) while writing: the previous page stays whole, no temporary file is left", async () => {
  const manifests = await faceApiModels();
  const input = manifests.find((m) => m.includes("ssd_mobilenetv1"))!;
  await withTempDir(async (dir) => {
    const out = join(dir, "report.html");
    await Deno.writeTextFile(out, "the previous page");
    const deno = cli([input, "--out", out]);
    const child = new Deno.Command(deno[0], {
      args: deno.slice(1),
      env: { NO_COLOR: "1" },
      stdin: "null",
      stdout: "null",
      stderr: "piped",
      signal: AbortSignal.timeout(300_000),
    }).spawn();
    // Once its sections' temporary file exists, it is writing.
    const t0 = performance.now();
    while (leftovers(dir).length === 0) {
      assertLess(performance.now() - t0, 120_000, "no temporary file came");
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    child.kill("SIGINT");
    const { code, stderr } = await child.output();
    const text = new TextDecoder().decode(stderr);
    assertEquals(code, 130, text);
    assertStringIncludes(text, `report: interrupted: ${out} left as it was`);
    assertEquals(await Deno.readTextFile(out), "the previous page");
    assertEquals(leftovers(dir), []);
  });
});

Deno.test("report: names with escape sequences never reach the terminal (progress bar, errors) and are escaped on the page", async () => {
  await withTempDir(async (dir) => {
    const input = join(dir, "w.safetensors");
    const evil = "\x1b]0;pwned\x07\x1b[31mred\u202egnp.exe<b>";
    await small(input, [evil, "b", "c", "d", "e"]);
    const run = await runReport([input, "--out", join(dir, "r.html")]);
    assertEquals(run.code, 0, show(run));
    // deno-lint-ignore no-control-regex
    assertNotMatch(run.stderr, /[\x00-\x08\x0b-\x1f\x7f\u202e]/);
    const html = await Deno.readTextFile(join(dir, "r.html"));
    assert(!html.includes("\x1b"), "an escape reached the page");
    assert(!html.includes("<b>"), "markup reached the page");
    // A malformed file whose error names the tensor.
    const bad = join(dir, "bad.safetensors");
    await writeRaw(bad, [{
      name: evil,
      dtype: "F32",
      shape: [4, 4],
      bytes: new Uint8Array(60),
    }]);
    const badRun = await runReport([bad, "--out", join(dir, "r2.html")]);
    assertEquals(badRun.code, 2, show(badRun));
    // deno-lint-ignore no-control-regex
    assertNotMatch(badRun.stderr, /[\x00-\x08\x0b-\x1f\x7f\u202e]/);
    // On a terminal (script(1) gives one): the progress bar shows the names.
    const script = await new Deno.Command("script", {
      args: [
        "-qec",
        cli([input, "--out", join(dir, "r3.html")]).map((a) =>
          `'${a.replaceAll("'", `'\\''`)}'`
        ).join(" "),
        "/dev/null",
      ],
      env: { NO_COLOR: "1" },
      stdin: "null",
      stdout: "piped",
      stderr: "piped",
      signal: AbortSignal.timeout(300_000),
    }).output().catch(() => null);
    if (script === null) {
      console.warn("script(1) is missing: the terminal case is not tested");
      return;
    }
    const tty = new TextDecoder().decode(script.stdout);
    assert(script.success, tty);
    assertStringIncludes(tty, "[##############################] 5/5");
    assertStringIncludes(tty, "?]0;pwned??[31mred?gnp.exe<b>");
    // Only the bar's carriage returns and the terminal's line ends remain.
    // deno-lint-ignore no-control-regex
    assertNotMatch(tty, /[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\u202e]/);
  });
});

/** The peak resident memory of this process, in bytes (Linux), or null. */
function peakRss(): number | null {
  try {
    const m = Deno.readTextFileSync("/proc/self/status").match(
      /VmHWM:\s+(\d+) kB/,
    );
    return m ? Number(m[1]) * 1024 : null;
  } catch {
    return null;
  }
}

Deno.test({
  name:
    "report of a huge sparse tensor (F32 46340 × 46340, 8 GiB): sampled from the file, named, bounded memory, every tensor disposed, the backend keeps working",
  sanitizeResources: false,
  fn: async () => {
    await withTempDir(async (dir) => {
      const n = 46340;
      const input = join(dir, "huge.safetensors");
      await writeRaw(input, [{
        name: "huge.kernel",
        dtype: "F32",
        shape: [n, n],
        bytes: new Uint8Array(0),
      }], n * n * 4);
      // The CLI, with its default --max-side (4096).
      const out = join(dir, "r.html");
      const t0 = performance.now();
      const run = await runReport([input, "--out", out]);
      const seconds = (performance.now() - t0) / 1000;
      assertEquals(run.code, 0, show(run));
      assertLess(seconds, 240, "sampling reads only the sampled rows");
      const html = await Deno.readTextFile(out);
      assertStringIncludes(sectionOf(html, "huge.kernel"), "[46340, 46340]");
      assertMatch(
        sectionOf(html, "huge.kernel"),
        /Sampled: 46340 × 46340 \(2147395600 values\) is more than the \w+ backend can load \(\d+ values\), so the histogram and spectrum are of 4096 rows × 4096 columns sampled without replacement/,
      );
      assertStringIncludes(html, "all zero");
      // In this process: nothing left on the backend, memory bounded, the
      // backend still works.
      const { r, sections } = await reportInProcess(input, 512);
      assertEquals(r.entries.map((e) => e.name), ["huge.kernel"]);
      assertStringIncludes(sections[0], "512 rows × 512 columns");
      const peak = peakRss();
      if (peak !== null) assertLess(peak, 3 * 2 ** 30, "the tensor was held");
      const ones = tf.ones([2]);
      const x = ones.sum();
      assertEquals((await x.data())[0], 2);
      tf.dispose([ones, x]);
      console.log(
        `huge sparse tensor: CLI ${
          seconds.toFixed(1)
        } s; peak RSS of the test process ${
          peak === null ? "?" : (peak / 2 ** 20).toFixed(0)
        } MiB`,
      );
    });
  },
});

Deno.test("report of 20,000 tiny tensors: one table, under 60 s and 20 MB", async () => {
  await withTempDir(async (dir) => {
    const input = join(dir, "tiny.safetensors");
    const count = 20_000;
    // Written by hand: 20,000 F32 tensors of shape [3].
    const data = new Float32Array(3 * count).map((_, i) => Math.sin(i));
    const bytes = new Uint8Array(data.buffer);
    await writeRaw(
      input,
      Array.from({ length: count }, (_, i) => ({
        name: `layer${i}.bias`,
        dtype: "F32",
        shape: [3],
        bytes: bytes.subarray(12 * i, 12 * (i + 1)),
      })),
    );
    const out = join(dir, "r.html");
    const t0 = performance.now();
    // Killed past 10 minutes: a hang fails instead of stalling the suite.
    const run = await runReport([input, "--out", out], { timeoutMs: 600_000 });
    const seconds = (performance.now() - t0) / 1000;
    assertEquals(run.code, 0, show(run));
    assertLess(seconds, 60);
    const size = (await Deno.stat(out)).size;
    assertLess(size, 20e6);
    const html = await Deno.readTextFile(out);
    assertEquals(html.match(/<section/g)?.length ?? 0, 0);
    assertEquals(html.match(/<tr id="t-layer\d+\.bias">/g)?.length, count);
    assertStringIncludes(html, "20000 tensors of rank &lt; 2");
    // layer7.bias holds sin(21), sin(22), sin(23).
    const v = [21, 22, 23].map((i) => Math.fround(Math.sin(i)));
    const mean = (v[0] + v[1] + v[2]) / 3;
    assertStringIncludes(
      smallRow(html, "layer7.bias"),
      `<td class="num">${+mean.toPrecision(4)}</td>`,
    );
    console.log(
      `20,000 tiny tensors: ${seconds.toFixed(1)} s, ${
        (size / 1e6).toFixed(1)
      } MB of HTML`,
    );
  });
});

Deno.test("report of a uint8-quantised model: rank counts only singular values above the rounding floor (face-api's fc: rank 81 of 128, low-rank)", async () => {
  const manifests = await faceApiModels();
  const manifest = manifests.find((m) => m.includes("face_recognition"))!;
  const { r } = await reportInProcess(manifest, 4096);
  const fc = r.entries.find((e) => e.name === "fc")!;
  assertEquals(fc.stats.verdict, "low-rank");
  assertStringIncludes(fc.stats.summary ?? "", "rank 81 of 128");
  assertStringIncludes(
    fc.storage ?? "",
    "the rank counts only singular values above the rounding's norm",
  );
  // A float32 layer of the same model keeps float32's own tolerance.
  const float = r.entries.find((e) => e.name.startsWith("conv64_down/conv1"))!;
  assertEquals(float.storage, null);
});
