/**
 * `storagePrecision`: how finely a weight was stored, in the form
 * `analyzeSpectrum` takes it, so that rounding is not read as rank.
 *
 * @module
 */
import type { StoredWeight } from "./_weight_file.ts";
import type { StoredFloat } from "../stats/stored_float.ts";

/** The stored dtypes (safetensors, and tfjs's float16) that are low-precision floats. */
const STORED: ReadonlyMap<string, StoredFloat> = new Map([
  ["F16", "float16"],
  ["float16", "float16"],
  ["BF16", "bfloat16"],
  ["F8_E4M3", "float8_e4m3fn"],
  ["F8_E5M2", "float8_e5m2"],
]);

/**
 * The `analyzeSpectrum` options (also `plotWeightRow`'s) that say how
 * coarsely a weight was stored: at most one of the two is set.
 */
export interface StoragePrecision {
  /** The grid step of a uint8 or uint16 quantisation (its `scale`). */
  quantizationStep?: number;
  /**
   * The low-precision float format: safetensors F16 and tfjs float16
   * quantisation, BF16, F8_E4M3 or F8_E5M2.
   */
  storedDtype?: StoredFloat;
}

/**
 * How coarsely a weight was stored, as `analyzeSpectrum` options: a tfjs
 * uint8/uint16 quantisation gives its grid step (`quantizationStep`), a
 * safetensors F16, BF16, F8_E4M3 or F8_E5M2 tensor or a tfjs float16
 * quantisation its format
 * (`storedDtype`); float32 and float64 give `{}`. With these, the numerical
 * rank counts only singular values above what rounding to that storage
 * leaves.
 *
 * @param weight A weight's description (`openWeights(path).weights[i]`, or
 * `WeightMap.stored.get(name)`).
 * @returns The options, `{}` for full-precision storage.
 *
 * @example
 * ```ts
 * import { storagePrecision } from "../../mod.ts";
 * import { assertEquals } from "@std/assert";
 *
 * const base = { name: "w", shape: [4, 4], dtype: "float32", file: "w.bin", byteLength: 16 } as const;
 * assertEquals(
 *   storagePrecision({ ...base, storedDtype: "uint8", quantization: { dtype: "uint8", scale: 0.01, min: -1 } }),
 *   { quantizationStep: 0.01 },
 * );
 * assertEquals(storagePrecision({ ...base, storedDtype: "BF16", quantization: null }), { storedDtype: "bfloat16" });
 * assertEquals(storagePrecision({ ...base, storedDtype: "F8_E4M3", quantization: null }), { storedDtype: "float8_e4m3fn" });
 * assertEquals(storagePrecision({ ...base, storedDtype: "F32", quantization: null }), {});
 * ```
 */
export function storagePrecision(weight: StoredWeight): StoragePrecision {
  const q = weight.quantization;
  if (
    q !== null && (q.dtype === "uint8" || q.dtype === "uint16") &&
    q.scale !== undefined && q.scale > 0
  ) return { quantizationStep: q.scale };
  if (q?.dtype === "float16") return { storedDtype: "float16" };
  const float = STORED.get(weight.storedDtype);
  return float === undefined ? {} : { storedDtype: float };
}
