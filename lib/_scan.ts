/**
 * A scan of numbers for non-finite values, shared by the numerics.
 *
 * @module
 */

/** Counts NaN, +Inf and −Inf, and finds the largest |value|. */
export function scanValues(values: ArrayLike<number>): {
  nan: number;
  posInf: number;
  negInf: number;
  max: number;
} {
  let nan = 0;
  let posInf = 0;
  let negInf = 0;
  let max = 0;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (v !== v) nan++;
    else if (v === Infinity) posInf++;
    else if (v === -Infinity) negInf++;
    else {
      const a = v < 0 ? -v : v;
      if (a > max) max = a;
    }
  }
  return { nan, posInf, negInf, max };
}
