/**
 * How far a matrix is from (semi-)orthogonal: the largest entry of
 * WᵀW − gain²·I (or WWᵀ − gain²·I for a wide matrix), in Float64.
 *
 * @module
 */
import { matmul } from "./_matmul.ts";
import { transpose } from "./_transpose.ts";

/** What {@linkcode gramDeviation} returns. */
export interface GramDeviation {
  /** max |G − gain²·I| / gain² over all entries (NaN when an entry is NaN). */
  max: number;
  /** Row of the worst entry of G. */
  i: number;
  /** Column of the worst entry of G. */
  j: number;
  /** G's worst entry, divided by gain². */
  value: number;
  /** `"columns"` (G = WᵀW, rows ≥ cols) or `"rows"` (G = WWᵀ). */
  compared: "columns" | "rows";
}

/**
 * The Gram matrix G of the shorter side of a rows×cols row-major matrix W
 * (G = WᵀW when rows ≥ cols, WWᵀ otherwise), computed in Float64 on the
 * QR's matrix-product kernels (rows·cols·min(rows, cols)·2 flops), and its
 * largest deviation from gain²·I, relative to gain².
 *
 * @param values W, row-major, rows·cols values.
 * @param rows Rows of W.
 * @param cols Columns of W.
 * @param gain The expected scale (W = gain·Q), > 0.
 * @returns The worst entry and where it is.
 *
 * @example
 * ```ts
 * import { gramDeviation } from "./gram_deviation.ts";
 * import { assertEquals } from "@std/assert";
 *
 * const w = new Float64Array([0.6, -0.8, 0.8, 0.6, 0, 0]); // 3×2, orthonormal columns
 * assertEquals(gramDeviation(w, 3, 2, 1).max < 1e-15, true);
 * assertEquals(gramDeviation(w, 3, 2, 2).max, 0.75); // 1 = 4·(1 − 0.75)
 * ```
 */
export function gramDeviation(
  values: ArrayLike<number>,
  rows: number,
  cols: number,
  gain: number,
): GramDeviation {
  const w = values instanceof Float64Array ? values : Float64Array.from(values);
  const tall = rows >= cols;
  const k = tall ? cols : rows;
  let g: Float64Array;
  if (tall) {
    g = matmul(w, cols, rows, w, cols, true); // WᵀW
  } else {
    const wt = new Float64Array(rows * cols);
    transpose(w, 0, cols, wt, 0, rows, rows, cols);
    g = matmul(wt, rows, cols, wt, rows, true); // (Wᵀ)ᵀWᵀ = WWᵀ
  }
  const g2 = gain * gain;
  let max = 0;
  let wi = 0;
  let wj = 0;
  for (let i = 0; i < k; i++) {
    for (let j = 0; j < k; j++) {
      const e = Math.abs(g[i * k + j] / g2 - (i === j ? 1 : 0));
      if (!(e <= max)) {
        max = e; // NaN wins too
        wi = i;
        wj = j;
        if (Number.isNaN(e)) break;
      }
    }
    if (Number.isNaN(max)) break;
  }
  return {
    max,
    i: wi,
    j: wj,
    value: k > 0 ? g[wi * k + wj] / g2 : 0,
    compared: tall ? "columns" : "rows",
  };
}
