/**
 * The plumbing of `singularValues`: argument checks, reading the
 * input into the working orientation, and the choice between the one-stage
 * and the two-stage path, with the tuning knobs the tests and benchmarks
 * use.
 *
 * @module
 */
import {
  checkBoolean,
  checkOptions,
  message,
  rangeError,
  typeError,
} from "../validate.ts";
import { bidiagonalSingularValues } from "./_svd_bidiagonal.ts";
import { scanValues } from "../_scan.ts";
import { bandToBidiagonal } from "./_svd_band.ts";
import { bidiagonalizeUnblocked } from "./_householder.ts";
import {
  planReduction,
  type ReduceOptions,
  reduceToBand,
  type RowLoader,
} from "./_svd_reduce.ts";
import type { SingularValuesOptions } from "./singular_values.ts";

/** Options only the tests and benchmarks use (tuning knobs of the reduction). */
export interface SingularValuesInternals extends ReduceOptions {
  /** Use the one-stage bidiagonalisation in JavaScript (the small-matrix path) at any size. */
  unblocked?: boolean;
  /** Use the two-stage path (WebAssembly products) at any size. */
  forceBlocked?: boolean;
  /** The function the user called, as errors name it. Default `"singularValues"`. */
  fn?: string;
}

/** Default of {@linkcode SingularValuesOptions.maxSide}. */
export const MAX_SIDE = 4096;

/** Seconds a 4096×4096 matrix took on the 2-core reference machine (bench/RESULTS.md). */
const SECONDS_AT_4096 = 8;

/** Matrices with at most this many flops (4mn²) take the one-stage JavaScript path (the crossover measured here). */
const SMALL_FLOPS = 4 * 64 ** 3;

/** WebAssembly's 32-bit addresses reach 4 GiB. */
const WASM_BYTES = 2 ** 32;

function checkSvdOptions(fn: string, options: unknown): SingularValuesOptions {
  const { maxSide, threads } = checkOptions(
    fn,
    options as SingularValuesOptions | undefined,
    ["maxSide", "threads"],
  );
  if (threads !== undefined) checkBoolean(fn, "options.threads", threads);
  if (maxSide !== undefined) {
    const what = "a positive integer or Infinity";
    if (typeof maxSide !== "number") {
      throw typeError(fn, "options.maxSide", what, maxSide);
    }
    if (
      !(maxSide === Infinity || (Number.isInteger(maxSide) && maxSide >= 1))
    ) {
      throw rangeError(fn, "options.maxSide", what, maxSide);
    }
  }
  return { maxSide, threads };
}

/**
 * A {@linkcode RowLoader} for the m×n matrix A (m ≥ n) that is the rows×cols
 * row-major `values` (or its transpose when rows < cols), times `scale`.
 */
function rowLoader(
  values: ArrayLike<number>,
  rows: number,
  cols: number,
  scale: number,
): RowLoader {
  if (rows >= cols) {
    // A = X: row i of A is values[i·cols …], scattered into columns.
    const n = cols;
    return (r0, r1, f, off, ld) => {
      for (let i0 = r0; i0 < r1; i0 += 16) {
        const i1 = Math.min(r1, i0 + 16);
        for (let k = 0; k < n; k++) {
          const dst = off - r0 + k * ld;
          for (let i = i0; i < i1; i++) f[dst + i] = values[i * n + k] * scale;
        }
      }
    };
  }
  // A = Xᵀ (m = cols): column k of A is row k of X, contiguous.
  const m = cols;
  return (r0, r1, f, off, ld) => {
    for (let k = 0; k < rows; k++) {
      const dst = off - r0 + k * ld;
      const src = k * m;
      for (let i = r0; i < r1; i++) f[dst + i] = values[src + i] * scale;
    }
  };
}

/**
 * `singularValues` with the reduction's tuning knobs, for the
 * tests and benchmarks.
 */
export function singularValuesWith(
  x: { values: ArrayLike<number>; shape: readonly number[] },
  options: SingularValuesOptions | undefined,
  internals: SingularValuesInternals,
): Float64Array {
  const fn = internals.fn ?? "singularValues";
  const { maxSide = MAX_SIDE, threads } = checkSvdOptions(fn, options);
  if (threads === false) internals = { ...internals, threads: false };
  const { values, shape } = x;
  if (shape.length < 2) {
    throw new RangeError(
      `${
        message(fn, "x.shape", "of rank >= 2 (a matrix)", shape)
      }; for the distribution of a vector's values use histogram or plotHistogram`,
    );
  }
  const cols = shape[shape.length - 1];
  const rows = cols === 0 ? 0 : values.length / cols;
  if (values.length === 0) {
    throw rangeError(fn, "x.shape", "a non-empty shape", shape);
  }
  const { nan, posInf, negInf, max } = scanValues(values);
  const bad = nan + posInf + negInf;
  if (bad > 0) {
    throw new RangeError(
      `${fn}: x.values must be finite (singular values need finite entries; histogram and plotHistogram count them), received ${bad} non-finite value${
        bad === 1 ? "" : "s"
      } (${nan} NaN, ${posInf} +Infinity, ${negInf} −Infinity) among ${values.length}`,
    );
  }
  const m = Math.max(rows, cols);
  const n = Math.min(rows, cols);
  const out = new Float64Array(n);
  if (max === 0) return out;
  if (n > maxSide) {
    // The reduction's flops over a square 4096's (8/3·4096³), times the
    // time that took here.
    const { flops } = planReduction(m, n, internals);
    const seconds = SECONDS_AT_4096 * flops / ((8 / 3) * 4096 ** 3);
    console.warn(
      `${fn}: the short side ${n} of the ${rows}×${cols} matrix is above maxSide ${maxSide}; computing all ${n} singular values exactly anyway, which takes roughly ${
        Math.ceil(seconds)
      } s on a 2-core machine (time grows as the cube of the short side; pass maxSide: Infinity to silence this)`,
    );
  }
  // Scale by a power of two (exact) so that the largest |entry| is in [1, 2)
  // (at least 2⁻⁷⁴ for subnormal input, whose 2^1074 would overflow).
  const exponent = Math.max(-1000, Math.floor(Math.log2(max)));
  const scale = 2 ** -exponent;
  const load = rowLoader(values, rows, cols, scale);
  let d: Float64Array;
  let e: Float64Array;
  if (
    internals.unblocked ||
    (!internals.forceBlocked && 4 * m * n * n <= SMALL_FLOPS)
  ) {
    const a = new Float64Array(m * n);
    load(0, m, a, 0, m);
    ({ d, e } = bidiagonalizeUnblocked(a, m, n));
  } else {
    const { bytes } = planReduction(m, n, internals);
    if (bytes > WASM_BYTES) {
      throw new RangeError(
        `${fn}: the short side of x must be at most about 23000 (a ${rows}×${cols} matrix needs ${
          (bytes / 2 ** 30).toFixed(1)
        } GiB of working memory, more than the 4 GiB WebAssembly can address), received ${n}`,
      );
    }
    const band = reduceToBand(load, m, n, internals);
    ({ d, e } = bandToBidiagonal(band, { js: internals.js }));
  }
  const s = bidiagonalSingularValues(d, e);
  const unscale = 2 ** exponent;
  for (let i = 0; i < n; i++) out[i] = s[i] * unscale;
  return out;
}
