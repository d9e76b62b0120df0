/**
 * Malformed and hostile files: each must give a SafetensorsError naming the
 * file (and the tensor at fault), from every entry point, without leaking a
 * tensor.
 */
import {
  assertEquals,
  assertInstanceOf,
  assertRejects,
  assertStringIncludes,
  assertThrows,
} from "@std/assert";
import { join } from "node:path";
import { tf } from "../../mod.ts";
import {
  iterateSafetensors,
  loadSafetensors,
  readSafetensorsHeader,
  SafetensorsError,
} from "../../lib/io/safetensors.ts";
import { JsonSyntaxError, parseStrictJson } from "../../lib/io/_json.ts";
import {
  matrixOf,
  openSafetensorsWeights,
} from "../../lib/io/_safetensors_file.ts";
import { buildFile, entry, rejectsNaming } from "./_helpers.ts";
import { withTempDir } from "../_scoped.ts";

interface Case {
  /** What is wrong. */
  label: string;
  bytes: Uint8Array;
  /** Text the message must contain. */
  includes: string;
  /** The tensor the error must name. */
  tensor?: string;
  /** Only found when the data is read (the header is fine). */
  inData?: boolean;
}

const f32 = (n: number) => new Uint8Array(4 * n);
const w8 = entry("F32", [2], 0, 8);

function i64Bytes(values: bigint[]): Uint8Array {
  return new Uint8Array(new BigInt64Array(values).buffer);
}

const CASES: Case[] = [
  // Length field and file size.
  {
    label: "empty file",
    bytes: new Uint8Array(0),
    includes: "shorter than the 8-byte",
  },
  {
    label: "7 bytes",
    bytes: new Uint8Array(7),
    includes: "the file is 7 bytes",
  },
  {
    label: "header length beyond the file",
    bytes: buildFile({}, [], { length: 1000n }),
    includes: "says 1000 bytes, but only 2 bytes follow",
  },
  {
    label: "header length 2^64 - 1",
    bytes: buildFile({}, [], { length: 2n ** 64n - 1n }),
    includes: "says 18446744073709551615 bytes",
  },
  // Encoding and JSON.
  {
    label: "bad UTF-8",
    bytes: buildFile("", [], { rawHeader: new Uint8Array([0x7b, 0xff, 0x7d]) }),
    includes: "not valid UTF-8",
  },
  {
    label: "overlong UTF-8",
    bytes: buildFile("", [], {
      rawHeader: new Uint8Array([
        0x7b,
        0x22,
        0xc0,
        0xaf,
        0x22,
        0x3a,
        0x31,
        0x7d,
      ]),
    }),
    includes: "not valid UTF-8",
  },
  {
    label: "a byte-order mark",
    bytes: buildFile("\ufeff{}"),
    includes: "not valid JSON",
  },
  {
    label: "empty header",
    bytes: buildFile(""),
    includes: "not valid JSON: unexpected end of input",
  },
  {
    label: "bad JSON",
    bytes: buildFile('{"w": }'),
    includes: "not valid JSON",
  },
  {
    label: "trailing comma",
    bytes: buildFile('{"a":{},}'),
    includes: "not valid JSON",
  },
  {
    label: "single quotes",
    bytes: buildFile("{'a':1}"),
    includes: "not valid JSON",
  },
  {
    label: "NaN literal",
    bytes: buildFile('{"__metadata__":{"a":NaN}}'),
    includes: "not valid JSON",
  },
  {
    label: "two values",
    bytes: buildFile("{}{}"),
    includes: "after the value",
  },
  {
    label: "unterminated",
    bytes: buildFile('{"a'),
    includes: "unterminated string",
  },
  {
    label: "control character in a string",
    bytes: buildFile('{"a\tb":1}'),
    includes: "unescaped control character",
  },
  {
    label: "lone surrogate",
    bytes: buildFile('{"\\ud800":1}'),
    includes: "unpaired surrogate",
  },
  {
    label: "deep nesting",
    bytes: buildFile(`{"a":${"[".repeat(200_000)}`),
    includes: "nesting deeper than 64 levels",
  },
  // Structure.
  {
    label: "header an array",
    bytes: buildFile("[]"),
    includes: "must be a JSON object, found an array",
  },
  {
    label: "header a string",
    bytes: buildFile('"x"'),
    includes: 'found string "x"',
  },
  { label: "header null", bytes: buildFile("null"), includes: "found null" },
  {
    label: "entry an array",
    bytes: buildFile({ w: [1, 2] }),
    includes:
      "must be an object with dtype, shape and data_offsets, found an array",
    tensor: "w",
  },
  {
    label: "entry null",
    bytes: buildFile({ w: null }),
    includes: "found null",
    tensor: "w",
  },
  {
    label: "missing dtype",
    bytes: buildFile({ w: { shape: [2], data_offsets: [0, 8] } }, f32(2)),
    includes: "has no dtype",
    tensor: "w",
  },
  {
    label: "missing shape",
    bytes: buildFile({ w: { dtype: "F32", data_offsets: [0, 8] } }, f32(2)),
    includes: "has no shape",
    tensor: "w",
  },
  {
    label: "missing data_offsets",
    bytes: buildFile({ w: { dtype: "F32", shape: [2] } }, f32(2)),
    includes: "has no data_offsets",
    tensor: "w",
  },
  {
    label: "unknown field",
    bytes: buildFile({ w: { ...w8, offsets: 1 } }, f32(2)),
    includes: 'unknown field "offsets"',
    tensor: "w",
  },
  {
    label: "dtype a number",
    bytes: buildFile({ w: { ...w8, dtype: 3 } }, f32(2)),
    includes: "dtype must be a string, found number 3",
    tensor: "w",
  },
  {
    label: "shape a string",
    bytes: buildFile({ w: { ...w8, shape: "2" } }, f32(2)),
    includes: 'shape must be an array, found string "2"',
    tensor: "w",
  },
  {
    label: "shape fractional",
    bytes: buildFile({ w: { ...w8, shape: [2.5] } }, f32(2)),
    includes:
      "shape[0] must be a non-negative integer (below 2^53), found number 2.5",
    tensor: "w",
  },
  {
    label: "shape negative",
    bytes: buildFile({ w: { ...w8, shape: [2, -1] } }, f32(2)),
    includes:
      "shape[1] must be a non-negative integer (below 2^53), found number -1",
    tensor: "w",
  },
  {
    label: "shape entry a string",
    bytes: buildFile({ w: { ...w8, shape: ["2"] } }, f32(2)),
    includes: "shape[0] must be a non-negative integer",
    tensor: "w",
  },
  {
    label: "shape entry huge",
    bytes: buildFile(
      '{"w":{"dtype":"F32","shape":[1e400],"data_offsets":[0,8]}}',
      f32(2),
    ),
    includes: "found number Infinity",
    tensor: "w",
  },
  {
    label: "shape entry beyond 2^53",
    bytes: buildFile(
      '{"w":{"dtype":"F32","shape":[9007199254740993],"data_offsets":[0,8]}}',
      f32(2),
    ),
    includes: "shape[0] must be a non-negative integer",
    tensor: "w",
  },
  {
    label: "shape product overflow",
    bytes: buildFile({ w: entry("F32", [2 ** 26, 2 ** 26, 2 ** 26], 0, 0) }),
    includes: "too many elements (overflow)",
    tensor: "w",
  },
  // dtypes.
  {
    label: "unknown dtype",
    bytes: buildFile({ w: { ...w8, dtype: "float32" } }, f32(2)),
    includes: 'unknown or unsupported dtype "float32"',
    tensor: "w",
  },
  {
    label: "unsupported dtype",
    bytes: buildFile({ w: entry("F8_E8M0", [8], 0, 8) }, f32(2)),
    includes: 'unsupported dtype "F8_E8M0"',
    tensor: "w",
  },
  // Offsets and coverage.
  {
    label: "offsets a string",
    bytes: buildFile({ w: { ...w8, data_offsets: "0,8" } }, f32(2)),
    includes: "data_offsets must be an array of two integers",
    tensor: "w",
  },
  {
    label: "three offsets",
    bytes: buildFile({ w: { ...w8, data_offsets: [0, 8, 8] } }, f32(2)),
    includes: "found an array of 3",
    tensor: "w",
  },
  {
    label: "offset fractional",
    bytes: buildFile({ w: { ...w8, data_offsets: [0.5, 8] } }, f32(2)),
    includes:
      "data_offsets[0] must be a non-negative integer (below 2^53), found number 0.5",
    tensor: "w",
  },
  {
    label: "offset negative",
    bytes: buildFile({ w: { ...w8, data_offsets: [-8, 0] } }, f32(2)),
    includes:
      "data_offsets[0] must be a non-negative integer (below 2^53), found number -8",
    tensor: "w",
  },
  {
    label: "begin > end",
    bytes: buildFile({ w: entry("F32", [0], 8, 4) }, f32(2)),
    includes: "data_offsets [8, 4] has begin > end",
    tensor: "w",
  },
  {
    label: "end beyond the data",
    bytes: buildFile({ w: entry("F32", [250], 0, 1000) }, f32(2)),
    includes: "data_offsets [0, 1000] end beyond the data section (8 bytes)",
    tensor: "w",
  },
  {
    label: "shape and offsets disagree",
    bytes: buildFile({ w: entry("F32", [3], 0, 8) }, f32(2)),
    includes: "needs 3 × 4 bytes, but data_offsets [0, 8] span 8",
    tensor: "w",
  },
  {
    label: "overlapping tensors",
    bytes: buildFile({
      a: entry("F32", [2], 0, 8),
      b: entry("F32", [2], 4, 12),
    }, f32(3)),
    includes: `data_offsets [4, 12] overlap tensor "a"'s [0, 8]`,
    tensor: "b",
  },
  {
    label: "two tensors on the same bytes",
    bytes: buildFile(
      { a: entry("F32", [2], 0, 8), b: entry("I32", [2], 0, 8) },
      f32(2),
    ),
    includes: "overlap",
    tensor: "b",
  },
  {
    label: "a gap",
    bytes: buildFile({
      a: entry("F32", [2], 0, 8),
      b: entry("F32", [2], 12, 20),
    }, f32(5)),
    includes: "bytes [8, 12) of the data section belong to no tensor",
    tensor: "b",
  },
  {
    label: "trailing bytes",
    bytes: buildFile({ a: entry("F32", [2], 0, 8) }, f32(3)),
    includes:
      "the data section is 12 bytes but the tensors cover only the first 8",
  },
  {
    label: "data but no tensors",
    bytes: buildFile({}, f32(1)),
    includes: "cover only the first 0",
  },
  // Duplicates.
  {
    label: "duplicate tensor names",
    bytes: buildFile(
      `{"w":${JSON.stringify(entry("F32", [2], 0, 8))},"w":${
        JSON.stringify(entry("F32", [2], 8, 16))
      }}`,
      f32(4),
    ),
    includes: "the tensor name appears twice in the header",
    tensor: "w",
  },
  {
    label: "duplicate __metadata__",
    bytes: buildFile('{"__metadata__":{},"__metadata__":{}}'),
    includes: "__metadata__ appears twice",
  },
  {
    label: "duplicate field in an entry",
    bytes: buildFile(
      '{"w":{"dtype":"F32","dtype":"I32","shape":[2],"data_offsets":[0,8]}}',
      f32(2),
    ),
    includes: 'duplicate key "dtype"',
  },
  {
    label: "duplicate metadata key",
    bytes: buildFile('{"__metadata__":{"a":"1","a":"2"}}'),
    includes: 'duplicate key "a"',
  },
  // Metadata.
  {
    label: "metadata value a number",
    bytes: buildFile({ __metadata__: { format: "pt", epoch: 3 } }),
    includes:
      '__metadata__ value for key "epoch" must be a string, found number 3',
  },
  {
    label: "metadata value an object",
    bytes: buildFile({ __metadata__: { a: {} } }),
    includes: "found an object",
  },
  {
    label: "metadata an array",
    bytes: buildFile({ __metadata__: ["a"] }),
    includes: "__metadata__ must be an object of strings, found an array",
  },
  // Values tfjs cannot hold.
  {
    label: "I64 above int32",
    bytes: buildFile({
      ok: entry("F32", [1], 0, 4),
      n: entry("I64", [2], 4, 20),
    }, [
      ...f32(1),
      ...i64Bytes([5n, 2n ** 40n]),
    ]),
    includes: "I64 element 1 is 1099511627776, outside the int32 range",
    tensor: "n",
    inData: true,
  },
  {
    label: "I64 below int32",
    bytes: buildFile(
      { n: entry("I64", [1], 0, 8) },
      i64Bytes([-(2n ** 31n) - 1n]),
    ),
    includes: "I64 element 0 is -2147483649",
    tensor: "n",
    inData: true,
  },
  {
    label: "U32 above int32",
    bytes: buildFile({ n: entry("U32", [1], 0, 4) }, [0, 0, 0, 0x80]),
    includes: "U32 element 0 is 2147483648",
    tensor: "n",
    inData: true,
  },
  {
    label: "BOOL byte 2",
    bytes: buildFile({ b: entry("BOOL", [3], 0, 3) }, [1, 0, 2]),
    includes: "BOOL element 2 is the byte 2; BOOL bytes must be 0 or 1",
    tensor: "b",
    inData: true,
  },
];

function slug(label: string): string {
  return label.replace(/[^a-zA-Z0-9]+/g, "_");
}

async function expectError(
  path: string,
  c: Case,
  call: () => Promise<unknown>,
  entry: string,
): Promise<void> {
  const error = await assertRejects(
    call,
    SafetensorsError,
    undefined,
    `${c.label} (${entry})`,
  );
  assertEquals(error.file, path, c.label);
  assertStringIncludes(error.message, JSON.stringify(path), c.label);
  assertStringIncludes(error.message, c.includes, `${c.label} (${entry})`);
  assertEquals(error.tensor, c.tensor, `${c.label}: the tensor at fault`);
  if (c.tensor !== undefined) {
    assertStringIncludes(error.message, JSON.stringify(c.tensor), c.label);
  }
}

Deno.test("every hostile file gives a SafetensorsError naming the file (and tensor) from every entry point", async () => {
  await withTempDir(async (dir) => {
    const before = tf.memory().numTensors;
    for (const c of CASES) {
      const path = join(dir, `${slug(c.label)}.safetensors`);
      await Deno.writeFile(path, c.bytes);
      await expectError(
        path,
        c,
        () => loadSafetensors(path),
        "loadSafetensors",
      );
      await expectError(path, c, async () => {
        for await (const [, t] of iterateSafetensors(path)) t.dispose();
      }, "iterateSafetensors");
      if (c.inData) {
        await readSafetensorsHeader(path);
        // The header is fine; reading the tensor, or all its rows, is not.
        const file = await openSafetensorsWeights(path);
        try {
          await expectError(path, c, async () => {
            for (const w of file.weights) (await file.read(w)).dispose();
          }, "WeightFile.read");
          await expectError(path, c, async () => {
            for (const w of file.weights) {
              const [rows] = matrixOf(w.shape);
              await file.readRows(w, Array.from({ length: rows }, (_, i) => i));
            }
          }, "WeightFile.readRows");
        } finally {
          file.close();
        }
      } else {
        await expectError(
          path,
          c,
          () => readSafetensorsHeader(path),
          "readSafetensorsHeader",
        );
        await expectError(
          path,
          c,
          () => openSafetensorsWeights(path),
          "openSafetensorsWeights",
        );
      }
      assertEquals(
        tf.memory().numTensors,
        before,
        `${c.label}: no tensor leaked`,
      );
    }
  });
});

Deno.test("a header length over 100 MB is refused before anything is allocated", async () => {
  await withTempDir(async (dir) => {
    const path = join(dir, "huge_header.safetensors");
    // A sparse file: 150 MB long, almost all of it holes.
    const file = await Deno.open(path, { write: true, create: true });
    await file.truncate(150_000_000);
    const length = new Uint8Array(8);
    new DataView(length.buffer).setBigUint64(0, 120_000_000n, true);
    await file.write(length);
    file.close();
    await rejectsNaming(
      path,
      [() => loadSafetensors(path), () => readSafetensorsHeader(path)],
      "says 120000000 bytes, over the 100000000-byte limit",
    );
  });
});

Deno.test("valid edge cases load: zero-size tensors anywhere, null metadata, whitespace, escapes, __proto__", async () => {
  await withTempDir(async (dir) => {
    const path = join(dir, "edge.safetensors");
    const header = `{ "__metadata__" : null ,
      "z0": {"dtype":"F32","shape":[0],"data_offsets":[0,0]},
      "__proto__": {"dtype":"I32","shape":[],"data_offsets":[0,4]},
      "z1": {"dtype":"BOOL","shape":[3,0],"data_offsets":[4,4]},
      "\\u00fc\\n\\"\\ud83d\\ude00": {"dtype":"U8","shape":[2],"data_offsets":[4,6]},
      "z2": {"dtype":"F64","shape":[0,2],"data_offsets":[6,6]} }\t\r\n  `;
    await Deno.writeFile(path, buildFile(header, [7, 0, 0, 0, 200, 1]));
    const loaded = await loadSafetensors(path);
    assertEquals([...loaded.keys()], ["z0", "__proto__", "z1", 'ü\n"😀', "z2"]);
    assertEquals(await loaded.get("__proto__")!.data(), new Int32Array([7]));
    assertEquals(await loaded.get('ü\n"😀')!.data(), new Int32Array([200, 1]));
    assertEquals(loaded.get("z1")!.shape, [3, 0]);
    assertEquals((await readSafetensorsHeader(path)).metadata, {});
    tf.dispose([...loaded.values()]);
  });
});

Deno.test("the strict JSON parser: duplicates, depth, escapes, and no recursion", () => {
  const parse = (text: string) => parseStrictJson(text);
  assertEquals(
    parse('{"a":[1,-2.5e3,true,false,null,"x\\u0041\\/"],"b":{}}'),
    new Map<string, unknown>([["a", [1, -2500, true, false, null, "xA/"]], [
      "b",
      new Map(),
    ]]) as never,
  );
  const dup = (() => {
    try {
      parse('{"a":{"b":1,"b":2}}');
    } catch (e) {
      return e;
    }
  })();
  assertInstanceOf(dup, JsonSyntaxError);
  assertEquals(dup.duplicate, { key: "b", depth: 2 });
  for (
    const bad of [
      "",
      "01",
      "1.",
      "-",
      ".5",
      "+1",
      "[1,]",
      '{"a" 1}',
      '"\\x"',
      '"\\u12"',
      '"\\udc00"',
      "tru",
      "[",
      "{",
      '{"a":1',
      "\u00a0{}",
    ]
  ) {
    assertThrows(
      () => parse(bad),
      JsonSyntaxError,
      undefined,
      JSON.stringify(bad),
    );
  }
  // A million levels of nesting: a clear error, not a stack overflow.
  assertThrows(
    () => parseStrictJson("[".repeat(1_000_000), 2_000_000),
    JsonSyntaxError,
    "end of input",
  );
});
