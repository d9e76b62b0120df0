/**
 * `Dense`: a fully connected layer with a deferred build.
 *
 * @module
 */
import { tf } from "../tf.ts";
import { Module } from "./module.ts";
import { Parameter } from "./parameter.ts";
import { type Activation, getActivation } from "./activations.ts";
import {
  getInitializer,
  type Initializer,
  type InitializerConfig,
} from "../initializers/registry.ts";
import { show } from "../initializers/_validate.ts";

/** An initializer given to a layer: a name, a config, or a function. */
export type InitializerSpec = string | InitializerConfig | Initializer;

/** Resolves a layer's initializer option (name, config or function). */
export function resolveInitializer(
  spec: InitializerSpec,
  name: string,
): Initializer {
  if (typeof spec === "function") return spec;
  if (typeof spec === "string" || (spec !== null && typeof spec === "object")) {
    return getInitializer(spec);
  }
  throw new TypeError(
    `${name} must be an initializer name, config or function, received ${
      show(spec)
    }`,
  );
}

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
}

/**
 * y = activation(x · kernel + bias), with kernel `[in, units]`, made on the
 * first call from the input's last dimension (any leading dimensions work).
 * Parameters are `_kernel` and `_bias`, as in Ember ML.
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
  readonly #useBias: boolean;
  readonly #kernelInit: Initializer;
  readonly #biasInit: Initializer;

  /**
   * Configures the layer; the kernel is made on the first call.
   *
   * @param units Output size, a positive integer.
   * @param options `activation`, `useBias` (true), `kernelInitializer` ("glorot_uniform"), `biasInitializer` ("zeros").
   */
  constructor(units: number, options: DenseOptions = {}) {
    super();
    if (!Number.isInteger(units) || units < 1) {
      throw new RangeError(
        `units must be a positive integer, received ${show(units)}`,
      );
    }
    this.units = units;
    this.#activation = getActivation(options.activation);
    this.#useBias = options.useBias ?? true;
    this.#kernelInit = resolveInitializer(
      options.kernelInitializer ?? "glorot_uniform",
      "kernelInitializer",
    );
    this.#biasInit = resolveInitializer(
      options.biasInitializer ?? "zeros",
      "biasInitializer",
    );
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
