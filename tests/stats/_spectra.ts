/**
 * Test matrices for the spectrum analysis: iid noise, noise with unequal row
 * and column variances, planted low-rank signals at a multiple of the BBP
 * threshold, and heavy-tailed entries. All from the project's seeded Philox
 * stream, in Float64.
 *
 * @module
 */
import { standardNormal, uniform } from "../../lib/random/distributions.ts";
import { nextDraw } from "../../lib/random/stream.ts";
import type { StoredFloat } from "../../lib/stats/stored_float.ts";

/** Kinds of noise. */
export type Noise =
  | "gauss"
  | "uniform"
  | "rows"
  | "rowcol"
  | "t2"
  | "t3"
  | "pareto1.5";

function normals(n: number, seed: number): Float64Array {
  return standardNormal(n, nextDraw(seed), 0, new Float64Array(n));
}

function uniforms(n: number, seed: number): Float64Array {
  return uniform(n, nextDraw(seed), 0, new Float64Array(n));
}

/** rows×cols noise of the given kind, scaled to unit mean square. */
export function noise(
  rows: number,
  cols: number,
  kind: Noise,
  seed: number,
): Float64Array {
  const size = rows * cols;
  let x: Float64Array;
  switch (kind) {
    case "gauss":
      x = normals(size, seed);
      break;
    case "uniform":
      x = uniforms(size, seed).map((u) => 2 * u - 1);
      break;
    case "rows":
    case "rowcol": {
      // Row (and column) standard deviations uniform in [0.5, 2] ([0.7, 1.4]).
      x = normals(size, seed);
      const wide = kind === "rows";
      const r = uniforms(rows, seed + 1e6).map((u) =>
        wide ? 0.5 + 1.5 * u : 0.7 + 0.7 * u
      );
      const c = uniforms(cols, seed + 2e6).map((u) => wide ? 1 : 0.7 + 0.7 * u);
      for (let i = 0; i < rows; i++) {
        for (let j = 0; j < cols; j++) x[i * cols + j] *= r[i] * c[j];
      }
      break;
    }
    case "t2": {
      // Student-t with 2 degrees of freedom: Z / √(χ²₂/2), χ²₂ = −2 ln U.
      const z = normals(size, seed);
      const u = uniforms(size, seed + 3e6);
      x = z.map((v, i) => v / Math.sqrt(-Math.log(1 - u[i])));
      break;
    }
    case "t3": {
      const z = normals(4 * size, seed);
      x = new Float64Array(size);
      for (let i = 0; i < size; i++) {
        const chi = z[4 * i + 1] ** 2 + z[4 * i + 2] ** 2 + z[4 * i + 3] ** 2;
        x[i] = z[4 * i] / Math.sqrt(chi / 3);
      }
      break;
    }
    case "pareto1.5": {
      // Symmetric Pareto, P(|x| > t) = t^−1.5 for t ≥ 1.
      const u = uniforms(2 * size, seed);
      x = new Float64Array(size);
      for (let i = 0; i < size; i++) {
        x[i] = (u[2 * i] < 0.5 ? -1 : 1) * (1 - u[2 * i + 1]) ** (-1 / 1.5);
      }
      break;
    }
  }
  if (
    kind === "gauss" || kind === "uniform" || kind === "rows" ||
    kind === "rowcol"
  ) {
    let ss = 0;
    for (const v of x) ss += v * v;
    const s = Math.sqrt(size / ss);
    for (let i = 0; i < size; i++) x[i] *= s;
  }
  return x;
}

/** k orthonormal vectors of length n (Gram–Schmidt twice on Gaussian vectors). */
export function orthonormal(
  n: number,
  k: number,
  seed: number,
): Float64Array[] {
  const g = normals(n * k, seed);
  const out: Float64Array[] = [];
  for (let a = 0; a < k; a++) {
    const v = g.slice(a * n, (a + 1) * n);
    for (let pass = 0; pass < 2; pass++) {
      for (const u of out) {
        let d = 0;
        for (let i = 0; i < n; i++) d += u[i] * v[i];
        for (let i = 0; i < n; i++) v[i] -= d * u[i];
      }
    }
    let norm = 0;
    for (let i = 0; i < n; i++) norm += v[i] * v[i];
    norm = Math.sqrt(norm);
    out.push(v.map((x) => x / norm));
  }
  return out;
}

/**
 * Adds k orthogonal rank-one signals of equal singular value
 * strength·(M/N)^{1/4}·√N·σ, i.e. `strength` times the BBP threshold for
 * noise of variance σ² (N the longer side).
 */
export function plant(
  x: Float64Array,
  rows: number,
  cols: number,
  k: number,
  strength: number,
  sigma: number,
  seed: number,
): Float64Array {
  const n = Math.max(rows, cols);
  const m = Math.min(rows, cols);
  const s = strength * (m / n) ** 0.25 * Math.sqrt(n) * sigma;
  const u = orthonormal(rows, k, seed + 5e6);
  const v = orthonormal(cols, k, seed + 6e6);
  const out = x.slice();
  for (let a = 0; a < k; a++) {
    for (let i = 0; i < rows; i++) {
      const ui = s * u[a][i];
      for (let j = 0; j < cols; j++) out[i * cols + j] += ui * v[a][j];
    }
  }
  return out;
}

/** `w` rounded to a grid of `levels` steps from its least entry to its largest (tfjs's uint8 quantisation at 255), and the step. */
export function onGrid(
  w: Float64Array,
  levels: number,
): { stored: Float32Array; step: number } {
  let lo = Infinity;
  let hi = -Infinity;
  for (const v of w) [lo, hi] = [Math.min(lo, v), Math.max(hi, v)];
  const step = (hi - lo) / levels;
  return {
    stored: Float32Array.from(
      w,
      (v) => Math.round((v - lo) / step) * step + lo,
    ),
    step,
  };
}

/**
 * X·Qᵀ: [rows, cols] of rank r, X Gaussian [rows, r] (seed) with row i
 * scaled by `rowScale(i)` (1 by default), Q orthonormal [cols, r]
 * (seed + 1).
 */
export function rankR(
  rows: number,
  cols: number,
  r: number,
  seed: number,
  rowScale: (i: number) => number = () => 1,
): Float64Array {
  const x = noise(rows, r, "gauss", seed);
  const q = orthonormal(cols, r, seed + 1);
  const w = new Float64Array(rows * cols);
  for (let i = 0; i < rows; i++) {
    const scale = rowScale(i);
    for (let j = 0; j < cols; j++) {
      let s = 0;
      for (let k = 0; k < r; k++) s += x[i * r + k] * q[k][j];
      w[i * cols + j] = scale * s;
    }
  }
  return w;
}

/** Rounds to the nearest bfloat16 (ties to even, as PyTorch converts): the top half of float32's bits. */
export function bfloat16(x: number): number {
  const f = new Float32Array([x]);
  const bits = new Uint32Array(f.buffer);
  const b = bits[0];
  bits[0] = ((b + 0x7fff + ((b >>> 16) & 1)) >>> 16) << 16;
  return f[0];
}

/**
 * Rounds to the nearest OCP 8-bit float, ties to even (as PyTorch converts):
 * `float8_e4m3fn` (3 mantissa bits, bias 7, max 448) or `float8_e5m2`
 * (2 bits, bias 15, max 57344); magnitudes past the max are clamped to it
 * (no test value comes near).
 */
export function float8(
  x: number,
  format: "float8_e4m3fn" | "float8_e5m2",
): number {
  const [mantissa, bias, max] = format === "float8_e4m3fn"
    ? [3, 7, 448]
    : [2, 15, 57344];
  const a = Math.abs(x);
  if (a === 0) return x;
  // The binade of a, exactly (log2 may round across a power of two);
  // subnormals share the smallest normal binade's step.
  let e = Math.floor(Math.log2(a));
  if (2 ** e > a) e--;
  if (2 ** (e + 1) <= a) e++;
  const step = 2 ** (Math.max(e, 1 - bias) - mantissa);
  const q = a / step;
  let r = Math.round(q);
  if (r - q === 0.5 && r % 2 === 1) r--;
  return Math.sign(x) * Math.min(r * step, max);
}

/** Each low-precision float format with its round-to-nearest. */
export const ROUNDINGS: readonly (readonly [
  StoredFloat,
  (x: number) => number,
])[] = [
  ["float16", Math.f16round],
  ["bfloat16", bfloat16],
  ["float8_e4m3fn", (x) => float8(x, "float8_e4m3fn")],
  ["float8_e5m2", (x) => float8(x, "float8_e5m2")],
];
