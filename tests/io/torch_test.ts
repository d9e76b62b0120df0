/**
 * PyTorch checkpoints: the committed fixtures (written to torch.save's
 * layouts by tests/io/fixtures/torch/make_torch_fixtures.py with Python's
 * pickle and zipfile, values from numpy) load bit for bit through every entry
 * point; malformed and hostile checkpoints are refused by name, without
 * running anything and without leaking a tensor or a descriptor.
 */
import {
  assert,
  assertEquals,
  assertInstanceOf,
  assertRejects,
  assertStringIncludes,
} from "@std/assert";
import { join } from "node:path";
import { tf } from "../../mod.ts";
import {
  iterateWeights,
  loadWeights,
  openWeights,
  UnsupportedFormatError,
} from "../../lib/io/load_weights.ts";
import { withTempDir } from "../_scoped.ts";
import {
  checkLoads,
  checkRowsMatchRead,
  readExpectedTensors,
} from "./_fixture_checks.ts";
import { HAVE_NUMPY } from "../_python.ts";
import { descriptorTest, fdsUnder, runPython } from "./_helpers.ts";
import {
  binint,
  bytesOf,
  f32Bytes,
  global,
  OP,
  stateDictPickle,
  str,
  tensorPickle,
  TORCH_FIXTURES,
  zipArchive,
  type ZipItem,
} from "./_torch_helpers.ts";

const expected = await readExpectedTensors(TORCH_FIXTURES);

Deno.test("every PyTorch fixture (zip, legacy, zip64; views, every dtype) loads to numpy's values, bit for bit", async () => {
  assertEquals(Object.keys(expected).sort(), [
    "checkpoint.pt",
    "legacy.bin",
    "pytorch_model.bin",
    "sharded/pytorch_model.bin.index.json",
    "whole_model.pt",
    "zip64.bin",
  ]);
  await checkLoads(
    TORCH_FIXTURES,
    expected,
    (file) => file.startsWith("sharded/") ? "pytorch-sharded" : "pytorch",
  );
});

Deno.test("the zip64 fixture exercises zip64: an end record, its locator, 64-bit fields in the central directory", async () => {
  const bytes = await Deno.readFile(join(TORCH_FIXTURES, "zip64.bin"));
  const view = new DataView(bytes.buffer);
  const signatures = new Set<number>();
  for (let i = 0; i + 4 <= bytes.length; i++) {
    signatures.add(view.getUint32(i, true));
  }
  assert(signatures.has(0x06064b50), "no zip64 end record");
  assert(signatures.has(0x07064b50), "no zip64 end record locator");
  const end = bytes.length - 22;
  assertEquals(view.getUint32(end, true), 0x06054b50);
  assertEquals(view.getUint16(end + 10, true), 0xffff);
  assertEquals(view.getUint32(end + 16, true), 0xffffffff);
  // Central records keep sizes (past the lowered limit) and offsets (all
  // but the first) in their zip64 field.
  let sizes = 0;
  let offsets = 0;
  for (let i = 0; i + 46 <= bytes.length; i++) {
    if (view.getUint32(i, true) !== 0x02014b50) continue;
    if (view.getUint32(i + 20, true) === 0xffffffff) sizes++;
    if (view.getUint32(i + 42, true) === 0xffffffff) offsets++;
  }
  assertEquals([sizes, offsets], [2, 6]);
});

Deno.test("PyTorch: readRows gives the rows of read, for contiguous and strided views (a transpose, a broadcast row)", async () => {
  for (const file of Object.keys(expected)) {
    await checkRowsMatchRead(join(TORCH_FIXTURES, file));
  }
});

Deno.test("PyTorch: names are paths of keys in a training checkpoint; storage precision follows the stored dtype", async () => {
  const weights = await loadWeights(join(TORCH_FIXTURES, "pytorch_model.bin"));
  try {
    assertEquals(weights.storagePrecision("attn.q_proj.weight"), {
      storedDtype: "float16",
    });
    assertEquals(weights.storagePrecision("norm.weight"), {
      storedDtype: "bfloat16",
    });
    assertEquals(weights.storagePrecision("fp8.weight"), {
      storedDtype: "float8_e4m3fn",
    });
    assertEquals(weights.storagePrecision("encoder.weight"), {});
  } finally {
    tf.dispose([...weights.values()]);
  }
  const names: string[] = [];
  for await (
    const [name, t] of iterateWeights(join(TORCH_FIXTURES, "checkpoint.pt"))
  ) {
    names.push(name);
    t.dispose();
  }
  assertEquals(names, ["model.fc.weight", "optimizer.state.0.exp_avg"]);
});

Deno.test({
  name:
    "the fixture generator (Python's pickle and zipfile, numpy) reproduces the committed PyTorch fixtures byte for byte",
  ignore: !HAVE_NUMPY,
  fn: () =>
    withTempDir(async (dir) => {
      await runPython([join(TORCH_FIXTURES, "make_torch_fixtures.py"), dir]);
      const shards = [1, 2].map((i) =>
        `sharded/pytorch_model-0000${i}-of-00002.bin`
      );
      for (const file of [...Object.keys(expected), ...shards]) {
        assertEquals(
          await Deno.readFile(join(dir, file)),
          await Deno.readFile(join(TORCH_FIXTURES, file)),
          file,
        );
      }
      // deno fmt lays the committed JSON out its own way.
      assertEquals(
        JSON.parse(await Deno.readTextFile(join(dir, "expected.json"))),
        expected,
      );
    }),
});

/** A checkpoint zip whose data.pkl is `pickle` and whose storages are `data`. */
function checkpoint(
  pickle: Uint8Array,
  data: Record<string, Uint8Array> = {},
  extra: ZipItem[] = [],
): Uint8Array {
  return zipArchive([
    { name: "archive/data.pkl", data: pickle },
    ...Object.entries(data).map(([key, bytes]) => ({
      name: `archive/data/${key}`,
      data: bytes,
    })),
    { name: "archive/version", data: "3\n" },
    ...extra,
  ]);
}

const ONE = stateDictPickle([["w", tensorPickle("0", 4, 0, [2, 2], [2, 1])]]);

interface Hostile {
  label: string;
  bytes: Uint8Array;
  includes: string;
  unsupported?: boolean;
}

const HOSTILE: Hostile[] = [
  {
    label: "a quantized tensor",
    bytes: checkpoint(bytesOf(
      OP.PROTO,
      2,
      global("torch._utils", "_rebuild_qtensor"),
      OP.STOP,
    )),
    includes:
      "a quantized tensor (torch._utils._rebuild_qtensor), which is not read",
  },
  {
    label: "a complex tensor",
    bytes: checkpoint(
      stateDictPickle([[
        "z",
        tensorPickle("0", 2, 0, [2], [1], "ComplexFloatStorage"),
      ]]),
      { "0": new Uint8Array(16) },
    ),
    includes: "is ComplexFloatStorage, which tfjs cannot hold",
  },
  {
    label: "a zip archive without data.pkl",
    bytes: zipArchive([{ name: "notes/readme.txt", data: "hello" }]),
    includes:
      'a zip archive with "notes/readme.txt", neither a PyTorch checkpoint (data.pkl) nor a numpy .npz',
    unsupported: true,
  },
  {
    label: "a TorchScript archive",
    bytes: checkpoint(ONE, { "0": f32Bytes([1, 2, 3, 4]) }, [
      {
        name: "archive/constants.pkl",
        data: bytesOf(OP.PROTO, 2, 0x4e, OP.STOP),
      },
    ]),
    includes: "TorchScript archive (torch.jit.save)",
  },
  {
    label: "a big-endian checkpoint",
    bytes: checkpoint(ONE, { "0": f32Bytes([1, 2, 3, 4]) }, [
      { name: "archive/byteorder", data: "big" },
    ]),
    includes: 'byte order is "big"',
  },
  {
    label: "a compressed data.pkl",
    bytes: zipArchive([{ name: "archive/data.pkl", data: ONE, method: 8 }]),
    includes: "archive/data.pkl is compressed (method 8)",
  },
  {
    label: "a tensor past its storage",
    bytes: checkpoint(
      stateDictPickle([["w", tensorPickle("0", 4, 0, [3, 3], [3, 1])]]),
      { "0": f32Bytes([1, 2, 3, 4]) },
    ),
    includes:
      'tensor "w" (offset 0, shape [3, 3], strides [3, 1]) reaches byte 36 of storage "0", which holds 16',
  },
  {
    label: "a storage missing from the archive",
    bytes: checkpoint(ONE),
    includes: 'tensor "w": its storage "0" is not in the file',
  },
  {
    label: "a pickle without STOP",
    bytes: checkpoint(ONE.subarray(0, ONE.length - 1), {
      "0": f32Bytes([1, 2, 3, 4]),
    }),
    includes: "its pickle is malformed: the pickle ends without STOP",
  },
  {
    label: "an unknown opcode",
    bytes: checkpoint(bytesOf(OP.PROTO, 2, 0x69, OP.STOP)),
    includes: "opcode 0x69 is not one a weights file needs (pickle byte 2)",
  },
  {
    label: "two tensors of one name",
    bytes: checkpoint(
      bytesOf(
        OP.PROTO,
        2,
        OP.EMPTY_DICT,
        str("a.b"),
        tensorPickle("0", 4, 0, [4], [1]),
        OP.SETITEM,
        str("a"),
        OP.EMPTY_DICT,
        str("b"),
        tensorPickle("0", 4, 0, [4], [1]),
        OP.SETITEM,
        OP.SETITEM,
        OP.STOP,
      ),
      { "0": f32Bytes([1, 2, 3, 4]) },
    ),
    includes: 'two tensors are named "a.b"',
  },
  {
    label: "a broadcast view of 2^28 elements",
    bytes: checkpoint(
      stateDictPickle([[
        "w",
        tensorPickle("0", 4, 0, [128, 128, 128, 128], [0, 0, 0, 1]),
      ]]),
      { "0": f32Bytes([1, 2, 3, 4]) },
    ),
    includes:
      'tensor "w" of shape [128, 128, 128, 128] repeats the 16 bytes of its storage (stride 0) over 268435456 elements',
  },
  {
    label: "an element count past int32 for tfjs",
    bytes: checkpoint(
      stateDictPickle([[
        "ids",
        tensorPickle("0", 1, 0, [1], [1], "LongStorage"),
      ]]),
      { "0": new Uint8Array(new BigInt64Array([2n ** 40n]).buffer) },
    ),
    includes:
      'tensor "ids": I64 element 0 is 1099511627776, outside the int32 range',
  },
];

Deno.test("PyTorch: a pickle's calls are never run: os.system and eval stand as inert objects beside the weights", async () => {
  await withTempDir(async (dir) => {
    const marker = join(dir, "pwned");
    const pickle = stateDictPickle([
      [
        "payload",
        bytesOf(
          global("os", "system"),
          str(`touch ${marker}`),
          0x85,
          OP.REDUCE,
        ),
      ],
      [
        "eval",
        bytesOf(
          str("builtins"),
          str("eval"),
          0x93, // STACK_GLOBAL
          str(`__import__('os').system('touch ${marker}')`),
          0x85,
          OP.REDUCE,
        ),
      ],
      ["w", tensorPickle("0", 4, 0, [2, 2], [2, 1])],
    ]);
    const path = join(dir, "pytorch_model.bin");
    await Deno.writeFile(
      path,
      checkpoint(pickle, { "0": f32Bytes([1, 2, 3, 4]) }),
    );
    const weights = await loadWeights(path);
    assertEquals([...weights.keys()], ["w"]);
    assertEquals(
      await weights.get("w")!.data(),
      new Float32Array([1, 2, 3, 4]),
    );
    tf.dispose([...weights.values()]);
    await assertRejects(() => Deno.stat(marker));
  });
});

descriptorTest(
  "malformed PyTorch checkpoints and unreadable tensor kinds are refused by name; no tensor or descriptor is left",
  async (dir) => {
    const start = tf.memory().numTensors;
    for (const c of HOSTILE) {
      const path = join(dir, "pytorch_model.bin");
      await Deno.writeFile(path, c.bytes);
      const error = await assertRejects(() => loadWeights(path), Error);
      assertStringIncludes(error.message, path, c.label);
      assertStringIncludes(error.message, c.includes, c.label);
      if (c.unsupported) assertInstanceOf(error, UnsupportedFormatError);
      assertEquals(fdsUnder(dir), 0, c.label);
    }
    assertEquals(tf.memory().numTensors, start);
  },
);

Deno.test("PyTorch: shared and cyclic containers are walked once; deep nesting does not overflow the stack", async () => {
  await withTempDir(async (dir) => {
    // l = [t]; l.append(l); {"l": l, "m": l}: one tensor, "l.0".
    const cyclic = bytesOf(
      OP.PROTO,
      2,
      OP.EMPTY_DICT,
      str("l"),
      OP.EMPTY_LIST,
      OP.BINPUT,
      1,
      tensorPickle("0", 4, 0, [2, 2], [2, 1]),
      OP.APPEND,
      OP.BINGET,
      1,
      OP.APPEND,
      OP.SETITEM,
      str("m"),
      OP.BINGET,
      1,
      OP.SETITEM,
      OP.STOP,
    );
    const path = join(dir, "cyclic.pt");
    await Deno.writeFile(
      path,
      checkpoint(cyclic, { "0": f32Bytes([1, 2, 3, 4]) }),
    );
    const file = await openWeights(path);
    assertEquals(file.weights.map((w) => w.name), ["l.0"]);
    file.close();
    // 200,000 nested lists: EMPTY_LIST, then APPEND each into the one below.
    const depth = 200_000;
    const deep = new Uint8Array(2 + 2 * depth + depth + 1);
    deep.set([OP.PROTO, 2]);
    let at = 2;
    for (let i = 0; i < depth; i++) deep[at++] = OP.EMPTY_LIST;
    for (let i = 0; i < depth - 1; i++) deep[at++] = OP.APPEND;
    deep[at++] = OP.STOP;
    await Deno.writeFile(path, checkpoint(deep.subarray(0, at)));
    const nested = await openWeights(path);
    assertEquals(nested.weights.length, 0);
    nested.close();
  });
});

Deno.test("PyTorch legacy: a file cut inside its storages is refused before anything is read", async () => {
  await withTempDir(async (dir) => {
    const bytes = await Deno.readFile(join(TORCH_FIXTURES, "legacy.bin"));
    const path = join(dir, "cut.bin");
    await Deno.writeFile(path, bytes.subarray(0, bytes.length - 4));
    await assertRejects(
      () => openWeights(path),
      Error,
      "past the end of the file",
    );
    // Cut inside the object pickle: it is malformed, not waited for.
    await Deno.writeFile(path, bytes.subarray(0, 200));
    await assertRejects(
      () => openWeights(path),
      Error,
      "its pickle is malformed",
    );
  });
});

Deno.test("PyTorch: a large storage count in BININT reads a 64 × 48 matrix; an empty state dict has no weights", async () => {
  await withTempDir(async (dir) => {
    const values = Array.from({ length: 64 * 48 }, (_, i) => Math.sin(i));
    const path = join(dir, "m.pth");
    await Deno.writeFile(
      path,
      checkpoint(
        stateDictPickle([[
          "fc.weight",
          tensorPickle("0", 64 * 48, 0, [64, 48], [48, 1]),
        ]]),
        { "0": f32Bytes(values) },
      ),
    );
    const file = await openWeights(path);
    const t = await file.read(file.weights[0]);
    assertEquals(await t.data(), new Float32Array(values));
    t.dispose();
    file.close();
    assert(binint(64 * 48).length === 5);
    await Deno.writeFile(path, checkpoint(stateDictPickle([])));
    const empty = await openWeights(path);
    assertEquals(empty.weights, []);
    empty.close();
  });
});

descriptorTest(
  "a sharded PyTorch checkpoint whose index and shards disagree, or with a shard missing, is refused naming the index, the shard and the tensor; every shard is closed",
  async (dir) => {
    const source = join(TORCH_FIXTURES, "sharded");
    for (const entry of Deno.readDirSync(source)) {
      await Deno.copyFile(join(source, entry.name), join(dir, entry.name));
    }
    const index = join(dir, "pytorch_model.bin.index.json");
    const good = JSON.parse(await Deno.readTextFile(index));
    const cases: [Record<string, string>, string][] = [
      [
        {
          ...good.weight_map,
          "layers.1.weight": "pytorch_model-00001-of-00002.bin",
        },
        `${index}, tensor "layers.1.weight": the index maps it to shard "pytorch_model-00001-of-00002.bin", which has no such tensor (shard "pytorch_model-00002-of-00002.bin" has it)`,
      ],
      [
        { "embed.weight": good.weight_map["embed.weight"] },
        `${index}, tensor "layers.0.weight": shard "pytorch_model-00001-of-00002.bin" holds 1 tensor that the index does not list`,
      ],
      [
        {
          ...good.weight_map,
          "lm_head.bias": "pytorch_model-00003-of-00003.bin",
        },
        `${index}: shard "pytorch_model-00003-of-00003.bin" (of 1 tensor, the first "lm_head.bias"):`,
      ],
      [
        { "embed.weight": "missing.bin" },
        `${index}: shard "missing.bin" (of 1 tensor, the first "embed.weight"):`,
      ],
    ];
    for (const [map, message] of cases) {
      await Deno.writeTextFile(index, JSON.stringify({ weight_map: map }));
      const error = await assertRejects(() => openWeights(index), Error);
      assertStringIncludes(error.message, message);
      assert(!error.message.includes("safetensors"), error.message);
      assertEquals(fdsUnder(dir), 0);
    }
    await Deno.writeTextFile(index, JSON.stringify(good));
    const file = await openWeights(index);
    assertEquals(file.format, "pytorch-sharded");
    const other = await openWeights(join(TORCH_FIXTURES, "pytorch_model.bin"));
    await assertRejects(
      () => file.read(other.weights[0]),
      TypeError,
      "read: weight must be an element of the weights of",
    );
    other.close();
    file.close();
    assertEquals(fdsUnder(dir), 0);
  },
);
