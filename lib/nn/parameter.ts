/**
 * `Parameter`: a trainable tensor, wrapped so that a Module finds it.
 *
 * @module
 */
import { tf } from "../tf.ts";
import {
  type InitDType,
  type InitRecord,
  initRecordOf,
} from "../initializers/mod.ts";
import {
  checkBoolean,
  checkOptions,
  rangeError,
  show,
  typeError,
} from "../validate.ts";
import {
  type Initializer,
  type InitializerConfig,
  initializerFor,
} from "../initializers/registry.ts";

/** An initializer given by name, config or function (as layers take them). */
export type InitializerSpec = string | InitializerConfig | Initializer;

/**
 * Resolves an initializer option (name, config or function) given to `fn`
 * as the argument `arg`, as errors name them.
 */
export function resolveInitializer(
  spec: InitializerSpec,
  fn: string,
  arg: string,
): Initializer {
  if (typeof spec === "function") return spec;
  if (typeof spec === "string" || (spec !== null && typeof spec === "object")) {
    return initializerFor(spec, fn, arg);
  }
  throw typeError(fn, arg, "an initializer name, config or function", spec);
}

/** Whether two tensors hold the same data (the same tfjs data id). */
function sameData(a: tf.Tensor, b: tf.Tensor): boolean {
  return a === b || a.dataId === b.dataId;
}

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
      throw typeError("Parameter", path, "a number", data);
    }
    return [];
  }
  if (data.length === 0) return [0];
  const inner = nestedShape(data[0], `${path}[0]`);
  for (let i = 1; i < data.length; i++) {
    const other = nestedShape(data[i], `${path}[${i}]`);
    if (other.length !== inner.length || other.some((d, k) => d !== inner[k])) {
      throw new RangeError(
        `Parameter: ${path}[${i}] must be of shape ${
          show(inner)
        }, as ${path}[0] is (no ragged arrays), received an array of shape ${
          show(other)
        }`,
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
 * `tf.Variable`, it wraps that variable (its `trainable` flag set from
 * `options.trainable`, default true). Typed arrays and nested
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
  #init: InitRecord | undefined;
  readonly #fixed: boolean;

  /**
   * Wraps `data` as a variable.
   *
   * @param data A tensor (taken over), a variable (wrapped), a typed array or nested numbers (copied).
   * @param options `name`, `trainable` (default `true`).
   * @throws {TypeError} For missing or non-numeric data, or a misspelt option; {RangeError} for ragged arrays.
   */
  constructor(data: ParameterData, options: ParameterOptions = {}) {
    checkOptions("Parameter", options, ["name", "trainable"]);
    if (data === undefined || data === null) {
      throw typeError(
        "Parameter",
        "data",
        "a tf.Tensor, a typed array or nested number arrays",
        data,
      );
    }
    const trainable = checkBoolean(
      "Parameter",
      "options.trainable",
      options.trainable ?? true,
    );
    this.name = options.name;
    this.#fixed = !trainable;
    if (data instanceof tf.Variable) {
      this.#init = initRecordOf(data);
      data.trainable = trainable;
      this.data = data;
    } else if (data instanceof tf.Tensor) {
      if (data.isDisposed) {
        throw new TypeError(
          "Parameter: data must be a tensor that is not disposed, received a disposed tensor",
        );
      }
      this.#init = initRecordOf(data);
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
      this.#init = undefined;
      this.data = tf.tidy(() =>
        tf.variable(tf.tensor(data.slice(), [data.length], dtype), trainable)
      );
    } else {
      const shape = nestedShape(data);
      const flat = (Array.isArray(data)
        ? (data as unknown[]).flat(Infinity)
        : [data]) as number[];
      this.#init = undefined;
      this.data = tf.tidy(() =>
        tf.variable(tf.tensor(flat, shape, "float32"), trainable)
      );
    }
  }

  /**
   * Which initializer made the current values, with its fans and options:
   * set at construction, by {@linkcode Parameter.initialize}, and by
   * {@linkcode Parameter.assign} (cleared when the tensor assigned was not
   * made by an initializer).
   */
  get init(): InitRecord | undefined {
    return this.#init;
  }

  /**
   * Whether it was made with `trainable: false` (a mask, a fixed wiring):
   * `Module.unfreeze()` leaves such parameters fixed.
   */
  get fixed(): boolean {
    return this.#fixed;
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
    this.data.trainable = checkBoolean("Parameter", "trainable", value);
  }

  /**
   * Replaces the values (in place: the variable stays the same object).
   * Assigning the parameter's own data (or a tensor sharing it) changes
   * nothing; any other tensor is copied, so disposing it later does not
   * touch the parameter. The init record becomes the assigned tensor's (the
   * initializer that made it), or none.
   *
   * @param value A tensor of the same shape and dtype; it is not disposed.
   * @throws {TypeError} For a non-tensor, a disposed tensor or parameter, or a different dtype; {RangeError} for a different shape.
   *
   * @example
   * ```ts
   * import { initializers, Parameter } from "../../mod.ts";
   * import { assertEquals } from "@std/assert";
   *
   * const p = new Parameter(initializers.glorotUniform([3, 4], { seed: 0 }));
   * const he = initializers.heNormal([3, 4], { seed: 1 });
   * p.assign(he);
   * he.dispose();
   * assertEquals(p.init?.name, "heNormal");
   * p.assign(p.data); // its own data: nothing happens
   * assertEquals(p.init?.name, "heNormal");
   * p.dispose();
   * ```
   */
  assign(value: tf.Tensor): void {
    this.#checkAssignable(value, "Parameter.assign", "value");
    if (sameData(value, this.data)) return;
    this.data.assign(value);
    this.#init = initRecordOf(value);
  }

  /**
   * Re-draws the values in place (the same variable, new values, a new init
   * record), with an initializer by name, config or function.
   *
   * @param initializer For example `"he_normal"`, `{ name: "orthogonal", gain: 2 }` or `initializers.heNormal`.
   * @param options Passed to the initializer (`seed` and its own options).
   * @returns This parameter.
   * @throws {RangeError} For an unknown initializer name, or one that rejects the shape or an option's value; {TypeError} for a spec that is not an initializer, a misspelt option, or a result of another dtype.
   *
   * @example
   * ```ts
   * import { initializers, Parameter } from "../../mod.ts";
   * import { assertEquals } from "@std/assert";
   *
   * const p = new Parameter(initializers.zeros([64, 32]));
   * const variable = p.data;
   * p.initialize("orthogonal", { seed: 3 });
   * assertEquals(p.data, variable);
   * assertEquals(p.init?.name, "orthogonal");
   * p.dispose();
   * ```
   */
  initialize(
    initializer: InitializerSpec,
    // deno-lint-ignore no-explicit-any
    options: Record<string, any> = {},
  ): this {
    const drawn = this.draw(initializer, options, "Parameter.initialize");
    try {
      this.data.assign(drawn);
      this.#init = initRecordOf(drawn);
    } finally {
      drawn.dispose();
    }
    return this;
  }

  /**
   * Draws new values for this parameter (its shape and dtype) without
   * assigning them: what {@linkcode Parameter.initialize} and
   * `Module.initialize` assign. The caller owns the tensor.
   *
   * @param initializer A name, config or function.
   * @param options Passed to the initializer.
   * @param what The caller, named in errors.
   * @returns The drawn tensor, checked to fit.
   */
  draw(
    initializer: InitializerSpec,
    // deno-lint-ignore no-explicit-any
    options: Record<string, any> = {},
    what = "Parameter.draw",
  ): tf.Tensor {
    if (this.isDisposed) {
      throw new TypeError(`${what}: the parameter is disposed`);
    }
    const fn = resolveInitializer(initializer, what, "initializer");
    const drawn = fn(this.shape, {
      dtype: this.dtype as InitDType,
      ...options,
    });
    try {
      this.#checkAssignable(drawn, what, "initializer(shape)");
    } catch (error) {
      drawn.dispose();
      throw error;
    }
    return drawn;
  }

  /**
   * Throws unless `value` (the argument `arg` of `what`) is a live tensor of
   * this parameter's shape and dtype.
   */
  #checkAssignable(
    value: unknown,
    what: string,
    arg: string,
  ): asserts value is tf.Tensor {
    if (!(value instanceof tf.Tensor)) {
      throw typeError(what, arg, "a tf.Tensor", value);
    }
    if (value.isDisposed) {
      throw new TypeError(
        `${what}: ${arg} must be a tensor that is not disposed, received a disposed tensor`,
      );
    }
    if (this.isDisposed) {
      throw new TypeError(`${what}: the parameter is disposed`);
    }
    const same = value.shape.length === this.shape.length &&
      value.shape.every((d: number, i: number) => d === this.shape[i]);
    if (!same) {
      throw rangeError(
        what,
        `${arg}.shape`,
        `the parameter's shape ${show(this.shape)}`,
        value.shape,
      );
    }
    if (value.dtype !== this.dtype) {
      throw typeError(
        what,
        `${arg}.dtype`,
        `the parameter's dtype ${JSON.stringify(this.dtype)}`,
        value.dtype,
      );
    }
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
