/**
 * What storing weights in a coarser format leaves: the spectral norm of the
 * rounding errors, under which no singular value can be told from rounding
 * (Weyl: rounding moves every singular value by at most that norm).
 *
 * @module
 */

import {
  type StoredFloat,
  storedFloatSpacing,
  unitRoundoff,
} from "./stored_float.ts";

/**
 * An N × M matrix stored on a grid of step h: errors uniform in ±h/2,
 * iid, so the norm is about (h/√12)(√N + √M) (Bai–Yin); 0 without a step.
 */
export function gridFloor(h: number | undefined, n: number, m: number): number {
  return h === undefined
    ? 0
    : (h / Math.sqrt(12)) * (Math.sqrt(n) + Math.sqrt(m));
}

/**
 * A matrix rounded to a low-precision float format: entry (i, j) moves by
 * at most e = max(u·|wᵢⱼ|, s/2) (u the unit roundoff, s the subnormal
 * step), with a standard deviation of at most e/√3 (uniform within its
 * half-ulp), so the errors have a variance profile bounded by
 * (u²wᵢⱼ² + s²/4)/3 and their norm is about the largest row norm plus the
 * largest column norm of that profile (Latała; Bandeira and van Handel):
 * (1/√3)(√(u²·maxᵢ‖wᵢ‖² + M·s²/4) + √(u²·maxⱼ‖wʲ‖² + N·s²/4)) for N rows and
 * M columns. 0 without a format.
 *
 * @param format The format the values were stored in, or undefined.
 * @param values The matrix, row-major.
 * @param rows Its rows.
 * @param cols Its columns.
 * @param offset Where the matrix starts in `values`.
 */
export function floatFloor(
  format: StoredFloat | undefined,
  values: ArrayLike<number>,
  rows: number,
  cols: number,
  offset = 0,
): number {
  if (format === undefined) return 0;
  const colSS = new Float64Array(cols);
  let rowMax = 0;
  for (let i = 0; i < rows; i++) {
    let ss = 0;
    const o = offset + i * cols;
    for (let j = 0; j < cols; j++) {
      const v = values[o + j] * values[o + j];
      ss += v;
      colSS[j] += v;
    }
    rowMax = Math.max(rowMax, ss);
  }
  let colMax = 0;
  for (const ss of colSS) colMax = Math.max(colMax, ss);
  const u = unitRoundoff(format);
  const s = storedFloatSpacing(format, 0);
  const sub = (s * s) / 4;
  return (Math.sqrt(u * u * rowMax + cols * sub) +
    Math.sqrt(u * u * colMax + rows * sub)) / Math.sqrt(3);
}
