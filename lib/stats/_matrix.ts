/**
 * Entry-level facts about a row-major matrix that the spectrum analysis
 * needs: all-zero rows and columns, moments, levels, and robust row and
 * column scales.
 *
 * @module
 */

/** Facts about a rows×cols matrix. */
export interface MatrixFacts {
  zeroRows: number;
  zeroCols: number;
  /** Which rows and columns have a non-zero entry. */
  liveRows: Uint8Array;
  liveCols: Uint8Array;
  /** Mean and variance (mean removed) of the entries of the non-zero rows and columns. */
  mean: number;
  variance: number;
  /** Σ w² over all entries. */
  sumSquares: number;
  /** Distinct values, counted up to 3. */
  levels: number;
}

/** Scans the matrix once (plus one pass for the variance, in Float64). */
export function matrixFacts(
  values: ArrayLike<number>,
  rows: number,
  cols: number,
): MatrixFacts {
  const liveRows = new Uint8Array(rows);
  const liveCols = new Uint8Array(cols);
  const first = values.length ? values[0] : 0;
  let second = first;
  let levels = values.length ? 1 : 0;
  let sumSquares = 0;
  for (let i = 0; i < rows; i++) {
    const o = i * cols;
    for (let j = 0; j < cols; j++) {
      const v = values[o + j];
      if (v !== 0) {
        liveRows[i] = 1;
        liveCols[j] = 1;
        sumSquares += v * v;
      }
      if (levels < 3 && v !== first) {
        if (levels === 1) {
          second = v;
          levels = 2;
        } else if (v !== second) levels = 3;
      }
    }
  }
  let zeroRows = 0;
  let zeroCols = 0;
  for (let i = 0; i < rows; i++) zeroRows += liveRows[i] ? 0 : 1;
  for (let j = 0; j < cols; j++) zeroCols += liveCols[j] ? 0 : 1;
  const count = (rows - zeroRows) * (cols - zeroCols);
  let sum = 0;
  for (let i = 0; i < rows; i++) {
    if (!liveRows[i]) continue;
    const o = i * cols;
    for (let j = 0; j < cols; j++) if (liveCols[j]) sum += values[o + j];
  }
  const mean = count ? sum / count : 0;
  let ss = 0;
  for (let i = 0; i < rows; i++) {
    if (!liveRows[i]) continue;
    const o = i * cols;
    for (let j = 0; j < cols; j++) {
      if (liveCols[j]) {
        const d = values[o + j] - mean;
        ss += d * d;
      }
    }
  }
  return {
    zeroRows,
    zeroCols,
    liveRows,
    liveCols,
    mean,
    variance: count ? ss / count : 0,
    sumSquares,
    levels,
  };
}

/** The k-th smallest of a[0..n) (Hoare's selection; reorders a). */
function select(a: Float64Array, n: number, k: number): number {
  let lo = 0;
  let hi = n - 1;
  while (lo < hi) {
    const pivot = a[(lo + hi) >> 1];
    let i = lo;
    let j = hi;
    while (i <= j) {
      while (a[i] < pivot) i++;
      while (a[j] > pivot) j--;
      if (i <= j) {
        const t = a[i];
        a[i] = a[j];
        a[j] = t;
        i++;
        j--;
      }
    }
    if (k <= j) hi = j;
    else if (k >= i) lo = i;
    else return a[k];
  }
  return a[k];
}

function median(a: Float64Array, n: number): number {
  if (n === 0) return 0;
  const h = n >> 1;
  const upper = select(a, n, h);
  if (n % 2) return upper;
  let lower = -Infinity;
  for (let i = 0; i < h; i++) if (a[i] > lower) lower = a[i];
  return (lower + upper) / 2;
}

/**
 * The compact matrix of the live rows and columns, centred, with each row
 * and column divided by its median absolute value (two alternating sweeps):
 * a separable variance profile becomes flat, while a low-rank signal and a
 * heavy tail (which medians ignore) survive. Also says whether the scales
 * were unequal beyond iid fluctuation: the coefficient of variation of the
 * first sweep's row (column) medians above 3/√cols (3/√rows), about 2.5
 * times what iid entries give.
 */
export function equalize(
  values: ArrayLike<number>,
  rows: number,
  cols: number,
  facts: MatrixFacts,
): { values: Float64Array; rows: number; cols: number; unequal: boolean } {
  const r = rows - facts.zeroRows;
  const c = cols - facts.zeroCols;
  const out = new Float64Array(r * c);
  let k = 0;
  for (let i = 0; i < rows; i++) {
    if (!facts.liveRows[i]) continue;
    const o = i * cols;
    for (let j = 0; j < cols; j++) {
      if (facts.liveCols[j]) out[k++] = values[o + j] - facts.mean;
    }
  }
  const buffer = new Float64Array(Math.max(r, c));
  const cv = (s: Float64Array) => {
    let m = 0;
    for (const v of s) m += v;
    m /= s.length;
    let v2 = 0;
    for (const v of s) v2 += (v - m) ** 2;
    return m > 0 ? Math.sqrt(v2 / s.length) / m : 0;
  };
  let unequal = false;
  for (let sweep = 0; sweep < 2; sweep++) {
    const rowScale = new Float64Array(r);
    for (let i = 0; i < r; i++) {
      for (let j = 0; j < c; j++) buffer[j] = Math.abs(out[i * c + j]);
      rowScale[i] = median(buffer, c);
    }
    const colScale = new Float64Array(c);
    if (sweep === 0) {
      // Column medians of the unscaled matrix, for the test.
      for (let j = 0; j < c; j++) {
        for (let i = 0; i < r; i++) buffer[i] = Math.abs(out[i * c + j]);
        colScale[j] = median(buffer, r);
      }
      unequal = cv(rowScale) * Math.sqrt(c) > 3 ||
        cv(colScale) * Math.sqrt(r) > 3;
      if (!unequal) break;
    }
    for (let i = 0; i < r; i++) {
      const s = rowScale[i] > 0 ? 1 / rowScale[i] : 1;
      for (let j = 0; j < c; j++) out[i * c + j] *= s;
    }
    for (let j = 0; j < c; j++) {
      for (let i = 0; i < r; i++) buffer[i] = Math.abs(out[i * c + j]);
      colScale[j] = median(buffer, r);
    }
    for (let j = 0; j < c; j++) {
      const s = colScale[j] > 0 ? 1 / colScale[j] : 1;
      for (let i = 0; i < r; i++) out[i * c + j] *= s;
    }
  }
  return { values: out, rows: r, cols: c, unequal };
}
