/**
 * `jacobianSpectrum`: the singular values of a network's input–output
 * Jacobian, example by example, averaged over a batch.
 *
 * @module
 */
import { tf } from "../tf.ts";
import { checkBatch, forwardOf, type NetworkLike } from "./_layers.ts";
import { checkOptions, show } from "../validate.ts";
import { singularValuesSync } from "../linalg/singular_values.ts";

/** What {@linkcode jacobianSpectrum} returns. */
export interface JacobianSpectrum {
  /**
   * σ₁ ≥ … ≥ σ_k, k = min(outputs, inputs): the mean over the batch of each
   * example's k-th singular value (examples whose Jacobian is not finite
   * left out, and counted in `diverged`); all NaN if every example diverged.
   */
  singularValues: Float64Array;
  /** Each example's singular values, descending (NaN for an example whose Jacobian has a non-finite entry). */
  perExample: Float64Array[];
  /** The Jacobian's shape: `[outputs, inputs]`. */
  shape: [number, number];
  /** The number of examples. */
  batch: number;
  /** Examples whose Jacobian has a ±Infinity or NaN entry. */
  diverged: number;
  /**
   * The mean of σ² over every singular value of every finite example:
   * ‖J‖²_F / k averaged over the batch, the χ of mean-field theory (1 at
   * criticality).
   */
  meanSquared: number;
  /**
   * The float32 resolution of these singular values: mean σ₁ ×
   * max(outputs, inputs) × 2⁻²⁴. J comes from float32 gradients, so a
   * singular value below it is not resolved (its true value may be anything
   * below, zero included); the plots draw such values at the axis's floor.
   */
  floor: number;
}

/** Options for {@linkcode jacobianSpectrum}. */
export interface JacobianSpectrumOptions {
  /**
   * The most rows (copies of the batch's examples) in one forward and
   * backward pass: a chunk holds max(1, ⌊maxRows / batch⌋) outputs' copies
   * of the batch, so at least one batch. Default 4096; lower it to save
   * memory.
   */
  maxRows?: number;
}

const FN = "jacobianSpectrum";

/**
 * The singular values of the input–output Jacobian J = ∂y/∂x of a network
 * at each example of a batch, and their mean over the batch: a network
 * whose singular values all sit near 1 passes every direction of its input
 * (and of its gradient) through unchanged, what Pennington, Schoenholz &
 * Ganguli (2017) call dynamical isometry; orthogonal weights and tanh near
 * its linear regime achieve it, Gaussian weights do not.
 *
 * **How.** J is built by reverse mode, a whole row of J for every example
 * per output unit: the batch is repeated once per output j (a batch of
 * outputs × examples rows, in chunks of at most max(`maxRows`, batch) rows) and
 * `tf.grad` of the net, seeded with the one-hot vector of j at each copy,
 * gives ∂y_j/∂x for every example at once. Cost: one forward pass on the
 * batch (to find the outputs), then one forward and one backward pass on
 * outputs × batch rows, and outputs × batch × inputs
 * values read (once per chunk, asynchronously, so WebGPU works). The
 * singular values of each example's outputs × inputs matrix are then
 * computed on the host in Float64 (`singularValuesSync`). This assumes
 * each example's output depends on that example alone, as it does for
 * dense and convolutional layers and elementwise activations (not for
 * batch normalisation in training mode).
 *
 * @param net A Module (built on `x` if it is not yet), a tf.LayersModel, or
 * a function of a tensor returning a tensor, mapping `[batch, inputs]` to
 * `[batch, outputs]`.
 * @param x A float32 batch `[batch, inputs]`.
 * @param options `maxRows` (4096).
 * @returns The batch's mean singular values, each example's, and their mean square.
 * @throws {TypeError} For a net that is not a network, an `x` that is not a
 * live tensor, or a misspelt option.
 * @throws {RangeError} For an `x` or an output that is not `[batch, n]`, or a bad `maxRows`.
 *
 * @example
 * ```ts
 * import { Dense, initializers, jacobianSpectrum, Sequential } from "../../mod.ts";
 * import { assertAlmostEquals } from "@std/assert";
 *
 * // A product of orthogonal matrices is orthogonal: every σ is 1.
 * const net = new Sequential([1, 2, 3].map((seed) =>
 *   new Dense(16, { useBias: false, kernelInitializer: { name: "orthogonal", seed } })
 * ));
 * const x = initializers.randomNormal([4, 16], { stddev: 1, seed: 0 });
 * const { singularValues } = await jacobianSpectrum(net, x);
 * assertAlmostEquals(singularValues[0], 1, 1e-5);
 * assertAlmostEquals(singularValues[15], 1, 1e-5);
 * x.dispose();
 * net.dispose();
 * ```
 */
export async function jacobianSpectrum(
  net: NetworkLike,
  x: tf.Tensor,
  options: JacobianSpectrumOptions = {},
): Promise<JacobianSpectrum> {
  const o = checkOptions(FN, options, ["maxRows"]);
  const maxRows = o.maxRows ?? 4096;
  if (!Number.isInteger(maxRows) || maxRows < 1) {
    throw new RangeError(
      `${FN}: options.maxRows must be a positive integer, received ${
        show(maxRows)
      }`,
    );
  }
  checkBatch(x, FN, 2);
  const [batch, inputs] = x.shape;
  const f = forwardOf(net, [...x.shape], FN);
  const probe = f(x);
  const shape = [...probe.shape];
  if (probe !== x) probe.dispose();
  if (shape.length !== 2 || shape[0] !== batch) {
    throw new RangeError(
      `${FN}: net must map [batch, inputs] to [batch, outputs], received an output of shape ${
        show(shape)
      } for an input of shape ${show(x.shape)}`,
    );
  }
  const outputs = shape[1];
  // jac[b][j * inputs + i] = ∂y_bj / ∂x_bi
  const jac = Array.from(
    { length: batch },
    () => new Float64Array(outputs * inputs),
  );
  const per = Math.max(1, Math.floor(maxRows / batch));
  for (let j0 = 0; j0 < outputs; j0 += per) {
    const count = Math.min(per, outputs - j0);
    const grad = tf.tidy(() => {
      // Rows (j, b), j-major: copy j of the batch is seeded with e_{j0+j}.
      const tiled = tf.tile(x, [count, 1]);
      const which = tf.range(j0, j0 + count, 1, "int32");
      const seed = tf.reshape(
        tf.tile(
          tf.expandDims(tf.cast(tf.oneHot(which, outputs), "float32"), 1),
          [1, batch, 1],
        ),
        [count * batch, outputs],
      );
      return tf.grad((input: tf.Tensor) => f(input))(tiled, seed);
    });
    let values: Float32Array;
    try {
      values = await grad.data() as Float32Array;
    } finally {
      grad.dispose();
    }
    for (let j = 0; j < count; j++) {
      for (let b = 0; b < batch; b++) {
        const from = (j * batch + b) * inputs;
        jac[b].set(
          values.subarray(from, from + inputs),
          (j0 + j) * inputs,
        );
      }
    }
  }
  const k = Math.min(outputs, inputs);
  const perExample: Float64Array[] = [];
  const mean = new Float64Array(k);
  let finite = 0;
  let squares = 0;
  for (const m of jac) {
    if (!m.every(Number.isFinite)) {
      perExample.push(new Float64Array(k).fill(NaN));
      continue;
    }
    const s = singularValuesSync({ values: m, shape: [outputs, inputs] });
    perExample.push(s);
    finite++;
    for (let i = 0; i < k; i++) {
      mean[i] += s[i];
      squares += s[i] * s[i];
    }
  }
  for (let i = 0; i < k; i++) mean[i] = finite ? mean[i] / finite : NaN;
  return {
    singularValues: mean,
    perExample,
    shape: [outputs, inputs],
    batch,
    diverged: batch - finite,
    meanSquared: finite ? squares / (finite * k) : NaN,
    floor: mean[0] * Math.max(outputs, inputs) * 2 ** -24,
  };
}
