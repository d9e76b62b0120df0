/**
 * `Dense`: a fully connected layer with a deferred build.
 *
 * @module
 */
import { tf } from "../tf.ts";
import { Module } from "./module.ts";
import { type Activation, activationFor } from "./activations.ts";
import {
  type InitializerSpec,
  Parameter,
  resolveInitializer,
} from "./parameter.ts";
import { checkBoolean, checkCount, checkOptions } from "../validate.ts";
import type { Initializer } from "../initializers/registry.ts";

/** Options for {@linkcode Dense}. */
export interface DenseOptions {
  /** Applied to the output. Default linear. */
  activation?: Activation;
  /** Whether to add a bias. Default `true`. */
  useBias?: boolean;
  /** Default `"glorot_uniform"`. */
  kernelInitializer?: InitializerSpec;
  /** Default `"zeros"`. */
  biasInitializer?: InitializerSpec;
  /** The input size: when given, the layer is built at construction (as Keras's `inputDim`). */
  inputDim?: number;
}

/**
 * y = activation(x · kernel + bias), with kernel `[in, units]`, made on the
 * first call from the input's last dimension (any leading dimensions work),
 * or at construction when `inputDim` is given. Parameters are `_kernel` and
 * `_bias`, as in Ember ML (the state keys); `kernel` and `bias` read them.
 *
 * @example
 * ```ts
 * import { Dense, tf } from "../../mod.ts";
 * import { assertEquals } from "@std/assert";
 *
 * const layer = new Dense(4, { activation: "relu" });
 * const y = layer.call(tf.ones([2, 3]));
 * assertEquals(y.shape, [2, 4]);
 * assertEquals(layer._kernel?.shape, [3, 4]);
 * y.dispose();
 * layer.dispose();
 * ```
 */
export class Dense extends Module {
  /** The kernel `[in, units]`, once built. */
  _kernel: Parameter | null = null;
  /** The bias `[units]`, once built (when `useBias`). */
  _bias: Parameter | null = null;
  /** Output size. */
  readonly units: number;
  readonly #activation: (x: tf.Tensor) => tf.Tensor;
  readonly #activationName: string;
  readonly #useBias: boolean;
  readonly #kernelInit: Initializer;
  readonly #biasInit: Initializer;

  /**
   * Configures the layer; the kernel is made on the first call.
   *
   * @param units Output size, a positive integer.
   * @param options `activation`, `useBias` (true), `kernelInitializer` ("glorot_uniform"), `biasInitializer` ("zeros"), `inputDim` (builds now).
   */
  constructor(units: number, options: DenseOptions = {}) {
    super();
    checkOptions("Dense", options, [
      "activation",
      "useBias",
      "kernelInitializer",
      "biasInitializer",
      "inputDim",
    ]);
    this.units = checkCount("Dense", "units", units, 1);
    this.#activation = activationFor(
      options.activation,
      "Dense",
      "options.activation",
    );
    this.#activationName = typeof options.activation === "string"
      ? options.activation
      : options.activation === undefined
      ? "linear"
      : options.activation.name || "custom";
    this.#useBias = checkBoolean(
      "Dense",
      "options.useBias",
      options.useBias ?? true,
    );
    this.#kernelInit = resolveInitializer(
      options.kernelInitializer ?? "glorot_uniform",
      "Dense",
      "options.kernelInitializer",
    );
    this.#biasInit = resolveInitializer(
      options.biasInitializer ?? "zeros",
      "Dense",
      "options.biasInitializer",
    );
    const inputDim = options.inputDim;
    if (inputDim !== undefined) {
      this.build([checkCount("Dense", "options.inputDim", inputDim, 1)]);
    }
  }

  /** The kernel `[in, units]` (the `_kernel` parameter), or `null` before the build. */
  get kernel(): Parameter | null {
    return this._kernel;
  }

  /** The bias `[units]` (the `_bias` parameter), or `null` before the build or without a bias. */
  get bias(): Parameter | null {
    return this._bias;
  }

  /**
   * The activation's name as given (`"tanh"`, `"relu"`, …), `"linear"`
   * without one, or a function's name (`"custom"` for an anonymous one).
   */
  get activationName(): string {
    return this.#activationName;
  }

  /** `units=8, activation=relu` (the activation only when not linear). */
  override extraRepr(): string {
    return `units=${this.units}${
      this.#activationName === "linear"
        ? ""
        : `, activation=${this.#activationName}`
    }${this.#useBias ? "" : ", useBias=false"}`;
  }

  /** The input shape with its last dimension replaced by `units`. */
  override computeOutputShape(inputShape: number[]): number[] {
    return [...inputShape.slice(0, -1), this.units];
  }

  /** Makes `_kernel` `[inputShape[-1], units]` and `_bias` `[units]`. */
  override build(inputShape: number[]): void {
    const inputDim = inputShape[inputShape.length - 1];
    this._kernel = new Parameter(this.#kernelInit([inputDim, this.units]));
    if (this.#useBias) this._bias = new Parameter(this.#biasInit([this.units]));
  }

  /** activation(x · kernel + bias). */
  override forward(x: tf.Tensor): tf.Tensor {
    const kernel = this._kernel!.data;
    const flat = x.rank === 2 ? x : tf.reshape(x, [-1, x.shape[x.rank - 1]]);
    let y: tf.Tensor = tf.matMul(flat as tf.Tensor2D, kernel as tf.Tensor2D);
    if (this._bias) y = tf.add(y, this._bias.data);
    y = this.#activation(y);
    return x.rank === 2
      ? y
      : tf.reshape(y, [...x.shape.slice(0, -1), this.units]);
  }
}
