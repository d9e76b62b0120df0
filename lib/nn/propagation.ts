/**
 * `tracePropagation`: how a signal and its gradient travel through the
 * layers of a network, layer by layer.
 *
 * @module
 */
import { tf } from "../tf.ts";
import { checkBatch, type LayerChain, layerSteps } from "./_layers.ts";
import { Sequential } from "./sequential.ts";
import { checkOptions, show } from "../validate.ts";
import { randomNormal } from "../initializers/random.ts";
import { saturation, type SaturationKind, signalStd } from "../stats/signal.ts";

/** One layer's row of {@linkcode tracePropagation}. */
export interface PropagationRow {
  /** The layer's position, 1 for the first layer's output. */
  layer: number;
  /** `layers.3` for a Sequential; the layer's own name for a tfjs model. */
  name: string;
  /** The activation's name (`"tanh"`, `"relu"`, `"linear"`, …); `""` when the layer does not say. */
  activation: string;
  /** The width: the output's last dimension. */
  units: number;
  /**
   * The standard deviation of the layer's output over the batch and the
   * units (population, in Float64); `Infinity` when a value overflowed,
   * `NaN` when one is NaN.
   */
  activationStd: number;
  /**
   * The standard deviation of ∂loss/∂h, the loss's gradient with respect to
   * this layer's output h, over the batch and the units; `Infinity` or `NaN`
   * as for {@linkcode PropagationRow.activationStd}.
   */
  gradientStd: number;
  /**
   * tanh and sigmoid: the fraction of outputs in the flat tails (|h| > 0.99;
   * for sigmoid |2h − 1| > 0.99). relu and relu6: the fraction of dead
   * units, those whose output is ≤ 0 for every example of the batch.
   * `null` for other activations (see `saturationKind`).
   */
  saturation: number | null;
  /** What `saturation` counts: `"saturated"` values, `"dead"` units, or `null`. */
  saturationKind: SaturationKind | null;
  /** Whether an output or a gradient value of this layer is ±Infinity or NaN (the values are kept, not dropped). */
  diverged: boolean;
}

/** Options for {@linkcode tracePropagation}. */
export interface TracePropagationOptions {
  /**
   * The loss whose gradient is traced, a function of the network's output
   * returning a scalar (for example `(y) => tf.losses.meanSquaredError(t, y)`).
   * Default: ⟨r, y⟩ = Σ r·y with r a fixed draw of iid N(0, 1) values of the
   * output's shape (seeded by `seed`). Its gradient at the output is r
   * itself, of std ≈ 1 whatever the output's scale, so the gradient column
   * shows what backpropagation alone does to a signal, as the activation
   * column shows what the forward pass does.
   */
  loss?: (output: tf.Tensor) => tf.Scalar;
  /** The seed of the default loss's r. Default 0. */
  seed?: number;
}

const FN = "tracePropagation";

/**
 * Sends a batch through a network and measures, at every layer's output h,
 * the spread of h, the spread of the loss's gradient ∂loss/∂h, and how
 * saturated the layer is (the fraction |h| > 0.99 for tanh and sigmoid, the
 * fraction of dead units for ReLU). Values that overflowed are kept as
 * `Infinity` or `NaN` and the row is flagged `diverged`, never dropped.
 *
 * **How.** One forward pass keeps every layer's output; the gradient is
 * carried back layer by layer as vector–Jacobian products (`tf.grad` of each
 * layer at its input, seeded with the gradient at its output), so the cost
 * is about two forward passes and one backward pass. Every output and
 * gradient is read once, in one asynchronous read (so WebGPU works), and
 * every tensor made here is disposed. Dropout and similar layers run in
 * inference mode.
 *
 * @param net A `Sequential` (built on `x` if it is not yet), a
 * `tf.Sequential`, or a `tf.LayersModel` whose layers form a chain.
 * @param x A float32 batch `[examples, features]` (rank ≥ 2; leading axes
 * count as examples).
 * @param options `loss`, `seed`.
 * @returns One row per layer, in order.
 * @throws {TypeError} For a net that is not a chain of layers, an `x` that is
 * not a live tensor, a misspelt option, or a loss that does not return a scalar.
 * @throws {RangeError} For an `x` of rank < 2, another dtype, or no examples.
 *
 * @example
 * ```ts
 * import { Dense, Sequential, tf, tracePropagation } from "../../mod.ts";
 * import { assert, assertEquals } from "@std/assert";
 *
 * const net = new Sequential([
 *   new Dense(32, { activation: "tanh", kernelInitializer: { name: "glorot_normal", seed: 1 } }),
 *   new Dense(32, { activation: "tanh", kernelInitializer: { name: "glorot_normal", seed: 2 } }),
 *   new Dense(1, { kernelInitializer: { name: "glorot_normal", seed: 3 } }),
 * ]);
 * const x = tf.randomNormal([64, 32], 0, 1, "float32", 0);
 * const rows = await tracePropagation(net, x);
 * assertEquals(rows.map((r) => r.activation), ["tanh", "tanh", "linear"]);
 * assert(rows[0].activationStd > 0.3 && rows[0].activationStd < 1);
 * assertEquals(rows[2].saturation, null); // a linear layer does not saturate
 * x.dispose();
 * net.dispose();
 * ```
 */
export async function tracePropagation(
  net: LayerChain,
  x: tf.Tensor,
  options: TracePropagationOptions = {},
): Promise<PropagationRow[]> {
  const o = checkOptions(FN, options, ["loss", "seed"]);
  if (o.loss !== undefined && typeof o.loss !== "function") {
    throw new TypeError(
      `${FN}: options.loss must be a function of the output returning a scalar, received ${
        show(o.loss)
      }`,
    );
  }
  const steps = layerSteps(net, FN);
  checkBatch(x, FN, 2, true);
  if (net instanceof Sequential && !net.built) net.build([...x.shape]);
  const outputs: tf.Tensor[] = [];
  const grads: tf.Tensor[] = [];
  let readout: tf.Tensor | null = null;
  let all: tf.Tensor | null = null;
  try {
    let h = x;
    for (const step of steps) {
      h = step.apply(h);
      outputs.push(h);
    }
    const output = outputs[outputs.length - 1];
    if (o.loss === undefined) {
      readout = randomNormal(output.shape, { stddev: 1, seed: o.seed ?? 0 });
    }
    const r = readout;
    const loss = o.loss ??
      ((y: tf.Tensor) => tf.sum(tf.mul(r!, y)) as tf.Scalar);
    const top = tf.grad((y: tf.Tensor) => {
      const value = loss(y);
      if (!(value instanceof tf.Tensor) || value.rank !== 0) {
        throw new TypeError(
          `${FN}: options.loss must return a scalar tensor, received ${
            value instanceof tf.Tensor
              ? `a tensor of shape ${show(value.shape)}`
              : show(value)
          }`,
        );
      }
      return value;
    })(output);
    grads[steps.length - 1] = top;
    for (let i = steps.length - 1; i >= 1; i--) {
      const step = steps[i];
      grads[i - 1] = tf.grad((input: tf.Tensor) => step.apply(input))(
        outputs[i - 1],
        grads[i],
      );
    }
    // One read of every output and gradient.
    all = tf.tidy(() =>
      tf.concat([...outputs, ...grads].map((t) => tf.reshape(t, [-1])))
    );
    const values = await all.data() as Float32Array;
    const rows: PropagationRow[] = [];
    let at = 0;
    const pieces = [...outputs, ...grads].map((t) => {
      const part = values.subarray(at, at + t.size);
      at += t.size;
      return part;
    });
    const parts = pieces.slice(0, outputs.length);
    const gradParts = pieces.slice(outputs.length);
    steps.forEach((step, i) => {
      const h = parts[i];
      const g = gradParts[i];
      const units = outputs[i].shape[outputs[i].rank - 1];
      const activationStd = signalStd(h);
      const gradientStd = signalStd(g);
      const s = saturation(h, units, step.activation);
      rows.push({
        layer: i + 1,
        name: step.name,
        activation: step.activation,
        units,
        activationStd,
        gradientStd,
        saturation: s ? s.fraction : null,
        saturationKind: s ? s.kind : null,
        diverged: !Number.isFinite(activationStd) ||
          !Number.isFinite(gradientStd),
      });
    });
    return rows;
  } finally {
    // A layer may hand back its input (an identity): x is the caller's.
    tf.dispose([...outputs, ...grads].filter((t) => t && t !== x));
    if (readout) readout.dispose();
    if (all) all.dispose();
  }
}
