/**
 * Constant initializers: `zeros`, `ones`, `constant`.
 *
 * @module
 */
import type { tf } from "../tf.ts";
import {
  allocate,
  type BaseOptions,
  finish,
  prepare,
  type Prepared,
} from "./_core.ts";
import { checkFinite, rangeError } from "../validate.ts";

/** Options for {@linkcode constant}. */
export interface ConstantOptions extends BaseOptions {
  /** The value of every element. Required. `0` is a value. */
  value?: number;
}

const DTYPES = ["float32", "int32", "bool"] as const;

/**
 * Checks the value of a constant initializer (`options.value`, fixed for
 * `zeros` and `ones`): finite, and an integer for int32.
 */
export function constantValue(p: Prepared, value: unknown): number {
  const v = checkFinite(p.fn, "options.value", value);
  if (p.dtype === "int32" && !Number.isInteger(v)) {
    throw rangeError(p.fn, "options.value", 'an integer for dtype "int32"', v);
  }
  return v;
}

function fill(
  fn: string,
  shape: readonly number[],
  options: BaseOptions | undefined,
  value: number | undefined,
  keys: readonly string[],
): tf.Tensor {
  const { prepared } = prepare(fn, shape, options, keys, DTYPES);
  const v = constantValue(prepared, value);
  const values = allocate(prepared.dtype, prepared.size);
  values.fill(prepared.dtype === "bool" ? (v !== 0 ? 1 : 0) : v);
  return finish(prepared, values, {
    name: fn,
    options: { value: v },
    density: {
      kind: "constant",
      value: prepared.dtype === "float32" ? Math.fround(v) : v,
    },
  });
}

/**
 * A tensor of zeros.
 *
 * @param shape The shape; zero-size dimensions give an empty tensor.
 * @param options `dtype` (float32, int32 or bool) and `device`.
 * @returns The tensor.
 *
 * @example
 * ```ts
 * import { initializers } from "../../mod.ts";
 * import { assertEquals } from "@std/assert";
 *
 * const b = initializers.zeros([3]);
 * assertEquals(await b.data(), new Float32Array(3));
 * b.dispose();
 * ```
 */
export function zeros(
  shape: readonly number[],
  options?: BaseOptions,
): tf.Tensor {
  return fill("zeros", shape, options, 0, []);
}

/**
 * A tensor of ones.
 *
 * @param shape The shape.
 * @param options `dtype` (float32, int32 or bool) and `device`.
 * @returns The tensor.
 *
 * @example
 * ```ts
 * import { initializers } from "../../mod.ts";
 * import { assertEquals } from "@std/assert";
 *
 * const m = initializers.ones([2, 2], { dtype: "int32" });
 * assertEquals(await m.data(), new Int32Array([1, 1, 1, 1]));
 * m.dispose();
 * ```
 */
export function ones(
  shape: readonly number[],
  options?: BaseOptions,
): tf.Tensor {
  return fill("ones", shape, options, 1, []);
}

/**
 * A tensor whose every element is `options.value`.
 *
 * @param shape The shape.
 * @param options `value` (required; 0 is a value), `dtype`, `device`.
 * @returns The tensor.
 * @throws {TypeError} When `value` is missing or not a number.
 *
 * @example
 * ```ts
 * import { initializers } from "../../mod.ts";
 * import { assertEquals } from "@std/assert";
 *
 * const t = initializers.constant([2], { value: 0.5 });
 * assertEquals(await t.data(), new Float32Array([0.5, 0.5]));
 * t.dispose();
 * ```
 */
export function constant(
  shape: readonly number[],
  options?: ConstantOptions,
): tf.Tensor {
  return fill("constant", shape, options, options?.value, ["value"]);
}
