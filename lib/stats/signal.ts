/**
 * Statistics of a layer's signal (its activations or their gradients) on
 * host values: the spread, with overflow kept rather than dropped, and how
 * saturated the layer's units are.
 *
 * @module
 */
import { show } from "../validate.ts";

/** The threshold of saturation: |h| > 0.99 for tanh, |2h − 1| > 0.99 for sigmoid. */
export const SATURATION_THRESHOLD = 0.99;

function checkValues(values: unknown, fn: string): ArrayLike<number> {
  if (
    !(values instanceof Float32Array || values instanceof Float64Array ||
      Array.isArray(values))
  ) {
    throw new TypeError(
      `${fn}: values must be a Float32Array, Float64Array or array of numbers, received ${
        show(values)
      }`,
    );
  }
  if (values.length === 0) {
    throw new RangeError(`${fn}: values must not be empty, received 0 values`);
  }
  return values;
}

/**
 * The population standard deviation (divisor n) of every value, two-pass in
 * Float64, with divergence kept: `NaN` if any value is NaN, else `Infinity`
 * if any is ±Infinity. A float32 value's square cannot overflow in Float64,
 * so finite float32 input always gives a finite result (float64 values
 * near 1e154 and above can overflow).
 *
 * @param values The values (a float32 tensor's, read once).
 * @returns The standard deviation, `Infinity` or `NaN`.
 * @throws {TypeError} For values that are not a typed array or array.
 * @throws {RangeError} For no values.
 *
 * @example
 * ```ts
 * import { signalStd } from "./signal.ts";
 * import { assertEquals } from "@std/assert";
 *
 * assertEquals(signalStd([1, -1, 1, -1]), 1);
 * assertEquals(signalStd([1, Infinity]), Infinity); // diverged: kept, not dropped
 * assertEquals(signalStd([1, -Infinity, NaN]), NaN);
 * ```
 */
export function signalStd(values: ArrayLike<number>): number {
  const v = checkValues(values, "signalStd");
  let sum = 0;
  let nan = false;
  let inf = false;
  for (let i = 0; i < v.length; i++) {
    const x = v[i];
    if (x !== x) nan = true;
    else if (x === Infinity || x === -Infinity) inf = true;
    else sum += x;
  }
  if (nan) return NaN;
  if (inf) return Infinity;
  const mean = sum / v.length;
  let ss = 0;
  for (let i = 0; i < v.length; i++) {
    const d = v[i] - mean;
    ss += d * d;
  }
  return Math.sqrt(ss / v.length);
}

/** What {@linkcode saturation} measures: saturated values, or dead units. */
export type SaturationKind = "saturated" | "dead";

/** What {@linkcode saturation} returns. */
export interface Saturation {
  /** The fraction, in [0, 1]. */
  fraction: number;
  /**
   * `"saturated"`: the fraction of values in the flat tails (tanh:
   * |h| > 0.99; sigmoid: h < 0.005 or h > 0.995, the same |tanh(a/2)| > 0.99);
   * `"dead"`: the fraction of units whose output is ≤ 0 for every example
   * (ReLU, ReLU6): no gradient reaches their weights from this batch.
   */
  kind: SaturationKind;
}

/**
 * How saturated a layer is, from its outputs `[examples, units]` (row-major;
 * any leading axes count as examples) and its activation's name: for tanh
 * the fraction of values with |h| > 0.99 ({@linkcode SATURATION_THRESHOLD});
 * for sigmoid the fraction with |2h − 1| > 0.99 (the same point of
 * sigmoid(a) = (1 + tanh(a/2))/2); for relu and relu6 the fraction of dead
 * units, those whose output is ≤ 0 for every example of the batch. NaN
 * values count as neither. Other activations (linear, elu, …) have no
 * saturation: `null`.
 *
 * @param values The layer's outputs, row-major.
 * @param units The last dimension (the number of units); it must divide the length.
 * @param activation The activation's name (`"tanh"`, `"sigmoid"`, `"relu"`, `"relu6"`; case and `_` ignored).
 * @returns The fraction and what it counts, or `null`.
 * @throws {TypeError} For values that are not an array, or an activation that is not a string.
 * @throws {RangeError} For no values, or `units` that is not a positive divisor of their number.
 *
 * @example
 * ```ts
 * import { saturation } from "./signal.ts";
 * import { assertEquals } from "@std/assert";
 *
 * // Two examples of three tanh units: 2 of 6 values beyond ±0.99.
 * assertEquals(saturation([0.999, 0.1, -0.5, -0.995, 0.2, 0.3], 3, "tanh"), {
 *   fraction: 2 / 6,
 *   kind: "saturated",
 * });
 * // ReLU: unit 1 is 0 for both examples, so 1 of 3 units is dead.
 * assertEquals(saturation([1, 0, 0, 2, 0, 3], 3, "relu"), {
 *   fraction: 1 / 3,
 *   kind: "dead",
 * });
 * assertEquals(saturation([1, 2], 2, "linear"), null);
 * ```
 */
export function saturation(
  values: ArrayLike<number>,
  units: number,
  activation: string,
): Saturation | null {
  const v = checkValues(values, "saturation");
  if (!Number.isInteger(units) || units < 1 || v.length % units !== 0) {
    throw new RangeError(
      `saturation: units must be a positive integer that divides the ${v.length} values, received ${
        show(units)
      }`,
    );
  }
  if (typeof activation !== "string") {
    throw new TypeError(
      `saturation: activation must be a name, received ${show(activation)}`,
    );
  }
  const name = activation.toLowerCase().replace(/_/g, "");
  if (name === "tanh" || name === "sigmoid") {
    const sigmoid = name === "sigmoid";
    let count = 0;
    for (let i = 0; i < v.length; i++) {
      const h = sigmoid ? 2 * v[i] - 1 : v[i];
      if (Math.abs(h) > SATURATION_THRESHOLD) count++;
    }
    return { fraction: count / v.length, kind: "saturated" };
  }
  if (name === "relu" || name === "relu6") {
    const alive = new Uint8Array(units);
    for (let i = 0; i < v.length; i++) {
      // NaN > 0 is false and NaN <= 0 is false: a NaN keeps its unit alive.
      if (!(v[i] <= 0)) alive[i % units] = 1;
    }
    let dead = 0;
    for (let j = 0; j < units; j++) if (!alive[j]) dead++;
    return { fraction: dead / units, kind: "dead" };
  }
  return null;
}
