/**
 * The first stage of the singular value computation: a dense m×n matrix
 * (m ≥ n) to an n×n upper band matrix, by blocked Householder reflections
 * whose updates run as matrix products on the WebAssembly kernels of
 * `_kernels.ts`. Tall matrices are first reduced to R by a QR in row
 * blocks, so that only min(m, n)² plus one block of rows is ever held.
 *
 * @module
 */
import { type Engine, openEngine } from "./_kernels.ts";
import { qrUnblocked } from "./_svd_householder.ts";
import { type BandMatrix, newBand } from "./_svd_band.ts";

/** Default bandwidth of the band form (and columns per block reflector). */
export const BAND = 16;

/** Bytes of A's rows held at once, at most, when a tall matrix is reduced in row blocks. */
export const ROW_BLOCK_BYTES = 64 * 1024 * 1024;

/** Bytes of C per column chunk of an update, so that the chunk stays in L2. */
const L2_BYTES = 512 * 1024;

/** Columns of A per product in A·V (see {@linkcode Reducer.lqStep}). */
const KC = 32;

const ceil4 = (x: number) => (x + 3) & ~3;

/**
 * Copies rows r0 … r1−1 of A (m×n) into `f` column-major: A[r0 + i, k] to
 * `f[off + i + k·ld]`.
 */
export type RowLoader = (
  r0: number,
  r1: number,
  f: Float64Array,
  off: number,
  ld: number,
) => void;

/** Options of {@linkcode reduceToBand}: the tuning knobs, for tests and benchmarks. */
export interface ReduceOptions {
  /** Bandwidth, a multiple of 4. Default {@linkcode BAND}. */
  band?: number;
  /** Rows of A per block of the tall QR (at least n). Default: {@linkcode ROW_BLOCK_BYTES} worth. */
  rowBlock?: number;
  /** Reduce to R first when m ≥ this × n. Default 5/3 (the flop count's break-even). */
  qrRatio?: number;
  /** Allow worker threads. Default true. */
  threads?: boolean;
  /** Use the plain JavaScript product instead of WebAssembly. Default false. */
  js?: boolean;
}

/** One reduction's working state in the kernels' memory. */
class Reducer {
  readonly engine: Engine;
  readonly f: Float64Array;
  readonly n: number;
  readonly b: number;
  readonly bp: number;
  /** Leading dimension of X (rows held, a multiple of 4). */
  readonly ldx: number;
  // Offsets in elements.
  readonly offX: number;
  private readonly offVt: number;
  private readonly offV: number;
  private readonly offU: number;
  private readonly offBB: number;
  private readonly offW: number;
  private readonly offW2: number;
  private readonly offAB: number;
  private readonly offG: number;
  private readonly offT: number;
  private readonly tau: Float64Array;
  private readonly t: Float64Array;

  constructor(
    rows: number,
    n: number,
    b: number,
    flops: number,
    options: ReduceOptions,
  ) {
    this.n = n;
    this.b = b;
    this.bp = ceil4(b);
    // A leading dimension of a multiple of 512 bytes would map a row's
    // entries to a few cache sets; 32 bytes more spreads them out.
    const ld = ceil4(rows);
    this.ldx = ld % 64 === 0 ? ld + 4 : ld;
    const { ldx, bp } = this;
    const long = Math.max(ldx, ceil4(n));
    this.offX = 0;
    this.offVt = this.offX + ldx * n;
    this.offV = this.offVt + bp * long;
    this.offU = this.offV + long * bp;
    this.offBB = this.offU + long * bp;
    this.offW = this.offBB + 2 * bp * n;
    this.offW2 = this.offW + bp * long;
    this.offAB = this.offW2 + bp * long;
    this.offG = this.offAB + 2 * bp * long;
    this.offT = this.offG + bp * bp;
    const total = this.offT + bp * bp;
    this.engine = openEngine(total * 8, flops, {
      threads: options.threads ?? true,
      js: options.js ?? false,
    });
    this.f = this.engine.f;
    this.f.fill(0, 0, total);
    this.tau = new Float64Array(bp);
    this.t = new Float64Array(bp * bp);
  }

  close(): void {
    this.engine.close();
  }

  /**
   * Packs Vᵀ for the `rows`×w column-major V at `off` (leading dimension
   * `ld`, rows a multiple of 4) into 4-row micro-panels at offVt, zero
   * rows up to a multiple of 4.
   */
  private packVt(off: number, ld: number, rows: number, w: number): void {
    const { f, offVt } = this;
    for (let p = 0; p < w; p += 4) {
      const dst = offVt + p * rows;
      for (let r = 0; r < 4; r++) {
        if (p + r < w) {
          const src = off + (p + r) * ld;
          for (let i = 0; i < rows; i++) f[dst + 4 * i + r] = f[src + i];
        } else {
          for (let i = 0; i < rows; i++) f[dst + 4 * i + r] = 0;
        }
      }
    }
  }

  /**
   * T (w×w upper triangular, column-major, in this.t) of the block
   * reflector I − V·T·Vᵀ = H₀⋯H_{w−1}, from the Gram matrix VᵀV (one
   * product; Vᵀ packed at offVt) and T[:c, c] = −τ_c·T[:c, :c]·(VᵀV)[:c, c].
   */
  private formT(off: number, ld: number, rows: number, w: number): void {
    const { f, offVt, offG, tau, t } = this;
    const wp = ceil4(w);
    f.fill(0, offG, offG + wp * w);
    this.engine.gemm(
      wp,
      w,
      rows,
      offVt * 8,
      32 * rows,
      32,
      off * 8,
      ld * 8,
      offG * 8,
      wp * 8,
    );
    const tmp = new Float64Array(w);
    for (let c = 0; c < w; c++) {
      const tc = tau[c];
      t[c + c * w] = tc;
      for (let i = 0; i < c; i++) tmp[i] = -tc * f[offG + i + c * wp];
      for (let i = 0; i < c; i++) {
        let s = 0;
        for (let l = i; l < c; l++) s += t[i + l * w] * tmp[l];
        t[i + c * w] = s;
      }
    }
  }

  /**
   * Copies the reflectors of a factored panel (v below the diagonal of the
   * rows×w block at `src`, leading dimension `ld`) to offV as an explicit
   * V (unit diagonal, zeros above; leading dimension `rows`).
   */
  private explicitV(src: number, ld: number, rows: number, w: number): void {
    const { f, offV } = this;
    for (let c = 0; c < w; c++) {
      const dst = offV + c * rows;
      const from = src + c * ld;
      for (let i = 0; i < c; i++) f[dst + i] = 0;
      f[dst + c] = 1;
      for (let i = c + 1; i < rows; i++) f[dst + i] = f[from + i];
    }
  }

  /**
   * QR of the panel X[j:rows, j:j+w] in place, then its block reflector
   * applied from the left (transposed) to X[j:rows, j+w:n]. `rows` is a
   * multiple of 4 and j is too.
   */
  qrStep(j: number, w: number, rows: number): void {
    const { f, ldx, offX, offV, offVt, offW, offW2, offT, n } = this;
    const h = rows - j;
    const panel = offX + j + j * ldx;
    qrUnblocked(f, panel, ldx, h, w, this.tau);
    const cols = n - j - w;
    if (cols <= 0) return;
    const wp = ceil4(w);
    this.explicitV(panel, ldx, h, w);
    this.packVt(offV, h, h, w);
    this.formT(offV, h, h, w);
    // −Tᵀ, packed in 4-row micro-panels (wp × w).
    const t = this.t;
    for (let r = 0; r < wp; r++) {
      const dst = offT + (r >> 2) * 4 * w + (r & 3);
      for (let c = 0; c < w; c++) {
        f[dst + 4 * c] = r < w ? -t[c + r * w] : 0;
      }
    }
    f.fill(0, offW, offW + wp * cols);
    f.fill(0, offW2, offW2 + wp * cols);
    const c = (offX + j + (j + w) * ldx) * 8;
    const chunk = Math.max(6, Math.floor(L2_BYTES / (8 * h * 6)) * 6);
    this.engine.chain(cols, [
      // W = Vᵀ C
      [wp, h, offVt * 8, 32 * h, 32, c, ldx * 8, offW * 8, wp * 8],
      // W2 = −Tᵀ W
      [wp, w, offT * 8, 32 * w, 32, offW * 8, wp * 8, offW2 * 8, wp * 8],
      // C += V W2
      [h, w, offV * 8, 32, h * 8, offW2 * 8, wp * 8, c, ldx * 8],
    ], chunk);
  }

  /**
   * One step of the band reduction at column j (w = b columns, with
   * columns right of the band, c0 = j + b < n): a QR of the panel
   * X[j:rows, j:c0] and an LQ of the row panel X[j:c0, c0:n], with both
   * block reflectors' updates of the trailing matrix C = X[c0:rows, c0:n]
   * applied as one product of inner dimension 2b:
   *
   * - Y = −T₁ᵀ·V₁ᵀ·X[j:rows, c0:n] (the left reflector's update is V₁·Y);
   * - the row panel X[j:c0, c0:n] += V₁[0:b]·Y, then its LQ gives U, T₂ and
   *   L (written in place);
   * - Z = (C + V₁'·Y)·U·(−T₂), with V₁' = V₁[b:], from C·U (C not yet
   *   updated) and V₁'·(Y·U);
   * - C += [V₁' Z]·[Y; Uᵀ].
   */
  bandStep(j: number, rows: number): void {
    const { f, ldx, offX, offV, offVt, offU, offBB, offW, offW2, offAB } = this;
    const { offG, offT, n, b, bp } = this;
    const gemm = this.engine.gemm;
    const h = rows - j;
    const c0 = j + b;
    const cols = n - c0;
    const below = rows - c0;
    const panel = offX + j + j * ldx;
    // 1. QR of the panel; V₁ explicit (h×b at offV), packed, T₁.
    qrUnblocked(f, panel, ldx, h, b, this.tau);
    this.explicitV(panel, ldx, h, b);
    this.packVt(offV, h, h, b);
    this.formT(offV, h, h, b);
    const t = this.t;
    for (let r = 0; r < bp; r++) {
      const dst = offT + (r >> 2) * 4 * b + (r & 3);
      for (let c = 0; c < b; c++) f[dst + 4 * c] = r < b ? -t[c + r * b] : 0;
    }
    // 2. Y = −T₁ᵀ·(V₁ᵀ·X[j:rows, c0:n])  (bp × cols at offW2), chunks of
    //    columns over the threads.
    f.fill(0, offW, offW + bp * cols);
    f.fill(0, offW2, offW2 + bp * cols);
    const c = (offX + j + c0 * ldx) * 8;
    const chunk = Math.max(6, Math.floor(L2_BYTES / (8 * h * 6)) * 6);
    this.engine.chain(cols, [
      [bp, h, offVt * 8, 32 * h, 32, c, ldx * 8, offW * 8, bp * 8],
      [bp, b, offT * 8, 32 * b, 32, offW * 8, bp * 8, offW2 * 8, bp * 8],
    ], chunk);
    // 3. The row panel gets its left update: X[j:c0, c0:n] += V₁[0:b]·Y.
    gemm(b, cols, b, offV * 8, 32, h * 8, offW2 * 8, bp * 8, c, ldx * 8);
    // 4. LQ of the row panel, as a QR of its transpose P (np×b at offU).
    const np = ceil4(cols);
    const k = Math.min(b, cols);
    for (let r = 0; r < b; r++) {
      const dst = offU + r * np;
      const src = offX + j + r + c0 * ldx;
      for (let i = 0; i < cols; i++) f[dst + i] = f[src + i * ldx];
      for (let i = cols; i < np; i++) f[dst + i] = 0;
    }
    qrUnblocked(f, offU, np, cols, b, this.tau);
    // L = Rᵀ back into the row panel (only the band part is read later).
    for (let r = 0; r < b; r++) {
      const dst = offX + j + r + c0 * ldx;
      for (let i = 0; i <= Math.min(r, cols - 1); i++) {
        f[dst + i * ldx] = f[offU + i + r * np];
      }
    }
    // U explicit in place (np×k); T₂ from it; −T₂ (k×k) at offT.
    for (let q = 0; q < k; q++) {
      const col = offU + q * np;
      for (let i = 0; i < q; i++) f[col + i] = 0;
      f[col + q] = 1;
    }
    this.packVt(offU, np, np, k);
    this.formT(offU, np, np, k);
    for (let q = 0; q < k; q++) {
      for (let r = 0; r < k; r++) {
        f[offT + r + q * k] = r <= q ? -t[r + q * k] : 0;
      }
    }
    // 5. Z = C·U (C = X[c0:rows, c0:n], not yet updated; blocks of KC
    //    columns, whose entries share a few pages and cache sets) at offW,
    //    plus V₁'·(Y·U) (Y·U at offG), then Z·(−T₂) into AB's right half.
    const a = (offX + c0 + c0 * ldx) * 8;
    f.fill(0, offW, offW + below * k);
    for (let q = 0; q < cols; q += KC) {
      gemm(
        below,
        k,
        Math.min(KC, cols - q),
        a + q * ldx * 8,
        32,
        ldx * 8,
        (offU + q) * 8,
        np * 8,
        offW * 8,
        below * 8,
      );
    }
    f.fill(0, offG, offG + bp * k);
    gemm(
      bp,
      k,
      cols,
      offW2 * 8,
      32,
      bp * 8,
      offU * 8,
      np * 8,
      offG * 8,
      bp * 8,
    );
    const v1 = (offV + b) * 8; // V₁' = V₁[b:h], leading dimension h
    gemm(below, k, b, v1, 32, h * 8, offG * 8, bp * 8, offW * 8, below * 8);
    const z2 = offAB + b * below;
    f.fill(0, z2, z2 + below * k);
    gemm(
      below,
      k,
      k,
      offW * 8,
      32,
      below * 8,
      offT * 8,
      k * 8,
      z2 * 8,
      below * 8,
    );
    // 6. C += [V₁' Z2]·[Y; Uᵀ]: AB = [V₁' Z2] (below × (b+k)), BB = [Y; Uᵀ]
    //    ((b+k) × cols), one product of inner dimension b + k.
    for (let q = 0; q < b; q++) {
      f.copyWithin(
        offAB + q * below,
        offV + b + q * h,
        offV + b + q * h + below,
      );
    }
    const kk = b + k;
    for (let col = 0; col < cols; col++) {
      const dst = offBB + col * kk;
      const y = offW2 + col * bp;
      for (let r = 0; r < b; r++) f[dst + r] = f[y + r];
      for (let q = 0; q < k; q++) f[dst + b + q] = f[offU + col + q * np];
    }
    const chunk2 = Math.max(6, Math.floor(L2_BYTES / (8 * below * 6)) * 6);
    this.engine.chain(cols, [
      [below, kk, offAB * 8, 32, below * 8, offBB * 8, kk * 8, a, ldx * 8],
    ], chunk2);
  }

  /** Zeros everything below the diagonal of the first n columns, and rows n.. of X. */
  keepR(): void {
    const { f, ldx, offX, n } = this;
    for (let c = 0; c < n; c++) {
      const col = offX + c * ldx;
      f.fill(0, col + c + 1, col + ldx);
    }
  }

  /** The upper band (bandwidth b) of X's leading n×n block, in a {@linkcode BandMatrix}. */
  band(): BandMatrix {
    const { f, ldx, offX, n, b } = this;
    const out = newBand(n, b);
    const { data, ld, ku } = out;
    for (let c = 0; c < n; c++) {
      const r0 = Math.max(0, c - b);
      const src = offX + c * ldx;
      const dst = c * ld - c + ku;
      for (let r = r0; r <= c; r++) data[dst + r] = f[src + r];
    }
    return out;
  }
}

/**
 * Reduces the m×n matrix A (m ≥ n ≥ 1), read through `load`, to an n×n
 * upper band matrix B = Q₁ᵀ·A·Q₂ with bandwidth `band`, Q₁ and Q₂
 * orthogonal (not formed).
 *
 * When m ≥ qrRatio·n, A is first reduced to its n×n triangular factor R by
 * a blocked Householder QR on blocks of rows: R of the first block, then R
 * of [R; next block], and so on, so that at most n + rowBlock rows are held.
 * The square (or not much taller) matrix is then reduced to band form by
 * alternating a QR of a panel of `band` columns (its block reflector
 * applied to the columns right of it) and an LQ of the panel's rows right
 * of the band (applied to the rows below it): the first stage of the
 * two-stage bidiagonalisation (Großer & Lang; Ltaief, Luszczek & Dongarra),
 * whose flops are all in matrix products.
 */
export function reduceToBand(
  load: RowLoader,
  m: number,
  n: number,
  options: ReduceOptions = {},
): BandMatrix {
  const b = options.band ?? BAND;
  if (!Number.isInteger(b) || b < 4 || b % 4 !== 0) {
    throw new RangeError(
      `reduceToBand: band must be a multiple of 4, got ${b}`,
    );
  }
  const tall = m >= (options.qrRatio ?? 5 / 3) * n && m > n;
  const rowBlock = Math.max(
    n,
    options.rowBlock ?? Math.floor(ROW_BLOCK_BYTES / (8 * n)),
  );
  const held = tall ? Math.min(m, n + rowBlock) : m;
  const flops = tall
    ? 2 * m * n * n + (8 / 3) * n ** 3
    : 4 * m * n * n - (4 / 3) * n ** 3;
  const red = new Reducer(held, n, b, flops, options);
  try {
    const { f, ldx, offX } = red;
    if (tall) {
      // R of the first block, then of [R; next block], …
      let next = Math.min(m, held);
      load(0, next, f, offX, ldx);
      let rows = next;
      while (true) {
        const used = ceil4(rows);
        for (let j = 0; j < n; j += b) red.qrStep(j, Math.min(b, n - j), used);
        red.keepR();
        if (next >= m) break;
        const count = Math.min(m - next, held - n);
        load(next, next + count, f, offX + n, ldx);
        next += count;
        rows = n + count;
      }
    } else {
      load(0, m, f, offX, ldx);
    }
    const rows = ceil4(tall ? n : m);
    let j = 0;
    for (; j + b < n; j += b) red.bandStep(j, rows);
    red.qrStep(j, n - j, rows);
    return red.band();
  } finally {
    red.close();
  }
}
