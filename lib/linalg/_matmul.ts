/**
 * A row-major Float64 matrix product on the QR's kernels, for the accuracy
 * checks ({@linkcode orthogonalityError}, {@linkcode reconstructionError}).
 *
 * @module
 */
import { openEngine } from "./_kernels.ts";
import { transpose } from "./_transpose.ts";

const ceil4 = (x: number) => (x + 3) & ~3;

/** Rows of the packed factor per kernel call: a 256×256 block stays in L2. */
const MC = 256;
/** Inner dimension per kernel call. */
const KC = 256;

/**
 * C = A·B for row-major A (m×k) and B (k×n), in Float64, returned row-major
 * (m×n). With `aTransposed`, `a` holds Aᵀ instead (row-major k×m), so that
 * C = aᵀ·b.
 *
 * Row-major C is column-major Cᵀ = Bᵀ·Aᵀ. Aᵀ is already column-major (A's
 * rows); Bᵀ is packed in 4-row micro-panels (B's columns, four at a time,
 * padded to a multiple of 4), and the product runs in 256×256 blocks of Bᵀ
 * so that each block is read from cache, not memory.
 */
export function matmul(
  a: Float64Array,
  m: number,
  k: number,
  b: Float64Array,
  n: number,
  aTransposed = false,
): Float64Array {
  const out = new Float64Array(m * n);
  if (m === 0 || n === 0 || k === 0) return out;
  const np = ceil4(n);
  const offB = 0;
  const offA = offB + k * np;
  const offC = offA + m * k;
  const engine = openEngine((offC + np * m) * 8, 2 * m * n * k);
  try {
    const f = engine.f;
    // Bᵀ in micro-panels: panel p holds B[l, 4p + r] at 4l + r.
    for (let p = 0; p < np; p += 4) {
      const dst = offB + p * k;
      const cols = Math.min(4, n - p);
      for (let l = 0; l < k; l++) {
        const src = l * n + p;
        for (let r = 0; r < 4; r++) {
          f[dst + 4 * l + r] = r < cols ? b[src + r] : 0;
        }
      }
    }
    // Aᵀ column-major (k×m, leading dimension k) is A row-major.
    if (aTransposed) transpose(a, 0, m, f, offA, k, k, m);
    else f.set(a, offA);
    f.fill(0, offC, offC + np * m);
    for (let k0 = 0; k0 < k; k0 += KC) {
      const kc = Math.min(KC, k - k0);
      for (let i0 = 0; i0 < np; i0 += MC) {
        engine.chain(m, [[
          Math.min(MC, np - i0),
          kc,
          (offB + i0 * k + 4 * k0) * 8,
          32 * k,
          32,
          (offA + k0) * 8,
          k * 8,
          (offC + i0) * 8,
          np * 8,
        ]], m);
      }
    }
    if (np === n) {
      out.set(f.subarray(offC, offC + m * n));
    } else {
      for (let i = 0; i < m; i++) {
        out.set(f.subarray(offC + i * np, offC + i * np + n), i * n);
      }
    }
    return out;
  } finally {
    engine.close();
  }
}
