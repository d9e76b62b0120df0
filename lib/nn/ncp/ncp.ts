/**
 * `NCP`: a recurrent layer whose synapses follow a neuron map.
 *
 * @module
 */
import { tf } from "../../tf.ts";
import { Module } from "../module.ts";
import { type Activation, activationFor } from "../activations.ts";
import { getInitializer } from "../../initializers/registry.ts";
import {
  type InitializerSpec,
  Parameter,
  resolveInitializer,
} from "../parameter.ts";
import { NeuronMap } from "./neuron_maps.ts";
import {
  checkBoolean,
  checkCount,
  checkOptions,
  rangeError,
  typeError,
} from "../../validate.ts";

/** Options for {@linkcode NCP}. */
export interface NCPOptions {
  /** Default `"tanh"`. */
  activation?: Activation;
  /** Default `true`. */
  useBias?: boolean;
  /** Input kernel `[inputDim, units]`. Default `"glorot_uniform"`. */
  kernelInitializer?: InitializerSpec;
  /** Recurrent kernel `[units, units]`. Default `"orthogonal"`. */
  recurrentInitializer?: InitializerSpec;
  /** Default `"zeros"`. */
  biasInitializer?: InitializerSpec;
  /** The input size: when given, the cell is wired and built at construction. */
  inputDim?: number;
}

/**
 * A neural circuit policy cell unrolled over time: for each step,
 *
 *   h' = act((x ⊙ inMask) · K + b + h · (R ⊙ recMask)),
 *
 * where the input mask is applied per synapse (x ⊙ inMask)·K ≡
 * x·(K ⊙ inMask), with inMask the neuron map's sensory mask
 * `[inputDim, units]` and recMask its recurrent mask `[units, units]`: a
 * weight exists only where the wiring has a synapse. The masks are
 * Parameters with `trainable = false`, so optimizers leave them alone. The
 * output is the motor neurons, the last `outputDim` of h (Ember ML took the
 * first ones, which are not the motor neurons).
 *
 * The kernels are built by name through `getInitializer`, as Ember ML's
 * `_initialize_tensor` does. Inputs are `[batch, time, features]` (or
 * `[batch, features]` for one step); outputs `[batch, time, motor]` (or
 * `[batch, motor]`).
 *
 * @example
 * ```ts
 * import { AutoNCP, NCP, tf } from "../../../mod.ts";
 * import { assertEquals } from "@std/assert";
 *
 * const ncp = new NCP(new AutoNCP(12, 2, { seed: 0 }));
 * const y = ncp.call(tf.ones([4, 10, 3]));
 * assertEquals(y.shape, [4, 10, 2]);
 * assertEquals(ncp.neuronMap.synapseCount, (await ncp._recurrentMask!.data.data()).filter((v) => v !== 0).length);
 * y.dispose();
 * ncp.dispose();
 * ```
 */
export class NCP extends Module {
  /** The wiring. */
  readonly neuronMap: NeuronMap;
  /** Input kernel `[inputDim, units]`. */
  _kernel: Parameter | null = null;
  /** Recurrent kernel `[units, units]`. */
  _recurrentKernel: Parameter | null = null;
  /** Bias `[units]`. */
  _bias: Parameter | null = null;
  /** Sensory mask `[inputDim, units]`, not trainable. */
  _inputMask: Parameter | null = null;
  /** Recurrent mask `[units, units]`, not trainable. */
  _recurrentMask: Parameter | null = null;
  readonly #activation: (x: tf.Tensor) => tf.Tensor;
  readonly #useBias: boolean;
  readonly #kernelInitializer: InitializerSpec;
  readonly #recurrentInitializer: InitializerSpec;
  readonly #biasInitializer: InitializerSpec;

  /**
   * Configures the layer; the weights are made on the first call.
   *
   * @param neuronMap The wiring (`NCPMap`, `AutoNCP`, `FullyConnectedMap`, `RandomMap`).
   * @param options Activation and initializers.
   */
  constructor(neuronMap: NeuronMap, options: NCPOptions = {}) {
    super();
    checkOptions("NCP", options, [
      "activation",
      "useBias",
      "kernelInitializer",
      "recurrentInitializer",
      "biasInitializer",
      "inputDim",
    ]);
    if (!(neuronMap instanceof NeuronMap)) {
      throw typeError("NCP", "neuronMap", "a NeuronMap", neuronMap);
    }
    this.neuronMap = neuronMap;
    this.#activation = activationFor(
      options.activation ?? "tanh",
      "NCP",
      "options.activation",
    );
    this.#useBias = checkBoolean(
      "NCP",
      "options.useBias",
      options.useBias ?? true,
    );
    this.#kernelInitializer = options.kernelInitializer ?? "glorot_uniform";
    this.#recurrentInitializer = options.recurrentInitializer ?? "orthogonal";
    this.#biasInitializer = options.biasInitializer ?? "zeros";
    // Fail at construction on a bad name, not at the first call.
    for (
      const [spec, name] of [
        [this.#kernelInitializer, "kernelInitializer"],
        [this.#recurrentInitializer, "recurrentInitializer"],
        [this.#biasInitializer, "biasInitializer"],
      ] as const
    ) resolveInitializer(spec, "NCP", `options.${name}`);
    if (options.inputDim !== undefined) {
      this.build([checkCount("NCP", "options.inputDim", options.inputDim, 1)]);
    }
  }

  /** `units=19, outputDim=4, wiring=AutoNCP`. */
  override extraRepr(): string {
    return `units=${this.neuronMap.units}, outputDim=${this.neuronMap.outputDim}, wiring=${this.neuronMap.constructor.name}`;
  }

  /** `[batch, time, outputDim]` for `[batch, time, inputDim]`, `[batch, outputDim]` for `[batch, inputDim]`. */
  override computeOutputShape(inputShape: number[]): number[] {
    return [...inputShape.slice(0, -1), this.neuronMap.outputDim];
  }

  /** Ember ML's `_initialize_tensor`: an initializer by name, called with a shape. */
  #initializeTensor(shape: number[], initializer: InitializerSpec): tf.Tensor {
    const fn = typeof initializer === "function"
      ? initializer
      : getInitializer(initializer);
    return fn(shape);
  }

  /** Wires the inputs and makes the kernels, bias and masks. */
  override build(inputShape: number[]): void {
    const inputDim = inputShape[inputShape.length - 1];
    const units = this.neuronMap.units;
    this.neuronMap.build(inputDim);
    this._kernel = new Parameter(
      this.#initializeTensor([inputDim, units], this.#kernelInitializer),
    );
    this._recurrentKernel = new Parameter(
      this.#initializeTensor([units, units], this.#recurrentInitializer),
    );
    if (this.#useBias) {
      this._bias = new Parameter(
        this.#initializeTensor([units], this.#biasInitializer),
      );
    }
    this._inputMask = new Parameter(
      tf.tensor(this.neuronMap.sensoryMask(), [inputDim, units]),
      { trainable: false },
    );
    this._recurrentMask = new Parameter(
      tf.tensor(this.neuronMap.recurrentMask(), [units, units]),
      { trainable: false },
    );
  }

  /**
   * The recurrent kernel the network actually uses, K ⊙ mask: a new tensor
   * `[units, units]` (the caller disposes it), so one taken before training
   * is a snapshot. Its rank is at most the number of neurons that receive a
   * recurrent synapse.
   *
   * @throws {Error} Before the layer is built (call it once, or `build`).
   *
   * @example
   * ```ts
   * import { AutoNCP, NCP, tf } from "../../../mod.ts";
   * import { assertEquals } from "@std/assert";
   *
   * const ncp = new NCP(new AutoNCP(16, 3, { seed: 4 }), { inputDim: 4 });
   * const k = ncp.effectiveRecurrentKernel();
   * assertEquals(k.shape, [16, 16]);
   * k.dispose();
   * ncp.dispose();
   * ```
   */
  effectiveRecurrentKernel(): tf.Tensor2D {
    if (!this._recurrentKernel || !this._recurrentMask) {
      throw new Error(
        "NCP.effectiveRecurrentKernel: the layer is not built yet (call it on an input once)",
      );
    }
    return tf.mul(
      this._recurrentKernel.data,
      this._recurrentMask.data,
    ) as tf.Tensor2D;
  }

  /**
   * One step: the new state from an input `[batch, inputDim]` and a state `[batch, units]`.
   *
   * @returns The new state `[batch, units]`.
   */
  step(x: tf.Tensor, h: tf.Tensor): tf.Tensor {
    return tf.tidy(() => {
      const k = tf.mul(this._kernel!.data, this._inputMask!.data);
      const r = tf.mul(this._recurrentKernel!.data, this._recurrentMask!.data);
      let pre = tf.add(
        tf.matMul(x as tf.Tensor2D, k as tf.Tensor2D),
        tf.matMul(h as tf.Tensor2D, r as tf.Tensor2D),
      );
      if (this._bias) pre = tf.add(pre, this._bias.data);
      return this.#activation(pre);
    });
  }

  /**
   * Runs the sequence from `state` (default zeros).
   *
   * @param x `[batch, time, inputDim]`, or `[batch, inputDim]` for one step.
   * @param state Optional initial state `[batch, units]`.
   * @returns The motor neurons: `[batch, time, outputDim]` (or `[batch, outputDim]`).
   */
  override forward(x: tf.Tensor, state?: tf.Tensor): tf.Tensor {
    const units = this.neuronMap.units;
    const [motorStart] = this.neuronMap.motorRange;
    const sequence = x.rank === 3 ? x : tf.expandDims(x, 1);
    if (sequence.rank !== 3) {
      throw rangeError(
        "NCP.call",
        "inputs[0].shape",
        "[batch, time, features] or [batch, features]",
        x.shape,
      );
    }
    const [batch, time] = sequence.shape;
    let h = state ?? tf.zeros([batch, units]);
    const outputs: tf.Tensor[] = [];
    const steps = tf.unstack(sequence, 1);
    for (let t = 0; t < time; t++) {
      h = this.step(steps[t], h);
      outputs.push(tf.slice(h, [0, motorStart], [batch, units - motorStart]));
    }
    const y = tf.stack(outputs, 1);
    return x.rank === 3 ? y : tf.squeeze(y, [1]);
  }
}
