/**
 * The face-api weights helper (`tests/_face_api.ts`) decodes as tfjs does:
 * every real weight, and synthetic groups of every supported stored dtype,
 * agree exactly with `tf.io.decodeWeights`; unsupported dtypes are refused.
 *
 * The first run fetches `@vladmandic/face-api` with npm (network needed);
 * without npm or the network these tests fail, saying which command failed.
 *
 * @module
 */
import { basename } from "node:path";
import { assert, assertEquals, assertThrows } from "@std/assert";
import { tf } from "../lib/tf.ts";
import { concat } from "./_bytes.ts";
import {
  decodeWeightGroup,
  FACE_API_VERSION,
  faceApiModels,
  type FaceApiTensor,
  faceApiWeights,
  readManifest,
  readShards,
  type WeightSpec,
} from "./_face_api.ts";

type TfSpecs = Parameters<typeof tf.io.decodeWeights>[1];

/** Decodes with tfjs; returns each weight's values and dtype by name. */
function decodeWithTf(
  specs: WeightSpec[],
  bytes: Uint8Array,
): Map<string, { dtype: string; values: ArrayLike<number> }> {
  const tensors = tf.io.decodeWeights(
    bytes.slice().buffer,
    specs as TfSpecs,
  );
  const out = new Map<string, { dtype: string; values: ArrayLike<number> }>();
  for (const [name, t] of Object.entries(tensors)) {
    out.set(name, {
      dtype: t.dtype,
      values: t.dataSync() as ArrayLike<number>,
    });
    t.dispose();
  }
  return out;
}

/** Asserts that ours equals tfjs's element for element (`Object.is`). */
function assertSameAsTf(
  ours: FaceApiTensor,
  theirs: { dtype: string; values: ArrayLike<number> } | undefined,
  where: string,
): void {
  assert(theirs, `${where}: ${ours.name} missing from tfjs's decoding`);
  assertEquals(ours.tensorDtype, theirs.dtype, `${where}: ${ours.name}`);
  assertEquals(
    ours.values.length,
    theirs.values.length,
    `${where}: ${ours.name}: length`,
  );
  for (let i = 0; i < ours.values.length; i++) {
    if (!Object.is(ours.values[i], theirs.values[i])) {
      throw new Error(
        `${where}: ${ours.name} [${ours.shape}] ${ours.dtype}: index ${i} ` +
          `is ${ours.values[i]} here, ${theirs.values[i]} in tfjs`,
      );
    }
  }
}

Deno.test(`face-api ${FACE_API_VERSION}: manifests and weights`, async () => {
  const models = await faceApiModels();
  assertEquals(models.length, 7, models.join("\n"));
  const weights = await faceApiWeights();
  assert(weights.length > 0);
  assertEquals(new Set(weights.map((w) => w.model)).size, 7);
  for (const w of weights) {
    assertEquals(
      w.values.length,
      w.shape.reduce((a, b) => a * b, 1),
      `${w.model}: ${w.name}`,
    );
  }
  assert(await faceApiWeights() === weights, "read once, then cached");
});

Deno.test("face-api weights decode exactly as tf.io.decodeWeights", async () => {
  const weights = await faceApiWeights();
  const compared = new Map<string, number>();
  for (const file of await faceApiModels()) {
    const model = basename(file).replace(/(-weights_manifest)?\.json$/, "");
    const ours = weights.filter((w) => w.model === model);
    let i = 0;
    for (const group of await readManifest(file)) {
      const theirs = decodeWithTf(
        group.weights,
        await readShards(file, group.paths),
      );
      for (const spec of group.weights) {
        const w = ours[i++];
        assertEquals(w.name, spec.name, file);
        assertSameAsTf(w, theirs.get(spec.name), file);
        const kind = `${w.tensorDtype}/${w.dtype}`;
        compared.set(kind, (compared.get(kind) ?? 0) + 1);
      }
    }
    assertEquals(i, ours.length, file);
  }
  assert(compared.get("float32/float32"), "no unquantised float32 compared");
  assert(compared.get("float32/uint8"), "no uint8-quantised float32 compared");

  // One of each, named, from the age and gender model.
  const pick = (name: string) =>
    weights.find((w) => w.model === "age_gender_model" && w.name === name)!;
  const bias = pick("entry_flow/conv_in/bias");
  const filters = pick("entry_flow/conv_in/filters");
  assertEquals([bias.dtype, bias.quantization], ["float32", null]);
  assertEquals([filters.dtype, filters.shape], ["uint8", [3, 3, 3, 32]]);
});

/** Little-endian bytes of `values` in `dtype`. */
function encode(dtype: string, values: number[]): Uint8Array {
  const width = { float32: 4, int32: 4, uint8: 1, uint16: 2 }[dtype]!;
  const out = new Uint8Array(values.length * width);
  const view = new DataView(out.buffer);
  values.forEach((v, i) => {
    if (dtype === "float32") view.setFloat32(i * width, v, true);
    else if (dtype === "int32") view.setInt32(i * width, v, true);
    else if (dtype === "uint8") view.setUint8(i, v);
    else view.setUint16(i * width, v, true);
  });
  return out;
}

const range = (n: number, step = 1) =>
  Array.from({ length: n }, (_, i) => i * step);

Deno.test("every stored dtype decodes exactly as tf.io.decodeWeights", () => {
  const halves = range(65536); // every float16 bit pattern
  const groups: [WeightSpec, Uint8Array][] = [
    [
      { name: "f32", shape: [2, 3], dtype: "float32" },
      encode("float32", [0, -0, 1.5, -3e-39, 3.4e38, -Infinity]),
    ],
    [{ name: "scalar", shape: [], dtype: "float32" }, encode("float32", [7])],
    [{ name: "empty", shape: [0, 3], dtype: "float32" }, new Uint8Array()],
    [
      { name: "i32", shape: [3], dtype: "int32" },
      encode("int32", [-5, 0, 1 << 24]),
    ],
    [
      {
        name: "u8",
        shape: [16, 16],
        dtype: "float32",
        quantization: { dtype: "uint8", scale: 0.0123456789, min: -1.2345 },
      },
      encode("uint8", range(256)),
    ],
    [
      {
        name: "u16",
        shape: [4096],
        dtype: "float32",
        quantization: { dtype: "uint16", scale: 1.234e-5, min: -0.3 },
      },
      encode("uint16", range(4096, 16)),
    ],
    [
      {
        name: "f16",
        shape: [256, 256],
        dtype: "float32",
        quantization: { dtype: "float16" },
      },
      encode("uint16", halves),
    ],
    [
      {
        name: "i32_u8",
        shape: [256],
        dtype: "int32",
        quantization: { dtype: "uint8", scale: 0.5, min: -3.25 },
      },
      encode("uint8", range(256)),
    ],
    [
      {
        name: "i32_u16",
        shape: [3],
        dtype: "int32",
        quantization: { dtype: "uint16", scale: 1, min: 5118 },
      },
      encode("uint16", [0, 1, 65535]),
    ],
  ];
  const specs = groups.map(([s]) => s);
  const bytes = concat(...groups.map(([, b]) => b));
  const ours = decodeWeightGroup(specs, bytes, "synthetic.json", "synthetic");
  const theirs = decodeWithTf(specs, bytes);
  assertEquals(ours.map((w) => w.dtype), [
    "float32",
    "float32",
    "float32",
    "int32",
    "uint8",
    "uint16",
    "float16",
    "uint8",
    "uint16",
  ]);
  for (const w of ours) assertSameAsTf(w, theirs.get(w.name), "synthetic");
  const f16 = ours.find((w) => w.name === "f16")!.values;
  assertEquals([f16[0x3c00], f16[0x7c00], f16[0xfc00]], [
    1,
    Infinity,
    -Infinity,
  ]);
  assert(Number.isNaN(f16[0x7e00]) && Object.is(f16[0x8000], -0));
});

Deno.test("unsupported dtypes and layouts are refused, naming file and weight", () => {
  const cases: [WeightSpec, Uint8Array, string][] = [
    [
      {
        name: "w",
        shape: [2],
        dtype: "float32",
        quantization: { dtype: "int8" },
      },
      new Uint8Array(2),
      "unknown quantisation dtype",
    ],
    [
      {
        name: "w",
        shape: [2],
        dtype: "float32",
        quantization: { dtype: "float32" },
      },
      new Uint8Array(8),
      "unknown quantisation dtype",
    ],
    [{ name: "w", shape: [2], dtype: "bool" }, new Uint8Array(2), "dtype"],
    [{ name: "w", shape: [1], dtype: "string" }, new Uint8Array(8), "dtype"],
    [{ name: "w", shape: [1], dtype: "complex64" }, new Uint8Array(8), "dtype"],
    [
      {
        name: "w",
        shape: [2],
        dtype: "float32",
        quantization: { dtype: "uint8", scale: 0.1 },
      },
      new Uint8Array(2),
      "scale and min",
    ],
    [
      {
        name: "w",
        shape: [2],
        dtype: "int32",
        quantization: { dtype: "float16" },
      },
      new Uint8Array(4),
      "float16 quantisation of a int32",
    ],
    [
      { name: "w", shape: [3], dtype: "float32" },
      new Uint8Array(8),
      "the shards hold 8",
    ],
    [
      { name: "w", shape: [1], dtype: "float32" },
      new Uint8Array(6),
      "2 bytes left over",
    ],
    [{ name: "w", shape: [-1], dtype: "float32" }, new Uint8Array(), "shape"],
  ];
  for (const [spec, bytes, message] of cases) {
    const error = assertThrows(
      () => decodeWeightGroup([spec], bytes, "bad.json", "bad"),
      Error,
      message,
    );
    assert(error.message.startsWith("bad.json"), error.message);
    if (!message.includes("left over")) {
      assert(error.message.includes('"w"'), error.message);
    }
  }
});
