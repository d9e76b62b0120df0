/**
 * `Parameter`: a trainable tensor, wrapped so that a Module finds it.
 *
 * @module
 */
import { tf } from "../tf.ts";
import { type InitRecord, initRecordOf } from "../initializers/_core.ts";
import { show } from "../initializers/_validate.ts";

/** What a Parameter can be made from: a tensor, a typed array, or nested number arrays. */
export type ParameterData =
  | tf.Tensor
  | Float32Array
  | Int32Array
  | Uint8Array
  | number
  | NestedNumbers;

/** Nested arrays of numbers (rectangular). */
export type NestedNumbers = readonly (number | NestedNumbers)[];

/** Options for {@linkcode Parameter}. */
export interface ParameterOptions {
  /** A name for display (Modules name parameters by where they are found). */
  name?: string;
  /** Whether optimizers update it. Default `true`; masks use `false`. */
  trainable?: boolean;
}

/** The shape of rectangular nested arrays; throws on ragged or non-numeric input. */
function nestedShape(data: unknown, path = "data"): number[] {
  if (!Array.isArray(data)) {
    if (typeof data !== "number") {
      throw new TypeError(
        `Parameter: ${path} must be a number, received ${show(data)}`,
      );
    }
    return [];
  }
  if (data.length === 0) return [0];
  const inner = nestedShape(data[0], `${path}[0]`);
  for (let i = 1; i < data.length; i++) {
    const other = nestedShape(data[i], `${path}[${i}]`);
    if (other.length !== inner.length || other.some((d, k) => d !== inner[k])) {
      throw new RangeError(
        `Parameter: ragged array: ${path}[${i}] has shape ${
          show(other)
        } but ${path}[0] has shape ${show(inner)}`,
      );
    }
  }
  return [data.length, ...inner];
}

/**
 * A trainable tensor: a `tf.Variable` plus what a Module and the plots need
 * (a name, whether it trains, and how it was initialised).
 *
 * Assigning a Parameter to any property of a Module registers it: there is
 * no registration call to forget (see `Module`).
 *
 * Given a `tf.Tensor`, the Parameter takes it over: its data becomes the
 * variable's (no copy) and the tensor handle passed in is disposed, so
 * `new Parameter(initializers.glorotUniform(shape))` leaks nothing. Given a
 * `tf.Variable`, it wraps that variable as is. Typed arrays and nested
 * arrays are copied into a new float32 (or int32/bool for `Int32Array` and
 * `Uint8Array`) variable.
 *
 * @example
 * ```ts
 * import { initializers, Parameter } from "../../mod.ts";
 * import { assertEquals } from "@std/assert";
 *
 * const kernel = new Parameter(initializers.glorotUniform([3, 4], { seed: 0 }));
 * assertEquals(kernel.shape, [3, 4]);
 * assertEquals(kernel.init?.name, "glorotUniform");
 * assertEquals(String(kernel), "Parameter(shape=[3, 4], dtype=float32, trainable=true)");
 * kernel.dispose();
 * ```
 */
export class Parameter {
  /** The values, as a variable that tfjs optimizers can update. */
  readonly data: tf.Variable;
  /** A display name, if one was given. */
  name: string | undefined;
  /** Which initializer made the values, with its fans and options, when one did. */
  readonly init: InitRecord | undefined;

  /**
   * Wraps `data` as a variable.
   *
   * @param data A tensor (taken over), a variable (wrapped), a typed array or nested numbers (copied).
   * @param options `name`, `trainable` (default `true`).
   * @throws {TypeError} For missing or non-numeric data; {RangeError} for ragged arrays or NaN in a shape.
   */
  constructor(data: ParameterData, options: ParameterOptions = {}) {
    if (data === undefined || data === null) {
      throw new TypeError(
        `Parameter needs data (a tf.Tensor, a typed array or nested number arrays), received ${data}`,
      );
    }
    const trainable = options.trainable ?? true;
    if (typeof trainable !== "boolean") {
      throw new TypeError(
        `Parameter: trainable must be a boolean, received ${show(trainable)}`,
      );
    }
    this.name = options.name;
    if (data instanceof tf.Variable) {
      this.init = initRecordOf(data);
      data.trainable = trainable;
      this.data = data;
    } else if (data instanceof tf.Tensor) {
      if (data.isDisposed) {
        throw new TypeError("Parameter: the tensor passed in is disposed");
      }
      this.init = initRecordOf(data);
      this.data = tf.variable(data, trainable);
      data.dispose();
    } else if (
      data instanceof Float32Array || data instanceof Int32Array ||
      data instanceof Uint8Array
    ) {
      const dtype = data instanceof Float32Array
        ? "float32"
        : data instanceof Int32Array
        ? "int32"
        : "bool";
      this.init = undefined;
      this.data = tf.tidy(() =>
        tf.variable(tf.tensor(data.slice(), [data.length], dtype), trainable)
      );
    } else {
      const shape = nestedShape(data);
      const flat = (Array.isArray(data)
        ? (data as unknown[]).flat(Infinity)
        : [data]) as number[];
      this.init = undefined;
      this.data = tf.tidy(() =>
        tf.variable(tf.tensor(flat, shape, "float32"), trainable)
      );
    }
  }

  /** The shape. */
  get shape(): number[] {
    return this.data.shape;
  }

  /** The element type. */
  get dtype(): tf.DataType {
    return this.data.dtype;
  }

  /** The number of elements. */
  get size(): number {
    return this.data.size;
  }

  /** Whether optimizers update it. */
  get trainable(): boolean {
    return this.data.trainable;
  }

  set trainable(value: boolean) {
    if (typeof value !== "boolean") {
      throw new TypeError(
        `Parameter: trainable must be a boolean, received ${show(value)}`,
      );
    }
    this.data.trainable = value;
  }

  /**
   * Replaces the values (in place: the variable stays the same object).
   *
   * @param value A tensor of the same shape and dtype; it is not disposed.
   * @throws {RangeError} For a different shape; {TypeError} for a different dtype.
   */
  assign(value: tf.Tensor): void {
    if (!(value instanceof tf.Tensor)) {
      throw new TypeError(
        `Parameter.assign needs a tf.Tensor, received ${show(value)}`,
      );
    }
    const same = value.shape.length === this.shape.length &&
      value.shape.every((d, i) => d === this.shape[i]);
    if (!same) {
      throw new RangeError(
        `Parameter.assign: shape ${
          show(value.shape)
        } does not match the parameter's ${show(this.shape)}`,
      );
    }
    if (value.dtype !== this.dtype) {
      throw new TypeError(
        `Parameter.assign: dtype ${value.dtype} does not match the parameter's ${this.dtype}`,
      );
    }
    this.data.assign(value);
  }

  /** Frees the variable's memory. */
  dispose(): void {
    if (!this.data.isDisposed) this.data.dispose();
  }

  /** Whether {@linkcode Parameter.dispose} has been called. */
  get isDisposed(): boolean {
    return this.data.isDisposed;
  }

  /** `Parameter(shape=[3, 4], dtype=float32, trainable=true)`. */
  toString(): string {
    const name = this.name === undefined
      ? ""
      : `name=${JSON.stringify(this.name)}, `;
    return `Parameter(${name}shape=${
      show(this.shape)
    }, dtype=${this.dtype}, trainable=${this.trainable})`;
  }
}
