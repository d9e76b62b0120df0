/**
 * Interoperability with an independent writer and reader, both python3 +
 * numpy scripts written to the safetensors specification: the committed
 * fixtures (tests/io/fixtures/make_fixtures.py) must load to the values numpy
 * computes, and files we save must read back in Python.
 */
import { assert, assertEquals, assertRejects } from "@std/assert";
import { join } from "node:path";
import { tf } from "../../mod.ts";
import {
  loadSafetensors,
  readSafetensorsHeader,
  SafetensorsError,
  saveSafetensors,
} from "../../lib/io/safetensors.ts";
import {
  bitsOf,
  bitsOfFloats,
  FIXTURES,
  numpyMissing,
  PY_READER,
  readExpected,
  runPython,
} from "./_helpers.ts";
import { withTempDir } from "../_scoped.ts";

const expected = await readExpected();

const noNumpy = await numpyMissing();
if (noNumpy !== null) {
  console.warn(`interop tests: ${noNumpy}. The Python tests are ignored.`);
}

Deno.test("every fixture from the independent Python writer loads to numpy's values, bit for bit", async () => {
  const files = Object.keys(expected);
  assertEquals(files.length, 10);
  for (const file of files) {
    const path = join(FIXTURES, file);
    const want = expected[file];
    const header = await readSafetensorsHeader(path);
    assertEquals(header.metadata, want.metadata, file);
    const before = tf.memory().numTensors;
    const loaded = await loadSafetensors(path);
    assertEquals([...loaded.keys()], want.order, `${file}: data order`);
    for (const [name, w] of Object.entries(want.tensors)) {
      const t = loaded.get(name)!;
      const where = `${file}, tensor ${name}`;
      assertEquals(t.dtype, w.dtype, where);
      assertEquals(t.shape, w.shape, where);
      if (w.bits !== undefined) {
        assertEquals(await bitsOf(t), w.bits, where);
      } else {
        assertEquals(Array.from(await t.data()), w.values, where);
      }
    }
    tf.dispose([...loaded.values()]);
    assertEquals(tf.memory().numTensors, before, file);
  }
});

Deno.test("the fixtures cover every dtype, metadata, scalars, zero-size tensors and an unaligned header", async () => {
  const dtypes = new Set<string>();
  for (const file of Object.keys(expected)) {
    const header = await readSafetensorsHeader(join(FIXTURES, file));
    for (const e of header.tensors.values()) dtypes.add(e.dtype);
  }
  assertEquals(
    [...dtypes].sort(),
    [
      "BF16",
      "BOOL",
      "F16",
      "F32",
      "F64",
      "I16",
      "I32",
      "I64",
      "I8",
      "U16",
      "U32",
      "U8",
    ],
  );
  const meta = await readSafetensorsHeader(
    join(FIXTURES, "metadata.safetensors"),
  );
  assert(
    meta.dataStart % 8 !== 0,
    "metadata.safetensors is deliberately unaligned",
  );
  assertEquals(meta.metadata.note, 'ünïcode ✓ "quoted"\n');
});

Deno.test("conversions to float32, checked against values written out by hand", async () => {
  const load = async (file: string, name: string) => {
    const map = await loadSafetensors(join(FIXTURES, file), { names: [name] });
    const t = map.get(name)!;
    const result = {
      values: Array.from(await t.data()),
      bits: await bitsOf(t),
    };
    t.dispose();
    return result;
  };
  const f16 = (await load("f16.safetensors", "specials")).bits;
  // float32 bit patterns of 0x0000 0x8000 0x3C00 0xC000 0x7BFF 0x0400 0x0001
  // 0x03FF 0x8001 0x83FF 0x7C00 0xFC00, then the NaNs 0x7E00 0x7C01 0xFE00
  // (sign and payload kept), then 0x3555.
  assertEquals(
    f16,
    [
      bitsOfFloats([
        0,
        -0,
        1,
        -2,
        65504,
        2 ** -14,
        2 ** -24,
        1023 * 2 ** -24,
        -(2 ** -24),
        -1023 * 2 ** -24,
        Infinity,
        -Infinity,
      ]),
      "7fc00000 7f802000 ffc00000",
      bitsOfFloats([0.333251953125]),
    ].join(" "),
  );
  assertEquals(
    (await load("bf16.safetensors", "x")).values,
    [
      1,
      -0,
      3.140625,
      -Infinity,
      Infinity,
      NaN,
      2 ** -133,
      3.3895313892515355e38,
      2 ** -126,
      0.333984375,
      -0.00099945068359375,
      NaN,
    ],
  );
  const f64 = (await load("f64.safetensors", "x")).values;
  assertEquals(f64.slice(3, 14), [
    Infinity, // 1e300
    -Infinity,
    0, // 1e-50
    -0,
    2 ** -149, // exact
    2 ** -148, // 1.5 × 2^-149: a tie, to even
    0, // 2^-150: a tie, to even (zero)
    1, // 1 + 2^-24: a tie, to even
    1 + 2 ** -22, // 1 + 3 × 2^-24: a tie, to even
    Infinity, // the float32 maximum plus half an ulp: a tie, to even (Inf)
    3.4028234663852886e38, // just below it
  ]);
  assertEquals(f64[0], Math.fround(0.1));
});

Deno.test("an I64 value outside int32 names the tensor and the value, and leaves no tensor behind", async () => {
  const path = join(FIXTURES, "i64_out_of_range.safetensors");
  const before = tf.memory().numTensors;
  const error = await assertRejects(
    () => loadSafetensors(path),
    SafetensorsError,
    "I64 element 1 is 2147483648, outside the int32 range",
  );
  assertEquals(error.tensor, "big");
  assert(error.message.includes(path) && error.message.includes('"big"'));
  assertEquals(tf.memory().numTensors, before, '"ok" was disposed');
  const ok = await loadSafetensors(path, { names: ["ok"] });
  assertEquals(await ok.get("ok")!.data(), new Int32Array([1, 2]));
  tf.dispose([...ok.values()]);
});

Deno.test({
  name: `make_fixtures.py reproduces the committed fixtures${
    noNumpy === null ? "" : ` (ignored: ${noNumpy})`
  }`,
  ignore: noNumpy !== null,
  fn: () =>
    withTempDir(async (dir) => {
      await runPython([join(FIXTURES, "make_fixtures.py"), dir]);
      const made = [...Deno.readDirSync(dir)].map((e) => e.name).sort();
      assertEquals(
        made,
        [
          ...Object.keys(expected),
          "i64_out_of_range.safetensors",
          "expected.json",
        ].sort(),
      );
      for (const name of made) {
        assertEquals(
          await Deno.readFile(join(dir, name)),
          await Deno.readFile(join(FIXTURES, name)),
          name,
        );
      }
    }),
});

Deno.test({
  name: `a file we save reads back in the Python reader written to the spec${
    noNumpy === null ? "" : ` (ignored: ${noNumpy})`
  }`,
  ignore: noNumpy !== null,
  fn: () =>
    withTempDir(async (dir) => {
      const path = join(dir, "ours.safetensors");
      const floats = new Float32Array(
        new Uint32Array([0, 0x80000000, 1, 0x7f800000, 0x7fc00001, 0x3f800000])
          .buffer,
      );
      const tensors = new Map<string, tf.Tensor>([
        ["w", tf.tensor(floats, [2, 3])],
        ["n", tf.tensor([-2147483648, 2147483647, 5], [3], "int32")],
        ["m", tf.tensor([true, false, true, true], [2, 2], "bool")],
        ["s", tf.scalar(2.5)],
        ["e", tf.zeros([0, 2], "int32")],
        ["ü ✓", tf.tensor([1], [1, 1])],
      ]);
      const metadata = { format: "pt", "key ✓": 'va"lue\n' };
      await saveSafetensors(path, tensors, metadata);
      const out = JSON.parse(await runPython([PY_READER, path]));
      assertEquals((8 + out.header_length) % 8, 0, "8-byte aligned data");
      assertEquals(out.data_start, 8 + out.header_length);
      assertEquals(out.metadata, metadata);
      assertEquals(out.keys, ["__metadata__", ...tensors.keys()]);
      const dtypes: Record<string, string> = {
        float32: "F32",
        int32: "I32",
        bool: "BOOL",
      };
      assertEquals(out.tensors.map((t: { name: string }) => t.name), [
        ...tensors.keys(),
      ]);
      for (const t of out.tensors) {
        const mine = tensors.get(t.name)!;
        assertEquals(t.dtype, dtypes[mine.dtype], t.name);
        assertEquals(t.shape, mine.shape, t.name);
        if (mine.dtype === "float32") {
          assertEquals(t.bits, await bitsOf(mine), t.name);
        } else {
          assertEquals(t.values, Array.from(await mine.data(), Number), t.name);
        }
      }
      tf.dispose([...tensors.values()]);
    }),
});
