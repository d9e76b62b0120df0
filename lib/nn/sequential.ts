/**
 * `Sequential`: modules applied one after another.
 *
 * @module
 */
import type { tf } from "../tf.ts";
import { Module } from "./module.ts";
import { checkOptions, show, typeError } from "../validate.ts";

/** Options for {@linkcode Sequential}. */
export interface SequentialOptions {
  /**
   * The shape of one input without its batch dimension (Keras's
   * `inputShape`, e.g. `[784]`): when given, every layer is built at
   * construction, in order.
   */
  inputShape?: number[];
}

/**
 * Applies its layers in order; each builds on its first call, or all of
 * them at construction with `{ inputShape }`. Parameters are named
 * `layers.0._kernel`, `layers.1._bias`, …
 *
 * @example
 * ```ts
 * import { Dense, Sequential, tf } from "../../mod.ts";
 * import { assertEquals } from "@std/assert";
 *
 * const net = new Sequential([new Dense(8, { activation: "tanh" }), new Dense(1)]);
 * const y = net.call(tf.ones([5, 3]));
 * assertEquals(y.shape, [5, 1]);
 * assertEquals(net.namedParameters()[0][0], "layers.0._kernel");
 * y.dispose();
 * net.dispose();
 * ```
 */
export class Sequential extends Module {
  /** The layers, in order. */
  readonly layers: Module[];

  /**
   * Holds the layers (the array is copied).
   *
   * @param layers The modules to apply in order.
   * @param options `inputShape`: build now, for inputs of `[batch, ...inputShape]`.
   */
  constructor(layers: Module[], options: SequentialOptions = {}) {
    super();
    checkOptions("Sequential", options, ["inputShape"]);
    if (!Array.isArray(layers)) {
      throw typeError("Sequential", "layers", "an array of modules", layers);
    }
    layers.forEach((layer, i) => {
      if (!(layer instanceof Module)) {
        throw typeError("Sequential", `layers[${i}]`, "a Module", layer);
      }
    });
    this.layers = [...layers];
    const inputShape = options.inputShape;
    if (inputShape !== undefined) {
      if (
        !Array.isArray(inputShape) || inputShape.length === 0 ||
        !inputShape.every((d) => Number.isInteger(d) && d >= 1)
      ) {
        throw typeError(
          "Sequential",
          "options.inputShape",
          "a non-empty array of positive integers (without the batch dimension)",
          inputShape,
        );
      }
      this.build([1, ...inputShape]);
    }
  }

  /**
   * Builds the layers in order: each from the output shape of the one
   * before (`computeOutputShape`); layers already built are checked against
   * that shape.
   */
  override build(inputShape: number[]): void {
    let shape = inputShape;
    this.layers.forEach((layer, i) => {
      try {
        layer.build(shape);
        shape = layer.computeOutputShape(shape);
      } catch (error) {
        const message = error instanceof Error ? error.message : String(error);
        throw new (error instanceof RangeError ? RangeError : Error)(
          `Sequential: building layers[${i}] (${layer.constructor.name}) for inputs of shape ${
            show(shape)
          }: ${message}`,
          { cause: error },
        );
      }
    });
  }

  /** The last layer's output shape. */
  override computeOutputShape(inputShape: number[]): number[] {
    return this.layers.reduce(
      (shape, layer) => layer.computeOutputShape(shape),
      inputShape,
    );
  }

  /** Each layer's `call` on the previous output. */
  override forward(x: tf.Tensor): tf.Tensor {
    let y = x;
    for (const layer of this.layers) y = layer.call(y);
    return y;
  }
}
