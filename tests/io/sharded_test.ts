import {
  assert,
  assertEquals,
  assertRejects,
  assertStrictEquals,
} from "@std/assert";
import { join } from "node:path";
import { tf } from "../../mod.ts";
import { openShardedSafetensors } from "../../lib/io/_sharded.ts";
import { saveSafetensors } from "../../lib/io/safetensors.ts";
import { SafetensorsError } from "../../lib/io/_types.ts";
import { bitsOf, withTempDir } from "./_helpers.ts";

const INDEX = "model.safetensors.index.json";
const S1 = "model-00001-of-00003.safetensors";
const S2 = "model-00002-of-00003.safetensors";
const S3 = "model-00003-of-00003.safetensors";

/** Open file descriptors of this process. */
function openFds(): number {
  return [...Deno.readDirSync("/proc/self/fd")].length;
}

/** The tensors of each shard, in the order they are written. */
function shardTensors(): Map<string, Map<string, tf.Tensor>> {
  return new Map([
    [
      S1,
      new Map<string, tf.Tensor>([
        [
          "embed.weight",
          tf.tensor([[1, 2, 3], [4, 5, 6], [7, 8, 9], [0, -1, -2]]),
        ],
        ["embed.bias", tf.tensor([0.5, -0.25, 1e-8])],
      ]),
    ],
    [
      S2,
      new Map<string, tf.Tensor>([
        ["layer.0.w", tf.tensor([[[1, 2], [3, 4]], [[5, 6], [7, 8]]])],
        ["layer.0.steps", tf.tensor([3, -7, 2147483647], [3], "int32")],
        ["layer.0.mask", tf.tensor([true, false, true], [3], "bool")],
      ]),
    ],
    [S3, new Map<string, tf.Tensor>([["head", tf.tensor([[Math.PI]])]])],
  ]);
}

/** A weight_map listing `head` first, so S3 is the first shard to appear. */
function weightMap(): Record<string, string> {
  return {
    "head": S3,
    "layer.0.steps": S2,
    "embed.bias": S1,
    "layer.0.w": S2,
    "embed.weight": S1,
    "layer.0.mask": S2,
  };
}

/** Writes the three shards and an index of `map` into `dir`. */
async function checkpoint(
  dir: string,
  map: unknown = weightMap(),
): Promise<{ index: string; tensors: Map<string, tf.Tensor> }> {
  const tensors = new Map<string, tf.Tensor>();
  for (const [shard, content] of shardTensors()) {
    await saveSafetensors(join(dir, shard), content);
    for (const [name, t] of content) tensors.set(name, t);
  }
  const index = join(dir, INDEX);
  await Deno.writeTextFile(
    index,
    JSON.stringify({ metadata: { total_size: 112 }, weight_map: map }),
  );
  return { index, tensors };
}

/** Expects the open to fail with a SafetensorsError, and no fd left open. */
async function refused(
  index: string,
  message: string,
  json?: unknown,
): Promise<SafetensorsError> {
  const fds = openFds();
  const error = await assertRejects(
    () => openShardedSafetensors(index, json),
    SafetensorsError,
    message,
  );
  assertEquals(openFds(), fds, "every shard is closed after the error");
  return error;
}

Deno.test("openShardedSafetensors reads a 3-shard checkpoint: order, values, readRows", async () => {
  await withTempDir(async (dir) => {
    const { index, tensors } = await checkpoint(dir);
    const before = tf.memory().numTensors;
    const fds = openFds();
    const file = await openShardedSafetensors(index);
    assertEquals(file.format, "safetensors-sharded");
    assertEquals(file.path, index);
    // Shards as they first appear in weight_map (S3, S2, S1); data order within.
    assertEquals(file.weights.map((w) => w.name), [
      "head",
      "layer.0.w",
      "layer.0.steps",
      "layer.0.mask",
      "embed.weight",
      "embed.bias",
    ]);
    assertEquals(file.weights.map((w) => w.file), [
      join(dir, S3),
      join(dir, S2),
      join(dir, S2),
      join(dir, S2),
      join(dir, S1),
      join(dir, S1),
    ]);
    assertEquals(
      file.weights.map((w) => [w.dtype, w.storedDtype, w.byteLength]),
      [
        ["float32", "F32", 4],
        ["float32", "F32", 32],
        ["int32", "I32", 12],
        ["bool", "BOOL", 3],
        ["float32", "F32", 48],
        ["float32", "F32", 12],
      ],
    );
    for (const weight of file.weights) {
      const expected = tensors.get(weight.name)!;
      assertEquals(weight.shape, expected.shape);
      const t = await file.read(weight);
      assertEquals(t.dtype, expected.dtype, weight.name);
      assertEquals(t.shape, expected.shape, weight.name);
      assertEquals(await bitsOf(t), await bitsOf(expected), weight.name);
      t.dispose();
    }
    const embed = file.weights[4];
    assertEquals(
      await file.readRows(embed, [3, 0, 1]),
      new Float64Array([0, -1, -2, 1, 2, 3, 4, 5, 6]),
    );
    // A rank-3 weight is read as [2·2, 2] rows.
    assertEquals(
      await file.readRows(file.weights[1], [2, 3]),
      new Float64Array([5, 6, 7, 8]),
    );
    assertEquals(
      await file.readRows(file.weights[3], [0]),
      new Float64Array([1, 0, 1]),
    );
    assertEquals(
      await file.readRows(file.weights[5], [0]),
      Float64Array.from(new Float32Array([0.5, -0.25, 1e-8])),
    );
    await assertRejects(
      () => file.readRows(embed, [4]),
      RangeError,
      'rows[0] is 4, outside [0, 4), the rows of "embed.weight"',
    );
    assertEquals(tf.memory().numTensors, before, "every read was disposed");
    file.close();
    file.close();
    assertEquals(openFds(), fds, "close() closes every shard");
    await assertRejects(
      () => file.read(embed),
      SafetensorsError,
      "it was closed",
    );
    tf.dispose([...tensors.values()]);
  });
});

Deno.test("openShardedSafetensors keeps every shard open until close()", async () => {
  await withTempDir(async (dir) => {
    const { index, tensors } = await checkpoint(dir);
    const fds = openFds();
    const file = await openShardedSafetensors(index);
    assertEquals(openFds(), fds + 3);
    file.close();
    assertEquals(openFds(), fds);
    tf.dispose([...tensors.values()]);
  });
});

Deno.test("openShardedSafetensors takes the index already parsed, as an object or as Maps", async () => {
  await withTempDir(async (dir) => {
    const { index, tensors } = await checkpoint(dir);
    const plain = await openShardedSafetensors(index, {
      weight_map: weightMap(),
    });
    const maps = await openShardedSafetensors(
      index,
      new Map([["weight_map", new Map(Object.entries(weightMap()))]]),
    );
    assertEquals(
      maps.weights.map((w) => w.name),
      plain.weights.map((w) => w.name),
    );
    const t = await maps.read(maps.weights[0]);
    assertEquals(await t.data(), new Float32Array([Math.PI]));
    t.dispose();
    // A weight of one checkpoint is not one of another's.
    await assertRejects(
      () => plain.read(maps.weights[0]),
      TypeError,
      'read: the weight "head" is not one of the weights of',
    );
    await assertRejects(
      () => plain.readRows({ name: "nope" } as never, [0]),
      TypeError,
      'readRows: the weight "nope" is not one of the weights',
    );
    plain.close();
    maps.close();
    tf.dispose([...tensors.values()]);
  });
});

Deno.test("openShardedSafetensors: shard names as ./name and through a folder", async () => {
  await withTempDir(async (dir) => {
    await Deno.mkdir(join(dir, "sub"));
    const { index, tensors } = await checkpoint(dir);
    await Deno.rename(join(dir, S3), join(dir, "sub", S3));
    const map = {
      ...weightMap(),
      head: `sub/${S3}`,
      "embed.bias": `./${S1}`,
    };
    const file = await openShardedSafetensors(index, { weight_map: map });
    assertEquals(file.weights[0].file, join(dir, "sub", S3));
    assertEquals(file.weights.length, 6);
    file.close();
    tf.dispose([...tensors.values()]);
  });
});

Deno.test("openShardedSafetensors refuses an index that disagrees with its shards, naming the tensor", async () => {
  await withTempDir(async (dir) => {
    const { index, tensors } = await checkpoint(dir);

    // A tensor of the index that is not in its shard.
    const moved = { ...weightMap(), "embed.bias": S2 };
    let error = await refused(
      index,
      `tensor "embed.bias": the index maps it to shard "${S2}", which has no such tensor (shard "${S1}" has it)`,
      { weight_map: moved },
    );
    assertEquals(error.tensor, "embed.bias");

    const ghost = { ...weightMap(), "ghost": S1 };
    error = await refused(
      index,
      `tensor "ghost": the index maps it to shard "${S1}"`,
      { weight_map: ghost },
    );
    assertEquals(error.tensor, "ghost");

    // A shard tensor that the index does not list.
    const { "layer.0.mask": _, ...missing } = weightMap();
    error = await refused(
      index,
      `shard "${S2}" holds 1 tensor that the index does not list: "layer.0.mask"`,
      { weight_map: missing },
    );
    assertEquals(error.tensor, "layer.0.mask");

    // The same name in two shards.
    const extra = new Map([["head", tf.tensor([1])]]);
    await saveSafetensors(join(dir, "extra.safetensors"), extra);
    tf.dispose([...extra.values()]);
    error = await refused(
      index,
      `tensor "head": the tensor is in two shards, "${S3}" and "extra.safetensors"`,
      { weight_map: { ...weightMap(), "also": "extra.safetensors" } },
    );
    assertEquals(error.tensor, "head");
    tf.dispose([...tensors.values()]);
  });
});

Deno.test("openShardedSafetensors refuses shard names outside the folder", async () => {
  await withTempDir(async (dir) => {
    const { index, tensors } = await checkpoint(dir);
    const cases: [string, string][] = [
      [join(dir, S1), "is an absolute path"],
      ["/etc/passwd", "is an absolute path"],
      ["C:\\model.safetensors", "is an absolute path"],
      [`../${S1}`, 'has a ".." component'],
      [`sub/../../${S1}`, 'has a ".." component'],
      [`..\\${S1}`, 'has a ".." component'],
      ["", "must give a shard file name"],
      [".", "names a folder, not a file"],
      ["a\0b", "has a NUL character"],
    ];
    for (const [shard, message] of cases) {
      const error = await refused(index, message, {
        weight_map: { ...weightMap(), "embed.bias": shard },
      });
      assertEquals(error.tensor, "embed.bias", shard);
    }
    await refused(index, "must give a shard file name, found number 3", {
      weight_map: { ...weightMap(), "embed.bias": 3 },
    });
    tf.dispose([...tensors.values()]);
  });
});

Deno.test("openShardedSafetensors refuses a missing shard and what is not a regular file, without opening it", async () => {
  await withTempDir(async (dir) => {
    const { index, tensors } = await checkpoint(dir);
    await Deno.mkdir(join(dir, "folder.safetensors"));
    await refused(
      index,
      `shard "gone.safetensors" (of 1 tensor, the first "embed.bias"): cannot open it`,
      { weight_map: { ...weightMap(), "embed.bias": "gone.safetensors" } },
    );
    await refused(
      index,
      `shard "folder.safetensors" (of 1 tensor, the first "embed.bias"): it is a directory, not a regular file`,
      { weight_map: { ...weightMap(), "embed.bias": "folder.safetensors" } },
    );
    // Opening a FIFO would block until a writer came: it must be refused
    // from its stat, and a regression must fail here rather than hang.
    const fifo = join(dir, "pipe.safetensors");
    const made = await new Deno.Command("mkfifo", { args: [fifo] }).output();
    assert(made.success, "mkfifo");
    let timer: ReturnType<typeof setTimeout> | undefined;
    const hang = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        // Release the reader blocked on the FIFO, so that the failure is
        // reported instead of the process hanging at exit.
        Deno.open(fifo, { write: true }).then((f) => f.close(), () => {});
        reject(new Error("opening the FIFO hung"));
      }, 5000);
    });
    try {
      await Promise.race([
        refused(index, "it is a FIFO (named pipe), not a regular file", {
          weight_map: { ...weightMap(), "embed.bias": "pipe.safetensors" },
        }),
        hang,
      ]);
      // The index itself as a FIFO.
      await Promise.race([refused(fifo, "a FIFO (named pipe)"), hang]);
    } finally {
      clearTimeout(timer);
    }
    tf.dispose([...tensors.values()]);
  });
});

Deno.test("openShardedSafetensors refuses a malformed index or shard", async () => {
  await withTempDir(async (dir) => {
    const { index, tensors } = await checkpoint(dir);
    await refused(index, "the index has no weight_map", { metadata: {} });
    await refused(
      index,
      "must be a JSON object with a weight_map, found an array",
      [],
    );
    await refused(
      index,
      "weight_map must be an object of tensor name → shard file, found null",
      {
        weight_map: null,
      },
    );
    await refused(index, "found an array", { weight_map: [S1] });

    // Read from the file, a tensor named twice is an error (JSON.parse would
    // keep the last).
    await Deno.writeTextFile(
      index,
      `{"weight_map": {"head": "${S3}", "head": "${S1}"}}`,
    );
    await refused(index, 'the key "head" appears twice');
    await Deno.writeTextFile(index, `{"weight_map": `);
    await refused(index, "the index is not valid JSON");

    // A shard that is not a safetensors file.
    await Deno.writeTextFile(join(dir, S2), "not a safetensors file at all");
    await refused(index, `shard "${S2}"`, { weight_map: weightMap() });
    tf.dispose([...tensors.values()]);
  });
  await assertRejects(
    () => openShardedSafetensors(""),
    TypeError,
    "openShardedSafetensors: indexPath must be a non-empty string",
  );
});

Deno.test("openShardedSafetensors gives each shard's own weights, not copies", async () => {
  await withTempDir(async (dir) => {
    const { index, tensors } = await checkpoint(dir);
    const file = await openShardedSafetensors(index);
    assert(Object.isFrozen(file.weights));
    assertStrictEquals(file.weights.length, new Set(file.weights).size);
    file.close();
    tf.dispose([...tensors.values()]);
  });
});
