import {
  assert,
  assertEquals,
  assertInstanceOf,
  assertLess,
  assertRejects,
  assertStringIncludes,
} from "@std/assert";
import { join } from "node:path";
import { Dense, tf } from "../../mod.ts";
import {
  iterateSafetensors,
  loadSafetensors,
  readSafetensorsHeader,
  SafetensorsError,
  saveSafetensors,
} from "../../lib/io/safetensors.ts";
import { bitsOf, countingReads, rejectsNaming } from "./_helpers.ts";
import { withTempDir } from "../_scoped.ts";

/** float32 values with the awkward cases: signed zeros, a subnormal, Inf, NaN payloads. */
function awkwardFloats(): Float32Array {
  const bits = new Uint32Array([
    0x00000000,
    0x80000000,
    0x00000001,
    0x007fffff,
    0x7f7fffff,
    0x7f800000,
    0xff800000,
    0x7fc00000,
    0x7fc00001,
    0xffa12345,
    0x3f800000,
    0xbeaaaaab,
  ]);
  return new Float32Array(bits.buffer);
}

/** A state dict of every savable kind, with zero-size and scalar tensors. */
function stateDict(): Map<string, tf.Tensor> {
  return new Map<string, tf.Tensor>([
    ["layer.weight", tf.tensor(awkwardFloats(), [3, 4], "float32")],
    [
      "layer.count",
      tf.tensor(
        new Int32Array([-2147483648, 2147483647, 0, -1, 7]),
        [5],
        "int32",
      ),
    ],
    [
      "mask",
      tf.tensor([true, false, true, true, false, false], [2, 3], "bool"),
    ],
    ["empty", tf.zeros([0, 5])],
    ["empty_int", tf.zeros([2, 0], "int32")],
    ["scale", tf.scalar(0.1)],
    ["flag", tf.scalar(true, "bool")],
    ['ünïcode ✓ "name"', tf.tensor([1.5, -2.5])],
  ]);
}

Deno.test("a state dict round-trips bit-exactly, with its order and metadata, and nothing leaks", async () => {
  await withTempDir(async (dir) => {
    const path = join(dir, "model.safetensors");
    const tensors = stateDict();
    const metadata = Object.fromEntries([
      ["format", "pt"],
      ["note", 'väl"ue\n✓'],
      ["__proto__", "a key like any other"],
      ["", ""],
    ]);
    const before = tf.memory().numTensors;
    await saveSafetensors(path, tensors, metadata);
    assertEquals(tf.memory().numTensors, before, "save makes no tensors");

    const header = await readSafetensorsHeader(path);
    assertEquals(header.metadata, metadata);
    assertEquals(header.dataStart % 8, 0, "the data is 8-byte aligned");
    assertEquals(header.fileSize, (await Deno.stat(path)).size);
    let offset = 0;
    for (const [name, e] of header.tensors) {
      assertEquals(e.dataOffsets[0], offset, `${name} follows without a gap`);
      offset = e.dataOffsets[1];
    }
    assertEquals(header.dataStart + offset, header.fileSize);

    const loaded = await loadSafetensors(path);
    assertEquals(tf.memory().numTensors, before + tensors.size);
    assertEquals([...loaded.keys()], [...tensors.keys()]);
    for (const [name, original] of tensors) {
      const copy = loaded.get(name)!;
      assertEquals(copy.dtype, original.dtype, name);
      assertEquals(copy.shape, original.shape, name);
      assertEquals(await bitsOf(copy), await bitsOf(original), name);
    }
    tf.dispose([...loaded.values()]);
    assertEquals(tf.memory().numTensors, before);
    tf.dispose([...tensors.values()]);
  });
});

Deno.test("saveSafetensors takes a module's stateDict() and replaces an existing file", async () => {
  await withTempDir(async (dir) => {
    const path = join(dir, "m.safetensors");
    await Deno.writeTextFile(
      path,
      "old contents, longer than the new file will be?",
    );
    const module = {
      w: tf.ones([2, 2]),
      stateDict: () => new Map([["w", module.w]]),
    };
    await saveSafetensors(path, module);
    assert(!module.w.isDisposed, "the module's tensors are not disposed");
    const header = await readSafetensorsHeader(path);
    assertEquals(header.metadata, {});
    assertEquals([...header.tensors], [["w", {
      dtype: "F32",
      shape: [2, 2],
      dataOffsets: [0, 16],
    }]]);
    assertEquals(header.fileSize, header.dataStart + 16);
    // Nothing but the file is left in the folder.
    assertEquals([...Deno.readDirSync(dir)].map((e) => e.name), [
      "m.safetensors",
    ]);
    module.w.dispose();
  });
});

Deno.test("saveSafetensors rejects bad arguments by name, writes nothing, and leaks nothing", async () => {
  await withTempDir(async (dir) => {
    const path = join(dir, "bad.safetensors");
    const good = tf.ones([2]);
    // A complex64 tensor (the WASM backend has no Complex kernel to make one).
    const complex = Object.create(good, { dtype: { value: "complex64" } });
    const text = tf.tensor(["a", "b"]);
    const disposed = tf.ones([1]);
    disposed.dispose();
    const before = tf.memory().numTensors;
    const cases: [unknown, unknown, ErrorConstructor, string][] = [
      [
        new Map([["z", complex]]),
        undefined,
        TypeError,
        'saveSafetensors: the dtype of the tensor "z" must be float32, int32 or bool (what safetensors files hold here), received "complex64"',
      ],
      [
        new Map([["s", text]]),
        undefined,
        TypeError,
        'the dtype of the tensor "s" must be float32, int32 or bool (what safetensors files hold here), received "string"',
      ],
      [
        new Map([["gone", disposed]]),
        undefined,
        TypeError,
        'saveSafetensors: tensors.get("gone") must be a tensor that is not disposed, received a disposed tensor',
      ],
      [
        new Map([["x", [1, 2]]]),
        undefined,
        TypeError,
        'saveSafetensors: tensors.get("x") must be a tf.Tensor, received [1, 2]',
      ],
      [
        new Map([[3, good]]),
        undefined,
        TypeError,
        "saveSafetensors: each name in tensors must be a string, received 3",
      ],
      [
        new Map([["__metadata__", good]]),
        undefined,
        RangeError,
        'saveSafetensors: each tensor name must be other than "__metadata__", which the format reserves, received "__metadata__"',
      ],
      [
        new Map([["bad\ud800", good]]),
        undefined,
        RangeError,
        'saveSafetensors: each tensor name must be well-formed UTF-16 (an unpaired surrogate has no UTF-8 encoding), received "bad\\ud800"',
      ],
      [
        { w: [1, 2] },
        undefined,
        TypeError,
        'saveSafetensors: tensors["w"] must be a tf.Tensor, received [1, 2]',
      ],
      [42, undefined, TypeError, "an object with a stateDict() method"],
      [new Date(0), undefined, TypeError, "received a Date"],
      [
        { stateDict: () => ({ w: good }) },
        undefined,
        TypeError,
        "saveSafetensors: tensors.stateDict() must be a Map of tensors",
      ],
      [
        new Map([["w", good]]),
        { a: 1 },
        TypeError,
        'saveSafetensors: metadata["a"] must be a string, received 1',
      ],
      [
        new Map([["w", good]]),
        ["a"],
        TypeError,
        'saveSafetensors: metadata must be an object of strings, received ["a"]',
      ],
      [
        new Map([["w", good]]),
        { a: "\udc00" },
        RangeError,
        'saveSafetensors: metadata["a"] must be well-formed UTF-16',
      ],
    ];
    for (const [tensors, metadata, ErrorClass, message] of cases) {
      await assertRejects(
        () =>
          saveSafetensors(
            path,
            tensors as Map<string, tf.Tensor>,
            metadata as Record<string, string>,
          ),
        ErrorClass,
        message,
      );
    }
    await assertRejects(
      () => saveSafetensors("", new Map()),
      RangeError,
      'saveSafetensors: path must be a non-empty string, received ""',
    );
    assertEquals([...Deno.readDirSync(dir)], [], "no file, no temporary file");
    assertEquals(tf.memory().numTensors, before);
    tf.dispose([good, text]);
  });
});

Deno.test("an empty state dict makes a valid file with no tensors", async () => {
  await withTempDir(async (dir) => {
    const path = join(dir, "empty.safetensors");
    await saveSafetensors(path, new Map());
    const bytes = await Deno.readFile(path);
    assertEquals(bytes.length, 16);
    assertEquals(new TextDecoder().decode(bytes.subarray(8)), "{}      ");
    assertEquals((await loadSafetensors(path)).size, 0);
  });
});

Deno.test("loading reads tensor by tensor: one named tensor of a multi-MB file costs only its bytes", async () => {
  await withTempDir(async (dir) => {
    const path = join(dir, "big.safetensors");
    const big1 = tf.fill([512, 1024], 1.5);
    const small = tf.tensor([1, 2, 3, 4], [4], "int32");
    const big2 = tf.fill([512, 1024], -2);
    await saveSafetensors(
      path,
      new Map([["big1", big1], ["small", small], ["big2", big2]]),
    );
    const size = (await Deno.stat(path)).size;
    assert(size > 4_000_000);
    const header = await readSafetensorsHeader(path);

    let got: Map<string, tf.Tensor> = new Map();
    const partial = await countingReads(async () => {
      got = await loadSafetensors(path, { names: ["small"] });
    });
    assertEquals(partial, header.dataStart + 16, "the header, then 16 bytes");
    assertEquals(await got.get("small")!.data(), new Int32Array([1, 2, 3, 4]));
    tf.dispose([...got.values()]);

    // Two tensors, returned in the order asked for; the counter sees every byte.
    const two = await countingReads(async () => {
      got = await loadSafetensors(path, { names: ["big2", "small", "big2"] });
    });
    assertEquals(two, header.dataStart + 16 + 512 * 1024 * 4);
    assertEquals([...got.keys()], ["big2", "small"]);
    tf.dispose([...got.values()]);

    const all = await countingReads(async () => {
      got = await loadSafetensors(path);
    });
    assertEquals(all, size);
    tf.dispose([...got.values()]);
    tf.dispose([big1, small, big2]);
  });
});

Deno.test("iterateSafetensors yields each tensor in file order, one at a time, and stops reading on break", async () => {
  await withTempDir(async (dir) => {
    const path = join(dir, "it.safetensors");
    const names = ["c", "a", "b", "empty", "z"];
    const tensors = new Map(
      names.map((
        n,
        i,
      ) => [n, n === "empty" ? tf.zeros([0]) : tf.fill([256, 256], i)]),
    );
    await saveSafetensors(path, tensors);
    const before = tf.memory().numTensors;
    const seen: string[] = [];
    for await (const [name, t] of iterateSafetensors(path)) {
      assertEquals(tf.memory().numTensors, before + 1, "one tensor at a time");
      assertEquals(await bitsOf(t), await bitsOf(tensors.get(name)!));
      seen.push(name);
      t.dispose();
    }
    assertEquals(seen, names);

    const header = await readSafetensorsHeader(path);
    const read = await countingReads(async () => {
      for await (const [, t] of iterateSafetensors(path)) {
        t.dispose();
        break;
      }
    });
    assertEquals(
      read,
      header.dataStart + 256 * 256 * 4,
      "only the first tensor",
    );
    assertEquals(tf.memory().numTensors, before);
    tf.dispose([...tensors.values()]);
  });
});

Deno.test("loadSafetensors checks its options and names a missing tensor", async () => {
  await withTempDir(async (dir) => {
    const path = join(dir, "o.safetensors");
    const w = tf.ones([2]);
    await saveSafetensors(path, new Map([["w", w]]));
    w.dispose();
    const before = tf.memory().numTensors;
    const missing = await assertRejects(
      () => loadSafetensors(path, { names: ["w", "nope"] }),
      SafetensorsError,
      'no tensor named "nope"; it has "w"',
    );
    assertEquals(missing.tensor, "nope");
    assertEquals(missing.file, path);
    await assertRejects(
      () => loadSafetensors(path, { names: "w" as unknown as string[] }),
      TypeError,
      'loadSafetensors: options.names must be an array of strings, received "w"',
    );
    await assertRejects(
      () => loadSafetensors(path, { names: [1 as unknown as string] }),
      TypeError,
      "loadSafetensors: options.names[0] must be a string, received 1",
    );
    await assertRejects(
      () => loadSafetensors(path, { name: ["w"] } as { names?: string[] }),
      TypeError,
      'loadSafetensors: each key of options must be one of "names", received "name"',
    );
    await assertRejects(
      () => loadSafetensors(3 as unknown as string),
      TypeError,
      "loadSafetensors: path must be a non-empty string, received 3",
    );
    assertEquals(tf.memory().numTensors, before);
  });
});

Deno.test("a missing file or a folder is a SafetensorsError naming the path, with the system error as cause", async () => {
  await withTempDir(async (dir) => {
    const path = join(dir, "missing.safetensors");
    const missing = await rejectsNaming(path, [
      () => loadSafetensors(path),
      () => readSafetensorsHeader(path),
      () => iterateSafetensors(path).next(),
    ]);
    for (const error of missing) {
      assertInstanceOf(error.cause, Deno.errors.NotFound);
    }
    await rejectsNaming(
      dir,
      [() => loadSafetensors(dir)],
      "not a regular file",
    );
  });
});

Deno.test("a file that shrinks after its header was read is a SafetensorsError", async () => {
  await withTempDir(async (dir) => {
    const path = join(dir, "shrink.safetensors");
    const a = tf.ones([1024]);
    const b = tf.ones([1024]);
    await saveSafetensors(path, new Map([["a", a], ["b", b]]));
    tf.dispose([a, b]);
    const before = tf.memory().numTensors;
    const it = iterateSafetensors(path);
    const first = await it.next();
    assert(!first.done);
    first.value[1].dispose();
    await Deno.truncate(path, 200);
    const error = await assertRejects(
      () => it.next(),
      SafetensorsError,
      "the file ended",
    );
    assertStringIncludes(error.message, path);
    assertEquals(tf.memory().numTensors, before);
  });
});

Deno.test("saving a large float32 tensor and loading it back is fast and exact", async () => {
  await withTempDir(async (dir) => {
    const path = join(dir, "large.safetensors");
    const n = 1 << 20;
    const values = new Float32Array(n).map((_, i) => Math.sin(i) * 1e3);
    const t = tf.tensor(values, [1024, 1024]);
    const start = performance.now();
    await saveSafetensors(path, new Map([["t", t]]));
    const loaded = await loadSafetensors(path);
    assertLess(performance.now() - start, 5000);
    assertEquals(await loaded.get("t")!.data(), values);
    tf.dispose([t, ...loaded.values()]);
  });
});

Deno.test("a Module's state dict saves and loads back into a fresh module", async () => {
  await withTempDir(async (dir) => {
    const path = join(dir, "dense.safetensors");
    const a = new Dense(3, { biasInitializer: "ones" });
    const b = new Dense(3);
    a.build([5, 4]);
    b.build([5, 4]);
    const before = tf.memory().numTensors;
    await saveSafetensors(path, a, { format: "ember" });
    const loaded = await loadSafetensors(path);
    assertEquals([...loaded.keys()], [...a.stateDict().keys()]);
    b.loadStateDict(loaded);
    tf.dispose([...loaded.values()]);
    assertEquals(tf.memory().numTensors, before);
    for (const [name, t] of a.stateDict()) {
      assertEquals(
        await bitsOf(b.stateDict().get(name)!),
        await bitsOf(t),
        name,
      );
    }
    a.dispose();
    b.dispose();
  });
});
