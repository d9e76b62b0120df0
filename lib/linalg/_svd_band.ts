/**
 * The second stage of the two-stage bidiagonalisation: an upper band matrix
 * (b superdiagonals) to upper bidiagonal form by Householder bulge chasing,
 * values only, in Float64.
 *
 * @module
 */
import { reflect, type Reflector } from "./_householder.ts";
import { chaseKernels } from "./_svd_chase_kernels.ts";

/**
 * An n×n band matrix held by columns: entry (r, c) is at
 * `data[c·ld + r − c + ku]`, for −ku ≤ r − c ≤ kl. The chase needs
 * ku = 2b and kl = b for bandwidth b (room for its fill).
 */
export interface BandMatrix {
  data: Float64Array;
  n: number;
  /** Bandwidth of the input: nonzeros at r ≤ c ≤ r + b. */
  b: number;
  /** Superdiagonals stored. */
  ku: number;
  /** Subdiagonals stored. */
  kl: number;
  /** Leading dimension, ku + kl + 1. */
  ld: number;
}

/** An empty band matrix with room for the chase's fill. */
export function newBand(n: number, b: number): BandMatrix {
  const ku = 2 * b;
  const kl = b;
  const ld = ku + kl + 1;
  return { data: new Float64Array(n * ld), n, b, ku, kl, ld };
}

/** Options of {@linkcode bandToBidiagonal}, for tests. */
export interface ChaseOptions {
  /** Apply the reflectors in plain JavaScript instead of WebAssembly SIMD. Default false. */
  js?: boolean;
}

/**
 * Reduces the upper band matrix `band` (bandwidth b) to upper bidiagonal
 * form and returns the diagonal and superdiagonal (`band.data` is used as
 * scratch on the JavaScript path; the WebAssembly path works on a copy).
 *
 * Sweep s clears row s beyond the superdiagonal with one reflector from the
 * right on columns s+1 … s+b. That fills in below the diagonal of the next
 * b×b block; one reflector from the left clears the block's first column,
 * which fills in beyond the band in its first row; one from the right
 * clears that, and so on down the band, b rows a step (the bulge chase of
 * Schwarz's and Lang's band reductions, with Householder reflectors). Only
 * the first column or row of each bulge is cleared: the rest is cleared by
 * the following sweeps, whose windows overlap it, so the fill stays within
 * 2b − 1 superdiagonals and b − 1 subdiagonals. Each sweep costs about
 * 16·b·(n − s) flops, the whole reduction about 8·b·n². The reflectors are
 * made in JavaScript and applied by the `f64x2` kernels of
 * `_svd_chase_kernels.ts` (or by plain loops where those cannot run).
 */
export function bandToBidiagonal(
  band: BandMatrix,
  options: ChaseOptions = {},
): { d: Float64Array; e: Float64Array } {
  const { n, b, ku, ld } = band;
  const vecLen = 2 * b + 2;
  const size = n * ld;
  const kernels = options.js ? null : chaseKernels((size + 2 * vecLen) * 8);
  const data = kernels ? kernels.f : band.data;
  if (kernels) data.set(band.data);
  const offV = size;
  const offW = size + vecLen;
  const h: Reflector = { tau: 0, beta: 0 };
  const w = new Float64Array(vecLen);
  const v = new Float64Array(vecLen);
  /** Offset of (r, c). */
  const at = (r: number, c: number) => c * ld + r - c + ku;

  /**
   * Reflector from the right on columns c0..c1 that clears row a beyond c0,
   * applied to rows a+1..rEnd.
   */
  const right = (a: number, c0: number, c1: number, rEnd: number) => {
    const len = c1 - c0 + 1;
    const first = at(a, c0);
    reflect(data, first, ld - 1, len, h);
    const tau = h.tau;
    v[0] = 1;
    for (let j = 1, p = first + ld - 1; j < len; j++, p += ld - 1) {
      v[j] = data[p];
      data[p] = 0;
    }
    const rows = rEnd - a; // rows a+1..rEnd
    if (tau === 0 || rows <= 0) return;
    if (kernels) {
      data.set(v.subarray(0, len), offV);
      kernels.right(
        at(a + 1, c0) * 8,
        (ld - 1) * 8,
        rows,
        len,
        offV * 8,
        offW * 8,
        tau,
      );
      return;
    }
    w.fill(0, 0, rows);
    for (let j = 0; j < len; j++) {
      const vj = v[j];
      const base = at(a + 1, c0 + j);
      for (let i = 0; i < rows; i++) w[i] += vj * data[base + i];
    }
    for (let j = 0; j < len; j++) {
      const t = tau * v[j];
      const base = at(a + 1, c0 + j);
      for (let i = 0; i < rows; i++) data[base + i] -= t * w[i];
    }
  };

  /**
   * Reflector from the left on rows r0..r1 that clears column r0 below the
   * diagonal, applied to columns r0+1..cEnd.
   */
  const left = (r0: number, r1: number, cEnd: number) => {
    const len = r1 - r0 + 1;
    const first = at(r0, r0);
    reflect(data, first, 1, len, h);
    const tau = h.tau;
    v[0] = 1;
    for (let i = 1; i < len; i++) {
      v[i] = data[first + i];
      data[first + i] = 0;
    }
    if (tau === 0 || cEnd <= r0) return;
    if (kernels) {
      data.set(v.subarray(0, len), offV);
      kernels.left(
        at(r0, r0 + 1) * 8,
        (ld - 1) * 8,
        len,
        cEnd - r0,
        offV * 8,
        tau,
      );
      return;
    }
    for (let c = r0 + 1; c <= cEnd; c++) {
      const base = at(r0, c);
      let s = 0;
      for (let i = 0; i < len; i++) s += v[i] * data[base + i];
      s *= tau;
      if (s === 0) continue;
      for (let i = 0; i < len; i++) data[base + i] -= s * v[i];
    }
  };

  for (let s = 0; s + 1 < n; s++) {
    let c0 = s + 1;
    let c1 = Math.min(s + b, n - 1);
    if (c1 > c0) right(s, c0, c1, c1);
    while (c1 > c0) {
      const r0 = c0;
      left(r0, c1, Math.min(n - 1, r0 + 2 * b - 1));
      c0 = r0 + b;
      c1 = Math.min(n - 1, r0 + 2 * b - 1);
      if (c1 <= c0) break;
      right(r0, c0, c1, c1);
    }
  }
  const d = new Float64Array(n);
  const e = new Float64Array(Math.max(0, n - 1));
  for (let i = 0; i < n; i++) d[i] = data[at(i, i)];
  for (let i = 0; i + 1 < n; i++) e[i] = data[at(i, i + 1)];
  return { d, e };
}
