/**
 * The low-precision float formats weights are stored in (half precision and
 * the 8-bit floats of FP8 checkpoints), and the spacing of their numbers.
 *
 * @module
 */

/**
 * A low-precision float format weights are stored in, by the name PyTorch
 * gives it: `"float16"` (a safetensors F16 tensor, a tfjs float16
 * quantisation; unit roundoff u = 2⁻¹¹), `"bfloat16"` (BF16; u = 2⁻⁸),
 * `"float8_e4m3fn"` (safetensors F8_E4M3; u = 2⁻⁴) or `"float8_e5m2"`
 * (F8_E5M2; u = 2⁻³).
 *
 * @example
 * ```ts
 * import { analyzeSpectrumSync } from "./analyze_spectrum.ts";
 * import type { StoredFloat } from "./stored_float.ts";
 * import { assertEquals, assertGreater } from "@std/assert";
 *
 * // A rank-1 matrix whose entries were rounded to bfloat16 (to nearest, even).
 * const bits = new Uint32Array(1);
 * const float = new Float32Array(bits.buffer);
 * const bfloat16 = (v: number) => {
 *   float[0] = v;
 *   bits[0] = (bits[0] + 0x7fff + ((bits[0] >>> 16) & 1)) & 0xffff0000;
 *   return float[0];
 * };
 * const values = Float32Array.from(
 *   { length: 32 * 64 },
 *   (_, k) => bfloat16(Math.sin(1 + (k % 64)) * Math.cos(1 + Math.floor(k / 64))),
 * );
 * const x = { values, shape: [32, 64] };
 * assertGreater(analyzeSpectrumSync(x).rank, 1); // rounding, read as rank
 * const format: StoredFloat = "bfloat16";
 * assertEquals(analyzeSpectrumSync(x, { storedDtype: format }).rank, 1);
 * ```
 */
export type StoredFloat =
  | "float16"
  | "bfloat16"
  | "float8_e4m3fn"
  | "float8_e5m2";

/** Each format's unit roundoff u (half an ulp, relative) and smallest normal number. */
const FORMATS: Readonly<
  Record<StoredFloat, { readonly u: number; readonly minNormal: number }>
> = {
  float16: { u: 2 ** -11, minNormal: 2 ** -14 },
  bfloat16: { u: 2 ** -8, minNormal: 2 ** -126 },
  float8_e4m3fn: { u: 2 ** -4, minNormal: 2 ** -6 },
  float8_e5m2: { u: 2 ** -3, minNormal: 2 ** -14 },
};

/**
 * Every {@linkcode StoredFloat}, for option checks.
 *
 * @example
 * ```ts
 * import { STORED_FLOATS } from "./stored_float.ts";
 * import { assertEquals } from "@std/assert";
 *
 * assertEquals(STORED_FLOATS, ["float16", "bfloat16", "float8_e4m3fn", "float8_e5m2"]);
 * ```
 */
export const STORED_FLOATS: readonly StoredFloat[] = Object.freeze(
  Object.keys(FORMATS) as StoredFloat[],
);

/**
 * The unit roundoff u of a format: rounding to nearest moves a normal
 * number by at most u times its size.
 *
 * @param format The format.
 * @returns u: 2⁻¹¹, 2⁻⁸, 2⁻⁴ or 2⁻³.
 *
 * @example
 * ```ts
 * import { unitRoundoff } from "./stored_float.ts";
 * import { assertEquals } from "@std/assert";
 *
 * assertEquals(unitRoundoff("bfloat16"), 2 ** -8);
 * ```
 */
export function unitRoundoff(format: StoredFloat): number {
  return FORMATS[format].u;
}

/**
 * The distance between a format's adjacent numbers at magnitude |x|: its
 * ulp, 2u·2^⌊log₂|x|⌋ for a normal |x|, and the subnormal step (2u times
 * the smallest normal number) below that. Every number of the format is a
 * multiple of the subnormal step, and the numbers in [2^e, 2^(e+1)) are
 * the multiples of the ulp there.
 *
 * @param format The format.
 * @param x A value (its sign and whether it is a number of the format do
 * not matter).
 * @returns The spacing, a power of two.
 *
 * @example
 * ```ts
 * import { storedFloatSpacing } from "./stored_float.ts";
 * import { assertEquals } from "@std/assert";
 *
 * assertEquals(storedFloatSpacing("float8_e4m3fn", 100), 8); // 64, 72, …, 120
 * assertEquals(storedFloatSpacing("float8_e4m3fn", 0), 2 ** -9);
 * assertEquals(storedFloatSpacing("bfloat16", -1.5), 2 ** -7);
 * ```
 */
export function storedFloatSpacing(format: StoredFloat, x: number): number {
  const { u, minNormal } = FORMATS[format];
  const a = Math.abs(x);
  if (!(a >= minNormal)) return 2 * u * minNormal;
  let e = Math.floor(Math.log2(a));
  // log2 may round up just under a power of two.
  if (2 ** e > a) e--;
  return 2 * u * 2 ** e;
}
