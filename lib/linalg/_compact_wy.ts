/**
 * Block reflectors in compact WY form (LAPACK's `dlarft` and `dlarfb`), on
 * the kernels' memory, for the blocked QR of `householderQr` and the
 * singular value code's reduction to band form.
 *
 * w Householder reflectors H_c = I − τ_c·v_c·v_cᵀ, their vectors the
 * columns of V (unit diagonal, zeros above it), multiply to one block
 * reflector H₀⋯H_{w−1} = I − V·T·Vᵀ with T w×w upper triangular (Schreiber
 * & Van Loan). Applying it to a block C is then three matrix products,
 * W = Vᵀ·C, W ← op(T)·W, C −= V·W, which run on the engine's SIMD kernel
 * (split over its worker threads when large) instead of w rank-1 updates.
 * The product is the same sequence of orthogonal transformations, so it is
 * as stable as applying the reflectors one by one: the result is exact for
 * a C perturbed by c·rows·w·u·‖C‖ (u = 2⁻⁵³, c a small constant), and the
 * QR built from it keeps ‖A − QR‖ ≤ c·m·n·u·‖A‖ (Higham, *Accuracy and
 * Stability of Numerical Algorithms*, §19.5).
 *
 * Offsets are in Float64 elements of the engine's memory `f`; the products
 * take bytes.
 *
 * @module
 */
import type { Engine } from "./_kernels.ts";

/** x rounded up to a multiple of 4 (the kernel's rows per micro-panel). */
export const ceil4 = (x: number): number => (x + 3) & ~3;

/** Bytes of C per column chunk of an update, so that the chunk stays in L2. */
const L2_BYTES = 512 * 1024;

/**
 * Columns per chunk of an update of a block with `rows` rows: a multiple of
 * the kernel's 6-column tile whose slice of C stays in L2 between the
 * product that reads it and the one that updates it.
 */
export function chunkColumns(rows: number): number {
  return Math.max(6, Math.floor(L2_BYTES / (8 * Math.max(1, rows) * 6)) * 6);
}

/**
 * V of a block reflector: the rows×w column-major block at `off` (leading
 * dimension `ld`), explicit (ones on the diagonal, zeros above it). rows is
 * a multiple of 4 (zero rows pad it), at least w.
 */
export interface Reflectors {
  off: number;
  ld: number;
  rows: number;
  w: number;
}

/**
 * Where one block reflector's scratch lives (offsets), for a block
 * reflector of at most `wp` = ceil4(w) columns acting on at most `cols`
 * columns of `rows` rows.
 */
export interface WyScratch {
  /** Vᵀ packed in 4-row micro-panels: wp × rows. */
  vt: number;
  /** −op(T) packed in 4-row micro-panels: wp × w. */
  t: number;
  /** W = Vᵀ·C: wp × cols, column-major. */
  w: number;
  /** W2 = −op(T)·W: wp × cols, column-major. */
  w2: number;
  /** The Gram matrix VᵀV: wp × w, column-major. */
  g: number;
}

/**
 * Packs Vᵀ into 4-row micro-panels at `dst` (ceil4(w) × rows, rows of zeros
 * up to a multiple of 4), the layout the kernel reads a left operand in
 * fastest.
 */
export function packVt(f: Float64Array, v: Reflectors, dst: number): void {
  const { off, ld, rows, w } = v;
  for (let p = 0; p < w; p += 4) {
    const out = dst + p * rows;
    for (let r = 0; r < 4; r++) {
      if (p + r < w) {
        const src = off + (p + r) * ld;
        for (let i = 0; i < rows; i++) f[out + 4 * i + r] = f[src + i];
      } else {
        for (let i = 0; i < rows; i++) f[out + 4 * i + r] = 0;
      }
    }
  }
}

/**
 * T of I − V·T·Vᵀ = H₀⋯H_{w−1} (`dlarft`, forward, columnwise), into `t`
 * (w×w upper triangular, column-major, zeros below the diagonal), for the
 * τ_c in `tau[0 .. w)`. Packs Vᵀ into `s.vt` (left there for
 * {@linkcode applyLeft}), forms the Gram matrix VᵀV at `s.g` in one product,
 * then T column by column: T[c, c] = τ_c and
 * T[:c, c] = −τ_c·T[:c, :c]·(VᵀV)[:c, c], about w³/3 flops in JavaScript.
 */
export function formT(
  engine: Engine,
  v: Reflectors,
  s: WyScratch,
  tau: Float64Array,
  t: Float64Array,
): void {
  const f = engine.f;
  const { off, ld, rows, w } = v;
  const wp = ceil4(w);
  packVt(f, v, s.vt);
  f.fill(0, s.g, s.g + wp * w);
  engine.gemm(
    wp,
    w,
    rows,
    s.vt * 8,
    32 * rows,
    32,
    off * 8,
    ld * 8,
    s.g * 8,
    wp * 8,
  );
  const tmp = new Float64Array(w);
  for (let c = 0; c < w; c++) {
    const tc = tau[c];
    t[c + c * w] = tc;
    for (let i = c + 1; i < w; i++) t[i + c * w] = 0;
    if (tc === 0) {
      for (let i = 0; i < c; i++) t[i + c * w] = 0;
      continue;
    }
    for (let i = 0; i < c; i++) tmp[i] = -tc * f[s.g + i + c * wp];
    for (let i = 0; i < c; i++) {
      let sum = 0;
      for (let l = i; l < c; l++) sum += t[i + l * w] * tmp[l];
      t[i + c * w] = sum;
    }
  }
}

/**
 * −op(T) (T w×w in `t`, as {@linkcode formT} leaves it; op(T) = Tᵀ when
 * `transpose`) packed in 4-row micro-panels at `dst`: ceil4(w) × w, rows of
 * zeros up to a multiple of 4.
 */
export function packMinusT(
  f: Float64Array,
  t: Float64Array,
  w: number,
  transpose: boolean,
  dst: number,
): void {
  const wp = ceil4(w);
  for (let r = 0; r < wp; r++) {
    const out = dst + (r >> 2) * 4 * w + (r & 3);
    for (let c = 0; c < w; c++) {
      f[out + 4 * c] = r >= w ? 0 : -(transpose ? t[c + r * w] : t[r + c * w]);
    }
  }
}

/**
 * C ← (I − V·op(T)·Vᵀ)·C (`dlarfb` from the left; op(T) = Tᵀ when
 * `transpose`, which applies Hᵀ = H_{w−1}⋯H₀, else H = H₀⋯H_{w−1}) for the
 * rows×cols column-major C at `c` (leading dimension `ldc`, rows those of
 * V). Needs Vᵀ packed at `s.vt` ({@linkcode formT} or {@linkcode packVt}).
 * Three products per chunk of columns: W = Vᵀ·C, W2 = −op(T)·W, C += V·W2,
 * the chunk's C kept in L2 between the first and the last, the chunks
 * shared with the worker threads.
 */
export function applyLeft(
  engine: Engine,
  v: Reflectors,
  s: WyScratch,
  t: Float64Array,
  transpose: boolean,
  c: number,
  ldc: number,
  cols: number,
): void {
  const f = engine.f;
  const { off, ld, rows, w } = v;
  const wp = ceil4(w);
  packMinusT(f, t, w, transpose, s.t);
  f.fill(0, s.w, s.w + wp * cols);
  f.fill(0, s.w2, s.w2 + wp * cols);
  engine.chain(cols, [
    [wp, rows, s.vt * 8, 32 * rows, 32, c * 8, ldc * 8, s.w * 8, wp * 8],
    [wp, w, s.t * 8, 32 * w, 32, s.w * 8, wp * 8, s.w2 * 8, wp * 8],
    [rows, w, off * 8, 32, ld * 8, s.w2 * 8, wp * 8, c * 8, ldc * 8],
  ], chunkColumns(rows));
}
