/**
 * Safetensors files as WeightFiles: one file (openSafetensorsWeights) and a
 * Hugging Face sharded checkpoint (openShardedSafetensors): order, values,
 * rows, lazy opening, every disagreement between index and shards, and a
 * Python reader written to the specification.
 */
import {
  assertEquals,
  assertInstanceOf,
  assertRejects,
  assertStringIncludes,
} from "@std/assert";
import { join } from "node:path";
import { openWeights, tf } from "../../mod.ts";
import { SafetensorsError, saveSafetensors } from "../../lib/io/safetensors.ts";
import {
  matrixOf,
  openSafetensorsWeights,
  openShardedSafetensors,
} from "../../lib/io/_safetensors_file.ts";
import type { StoredWeight } from "../../lib/io/_weight_file.ts";
import { HAVE_NUMPY } from "../_python.ts";
import {
  bitsOf,
  countingReads,
  descriptorTest,
  fdsOn,
  FIXTURES,
  HAVE_PROC,
  readExpected,
  runPython,
} from "./_helpers.ts";
import { withTempDir } from "../_scoped.ts";

const PY_SHARDED = join(import.meta.dirname!, "read_sharded_safetensors.py");

const S1 = "model-00001-of-00003.safetensors";
const S2 = "model-00002-of-00003.safetensors";
const S3 = "model-00003-of-00003.safetensors";

/** float32 values with signed zeros, a subnormal, ±Infinity and a NaN. */
function awkward(n: number, seed: number): Float32Array {
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = Math.sin(seed * 31 + i * 1.7) * 100;
  const special = [0, -0, 1e-45, Infinity, -Infinity, NaN];
  for (let i = 0; i < special.length && i < n; i++) {
    out[(i * 5 + seed) % n] = special[i];
  }
  return out;
}

/** The tensors of each shard, in their data order. */
function shardTensors(): Record<string, Map<string, tf.Tensor>> {
  return {
    [S1]: new Map<string, tf.Tensor>([
      ["embed.weight", tf.tensor(awkward(24, 1), [6, 4])],
      ["layers.0.w", tf.tensor(awkward(24, 2), [2, 3, 4])],
      ["step", tf.scalar(41, "int32")],
    ]),
    [S2]: new Map<string, tf.Tensor>([
      ["layers.1.w", tf.tensor(awkward(5, 3), [5])],
      [
        "mask",
        tf.tensor([true, false, true, false, false, true], [2, 3], "bool"),
      ],
      [
        "counts",
        tf.tensor([-2147483648, 2147483647, 0, -1, 7, 8], [3, 2], "int32"),
      ],
    ]),
    [S3]: new Map<string, tf.Tensor>([
      ["head.weight", tf.tensor(awkward(24, 4), [4, 6])],
      ["head.bias", tf.tensor(awkward(4, 5), [4])],
      ["empty", tf.zeros([0, 3])],
    ]),
  };
}

/** The index's weight_map, in an order unlike the data's. */
const WEIGHT_MAP: Record<string, string> = {
  "mask": S2,
  "head.bias": S3,
  "embed.weight": S1,
  "layers.1.w": S2,
  "step": S1,
  "head.weight": S3,
  "counts": S2,
  "layers.0.w": S1,
  "empty": S3,
};

/** Shard by shard as they first appear in WEIGHT_MAP, each in data order. */
const ORDER = [
  "layers.1.w",
  "mask",
  "counts",
  "head.weight",
  "head.bias",
  "empty",
  "embed.weight",
  "layers.0.w",
  "step",
];

/** Writes the 3-shard checkpoint; returns the index path and the tensors. */
async function writeCheckpoint(
  dir: string,
): Promise<{ index: string; tensors: Map<string, tf.Tensor> }> {
  const shards = shardTensors();
  const tensors = new Map<string, tf.Tensor>();
  for (const [shard, map] of Object.entries(shards)) {
    await saveSafetensors(join(dir, shard), map, { format: "pt" });
    for (const [name, t] of map) tensors.set(name, t);
  }
  const index = join(dir, "model.safetensors.index.json");
  await writeIndex(index, WEIGHT_MAP);
  return { index, tensors };
}

async function writeIndex(
  index: string,
  weightMap: Record<string, unknown>,
): Promise<void> {
  await Deno.writeTextFile(
    index,
    JSON.stringify(
      { metadata: { total_size: 1234 }, weight_map: weightMap },
      null,
      2,
    ),
  );
}

/** The expected rows of `t` seen as [rows, last axis], by tf.slice. */
async function sliceRows(
  t: tf.Tensor,
  rows: readonly number[],
): Promise<Float64Array> {
  const [count, cols] = matrixOf(t.shape);
  const out = new Float64Array(rows.length * cols);
  for (let i = 0; i < rows.length; i++) {
    const row = tf.tidy(() =>
      t.reshape([count, cols]).slice([rows[i], 0], [1, cols])
    );
    out.set(await row.data(), i * cols);
    row.dispose();
  }
  return out;
}

/** Row lists to try on a weight of `count` rows. */
function rowLists(count: number): number[][] {
  const all = Array.from({ length: count }, (_, i) => i);
  return [
    [],
    all,
    [...all].reverse(),
    count > 0 ? [count - 1, 0, count - 1, 0] : [],
    all.filter((r) => r % 2 === 1),
  ];
}

Deno.test("a 3-shard checkpoint opens shard by shard in index order, each in data order, and round-trips bit for bit", async () => {
  await withTempDir(async (dir) => {
    const { index, tensors } = await writeCheckpoint(dir);
    const before = tf.memory().numTensors;
    for (
      const json of [undefined, JSON.parse(await Deno.readTextFile(index))]
    ) {
      const file = await openShardedSafetensors(index, json);
      assertEquals(file.format, "safetensors-sharded");
      assertEquals(file.path, index);
      assertEquals(file.weights.map((w) => w.name), ORDER);
      for (const w of file.weights) {
        const original = tensors.get(w.name)!;
        assertEquals(w.shape, original.shape, w.name);
        assertEquals(w.dtype, original.dtype, w.name);
        assertEquals(
          w.storedDtype,
          ({ float32: "F32", int32: "I32", bool: "BOOL" } as Record<
            string,
            string
          >)[
            original.dtype
          ],
        );
        assertEquals(w.quantization, null);
        assertEquals(w.file, join(dir, WEIGHT_MAP[w.name]), w.name);
        assertEquals(
          w.byteLength,
          original.size * (original.dtype === "bool" ? 1 : 4),
        );
        const t = await file.read(w);
        assertEquals(t.dtype, original.dtype, w.name);
        assertEquals(t.shape, original.shape, w.name);
        assertEquals(await bitsOf(t), await bitsOf(original), w.name);
        t.dispose();
      }
      file.close();
      file.close(); // twice is fine
    }
    assertEquals(tf.memory().numTensors, before, "nothing leaks");
    tf.dispose([...tensors.values()]);
  });
});

Deno.test("readRows of every weight agrees with tf.slice, in any order, with repeats, for every rank", async () => {
  await withTempDir(async (dir) => {
    const { index, tensors } = await writeCheckpoint(dir);
    const file = await openShardedSafetensors(index);
    const before = tf.memory().numTensors;
    for (const w of file.weights) {
      const original = tensors.get(w.name)!;
      const [count] = matrixOf(w.shape);
      for (const rows of rowLists(count)) {
        const got = await file.readRows(w, rows);
        assertInstanceOf(got, Float64Array);
        assertEquals(got, await sliceRows(original, rows), `${w.name} ${rows}`);
      }
      const error = await assertRejects(
        () => file.readRows(w, [count]),
        RangeError,
        `an integer in [0, ${count}), received ${count}`,
      );
      assertStringIncludes(error.message, JSON.stringify(w.name));
    }
    assertEquals(tf.memory().numTensors, before, "readRows makes no tensor");
    await assertRejects(
      () => file.readRows(file.weights[0], [0.5]),
      RangeError,
      "readRows: rows[0] must be a row of",
    );
    await assertRejects(
      () => file.readRows(file.weights[0], "0" as unknown as number[]),
      TypeError,
      'readRows: rows must be an array of row indices, received "0"',
    );
    const stranger = { ...file.weights[0] } as StoredWeight;
    await assertRejects(
      () => file.read(stranger),
      TypeError,
      "read: weight must be an element of the weights of",
    );
    await assertRejects(
      () => file.readRows(stranger, [0]),
      TypeError,
      "readRows: weight must be an element of the weights of",
    );
    file.close();
    tf.dispose([...tensors.values()]);
  });
});

Deno.test("readRows reads only the rows' bytes, consecutive rows in one read", async () => {
  await withTempDir(async (dir) => {
    const big = tf.tensor(awkward(2048 * 256, 9), [2048, 256]);
    const small = tf.ones([3]);
    await saveSafetensors(join(dir, "a.safetensors"), { small });
    await saveSafetensors(join(dir, "b.safetensors"), { big });
    const index = join(dir, "index.json");
    await writeIndex(index, { small: "a.safetensors", big: "b.safetensors" });
    const file = await openShardedSafetensors(index);
    const weight = file.weights.find((w) => w.name === "big")!;
    let got!: Float64Array;
    const bytes = await countingReads(async () => {
      got = await file.readRows(weight, [7, 8, 1500]);
    });
    assertEquals(bytes, 3 * 256 * 4);
    assertEquals(got, await sliceRows(big, [7, 8, 1500]));
    file.close();
    tf.dispose([big, small]);
  });
});

descriptorTest(
  "shards are opened on first use, kept open, and all closed by close()",
  async (dir) => {
    const { index, tensors } = await writeCheckpoint(dir);
    const paths = [S1, S2, S3].map((s) => join(dir, s));
    const open = () => Promise.all(paths.map((p) => fdsOn(p)));
    const file = await openShardedSafetensors(index);
    assertEquals(await open(), [0, 0, 0], "headers read, shards closed");
    const head = file.weights.find((w) => w.name === "head.bias")!;
    const t = await file.read(head);
    t.dispose();
    assertEquals(await open(), [0, 0, 1]);
    await file.readRows(file.weights.find((w) => w.name === "step")!, [0]);
    await file.readRows(head, [0]);
    assertEquals(await open(), [1, 0, 1], "one descriptor per shard");
    // Concurrent reads of one shard share its descriptor, and stay right.
    const both = await Promise.all(
      ["embed.weight", "layers.0.w", "embed.weight"].map((n) =>
        file.read(file.weights.find((w) => w.name === n)!)
      ),
    );
    assertEquals(
      await bitsOf(both[0]),
      await bitsOf(tensors.get("embed.weight")!),
    );
    assertEquals(
      await bitsOf(both[1]),
      await bitsOf(tensors.get("layers.0.w")!),
    );
    tf.dispose(both);
    assertEquals(await open(), [1, 0, 1]);
    file.close();
    assertEquals(await open(), [0, 0, 0], "close() closes every shard");
    await assertRejects(
      () => file.read(head),
      SafetensorsError,
      "it was closed",
    );
    await assertRejects(
      () => file.readRows(head, [0]),
      SafetensorsError,
      "it was closed",
    );
    assertEquals(await open(), [0, 0, 0], "and none is reopened");

    // One file: open from the start until close().
    const single = await openSafetensorsWeights(paths[0]);
    assertEquals(await fdsOn(paths[0]), 1);
    single.close();
    assertEquals(await fdsOn(paths[0]), 0);
    tf.dispose([...tensors.values()]);
  },
);

Deno.test("a shard that changed after its header was read is an error, not a misread", async () => {
  await withTempDir(async (dir) => {
    const { index, tensors } = await writeCheckpoint(dir);
    const file = await openShardedSafetensors(index);
    const other = tf.ones([100]);
    await saveSafetensors(join(dir, S2), { other });
    await assertRejects(
      () => file.read(file.weights[0]),
      SafetensorsError,
      "it changed since its header was read",
    );
    file.close();
    tf.dispose([other, ...tensors.values()]);
  });
});

/** Opens `index`, expecting a SafetensorsError naming it and `includes`. */
async function refused(
  index: string,
  includes: string,
  json?: unknown,
): Promise<SafetensorsError> {
  const error = await assertRejects(
    () => openShardedSafetensors(index, json),
    SafetensorsError,
  );
  assertStringIncludes(error.message, JSON.stringify(index));
  assertStringIncludes(error.message, includes);
  return error;
}

Deno.test("every disagreement between the index and its shards is an error naming the index, the shard and the tensor", async () => {
  await withTempDir(async (dir) => {
    const { tensors } = await writeCheckpoint(dir);
    const before = tf.memory().numTensors;
    const fds = () => Promise.all([S1, S2, S3].map((s) => fdsOn(join(dir, s))));
    const bad = join(dir, "bad.index.json");

    // A shard that does not exist.
    await writeIndex(bad, {
      ...WEIGHT_MAP,
      "extra.w": "model-00004-of-00003.safetensors",
    });
    const missing = await refused(
      bad,
      'shard "model-00004-of-00003.safetensors" (of 1 tensor, the first "extra.w"): ',
    );
    assertStringIncludes(missing.message, "cannot open it");
    assertInstanceOf(missing.cause, SafetensorsError);
    assertInstanceOf(missing.cause.cause, Deno.errors.NotFound);

    // A mapped tensor that its shard does not hold.
    await writeIndex(bad, { ...WEIGHT_MAP, ghost: S1 });
    const ghost = await refused(
      bad,
      `tensor "ghost": the index maps it to shard "${S1}", which has no such tensor`,
    );
    assertEquals(ghost.tensor, "ghost");

    // A tensor mapped to the wrong shard.
    await writeIndex(bad, { ...WEIGHT_MAP, mask: S1 });
    await refused(
      bad,
      `tensor "mask": the index maps it to shard "${S1}", which has no such tensor (shard "${S2}" has it)`,
    );

    // A shard holding a tensor the index does not list.
    const { counts: _, ...withoutCounts } = WEIGHT_MAP;
    await writeIndex(bad, withoutCounts);
    const extra = await refused(
      bad,
      `shard "${S2}" holds 1 tensor that the index does not list: "counts"`,
    );
    assertEquals(extra.tensor, "counts");

    // A tensor in two shards.
    const mask = tf.tensor([true], [1], "bool");
    const other = tf.ones([2]);
    await saveSafetensors(join(dir, "s4.safetensors"), { mask, other });
    tf.dispose([mask, other]);
    await writeIndex(bad, { ...WEIGHT_MAP, other: "s4.safetensors" });
    await refused(
      bad,
      `tensor "mask": the tensor is in 2 shards, "${S2}" and "s4.safetensors"`,
    );

    // A name twice in the index: the strict parser sees it; JSON.parse keeps
    // the last, and then the shards disagree with it.
    const twiceInMap = JSON.stringify({ weight_map: WEIGHT_MAP }).replace(
      '"weight_map":{',
      `"weight_map":{"step":"${S2}",`,
    );
    await Deno.writeTextFile(bad, twiceInMap);
    await refused(bad, 'the key "step" appears twice in one object');
    // openWeights (and so loadWeights and the report) reads it just as
    // strictly: its format sniffing must not parse it leniently for it.
    const viaOpen = await assertRejects(
      () => openWeights(bad),
      SafetensorsError,
    );
    assertStringIncludes(
      viaOpen.message,
      'the key "step" appears twice in one object',
    );
    // With the parsed content given, the later "step" → S1 wins and is right.
    const parsed = JSON.parse(twiceInMap);
    (await openShardedSafetensors(bad, parsed)).close();
    const parsedWrong = JSON.parse(
      JSON.stringify({ weight_map: WEIGHT_MAP }).replace(
        `"step":"${S1}"`,
        `"step":"${S1}","step":"${S2}"`,
      ),
    );
    await refused(bad, '"step"', parsedWrong);

    if (HAVE_PROC) {
      assertEquals(await fds(), [0, 0, 0], "no shard is left open");
    }
    assertEquals(tf.memory().numTensors, before);
    tf.dispose([...tensors.values()]);
  });
});

Deno.test("shard names outside the index's folder are refused, even when the file is there", async () => {
  await withTempDir(async (base) => {
    const dir = join(base, "ckpt");
    await Deno.mkdir(join(dir, "sub"), { recursive: true });
    const w = tf.ones([2]);
    const outside = join(base, "outside.safetensors");
    await saveSafetensors(outside, { w });
    await saveSafetensors(join(dir, "sub", "inside.safetensors"), { w });
    w.dispose();
    const index = join(dir, "index.json");
    const cases: [string, string][] = [
      ["../outside.safetensors", 'has a ".." component'],
      ["sub/../../outside.safetensors", 'has a ".." component'],
      ["..\\outside.safetensors", 'has a ".." component'],
      [outside, "is an absolute path"],
      ["/etc/passwd", "is an absolute path"],
      ["C:\\model.safetensors", "is an absolute path"],
      ["a\u0000b", "NUL character"],
      ["", 'its shard must be a file name, found string ""'],
    ];
    for (const [shard, message] of cases) {
      await writeIndex(index, { w: shard });
      const error = await refused(index, message);
      assertEquals(error.tensor, "w");
    }
    // A subfolder inside is fine, however it is spelled.
    for (
      const shard of ["sub/inside.safetensors", "./sub//inside.safetensors"]
    ) {
      await writeIndex(index, { w: shard });
      const file = await openShardedSafetensors(index);
      assertEquals(
        file.weights[0].file,
        join(dir, "sub", "inside.safetensors"),
      );
      file.close();
    }
    // Two spellings of one shard are one shard.
    const a = tf.ones([1]);
    const b = tf.zeros([1]);
    await saveSafetensors(join(dir, "ab.safetensors"), { a, b });
    tf.dispose([a, b]);
    await writeIndex(index, { b: "./ab.safetensors", a: "ab.safetensors" });
    const file = await openShardedSafetensors(index);
    assertEquals(file.weights.map((x) => x.name), ["a", "b"]);
    file.close();
  });
});

Deno.test("a malformed index, or a malformed shard, is an error naming the index", async () => {
  await withTempDir(async (dir) => {
    const index = join(dir, "index.json");
    const cases: [string | Uint8Array, string][] = [
      [
        "[]",
        "the index must be a JSON object with a weight_map, found an array",
      ],
      ["3", "found number 3"],
      ["{}", "the index has no weight_map"],
      [
        '{"weight_map": []}',
        "weight_map must be an object of tensor name → shard file, found an array",
      ],
      ['{"weight_map": null}', "found null"],
      [
        '{"weight_map": {"w": 3}}',
        'tensor "w": its shard must be a file name, found number 3',
      ],
      ['{"weight_map": {"w": ', "the index is not valid JSON"],
      [new Uint8Array([0x7b, 0xff, 0x7d]), "the index is not valid UTF-8"],
    ];
    for (const [content, message] of cases) {
      if (typeof content === "string") await Deno.writeTextFile(index, content);
      else await Deno.writeFile(index, content);
      await refused(index, message);
    }
    await Deno.writeFile(
      join(dir, "bad.safetensors"),
      new Uint8Array([1, 2, 3]),
    );
    await writeIndex(index, { w: "bad.safetensors" });
    const error = await refused(
      index,
      `shard "bad.safetensors" (of 1 tensor, the first "w"): safetensors file "${
        join(dir, "bad.safetensors")
      }": the file is 3 bytes`,
    );
    assertInstanceOf(error.cause, SafetensorsError);
    await assertRejects(
      () => openShardedSafetensors(""),
      RangeError,
      'openShardedSafetensors: indexPath must be a non-empty string, received ""',
    );
    await assertRejects(
      () => openSafetensorsWeights(3 as unknown as string),
      TypeError,
      "openSafetensorsWeights: path must be a non-empty string, received 3",
    );
    // An empty weight_map is an empty checkpoint.
    await writeIndex(index, {});
    const empty = await openShardedSafetensors(index);
    assertEquals(empty.weights, []);
    empty.close();
  });
});

const EXPECTED = await readExpected();

/** A float64 array of numpy's values for rows of a fixture tensor. */
function expectedRows(
  want: { shape: number[]; bits?: string; values?: number[] },
  rows: readonly number[],
): Float64Array {
  const flat = want.bits !== undefined
    ? Array.from(
      new Float32Array(
        new Uint32Array(
          want.bits === ""
            ? []
            : want.bits.split(" ").map((h) => parseInt(h, 16)),
        ).buffer,
      ),
    )
    : want.values!;
  const [, cols] = matrixOf(want.shape);
  return Float64Array.from(
    rows.flatMap((r) => flat.slice(r * cols, (r + 1) * cols)),
  );
}

/** Float64 arrays as bit patterns, so NaN equals NaN and -0 differs from 0. */
function bits64(a: Float64Array): string {
  return Array.from(
    new BigUint64Array(a.buffer, a.byteOffset, a.length),
    (b) => b.toString(16),
  ).join(" ");
}

Deno.test("every dtype: read and readRows give the values of the independent Python writer (F16, BF16, F64, the ints, BOOL)", async () => {
  const before = tf.memory().numTensors;
  for (const [fixture, want] of Object.entries(EXPECTED)) {
    const file = await openSafetensorsWeights(join(FIXTURES, fixture));
    assertEquals(file.format, "safetensors");
    assertEquals(file.weights.map((w) => w.name), want.order, fixture);
    for (const w of file.weights) {
      const expected = want.tensors[w.name];
      const where = `${fixture}, ${w.name}`;
      assertEquals(w.dtype, expected.dtype, where);
      const t = await file.read(w);
      if (expected.bits !== undefined) {
        assertEquals(await bitsOf(t), expected.bits, where);
      } else {
        assertEquals(Array.from(await t.data()), expected.values, where);
      }
      t.dispose();
      const [count] = matrixOf(w.shape);
      for (const rows of rowLists(count)) {
        assertEquals(
          bits64(await file.readRows(w, rows)),
          bits64(expectedRows(expected, rows)),
          `${where}, rows ${rows}`,
        );
      }
    }
    file.close();
  }
  assertEquals(tf.memory().numTensors, before);
});

Deno.test("readRows refuses what the loader refuses: an I64 outside int32, named by its element", async () => {
  const path = join(FIXTURES, "i64_out_of_range.safetensors");
  const file = await openSafetensorsWeights(path);
  const big = file.weights.find((w) => w.name === "big")!;
  const loaderError = await assertRejects(
    () => file.read(big),
    SafetensorsError,
  );
  const rowsError = await assertRejects(
    () => file.readRows(big, [0]),
    SafetensorsError,
  );
  assertEquals(rowsError.message, loaderError.message);
  assertStringIncludes(rowsError.message, "I64 element 1 is 2147483648");
  assertEquals(rowsError.tensor, "big");
  const ok = file.weights.find((w) => w.name === "ok")!;
  assertEquals(await file.readRows(ok, [0]), new Float64Array([1, 2]));
  file.close();
});

Deno.test("a checkpoint of the Python writer's files as shards: every dtype, read and rows", async () => {
  await withTempDir(async (dir) => {
    const shards = [
      "f16.safetensors",
      "bf16.safetensors",
      "extra_ints.safetensors",
      "metadata.safetensors",
    ];
    const map: Record<string, string> = {};
    for (const shard of [...shards].reverse()) {
      await Deno.copyFile(join(FIXTURES, shard), join(dir, shard));
      for (const name of EXPECTED[shard].order) map[name] = shard;
    }
    const index = join(dir, "model.safetensors.index.json");
    await writeIndex(index, map);
    const file = await openShardedSafetensors(index);
    assertEquals(
      file.weights.map((w) => w.name),
      [...shards].reverse().flatMap((s) => EXPECTED[s].order),
    );
    for (const w of file.weights) {
      const shard = map[w.name];
      const expected = EXPECTED[shard].tensors[w.name];
      assertEquals(w.file, join(dir, shard));
      const [count] = matrixOf(w.shape);
      const all = Array.from({ length: count }, (_, i) => i);
      assertEquals(
        bits64(await file.readRows(w, all)),
        bits64(expectedRows(expected, all)),
        w.name,
      );
    }
    const stored = Object.fromEntries(
      file.weights.map((w) => [w.name, w.storedDtype]),
    );
    assertEquals(
      [stored.specials, stored.x, stored.i8, stored.u32, stored.mask],
      ["F16", "BF16", "I8", "U32", "BOOL"],
    );
    file.close();
  });
});

Deno.test({
  name:
    `the Python reader of the specification agrees on the checkpoint's order, dtypes and values${
      HAVE_NUMPY ? "" : " (ignored: python3 has no numpy)"
    }`,
  ignore: !HAVE_NUMPY,
  fn: () =>
    withTempDir(async (dir) => {
      const { index, tensors } = await writeCheckpoint(dir);
      const file = await openShardedSafetensors(index);
      const python: {
        tensors: {
          name: string;
          shard: string;
          dtype: string;
          shape: number[];
          bits?: string;
          values?: number[];
        }[];
      } = JSON.parse(await runPython([PY_SHARDED, index]));
      assertEquals(python.tensors.map((t) => t.name), ORDER);
      for (const [i, w] of file.weights.entries()) {
        const theirs = python.tensors[i];
        assertEquals(join(dir, theirs.shard), w.file, w.name);
        assertEquals(theirs.dtype, w.storedDtype, w.name);
        assertEquals(theirs.shape, w.shape, w.name);
        const t = await file.read(w);
        if (theirs.bits !== undefined) {
          assertEquals(await bitsOf(t), theirs.bits, w.name);
        } else {
          assertEquals(
            Array.from(await t.data(), Number),
            theirs.values,
            w.name,
          );
        }
        t.dispose();
        const [count] = matrixOf(w.shape);
        const rows = Array.from({ length: count }, (_, r) => count - 1 - r);
        assertEquals(
          bits64(await file.readRows(w, rows)),
          bits64(expectedRows(theirs, rows)),
          w.name,
        );
      }
      file.close();

      // The fixtures as shards: F16, BF16 and the ints, converted by numpy.
      const sub = join(dir, "fixtures");
      await Deno.mkdir(sub);
      const map: Record<string, string> = {};
      for (
        const shard of [
          "f16.safetensors",
          "bf16.safetensors",
          "extra_ints.safetensors",
        ]
      ) {
        await Deno.copyFile(join(FIXTURES, shard), join(sub, shard));
        for (const name of EXPECTED[shard].order) map[name] = shard;
      }
      const fixtureIndex = join(sub, "index.json");
      await writeIndex(fixtureIndex, map);
      const theirs = JSON.parse(await runPython([PY_SHARDED, fixtureIndex]));
      const ours = await openShardedSafetensors(fixtureIndex);
      for (const [i, w] of ours.weights.entries()) {
        const t = await ours.read(w);
        const want = theirs.tensors[i];
        assertEquals(want.name, w.name);
        if (want.bits !== undefined) {
          assertEquals(await bitsOf(t), want.bits, w.name);
        } else assertEquals(Array.from(await t.data()), want.values, w.name);
        t.dispose();
      }
      ours.close();

      // And it refuses what we refuse.
      const { counts: _, ...withoutCounts } = WEIGHT_MAP;
      await writeIndex(index, withoutCounts);
      await refused(index, '"counts"');
      const error = await assertRejects(() => runPython([PY_SHARDED, index]));
      assertStringIncludes((error as Error).message, "counts");
      await writeIndex(index, { ...WEIGHT_MAP, mask: S1 });
      await refused(index, '"mask"');
      await assertRejects(() => runPython([PY_SHARDED, index]));
      tf.dispose([...tensors.values()]);
    }),
});
