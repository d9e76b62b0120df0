/**
 * Structured initializers: `identity`, `dirac`, `deltaOrthogonal`, `sparse`.
 *
 * @module
 */
import type { tf } from "../tf.ts";
import {
  type BaseOptions,
  drawFor,
  finish,
  prepare,
  type Prepared,
} from "./_core.ts";
import {
  checkFinite,
  checkNonNegative,
  checkProbability,
  rangeError,
  typeError,
} from "../validate.ts";
import { haarMatrix } from "./orthogonal.ts";
import { standardNormal, uniform } from "../random/distributions.ts";

/** Options for {@linkcode identity} and {@linkcode deltaOrthogonal}. */
export interface GainOptions extends BaseOptions {
  /** Multiplies the result. Default 1. */
  gain?: number;
}

/** Options for {@linkcode dirac}. */
export interface DiracOptions extends GainOptions {
  /** Convolution groups; the output channels must divide evenly. Default 1. */
  groups?: number;
}

/** Options for {@linkcode sparse}. */
export interface SparseOptions extends BaseOptions {
  /** The fraction of each column set to zero, in [0, 1]. Required. */
  sparsity?: number;
  /** Standard deviation of the non-zero values. Default 0.01 (PyTorch's). */
  stddev?: number;
}

/**
 * Throws unless the prepared shape is a convolution kernel's,
 * `[...spatial, in, out]` of rank 3 to 5 (for `dirac` and
 * `deltaOrthogonal`).
 */
function convRank(p: Prepared): void {
  if (p.shape.length < 3 || p.shape.length > 5) {
    throw rangeError(
      p.fn,
      "shape",
      "a convolution kernel shape [...spatial, in, out] of rank 3 to 5",
      p.shape,
    );
  }
}

/** Throws unless the prepared shape is 2-D (for `identity` and `sparse`). */
function matrixShape(p: Prepared): void {
  if (p.shape.length !== 2) throw rangeError(p.fn, "shape", "2-D", p.shape);
}

/** Checks the shape and options of `identity`. */
export function identityOptions(
  p: Prepared,
  o: GainOptions,
): { gain: number } {
  matrixShape(p);
  return { gain: checkFinite(p.fn, "options.gain", o.gain ?? 1) };
}

/**
 * Checks the shape and options of `dirac`: `groups` a positive integer that
 * divides the output channels.
 */
export function diracOptions(
  p: Prepared,
  o: DiracOptions,
): { groups: number; gain: number } {
  convRank(p);
  const outC = p.shape[p.shape.length - 1];
  const what = `a positive integer dividing the ${outC} output channels`;
  const groups = o.groups ?? 1;
  if (typeof groups !== "number") {
    throw typeError(p.fn, "options.groups", what, groups);
  }
  if (!Number.isInteger(groups) || groups < 1 || outC % groups !== 0) {
    throw rangeError(p.fn, "options.groups", what, groups);
  }
  return { groups, gain: checkFinite(p.fn, "options.gain", o.gain ?? 1) };
}

/** Checks the shape (in ≤ out channels) and options of `deltaOrthogonal`. */
export function deltaOrthogonalOptions(
  p: Prepared,
  o: GainOptions,
): { gain: number } {
  convRank(p);
  const [inC, outC] = p.shape.slice(-2);
  if (inC > outC) {
    throw rangeError(
      p.fn,
      "shape",
      "a kernel shape with in <= out channels",
      p.shape,
    );
  }
  return { gain: checkNonNegative(p.fn, "options.gain", o.gain ?? 1) };
}

/** Checks the shape and options of `sparse`. */
export function sparseOptions(
  p: Prepared,
  o: SparseOptions,
): { sparsity: number; stddev: number } {
  matrixShape(p);
  const sparsity = checkProbability(p.fn, "options.sparsity", o.sparsity);
  const stddev = checkNonNegative(p.fn, "options.stddev", o.stddev ?? 0.01);
  return { sparsity, stddev };
}

/**
 * The row-major offset of the spatial centre tap's `[in = 0, out = 0]`
 * element of a convolution kernel.
 *
 * @param shape `[...spatial, in, out]`.
 * @returns The offset.
 */
export function centreOffset(shape: number[]): number {
  let offset = 0;
  for (let k = 0; k < shape.length - 2; k++) {
    offset = offset * shape[k] + (shape[k] >> 1);
  }
  return offset * shape[shape.length - 2] * shape[shape.length - 1];
}

/**
 * The identity matrix times `gain`: ones on the main diagonal of a 2-D shape
 * (rectangular shapes too), zeros elsewhere.
 *
 * @param shape A 2-D shape.
 * @param options `gain` (1), `device`.
 * @returns A float32 tensor.
 * @throws {RangeError} If the shape is not 2-D.
 *
 * @example
 * ```ts
 * import { initializers } from "../../mod.ts";
 * import { assertEquals } from "@std/assert";
 *
 * const eye = initializers.identity([2, 3], { gain: 2 });
 * assertEquals(await eye.data(), new Float32Array([2, 0, 0, 0, 2, 0]));
 * eye.dispose();
 * ```
 */
export function identity(
  shape: readonly number[],
  options?: GainOptions,
): tf.Tensor {
  const { prepared, options: o } = prepare("identity", shape, options, [
    "gain",
  ]);
  const { gain } = identityOptions(prepared, o);
  const [rows, cols] = prepared.shape;
  const out = new Float32Array(prepared.size);
  const n = Math.min(rows, cols);
  for (let i = 0; i < n; i++) out[i * cols + i] = gain;
  return finish(prepared, out, {
    name: "identity",
    options: { gain },
    density: { kind: "pointMass", gain, ones: n, size: prepared.size },
  });
}

/**
 * The Dirac delta for convolution kernels `[...spatial, in, out]` (rank 3 to
 * 5): the centre tap maps input channel d to output channel d of each group,
 * so the convolution starts as the identity (PyTorch's `dirac_`, in tfjs's
 * kernel layout). With `groups = g`, the first min(out / g, in) channels of
 * each group copy input channels 0, 1, …; the others are zero (as in
 * PyTorch).
 *
 * @param shape `[...spatial, in, out]`, rank 3 to 5.
 * @param options `groups` (1), `gain` (1), `device`.
 * @returns A float32 tensor.
 * @throws {RangeError} For a bad rank, or `out` not divisible by `groups`.
 *
 * @example
 * ```ts
 * import { initializers, tf } from "../../mod.ts";
 * import { assertEquals } from "@std/assert";
 *
 * const k = initializers.dirac([3, 2, 2]); // conv1d kernel: width 3, 2 → 2 channels
 * const x = tf.tensor3d([[[1, 2], [3, 4], [5, 6]]]);
 * const y = tf.conv1d(x as tf.Tensor3D, k as tf.Tensor3D, 1, "same");
 * assertEquals(await y.data(), await x.data());
 * tf.dispose([k, x, y]);
 * ```
 */
export function dirac(
  shape: readonly number[],
  options?: DiracOptions,
): tf.Tensor {
  const { prepared, options: o } = prepare("dirac", shape, options, [
    "groups",
    "gain",
  ]);
  const { groups, gain } = diracOptions(prepared, o);
  const [inC, outC] = prepared.shape.slice(-2);
  const out = new Float32Array(prepared.size);
  const perGroup = outC / groups;
  const base = centreOffset(prepared.shape);
  const n = Math.min(perGroup, inC);
  if (prepared.size > 0) {
    for (let g = 0; g < groups; g++) {
      for (let d = 0; d < n; d++) {
        out[base + d * outC + g * perGroup + d] = gain;
      }
    }
  }
  return finish(prepared, out, {
    name: "dirac",
    options: { groups, gain },
    density: {
      kind: "pointMass",
      gain,
      ones: prepared.size > 0 ? groups * n : 0,
      size: prepared.size,
    },
  });
}

/**
 * Delta-orthogonal for convolution kernels `[...spatial, in, out]` (Xiao et
 * al. 2018, JAX's `delta_orthogonal`): the centre tap is a Haar random
 * in×out matrix with orthonormal rows (see `orthogonal`), times `gain`; every
 * other tap is zero. Needs in ≤ out.
 *
 * @param shape `[...spatial, in, out]`, rank 3 to 5, in ≤ out.
 * @param options `gain` (1), `seed`, `device`.
 * @returns A float32 tensor.
 * @throws {RangeError} For a bad rank or in > out.
 *
 * @example
 * ```ts
 * import { initializers } from "../../mod.ts";
 * import { assertEquals } from "@std/assert";
 *
 * const k = initializers.deltaOrthogonal([3, 3, 4, 4], { seed: 0 });
 * const v = await k.data();
 * assertEquals(v.filter((x) => x !== 0).length <= 16, true);
 * k.dispose();
 * ```
 */
export function deltaOrthogonal(
  shape: readonly number[],
  options?: GainOptions,
): tf.Tensor {
  const { prepared, options: o } = prepare("deltaOrthogonal", shape, options, [
    "gain",
  ]);
  const { gain } = deltaOrthogonalOptions(prepared, o);
  const [inC, outC] = prepared.shape.slice(-2);
  const centre = haarMatrix(inC, outC, gain, drawFor(prepared));
  const out = new Float32Array(prepared.size);
  if (prepared.size > 0) out.set(centre, centreOffset(prepared.shape));
  return finish(prepared, out, {
    name: "deltaOrthogonal",
    options: { gain },
    density: { kind: "orthogonal", dim: Math.max(outC, 1), gain },
  });
}

/**
 * A sparse matrix (Martens 2010, PyTorch's `sparse_`): values N(0, stddev²),
 * except that in each column ⌈sparsity · rows⌉ entries, chosen uniformly at
 * random without replacement, are exactly zero.
 *
 * @param shape A 2-D shape `[rows, cols]`.
 * @param options `sparsity` (required, in [0, 1]), `stddev` (0.01), `seed`, `device`.
 * @returns A float32 tensor.
 * @throws {RangeError} For a shape that is not 2-D, or a bad sparsity or stddev.
 *
 * @example
 * ```ts
 * import { initializers } from "../../mod.ts";
 * import { assertEquals } from "@std/assert";
 *
 * const w = initializers.sparse([10, 4], { sparsity: 0.3, seed: 0 });
 * const zeros = (await w.data()).filter((v) => v === 0).length;
 * assertEquals(zeros, 3 * 4);
 * w.dispose();
 * ```
 */
export function sparse(
  shape: readonly number[],
  options?: SparseOptions,
): tf.Tensor {
  const { prepared, options: o } = prepare("sparse", shape, options, [
    "sparsity",
    "stddev",
  ]);
  const { sparsity, stddev } = sparseOptions(prepared, o);
  const [rows, cols] = prepared.shape;
  const draw = drawFor(prepared);
  const size = prepared.size;
  const z = standardNormal(size, draw, 0, new Float64Array(size));
  const out = new Float32Array(size);
  for (let i = 0; i < size; i++) out[i] = stddev * z[i];
  const numZeros = Math.ceil(sparsity * rows);
  const perm = new Int32Array(rows);
  const u = new Float64Array(numZeros);
  for (let j = 0; j < cols; j++) {
    for (let i = 0; i < rows; i++) perm[i] = i;
    // Partial Fisher–Yates on this column's own slice of the stream (after the values).
    uniform(numZeros, draw, size + j * rows, u);
    for (let t = 0; t < numZeros; t++) {
      const k = t + Math.floor(u[t] * (rows - t));
      const row = perm[k];
      perm[k] = perm[t];
      perm[t] = row;
      out[row * cols + j] = 0;
    }
  }
  return finish(prepared, out, {
    name: "sparse",
    options: { sparsity, stddev },
    density: {
      kind: "sparse",
      zeros: rows > 0 ? numZeros / rows : 0,
      std: stddev,
    },
  });
}
