/**
 * `storagePrecision` and `WeightMap.storagePrecision`: how coarsely a weight
 * was stored, as the options that keep rounding from reading as rank.
 */
import { assertEquals, assertGreater, assertThrows } from "@std/assert";
import { join } from "node:path";
import {
  analyzeSpectrum,
  loadWeights,
  storagePrecision,
  type StoredWeight,
  tf,
} from "../../mod.ts";
import { faceApiModelDir } from "../_face_api.ts";

const BASE = {
  name: "w",
  shape: [8, 8],
  dtype: "float32",
  file: "w.bin",
  byteLength: 64,
} as const;

Deno.test("storagePrecision: a grid step for uint8/uint16, a format for half precision, nothing for full", () => {
  const cases: [Partial<StoredWeight>, object][] = [
    [{
      storedDtype: "uint8",
      quantization: { dtype: "uint8", scale: 0.02, min: -1 },
    }, { quantizationStep: 0.02 }],
    [{
      storedDtype: "uint16",
      quantization: { dtype: "uint16", scale: 1e-4, min: 0 },
    }, { quantizationStep: 1e-4 }],
    [{ storedDtype: "float16", quantization: { dtype: "float16" } }, {
      storedDtype: "float16",
    }],
    [{ storedDtype: "F16", quantization: null }, { storedDtype: "float16" }],
    [{ storedDtype: "BF16", quantization: null }, { storedDtype: "bfloat16" }],
    [{ storedDtype: "F8_E4M3", quantization: null }, {
      storedDtype: "float8_e4m3fn",
    }],
    [{ storedDtype: "F8_E5M2", quantization: null }, {
      storedDtype: "float8_e5m2",
    }],
    // Names of Object.prototype are not formats.
    [{ storedDtype: "constructor", quantization: null }, {}],
    [{ storedDtype: "F32", quantization: null }, {}],
    [{ storedDtype: "F64", quantization: null }, {}],
    [{ storedDtype: "float32", quantization: null }, {}],
    // A degenerate grid (a constant tensor) has no step to speak of.
    [{
      storedDtype: "uint8",
      quantization: { dtype: "uint8", scale: 0, min: 3 },
    }, {}],
  ];
  for (const [weight, expected] of cases) {
    assertEquals(
      storagePrecision({ ...BASE, ...weight } as StoredWeight),
      expected,
      JSON.stringify(weight),
    );
  }
});

Deno.test("WeightMap.storagePrecision: face-api's uint8 fc, analysed with it, has rank above the rounding floor only", async () => {
  const weights = await loadWeights(
    join(
      await faceApiModelDir(),
      "face_recognition_model-weights_manifest.json",
    ),
  );
  try {
    const precision = weights.storagePrecision("fc");
    assertEquals(precision, {
      quantizationStep: weights.quantization("fc")!.scale,
    });
    const a = await analyzeSpectrum(weights.get("fc")!, precision);
    assertEquals(a.verdict, "low-rank");
    assertGreater(128 - a.rank, 40);
    assertThrows(
      () => weights.storagePrecision("fc/weights"),
      RangeError,
      'WeightMap.storagePrecision: name must be a weight of this map, received "fc/weights"',
    );
  } finally {
    tf.dispose([...weights.values()]);
  }
});
