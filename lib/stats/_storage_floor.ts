/**
 * What storing weights in a coarser format leaves: the spectral norm of the
 * rounding errors, under which no singular value can be told from rounding
 * (Weyl: rounding moves every singular value by at most that norm).
 *
 * @module
 */

/** Unit roundoff (round to nearest) of the half-precision formats. */
const UNIT_ROUNDOFF = { float16: 2 ** -11, bfloat16: 2 ** -8 } as const;

/** The half-precision formats {@linkcode floatFloor} knows. */
export type HalfPrecision = keyof typeof UNIT_ROUNDOFF;

/** The formats' names, for option checks. */
export const HALF_PRECISIONS: readonly HalfPrecision[] = Object.keys(
  UNIT_ROUNDOFF,
) as HalfPrecision[];

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
 * A matrix rounded to a half-precision format: entry (i, j) moves by at
 * most u·|wᵢⱼ|, with a standard deviation of at most u·|wᵢⱼ|/√3 (uniform
 * within its binade's half-ulp), so the errors have a variance profile and
 * their norm is about the largest row norm plus the largest column norm of
 * that profile (Latała; Bandeira and van Handel):
 * (u/√3)(maxᵢ‖wᵢ‖ + maxⱼ‖wʲ‖). 0 without a format.
 *
 * @param format The format the values were stored in, or undefined.
 * @param values The matrix, row-major.
 * @param rows Its rows.
 * @param cols Its columns.
 * @param offset Where the matrix starts in `values`.
 */
export function floatFloor(
  format: HalfPrecision | undefined,
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
  return (UNIT_ROUNDOFF[format] / Math.sqrt(3)) *
    (Math.sqrt(rowMax) + Math.sqrt(colMax));
}
