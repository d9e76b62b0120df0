/**
 * `Sequential`: modules applied one after another.
 *
 * @module
 */
import type { tf } from "../tf.ts";
import { Module } from "./module.ts";
import { show } from "../initializers/_validate.ts";

/**
 * Applies its layers in order; each builds on its first call. Parameters are
 * named `layers.0._kernel`, `layers.1._bias`, …
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
   */
  constructor(layers: Module[]) {
    super();
    if (!Array.isArray(layers)) {
      throw new TypeError(
        `Sequential needs an array of modules, received ${show(layers)}`,
      );
    }
    layers.forEach((layer, i) => {
      if (!(layer instanceof Module)) {
        throw new TypeError(
          `Sequential: layers[${i}] is not a Module, received ${show(layer)}`,
        );
      }
    });
    this.layers = [...layers];
  }

  /** Each layer's `call` on the previous output. */
  override forward(x: tf.Tensor): tf.Tensor {
    let y = x;
    for (const layer of this.layers) y = layer.call(y);
    return y;
  }
}
