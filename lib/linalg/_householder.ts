/**
 * Householder reflectors: generating one from a strided vector, the
 * column-by-column Householder QR that factors the narrow panels of
 * `householderQr` and of the singular value reduction, and the one-stage
 * Golub–Kahan bidiagonalisation the singular values use for small matrices.
 *
 * Each reflector H = I − τ·v·vᵀ is computed so that the QR and the
 * bidiagonalisation are backward stable (Higham, *Accuracy and Stability of
 * Numerical Algorithms*, §19.3): the computed factors are exact for A + E
 * with ‖E‖ ≤ c·m·n·u·‖A‖ (u = 2⁻⁵³, c a small constant).
 *
 * @module
 */

/**
 * The two roundings of a reflector in use. They are equally accurate (both
 * keep the bound above) but differ in the last bits: `householderQr`
 * divides by α − β and rescales sums of squares outside (10⁻²⁸⁰, 10²⁸⁰);
 * the singular value code multiplies by 1/(α − β), as LAPACK's `dlarfg`
 * does, and rescales outside (2⁻⁹⁰⁰, 2⁹⁰⁰). Each caller keeps its own so
 * that its results stay the same to the bit.
 */
export interface Rounding {
  /** A sum of squares at or below this may have underflowed: recomputed scaled. */
  readonly tiny: number;
  /** A sum of squares at or above this may have overflowed: recomputed scaled. */
  readonly huge: number;
  /** v = x / (α − β) when true; x · (1 / (α − β)) when false. */
  readonly divide: boolean;
}

/** The singular value code's {@linkcode Rounding} (the default). */
export const SVD_ROUNDING: Rounding = {
  tiny: 2 ** -900,
  huge: 2 ** 900,
  divide: false,
};

/** `householderQr`'s {@linkcode Rounding}. */
export const QR_ROUNDING: Rounding = {
  tiny: 1e-280,
  huge: 1e280,
  divide: true,
};

/** Scratch for {@linkcode reflect}'s results, to avoid an allocation per call. */
export interface Reflector {
  /** τ of H = I − τ·v·vᵀ (0: H = I). */
  tau: number;
  /** H·x = β·e₁. */
  beta: number;
}

/**
 * ‖x‖₂ of `len` entries of `f` from `off` with stride `stride`, by a plain
 * sum of squares, recomputed on values scaled by the largest |xᵢ| when that
 * sum may have underflowed or overflowed (outside `rounding`'s range).
 */
export function norm2(
  f: Float64Array,
  off: number,
  stride: number,
  len: number,
  rounding: Rounding = SVD_ROUNDING,
): number {
  let ss = 0;
  for (let i = 0, p = off; i < len; i++, p += stride) ss += f[p] * f[p];
  if (ss > rounding.tiny && ss < rounding.huge) return Math.sqrt(ss);
  let big = 0;
  for (let i = 0, p = off; i < len; i++, p += stride) {
    const a = Math.abs(f[p]);
    if (a > big) big = a;
  }
  if (big === 0 || !Number.isFinite(big)) return big;
  let s = 0;
  for (let i = 0, p = off; i < len; i++, p += stride) {
    const y = f[p] / big;
    s += y * y;
  }
  return big * Math.sqrt(s);
}

/**
 * Makes the reflector H = I − τ·v·vᵀ with H·x = β·e₁ for the `len` entries
 * of `f` from `off` (stride `stride`): x₀ is replaced by β, x₁… by v₁…
 * (v₀ = 1 is implicit), and τ, β go to `out`. β = −sign(x₀)·‖x‖, so that
 * v = (x − β·e₁)/(x₀ − β) is formed without cancellation; τ = 0 (H = I)
 * when x₁… are zero. ‖x‖ is computed without overflow as
 * max·√((a/max)² + (b/max)²), a = |x₀|, b = ‖x₁…‖.
 */
export function reflect(
  f: Float64Array,
  off: number,
  stride: number,
  len: number,
  out: Reflector,
  rounding: Rounding = SVD_ROUNDING,
): void {
  const alpha = f[off];
  const xnorm = len > 1 ? norm2(f, off + stride, stride, len - 1, rounding) : 0;
  if (xnorm === 0) {
    out.tau = 0;
    out.beta = alpha;
    return;
  }
  const a = Math.abs(alpha);
  const big = Math.max(a, xnorm);
  const r = big * Math.sqrt((a / big) ** 2 + (xnorm / big) ** 2);
  const beta = alpha >= 0 ? -r : r;
  const d = alpha - beta;
  if (rounding.divide) {
    for (let i = 1, p = off + stride; i < len; i++, p += stride) f[p] /= d;
  } else {
    const scale = 1 / d;
    for (let i = 1, p = off + stride; i < len; i++, p += stride) f[p] *= scale;
  }
  f[off] = beta;
  out.tau = (beta - alpha) / beta;
  out.beta = beta;
}

/**
 * Householder QR, column by column (LAPACK's `dgeqr2`), of the rows×cols
 * column-major block of `f` at `off` (leading dimension `ld`), in place: R
 * on and above the diagonal, v below it, τ in `tau[0 .. min(rows, cols))`
 * (and 0 for the columns beyond, which get no reflector). Column c's
 * reflector is made from column c as the earlier ones left it, then applied
 * to the columns right of it: about 2·rows·cols² flops, none of them in
 * matrix products, so callers keep the blocks narrow.
 */
export function qrUnblocked(
  f: Float64Array,
  off: number,
  ld: number,
  rows: number,
  cols: number,
  tau: Float64Array,
  rounding: Rounding,
): void {
  const h: Reflector = { tau: 0, beta: 0 };
  const k = Math.max(0, Math.min(rows, cols));
  for (let c = k; c < cols; c++) tau[c] = 0;
  for (let c = 0; c < k; c++) {
    const base = off + c + c * ld; // (c, c)
    const len = rows - c;
    reflect(f, base, 1, len, h, rounding);
    const t = h.tau;
    tau[c] = t;
    if (t === 0) continue;
    reflectColumns(f, base, len, t, base + ld, ld, cols - c - 1); // (c, c+1..)
  }
}

/**
 * Applies the reflector I − t·v·vᵀ, v = (1, f[base + 1 .. base + len)), from
 * the left to `count` columns of `len` entries starting at `f[col]`,
 * `f[col + ld]`, …: each column x becomes x − (t·vᵀx)·v, skipped when
 * t·vᵀx is 0.
 */
function reflectColumns(
  f: Float64Array,
  base: number,
  len: number,
  t: number,
  col: number,
  ld: number,
  count: number,
): void {
  for (let j = 0; j < count; j++, col += ld) {
    let s = f[col];
    for (let i = 1; i < len; i++) s += f[base + i] * f[col + i];
    s *= t;
    if (s === 0) continue;
    f[col] -= s;
    for (let i = 1; i < len; i++) f[col + i] -= s * f[base + i];
  }
}

/**
 * The one-stage Golub–Kahan bidiagonalisation of the m×n column-major `a`
 * (m ≥ n, leading dimension m), in place: alternately a reflector from the
 * left on column k and one from the right on row k. Returns the diagonal
 * and superdiagonal of the upper bidiagonal B = U₁ᵀ·A·V₁.
 */
export function bidiagonalizeUnblocked(
  a: Float64Array,
  m: number,
  n: number,
): { d: Float64Array; e: Float64Array } {
  const d = new Float64Array(n);
  const e = new Float64Array(Math.max(0, n - 1));
  const h: Reflector = { tau: 0, beta: 0 };
  const w = new Float64Array(m);
  for (let k = 0; k < n; k++) {
    // Left: zero a[k+1.., k].
    const base = k + k * m;
    const len = m - k;
    reflect(a, base, 1, len, h);
    d[k] = h.beta;
    let t = h.tau;
    if (t !== 0) reflectColumns(a, base, len, t, base + m, m, n - k - 1);
    if (k + 1 >= n) break;
    // Right: zero a[k, k+2..].
    const rbase = k + (k + 1) * m; // (k, k+1)
    const rlen = n - k - 1;
    reflect(a, rbase, m, rlen, h);
    e[k] = h.beta;
    t = h.tau;
    if (t === 0) continue;
    // Rows k+1..m-1: w = A[:, k+1..]·v, then A −= τ·w·vᵀ, column by column.
    const r0 = k + 1;
    w.fill(0, r0, m);
    for (let j = 0; j < rlen; j++) {
      const vj = j === 0 ? 1 : a[rbase + j * m];
      const col = (k + 1 + j) * m;
      for (let i = r0; i < m; i++) w[i] += vj * a[col + i];
    }
    for (let j = 0; j < rlen; j++) {
      const vj = (j === 0 ? 1 : a[rbase + j * m]) * t;
      if (vj === 0) continue;
      const col = (k + 1 + j) * m;
      for (let i = r0; i < m; i++) a[col + i] -= vj * w[i];
    }
  }
  return { d, e };
}
