/**
 * The blocked Householder QR itself, on a column-major Float64 copy of the
 * matrix held in the kernels' memory. See {@linkcode householderQr} for the
 * algorithm and its error bound; this file is the arithmetic.
 *
 * Layout (offsets in Float64 elements): the working matrix `A` (mp×n,
 * column-major, mp = m rounded up to a multiple of 4 with zero rows), the
 * Q accumulator `X` (mp×k), and the scratch of one block reflector (see
 * `_compact_wy.ts`): its Vᵀ packed in 4-row micro-panels, W = VᵀC and
 * W2 = −op(T)·W, the Gram matrix VᵀV and −op(T) packed. A block
 * reflector's V is A's own columns, made explicit while it is used.
 *
 * @module
 */
import { type Engine, type EngineKind, openEngine } from "./_kernels.ts";
import {
  applyLeft,
  ceil4,
  formT,
  packVt,
  type Reflectors,
  type WyScratch,
} from "./_compact_wy.ts";
import { QR_ROUNDING, qrUnblocked } from "./_householder.ts";
import { transpose } from "./_transpose.ts";

/** Columns per block reflector in the trailing update and in forming Q. */
export const BLOCK = 32;
/** Panels this narrow or narrower are factored column by column. */
export const BASE = 8;

/** Options of {@linkcode blockedQr}: the tuning knobs, for tests and benchmarks. */
export interface BlockedQrOptions {
  /** Columns per block reflector. Default {@linkcode BLOCK}. */
  block?: number;
  /** Width below which panels are factored column by column. Default {@linkcode BASE}. */
  base?: number;
  /** Use the plain JavaScript product instead of WebAssembly. Default false. */
  js?: boolean;
  /** Allow worker threads for large problems. Default true. */
  threads?: boolean;
}

/** What {@linkcode blockedQr} returns. */
export interface BlockedQrResult {
  /** Q, m×k row-major. */
  q: Float64Array;
  /** R, k×n row-major. */
  r: Float64Array;
  /** What ran the products. */
  kind: EngineKind;
  /** Worker threads that were started. */
  workers: number;
}

/** One factorisation's working state. */
class BlockedQr {
  readonly m: number;
  readonly n: number;
  readonly k: number;
  readonly mp: number;
  readonly nbp: number;
  private readonly engine: Engine;
  private readonly f: Float64Array;
  // Offsets, in elements.
  private readonly offA: number;
  private readonly offX: number;
  /** The block reflector's scratch. */
  private readonly scratch: WyScratch;
  /** Householder scalars. */
  readonly tau: Float64Array;
  /** The upper triangle of a panel while its V is made explicit. */
  private readonly saved: Float64Array;
  /** T of each block reflector (BLOCK×BLOCK, column-major), kept for forming Q. */
  private readonly ts: Float64Array[] = [];

  readonly block: number;
  readonly base: number;

  constructor(
    a: Float64Array,
    m: number,
    n: number,
    options: BlockedQrOptions,
  ) {
    const { block = BLOCK, base = BASE, js = false, threads = true } = options;
    if (!Number.isInteger(block) || block < 4 || block % 4 !== 0) {
      throw new RangeError(
        `blockedQr: options.block must be a positive multiple of 4, received ${block}`,
      );
    }
    this.block = block;
    this.base = base;
    this.m = m;
    this.n = n;
    this.k = Math.min(m, n);
    this.mp = ceil4(m);
    this.nbp = ceil4(Math.min(block, this.k));
    const { mp, k, nbp } = this;
    this.offA = 0;
    this.offX = this.offA + mp * n;
    const vt = this.offX + mp * k;
    const w = vt + nbp * mp;
    const w2 = w + nbp * n;
    const g = w2 + nbp * n;
    const t = g + nbp * nbp;
    this.scratch = { vt, t, w, w2, g };
    const total = t + nbp * nbp;
    // Flops of the factorisation and of forming Q (LAPACK's counts).
    const flops = 2 * k * k * (Math.max(m, n) + m) - (4 / 3) * k ** 3;
    this.engine = openEngine(total * 8, flops, { js, threads });
    this.f = this.engine.f;
    this.tau = new Float64Array(k);
    this.saved = new Float64Array(block * block);
    // A, column-major, padded with zero rows.
    transpose(a, 0, n, this.f, this.offA, mp, m, n);
    if (mp > m) {
      for (let c = 0; c < n; c++) {
        const col = this.offA + c * mp;
        this.f.fill(0, col + m, col + mp);
      }
    }
  }

  /** Factors A = QR in place: R above the diagonal, the Householder vectors below. */
  factor(): void {
    const { k, n } = this;
    const block = this.block;
    for (let j = 0; j < k; j += block) {
      const w = Math.min(block, k - j);
      this.panel(j, w);
      const t = this.reflector(j, w);
      this.ts.push(t);
      this.apply(j, w, t, true, this.offA, j + w, n);
      this.restore(j, w);
    }
  }

  /** Factors the panel A[j0:, j0:j0+w], recursively: left half, update, right half. */
  private panel(j0: number, w: number): void {
    if (w <= this.base || w <= 4) {
      this.unblocked(j0, w);
      return;
    }
    const w1 = ceil4(w >> 1);
    this.panel(j0, w1);
    const t = this.reflector(j0, w1);
    this.apply(j0, w1, t, true, this.offA, j0 + w1, j0 + w);
    this.restore(j0, w1);
    this.panel(j0 + w1, w - w1);
  }

  /** Column-by-column Householder QR of the narrow panel A[j0:, j0:j0+w]. */
  private unblocked(j0: number, w: number): void {
    const { f, mp, offA, tau } = this;
    const panel = offA + j0 + j0 * mp;
    qrUnblocked(f, panel, mp, mp - j0, w, tau.subarray(j0), QR_ROUNDING);
  }

  /**
   * Writes V = A[j0:, j0:j0+w] out in full: ones on the diagonal and zeros
   * above, saving the R entries there for {@linkcode restore}.
   */
  private makeExplicit(j0: number, w: number): void {
    const { f, mp, offA, saved } = this;
    for (let c = 0; c < w; c++) {
      const col = offA + j0 + (j0 + c) * mp;
      for (let i = 0; i <= c; i++) {
        saved[i + c * w] = f[col + i];
        f[col + i] = i === c ? 1 : 0;
      }
    }
  }

  /** Puts back the R entries {@linkcode makeExplicit} replaced. */
  private restore(j0: number, w: number): void {
    const { f, mp, offA, saved } = this;
    for (let c = 0; c < w; c++) {
      const col = offA + j0 + (j0 + c) * mp;
      for (let i = 0; i <= c; i++) f[col + i] = saved[i + c * w];
    }
  }

  /** V = A[j0:mp, j0:j0+w] (explicit after {@linkcode makeExplicit}). */
  private v(j0: number, w: number): Reflectors {
    const { mp, offA } = this;
    return { off: offA + j0 + j0 * mp, ld: mp, rows: mp - j0, w };
  }

  /**
   * T of the block reflector H_j0 ⋯ H_{j0+w-1} = I − V T Vᵀ (w×w,
   * column-major), with V made explicit (undone by {@linkcode restore})
   * and Vᵀ packed.
   */
  private reflector(j0: number, w: number): Float64Array {
    const t = new Float64Array(w * w);
    this.makeExplicit(j0, w);
    formT(this.engine, this.v(j0, w), this.scratch, this.tau.subarray(j0), t);
    return t;
  }

  /**
   * Applies (I − V op(T) Vᵀ), op(T) = Tᵀ when `transpose`, to the columns
   * [c0, c1) of the matrix at `off` (ld mp), rows j0..mp. Needs V explicit
   * and packed.
   */
  private apply(
    j0: number,
    w: number,
    t: Float64Array,
    transpose: boolean,
    off: number,
    c0: number,
    c1: number,
  ): void {
    if (c1 <= c0) return;
    const { engine, mp, scratch } = this;
    const c = off + j0 + c0 * mp;
    applyLeft(engine, this.v(j0, w), scratch, t, transpose, c, mp, c1 - c0);
  }

  /** R (k×n, row-major), read from the factored A. */
  r(): Float64Array {
    const { f, mp, k, n, offA } = this;
    const r = new Float64Array(k * n);
    transpose(f, offA, mp, r, 0, n, n, k);
    for (let i = 1; i < k; i++) r.fill(0, i * n, i * n + i);
    return r;
  }

  /**
   * Q (m×k, row-major): the block reflectors applied backward to the first
   * k columns of the identity. Overwrites the R entries of A (call
   * {@linkcode r} first).
   */
  q(): Float64Array {
    const { f, mp, m, k, offA, offX } = this;
    // V explicit everywhere: unit diagonal, zeros above.
    for (let c = 0; c < k; c++) {
      const col = offA + c * mp;
      for (let i = 0; i < c; i++) f[col + i] = 0;
      f[col + c] = 1;
    }
    f.fill(0, offX, offX + mp * k);
    for (let c = 0; c < k; c++) f[offX + c + c * mp] = 1;
    for (let b = this.ts.length - 1; b >= 0; b--) {
      const j = b * this.block;
      const w = Math.min(this.block, k - j);
      packVt(f, this.v(j, w), this.scratch.vt);
      this.apply(j, w, this.ts[b], false, offX, j, k);
    }
    const q = new Float64Array(m * k);
    transpose(f, offX, mp, q, 0, k, k, m);
    return q;
  }

  /** What runs the products. */
  get kind(): EngineKind {
    return this.engine.kind;
  }

  /** Worker threads started. */
  get workers(): number {
    return this.engine.workers;
  }

  /** Stops the worker threads and lets a large memory go. */
  done(): void {
    this.engine.close();
  }
}

/**
 * Q (m×k) and R (k×n) of the m×n row-major `a` (m, n ≥ 1; not modified),
 * by {@linkcode BlockedQr}.
 */
export function blockedQr(
  a: Float64Array,
  m: number,
  n: number,
  options: BlockedQrOptions = {},
): BlockedQrResult {
  const qr = new BlockedQr(a, m, n, options);
  try {
    qr.factor();
    const r = qr.r();
    const q = qr.q();
    return { q, r, kind: qr.kind, workers: qr.workers };
  } finally {
    qr.done();
  }
}
