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
import {
  applyLeft,
  ceil4,
  chunkColumns,
  formT,
  packMinusT,
  type WyScratch,
} from "./_compact_wy.ts";
import { qrUnblocked, SVD_ROUNDING } from "./_householder.ts";
import { type BandMatrix, newBand } from "./_svd_band.ts";

/** Default bandwidth of the band form (and columns per block reflector). */
export const BAND = 12;

/** Columns per block reflector of the QR that reduces a tall matrix to R. */
export const QR_BLOCK = 32;

/** Panels this narrow or narrower are factored column by column (JavaScript). */
const PANEL_BASE = 8;

/** Bytes of A's rows held at once, at most, when a tall matrix is reduced in row blocks. */
export const ROW_BLOCK_BYTES = 64 * 1024 * 1024;

/** Columns of C per product in C·U (see {@linkcode Reducer.bandStep}). */
const KC = 32;

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
  /** Use plain JavaScript instead of WebAssembly (products here, and the band chase in `singularValues`). Default false. */
  js?: boolean;
}

/** Scratch of one block reflector I − V·T·Vᵀ: {@linkcode WyScratch} and V's copy. */
interface Scratch extends WyScratch {
  /** V, explicit (leading dimension: its rows). */
  v: number;
}

/** One reduction's working state in the kernels' memory. */
class Reducer {
  readonly engine: Engine;
  readonly f: Float64Array;
  readonly n: number;
  readonly b: number;
  /** The widest block reflector, rounded up to a multiple of 4. */
  readonly bp: number;
  /** Leading dimension of X (a multiple of 4, at least the rows held). */
  readonly ldx: number;
  readonly offX: number;
  /** The outer block reflectors' scratch (the QR panel's V₁; the LQ's U uses `u`). */
  private readonly outer: Scratch;
  /** The recursive panel factorisation's scratch. */
  private readonly inner: Scratch;
  private readonly offU: number;
  private readonly offBB: number;
  private readonly offAB: number;
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
    this.bp = ceil4(Math.max(b, QR_BLOCK));
    // A leading dimension of a multiple of 512 bytes would map a row's
    // entries to a few cache sets; 32 bytes more spreads them out.
    const ld = ceil4(rows);
    this.ldx = ld % 64 === 0 ? ld + 4 : ld;
    const { ldx, bp } = this;
    const long = Math.max(ldx, ceil4(n));
    let next = 0;
    const take = (size: number) => {
      const at = next;
      next += size;
      return at;
    };
    this.offX = take(ldx * n);
    const scratch = (): Scratch => ({
      v: take(long * bp),
      vt: take(bp * long),
      t: take(bp * bp),
      w: take(bp * long),
      w2: take(bp * long),
      g: take(bp * bp),
    });
    this.outer = scratch();
    this.inner = scratch();
    this.offU = take(long * bp);
    this.offBB = take(2 * bp * long);
    this.offAB = take(2 * bp * long);
    const total = next; // as planReduction's `bytes` / 8
    this.engine = openEngine(total * 8, flops, {
      threads: options.threads ?? true,
      js: options.js ?? false,
      fn: "singularValues",
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
   * For the factored rows×w panel at `src` (leading dimension `ld`; v below
   * the diagonal, τ in `tau`): V explicit at s.v (unit diagonal, zeros
   * above; leading dimension `rows`), Vᵀ packed at s.vt, and T (w×w upper
   * triangular, column-major, in this.t) of I − V·T·Vᵀ = H₀⋯H_{w−1}
   * ({@linkcode formT}).
   */
  private reflector(
    src: number,
    ld: number,
    rows: number,
    w: number,
    tau: Float64Array,
    s: Scratch,
  ): void {
    const { f, t } = this;
    for (let c = 0; c < w; c++) {
      const dst = s.v + c * rows;
      const from = src + c * ld;
      if (dst !== from) {
        for (let i = 0; i < c; i++) f[dst + i] = 0;
        for (let i = c + 1; i < rows; i++) f[dst + i] = f[from + i];
      } else {
        for (let i = 0; i < c; i++) f[dst + i] = 0;
      }
      f[dst + c] = 1;
    }
    formT(this.engine, { off: s.v, ld: rows, rows, w }, s, tau, t);
  }

  /**
   * C ← (I − V·Tᵀ·Vᵀ)·C = Hᵀ·C for the rows×cols C at `c` (leading
   * dimension `ld`), H the block reflector of {@linkcode reflector} at `s`
   * ({@linkcode applyLeft}).
   */
  private update(
    rows: number,
    w: number,
    c: number,
    ld: number,
    cols: number,
    s: Scratch,
  ): void {
    const v = { off: s.v, ld: rows, rows, w };
    applyLeft(this.engine, v, s, this.t, true, c, ld, cols);
  }

  /**
   * Householder QR of the rows×w block at `off` (leading dimension `ld`,
   * rows a multiple of 4), in place, recursively: the left half, its block
   * reflector applied to the right half (products on the kernel), the right
   * half; column by column at {@linkcode PANEL_BASE} columns or fewer, or
   * when the block is no taller than wide.
   */
  private panel(
    off: number,
    ld: number,
    rows: number,
    w: number,
    tau: Float64Array,
  ): void {
    if (w <= PANEL_BASE || rows <= w) {
      qrUnblocked(this.f, off, ld, rows, w, tau, SVD_ROUNDING);
      return;
    }
    const w1 = ceil4(w >> 1);
    this.panel(off, ld, rows, w1, tau);
    const s = this.inner;
    this.reflector(off, ld, rows, w1, tau, s);
    this.update(rows, w1, off + w1 * ld, ld, w - w1, s);
    this.panel(
      off + w1 + w1 * ld,
      ld,
      rows - w1,
      w - w1,
      tau.subarray(w1),
    );
  }

  /**
   * QR of the panel X[j:rows, j:j+w] in place, then its block reflector
   * applied from the left (transposed) to X[j:rows, j+w:n]. `rows` and j
   * are multiples of 4.
   */
  qrStep(j: number, w: number, rows: number): void {
    const { ldx, offX, n, tau } = this;
    const h = rows - j;
    const panel = offX + j + j * ldx;
    this.panel(panel, ldx, h, w, tau);
    const cols = n - j - w;
    if (cols <= 0) return;
    this.reflector(panel, ldx, h, w, tau, this.outer);
    this.update(h, w, panel + w * ldx, ldx, cols, this.outer);
  }

  /**
   * One step of the band reduction at column j (b columns, with columns
   * right of the band: c0 = j + b < n): a QR of the panel X[j:rows, j:c0]
   * and an LQ of the row panel X[j:c0, c0:n], with both block reflectors'
   * updates of the trailing matrix C = X[c0:rows, c0:n] applied as one
   * product of inner dimension 2b:
   *
   * - Y = −T₁ᵀ·V₁ᵀ·X[j:rows, c0:n] (the left reflector's update is V₁·Y);
   * - the row panel X[j:c0, c0:n] += V₁[0:b]·Y, then its LQ gives U, T₂ and
   *   L (written in place);
   * - Z = (C + V₁'·Y)·U·(−T₂), with V₁' = V₁[b:], from C·U (C not yet
   *   updated) and V₁'·(Y·U);
   * - C += [V₁' Z]·[Y; Uᵀ].
   */
  bandStep(j: number, rows: number): void {
    const { f, ldx, offX, offU, offBB, offAB, n, b, tau, t } = this;
    const s = this.outer;
    const gemm = this.engine.gemm;
    const h = rows - j;
    const c0 = j + b;
    const cols = n - c0;
    const below = rows - c0;
    const panel = offX + j + j * ldx;
    // 1. QR of the panel: V₁ explicit (h×b at s.v), packed, T₁.
    this.panel(panel, ldx, h, b, tau);
    this.reflector(panel, ldx, h, b, tau, s);
    packMinusT(f, t, b, true, s.t);
    // 2. Y = −T₁ᵀ·(V₁ᵀ·X[j:rows, c0:n])  (b × cols at s.w2), chunks of
    //    columns over the threads.
    f.fill(0, s.w, s.w + b * cols);
    f.fill(0, s.w2, s.w2 + b * cols);
    const c = (offX + j + c0 * ldx) * 8;
    this.engine.chain(cols, [
      [b, h, s.vt * 8, 32 * h, 32, c, ldx * 8, s.w * 8, b * 8],
      [b, b, s.t * 8, 32 * b, 32, s.w * 8, b * 8, s.w2 * 8, b * 8],
    ], chunkColumns(h));
    // 3. The row panel gets its left update: X[j:c0, c0:n] += V₁[0:b]·Y.
    gemm(b, cols, b, s.v * 8, 32, h * 8, s.w2 * 8, b * 8, c, ldx * 8);
    // 4. LQ of the row panel, as a QR of its transpose P (np×b at offU).
    const np = ceil4(cols);
    const k = Math.min(b, cols);
    for (let r = 0; r < b; r++) {
      const dst = offU + r * np;
      const src = offX + j + r + c0 * ldx;
      for (let i = 0; i < cols; i++) f[dst + i] = f[src + i * ldx];
      for (let i = cols; i < np; i++) f[dst + i] = 0;
    }
    this.panel(offU, np, np, b, tau);
    // L = Rᵀ back into the row panel (only the band part is read later).
    for (let r = 0; r < b; r++) {
      const dst = offX + j + r + c0 * ldx;
      for (let i = 0; i <= Math.min(r, cols - 1); i++) {
        f[dst + i * ldx] = f[offU + i + r * np];
      }
    }
    // U explicit in place (np×k), T₂ from it (the inner scratch's Vᵀ and
    // Gram matrix), −T₂ (k×k, column-major) at the inner scratch's t.
    const si = this.inner;
    this.reflector(offU, np, np, k, tau, { ...si, v: offU });
    for (let q = 0; q < k; q++) {
      for (let r = 0; r < k; r++) {
        f[si.t + r + q * k] = r <= q ? -t[r + q * k] : 0;
      }
    }
    // 5. Z = C·U (C = X[c0:rows, c0:n], not yet updated; blocks of KC
    //    columns, whose entries share a few pages and cache sets) at s.w,
    //    plus V₁'·(Y·U) (Y·U at s.g), then Z·(−T₂) into AB's right half.
    const a = (offX + c0 + c0 * ldx) * 8;
    f.fill(0, s.w, s.w + below * k);
    // On the calling thread: split over threads by Z's k columns (six at a
    // time) and a chain per few blocks, it was slower (synchronisation).
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
        s.w * 8,
        below * 8,
      );
    }
    f.fill(0, s.g, s.g + b * k);
    gemm(b, k, cols, s.w2 * 8, 32, b * 8, offU * 8, np * 8, s.g * 8, b * 8);
    const v1 = (s.v + b) * 8; // V₁' = V₁[b:h], leading dimension h
    gemm(below, k, b, v1, 32, h * 8, s.g * 8, b * 8, s.w * 8, below * 8);
    const z2 = offAB + b * below;
    f.fill(0, z2, z2 + below * k);
    gemm(
      below,
      k,
      k,
      s.w * 8,
      32,
      below * 8,
      si.t * 8,
      k * 8,
      z2 * 8,
      below * 8,
    );
    // 6. C += [V₁' Z2]·[Y; Uᵀ]: AB = [V₁' Z2] (below × (b+k)), BB = [Y; Uᵀ]
    //    ((b+k) × cols), one product of inner dimension b + k.
    for (let q = 0; q < b; q++) {
      const from = s.v + b + q * h;
      f.copyWithin(offAB + q * below, from, from + below);
    }
    const kk = b + k;
    for (let col = 0; col < cols; col++) {
      const dst = offBB + col * kk;
      const y = s.w2 + col * b;
      for (let r = 0; r < b; r++) f[dst + r] = f[y + r];
      for (let q = 0; q < k; q++) f[dst + b + q] = f[offU + col + q * np];
    }
    this.engine.chain(cols, [
      [below, kk, offAB * 8, 32, below * 8, offBB * 8, kk * 8, a, ldx * 8],
    ], chunkColumns(below));
  }

  /** Zeros everything below the diagonal of the first n columns of X. */
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

/** How {@linkcode reduceToBand} will go about an m×n matrix. */
export interface ReductionPlan {
  /** The bandwidth. */
  band: number;
  /** Whether A is first reduced to R by a QR on blocks of rows. */
  tall: boolean;
  /** Rows of A per block of that QR. */
  rowBlock: number;
  /** Rows held in memory at once. */
  held: number;
  /** Flops of the reduction (LAPACK's counts, the products' share). */
  flops: number;
  /** Bytes of WebAssembly memory it needs. */
  bytes: number;
}

/** The plan for an m×n matrix (m ≥ n ≥ 1); see {@linkcode reduceToBand}. */
export function planReduction(
  m: number,
  n: number,
  options: ReduceOptions = {},
): ReductionPlan {
  const band = options.band ?? BAND;
  if (!Number.isInteger(band) || band < 4 || band % 4 !== 0) {
    throw new RangeError(
      `reduceToBand: options.band must be a positive multiple of 4, received ${band}`,
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
  // The layout of Reducer's constructor: X, two scratch sets, U, BB, AB.
  const ld = ceil4(held);
  const ldx = ld % 64 === 0 ? ld + 4 : ld;
  const bp = ceil4(Math.max(band, QR_BLOCK));
  const long = Math.max(ldx, ceil4(n));
  const bytes = 8 * (ldx * n + 13 * long * bp + 4 * bp * bp);
  return { band, tall, rowBlock, held, flops, bytes };
}

/**
 * Reduces the m×n matrix A (m ≥ n ≥ 1), read through `load`, to an n×n
 * upper band matrix B = Q₁ᵀ·A·Q₂ with bandwidth `band`, Q₁ and Q₂
 * orthogonal (not formed).
 *
 * When m ≥ qrRatio·n, A is first reduced to its n×n triangular factor R by
 * a blocked Householder QR (block reflectors of {@linkcode QR_BLOCK}
 * columns, panels factored recursively) on blocks of rows: R of the first
 * block, then R of [R; next block], and so on, so that at most n + rowBlock
 * rows are held. The square (or not much taller) matrix is then reduced to
 * band form by alternating a QR of a panel of `band` columns and an LQ of
 * the panel's rows right of the band, the two updates of the trailing
 * matrix merged into one product: the first stage of the two-stage
 * bidiagonalisation (Großer & Lang; Ltaief, Luszczek & Dongarra), whose
 * flops are all in matrix products but for the narrow panels.
 */
export function reduceToBand(
  load: RowLoader,
  m: number,
  n: number,
  options: ReduceOptions = {},
): BandMatrix {
  const { band: b, tall, held, flops } = planReduction(m, n, options);
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
        for (let j = 0; j < n; j += QR_BLOCK) {
          red.qrStep(j, Math.min(QR_BLOCK, n - j), used);
        }
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
