/**
 * `assertOrthogonal`: are the columns (or rows) of a matrix orthonormal, up
 * to a gain?
 *
 * @module
 */
import { AssertionError } from "@std/assert";
import {
  checkNonNegative,
  checkOptions,
  checkPositive,
  checkRank,
  rangeError,
} from "../validate.ts";
import { gramDeviation } from "../linalg/gram_deviation.ts";
import { readWeights, type WeightsLike } from "../read/weights.ts";
import { num, shapeText } from "./_format.ts";

/** Options for {@linkcode assertOrthogonal}. */
export interface AssertOrthogonalOptions {
  /** The expected scale: W = gain·Q with Q orthogonal (the `gain` given to `orthogonal`). > 0, default 1. */
  gain?: number;
  /**
   * The largest entry of |WᵀW/gain² − I| (WWᵀ for a wide matrix) allowed.
   * Default 1e-5.
   */
  tol?: number;
}

const FN = "assertOrthogonal";

/** The default `tol`; see {@linkcode assertOrthogonal} for how it was chosen. */
export const ORTHOGONAL_TOL = 1e-5;

/**
 * Asserts that `x` is `gain` times a (semi-)orthogonal matrix: with W read
 * as the orthogonal initializer reads a shape (rows = the product of all axes
 * but the last, cols = the last axis, so a conv kernel `[kh, kw, in, out]`
 * is the (kh·kw·in) × out matrix), it checks
 * max |WᵀW/gain² − I| ≤ tol when rows ≥ cols (orthonormal columns), or
 * max |WWᵀ/gain² − I| ≤ tol when rows < cols (orthonormal rows). The Gram
 * matrix is computed in Float64 from the stored values (2·rows·cols·min
 * flops: 16 ms for 512×256, 0.4 s for 1024×1024).
 *
 * The scale is not divided out: a matrix that is orthogonal times 1.01 fails
 * (its error is 0.0201) unless `gain: 1.01` is given.
 *
 * **Tolerance.** Rounding an exactly orthogonal matrix to float32 moves each
 * entry of WᵀW by at most 2u = 1.19e-7 (u = 2⁻²⁴, by Cauchy–Schwarz). Our
 * `orthogonal` initializer (Float64 QR, rounded once) measures at most
 * 8.8e-8 (300 seeds each of 2×2 to 32×32; 3.7e-8 at 64×64, 1.5e-8 at
 * 512×256, 4.5e-9 at 4096×64, gains 1 and 3). tfjs's own orthogonal
 * initializer, a float32 QR, measures 3.3e-7 at 64×64 and 7.7e-7 at
 * 512×256. The default `tol` of 1e-5 has a margin of 100 over ours and
 * accepts matrices orthogonalised in float32 arithmetic, while a random
 * matrix or a 1% scale error fails by three orders of magnitude.
 *
 * @param x A tensor, Parameter, LayerVariable or `{ values, shape }` of rank
 * ≥ 2.
 * @param options `gain` (1), `tol` (1e-5).
 * @throws {AssertionError} When the error exceeds `tol`: the message gives
 * the error, the tolerance, the worst entry (where, its value and the
 * expected one) and how the shape was read.
 * @throws {RangeError} For rank < 2, an empty `x`, or a bad `gain` or `tol`.
 * @throws {TypeError} For an unknown option, a non-number `gain` or `tol`, or
 * an `x` that is not weights.
 *
 * @example
 * ```ts
 * import { initializers, tf } from "../../mod.ts";
 * import { assertOrthogonal } from "../../testing.ts";
 * import { AssertionError, assertRejects } from "@std/assert";
 *
 * const q = initializers.orthogonal([512, 256], { seed: 0, gain: 2 });
 * await assertOrthogonal(q, { gain: 2 });
 * await assertRejects(() => assertOrthogonal(q), AssertionError, "WᵀW");
 * q.dispose();
 * ```
 */
export async function assertOrthogonal(
  x: WeightsLike,
  options: AssertOrthogonalOptions = {},
): Promise<void> {
  const o = checkOptions(FN, options, ["gain", "tol"]);
  const gain = checkPositive(FN, "options.gain", o.gain ?? 1);
  const tol = checkNonNegative(FN, "options.tol", o.tol ?? ORTHOGONAL_TOL);
  const { values, shape } = await readWeights(x, FN);
  checkRank(FN, shape, 2, "x.shape");
  if (values.length === 0) {
    throw rangeError(FN, "x.shape", "a non-empty shape", shape);
  }
  const cols = shape[shape.length - 1];
  const rows = values.length / cols;
  const dev = gramDeviation(values, rows, cols, gain);
  if (!(dev.max <= tol)) {
    const gram = dev.compared === "columns" ? "WᵀW" : "WWᵀ";
    const scaled = gain === 1 ? gram : `${gram}/gain²`;
    const read = shape.length === 2
      ? `a ${rows} × ${cols} matrix`
      : `shape ${shapeText(shape)} read as a ${rows} × ${cols} matrix`;
    throw new AssertionError(
      `not orthogonal${
        gain === 1 ? "" : ` with gain ${num(gain, 6)}`
      }: max |${scaled} − I| = ${num(dev.max)} > tol ${
        num(tol)
      }; worst at ${scaled}[${dev.i}, ${dev.j}] = ${
        num(dev.value, 6)
      }, expected ${
        dev.i === dev.j ? 1 : 0
      }; ${read}, its ${dev.compared} compared`,
    );
  }
}
