/**
 * The orthogonal initializer.
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
import type { Draw } from "../random/stream.ts";
import { checkNonNegative, checkRank } from "../validate.ts";
import { standardNormal } from "../random/distributions.ts";
import { householderQr } from "../linalg/householder_qr.ts";

/** Options for {@linkcode orthogonal}. */
export interface OrthogonalOptions extends BaseOptions {
  /** Multiplies the matrix. Default 1. */
  gain?: number;
}

/** Checks the shape (rank ≥ 2) and options of `orthogonal`. */
export function orthogonalOptions(
  p: Prepared,
  o: OrthogonalOptions,
): { gain: number } {
  checkRank(p.fn, p.shape, 2);
  return { gain: checkNonNegative(p.fn, "options.gain", o.gain ?? 1) };
}

/**
 * A Haar-distributed random (semi-)orthogonal matrix, times `gain`.
 *
 * The shape is read as a matrix of `rows` = the product of every axis but
 * the last, and `cols` = the last axis. With big = max(rows, cols) and
 * small = min(rows, cols), a big×small matrix G of standard normals is
 * factored G = QR by our blocked Householder QR (Float64), the signs are
 * fixed, Q ← Q·diag(sign(diag R)), which makes Q Haar-distributed (without
 * it Householder QR would always give Q₀₀ < 0), and Q (or Qᵀ when
 * rows < cols) is scaled by `gain` and rounded to float32. So the columns
 * (rows when wide) are orthonormal: WᵀW = gain²·I (WWᵀ when wide), within
 * float32 rounding. Each entry is gain times a coordinate of a uniform unit
 * vector in R^big: mean 0, variance gain²/big.
 *
 * @param shape Any shape of rank ≥ 2.
 * @param options `gain` (1), `seed`, `device`.
 * @returns A float32 tensor.
 * @throws {RangeError} For rank < 2 or `gain < 0`.
 *
 * @example
 * ```ts
 * import { initializers, tf } from "../../mod.ts";
 * import { assert } from "@std/assert";
 *
 * const q = initializers.orthogonal([64, 64], { seed: 1 });
 * const err = tf.tidy(() => tf.matMul(q, q, true, false).sub(tf.eye(64)).abs().max());
 * assert((await err.data())[0] < 1e-5); // read with await: works on every backend
 * tf.dispose([q, err]);
 * ```
 */
export function orthogonal(
  shape: readonly number[],
  options?: OrthogonalOptions,
): tf.Tensor {
  const { prepared, options: o } = prepare("orthogonal", shape, options, [
    "gain",
  ]);
  const { gain } = orthogonalOptions(prepared, o);
  const cols = prepared.shape[prepared.shape.length - 1];
  const rows = cols === 0 ? 0 : prepared.size / cols;
  const out = haarMatrix(rows, cols, gain, drawFor(prepared));
  const big = Math.max(rows, cols);
  return finish(prepared, out, {
    name: "orthogonal",
    options: { gain },
    density: { kind: "orthogonal", dim: Math.max(big, 1), gain },
  });
}

/**
 * A rows×cols Haar (semi-)orthogonal matrix times `gain`, row-major float32
 * (see {@linkcode orthogonal} for the method).
 */
export function haarMatrix(
  rows: number,
  cols: number,
  gain: number,
  draw: Draw,
): Float32Array {
  const out = new Float32Array(rows * cols);
  if (out.length === 0) return out;
  const big = Math.max(rows, cols);
  const small = Math.min(rows, cols);
  const g = standardNormal(big * small, draw, 0, new Float64Array(big * small));
  const { q, r } = householderQr(g as Float64Array, big, small);
  const scale = new Float64Array(small);
  for (let j = 0; j < small; j++) {
    scale[j] = (r[j * small + j] < 0 ? -1 : 1) * gain;
  }
  if (rows >= cols) {
    for (let i = 0; i < big; i++) {
      for (let j = 0; j < small; j++) {
        out[i * small + j] = q[i * small + j] * scale[j];
      }
    }
  } else {
    // W = (Q·D)ᵀ: row j of W is column j of Q.
    for (let j = 0; j < small; j++) {
      for (let i = 0; i < big; i++) {
        out[j * big + i] = q[i * small + j] * scale[j];
      }
    }
  }
  return out;
}
