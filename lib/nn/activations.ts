/**
 * Activation functions by name, for layers' `activation` option.
 *
 * @module
 */
import { tf } from "../tf.ts";
import { rangeError, typeError } from "../validate.ts";

/** An activation: a name, or a function of a tensor. */
export type Activation =
  | "linear"
  | "relu"
  | "relu6"
  | "tanh"
  | "sigmoid"
  | "softmax"
  | "elu"
  | "selu"
  | "softplus"
  | "leakyRelu"
  | "gelu"
  | "swish"
  | ((x: tf.Tensor) => tf.Tensor);

const TABLE: Record<string, (x: tf.Tensor) => tf.Tensor> = {
  linear: (x) => x,
  relu: (x) => tf.relu(x),
  relu6: (x) => tf.relu6(x),
  tanh: (x) => tf.tanh(x),
  sigmoid: (x) => tf.sigmoid(x),
  softmax: (x) => tf.softmax(x),
  elu: (x) => tf.elu(x),
  selu: (x) => tf.selu(x),
  softplus: (x) => tf.softplus(x),
  leakyRelu: (x) => tf.leakyRelu(x, 0.01),
  // tanh approximation of x·Φ(x) (Hendrycks & Gimpel), as Keras's approximate=True.
  gelu: (x) =>
    tf.tidy(() =>
      tf.mul(
        tf.mul(x, 0.5),
        tf.add(
          1,
          tf.tanh(
            tf.mul(
              Math.sqrt(2 / Math.PI),
              tf.add(x, tf.mul(0.044715, tf.pow(x, 3))),
            ),
          ),
        ),
      )
    ),
  swish: (x) => tf.tidy(() => tf.mul(x, tf.sigmoid(x))),
};

/** The activation names {@linkcode getActivation} knows (snake_case works too). */
export const ACTIVATIONS: readonly string[] = Object.freeze(Object.keys(TABLE));

/**
 * An activation function by name (`"relu"`, `"leaky_relu"`, …) or as given.
 *
 * @param activation A name, a function, or `undefined` (linear).
 * @returns The function.
 * @throws {RangeError} For an unknown name, listing the valid ones.
 *
 * @example
 * ```ts
 * import { getActivation, tf } from "../../mod.ts";
 * import { assertEquals } from "@std/assert";
 *
 * const y = getActivation("relu")(tf.tensor([-1, 2]));
 * assertEquals(await y.data(), new Float32Array([0, 2]));
 * y.dispose();
 * ```
 */
export function getActivation(
  activation: Activation | string | undefined,
): (x: tf.Tensor) => tf.Tensor {
  return activationFor(activation, "getActivation", "activation");
}

/**
 * {@linkcode getActivation} for `fn`, the function the user called, whose
 * argument `arg` is the activation (`Dense`, `NCP`).
 */
export function activationFor(
  activation: Activation | string | undefined,
  fn: string,
  arg: string,
): (x: tf.Tensor) => tf.Tensor {
  if (activation === undefined || activation === null) return TABLE.linear;
  if (typeof activation === "function") return activation;
  if (typeof activation !== "string") {
    throw typeError(fn, arg, "an activation's name or a function", activation);
  }
  const key = activation.replace(
    /_([a-z])/g,
    (_, c: string) => c.toUpperCase(),
  );
  const found = TABLE[key];
  if (!found) {
    throw rangeError(
      fn,
      arg,
      `one of ${ACTIVATIONS.map((a) => JSON.stringify(a)).join(", ")}`,
      activation,
    );
  }
  return found;
}
