/**
 * Neuron maps (wirings) for the NCP module: which neuron connects to which,
 * with what polarity, and which neurons are the outputs.
 *
 * Neurons are numbered inter, then command, then motor (the motor neurons
 * last, as in Ember ML); sensory neurons are the inputs, numbered apart.
 * `adjacencyMatrix[i * units + j]` is the synapse from neuron i to neuron j
 * (+1 excitatory, −1 inhibitory, 0 none); `sensoryAdjacencyMatrix[s * units + j]`
 * the synapse from input s to neuron j.
 *
 * @module
 */
import { type Draw, nextDraw } from "../../random/stream.ts";
import { uniform } from "../../random/distributions.ts";
import {
  checkBoolean,
  checkCount,
  checkOptions,
  rangeError,
  typeError,
} from "../../validate.ts";

/** A named range of neurons, for plots. */
export interface NeuronGroup {
  /** `"inter"`, `"command"`, `"motor"`, or `"neurons"` for unstructured maps. */
  name: string;
  /** First neuron index. */
  start: number;
  /** One past the last. */
  end: number;
}

/** Uniform numbers read one at a time from a counter-based draw. */
class Uniforms {
  #draw: Draw;
  #offset: number;
  #buffer = new Float64Array(256);
  #index = 256;
  constructor(draw: Draw, offset: number) {
    this.#draw = draw;
    this.#offset = offset;
  }
  next(): number {
    if (this.#index === this.#buffer.length) {
      uniform(this.#buffer.length, this.#draw, this.#offset, this.#buffer);
      this.#offset += this.#buffer.length;
      this.#index = 0;
    }
    return this.#buffer[this.#index++];
  }
  /** An integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.next() * n);
  }
  /** +1 with probability 2/3, −1 otherwise (as ncps draws polarities). */
  polarity(): number {
    return this.next() < 2 / 3 ? 1 : -1;
  }
}

/** The random draw each map's wiring comes from (kept off the public surface). */
const DRAWS = new WeakMap<object, Draw>();

/** A random-number reader for a map's recurrent (or sensory) wiring. */
function uniformsFor(map: object, sensory = false): Uniforms {
  return new Uniforms(DRAWS.get(map)!, sensory ? SENSORY_OFFSET : 0);
}

/** Offset where the sensory wiring's random numbers start (far past the recurrent wiring's). */
const SENSORY_OFFSET = 2 ** 40;

/**
 * For each neuron k of `each` with no synapse to or from any neuron l of
 * `other` (entry `at(k, l)` of `matrix`), one synapse with a random l, of
 * random polarity.
 */
function forceSynapses(
  rng: Uniforms,
  matrix: Int8Array,
  each: { start: number; end: number },
  other: { start: number; end: number },
  at: (k: number, l: number) => number,
): void {
  for (let k = each.start; k < each.end; k++) {
    let has = false;
    for (let l = other.start; l < other.end && !has; l++) {
      has = matrix[at(k, l)] !== 0;
    }
    if (!has) {
      const l = other.start + rng.int(other.end - other.start);
      matrix[at(k, l)] = rng.polarity();
    }
  }
}

/** Checks `options.sparsityLevel` (default 0.5): a number in [0, 1). */
function checkSparsity(fn: string, value: unknown): number {
  const what = "a number in [0, 1)";
  if (typeof value !== "number") {
    throw typeError(fn, "options.sparsityLevel", what, value);
  }
  if (!(value >= 0 && value < 1)) {
    throw rangeError(fn, "options.sparsityLevel", what, value);
  }
  return value;
}

function countNonZero(m: Int8Array | null): number {
  if (m === null) return 0;
  let n = 0;
  for (const v of m) n += v !== 0 ? 1 : 0;
  return n;
}

function absMask(m: Int8Array): Float32Array {
  return Float32Array.from(m, (v) => (v === 0 ? 0 : 1));
}

/**
 * The common part of every wiring: the matrices, the counts and the masks.
 */
export abstract class NeuronMap {
  /** Number of neurons. */
  readonly units: number;
  /** Number of output (motor) neurons: the last `outputDim` neurons. */
  readonly outputDim: number;
  /** Synapses between neurons, row = source, column = target (units × units). */
  readonly adjacencyMatrix: Int8Array;
  /** Synapses from inputs to neurons (inputDim × units), once built. */
  sensoryAdjacencyMatrix: Int8Array | null = null;
  /** The number of inputs, once built. */
  inputDim: number | null = null;
  /** The seed, if one was given. */
  readonly seed: number | undefined;

  /**
   * Sets the sizes and draws the random stream the wiring will use.
   *
   * @param units Number of neurons.
   * @param outputDim Number of output neurons (≤ units).
   * @param seed Optional seed for the wiring.
   */
  constructor(units: number, outputDim: number, seed?: number) {
    const fn = new.target.name;
    this.units = checkCount(fn, "units", units, 1);
    this.outputDim = checkCount(fn, "outputDim", outputDim, 1);
    if (outputDim > units) {
      throw rangeError(fn, "outputDim", `<= units (${units})`, outputDim);
    }
    DRAWS.set(this, nextDraw(seed, fn, "options.seed"));
    this.seed = seed;
    this.adjacencyMatrix = new Int8Array(units * units);
  }

  /** Fills {@linkcode NeuronMap.sensoryAdjacencyMatrix} for `inputDim` inputs. */
  protected abstract wireSensory(inputDim: number, matrix: Int8Array): void;

  /** The neuron groups, for plots. */
  abstract groups(): NeuronGroup[];

  /** Whether the sensory wiring exists. */
  get isBuilt(): boolean {
    return this.sensoryAdjacencyMatrix !== null;
  }

  /**
   * Wires the inputs. Idempotent for the same `inputDim`.
   *
   * @param inputDim The number of inputs (sensory neurons).
   * @throws {RangeError} If already built for a different input size.
   */
  build(inputDim: number): void {
    const fn = `${this.constructor.name}.build`;
    checkCount(fn, "inputDim", inputDim, 1);
    if (this.inputDim !== null) {
      if (this.inputDim !== inputDim) {
        throw rangeError(
          fn,
          "inputDim",
          `${this.inputDim} (the number of inputs it is wired for)`,
          inputDim,
        );
      }
      return;
    }
    const matrix = new Int8Array(inputDim * this.units);
    this.wireSensory(inputDim, matrix);
    this.sensoryAdjacencyMatrix = matrix;
    this.inputDim = inputDim;
  }

  /** Synapses between neurons: the non-zero entries of the adjacency matrix. */
  get synapseCount(): number {
    return countNonZero(this.adjacencyMatrix);
  }

  /** Synapses from inputs: the non-zero entries of the sensory adjacency matrix (0 before build). */
  get sensorySynapseCount(): number {
    return countNonZero(this.sensoryAdjacencyMatrix);
  }

  /** |adjacency| as 0/1 (units × units), the recurrent weight mask. */
  recurrentMask(): Float32Array {
    return absMask(this.adjacencyMatrix);
  }

  /**
   * |sensory adjacency| as 0/1 (inputDim × units), the input weight mask.
   *
   * @throws {Error} Before {@linkcode NeuronMap.build}.
   */
  sensoryMask(): Float32Array {
    if (this.sensoryAdjacencyMatrix === null) {
      throw new Error(
        `${this.constructor.name} has no sensory wiring yet: call build(inputDim) first`,
      );
    }
    return absMask(this.sensoryAdjacencyMatrix);
  }

  /** 1 for the motor (output) neurons, the last `outputDim`. */
  outputMask(): Float32Array {
    const mask = new Float32Array(this.units);
    mask.fill(1, this.units - this.outputDim);
    return mask;
  }

  /** [start, end) of the motor neurons. */
  get motorRange(): [number, number] {
    return [this.units - this.outputDim, this.units];
  }
}

/** Options for {@linkcode NCPMap}. */
export interface NCPMapOptions {
  /** Inter neurons (receive the inputs). */
  interNeurons: number;
  /** Command neurons (recurrently connected). */
  commandNeurons: number;
  /** Motor neurons (the outputs). */
  motorNeurons: number;
  /** Inputs, if known now; otherwise taken from the first input at build. */
  sensoryNeurons?: number;
  /** Fraction of possible synapses left out, in [0, 1). Default 0.5. */
  sparsityLevel?: number;
  /** Seed for the wiring. */
  seed?: number;
}

/**
 * Neural circuit policy wiring (Lechner et al. 2020): sensory → inter →
 * command ⟲ → motor. Each possible synapse between consecutive layers (and
 * among command neurons) exists with probability 1 − sparsityLevel (a
 * binomial mask), with polarity +1 (p = 2/3) or −1; then every inter, command
 * and motor neuron that got no input, and every sensory, inter and command
 * neuron that got no output, is given one random synapse, so the circuit is
 * connected.
 *
 * @example
 * ```ts
 * import { NCPMap } from "../../../mod.ts";
 * import { assert, assertEquals } from "@std/assert";
 *
 * const map = new NCPMap({ interNeurons: 6, commandNeurons: 4, motorNeurons: 2, seed: 1 });
 * map.build(3);
 * assertEquals(map.units, 12);
 * assert(map.synapseCount > 0 && map.sensorySynapseCount > 0);
 * assertEquals(map.motorRange, [10, 12]);
 * ```
 */
export class NCPMap extends NeuronMap {
  /** Inter neurons. */
  readonly interNeurons: number;
  /** Command neurons. */
  readonly commandNeurons: number;
  /** Motor neurons. */
  readonly motorNeurons: number;
  /** Fraction of possible synapses left out. */
  readonly sparsityLevel: number;

  /**
   * Wires inter → command ⟲ → motor now, and the inputs now if
   * `sensoryNeurons` is given (else at build).
   *
   * @param options The group sizes, `sparsityLevel` (0.5), `sensoryNeurons`, `seed`.
   */
  constructor(options: NCPMapOptions) {
    const fn = new.target.name;
    if (options === null || typeof options !== "object") {
      throw typeError(fn, "options", "an object", options);
    }
    checkOptions(fn, options, [
      "interNeurons",
      "commandNeurons",
      "motorNeurons",
      "sensoryNeurons",
      "sparsityLevel",
      "seed",
    ]);
    const inter = checkCount(
      fn,
      "options.interNeurons",
      options.interNeurons,
      1,
    );
    const command = checkCount(
      fn,
      "options.commandNeurons",
      options.commandNeurons,
      1,
    );
    const motor = checkCount(
      fn,
      "options.motorNeurons",
      options.motorNeurons,
      1,
    );
    const sparsity = checkSparsity(fn, options.sparsityLevel ?? 0.5);
    super(inter + command + motor, motor, options.seed);
    this.interNeurons = inter;
    this.commandNeurons = command;
    this.motorNeurons = motor;
    this.sparsityLevel = sparsity;
    const g = this.groups();
    const rng = uniformsFor(this);
    // inter → command, command → command, command → motor
    this.#connect(rng, this.adjacencyMatrix, g[0], g[1]);
    this.#connect(rng, this.adjacencyMatrix, g[1], g[1]);
    this.#connect(rng, this.adjacencyMatrix, g[1], g[2]);
    if (options.sensoryNeurons !== undefined) {
      this.build(
        checkCount(fn, "options.sensoryNeurons", options.sensoryNeurons, 1),
      );
    }
  }

  /** Binomial synapses from `from` to `to`, then one forced synapse for any neuron left without input or output. */
  #connect(
    rng: Uniforms,
    matrix: Int8Array,
    from: { start: number; end: number },
    to: { start: number; end: number },
  ): void {
    const density = 1 - this.sparsityLevel;
    for (let i = from.start; i < from.end; i++) {
      for (let j = to.start; j < to.end; j++) {
        if (rng.next() < density) matrix[i * this.units + j] = rng.polarity();
      }
    }
    const units = this.units;
    forceSynapses(rng, matrix, to, from, (j, i) => i * units + j);
    forceSynapses(rng, matrix, from, to, (i, j) => i * units + j);
  }

  /** Inputs connect to the inter neurons. */
  protected wireSensory(inputDim: number, matrix: Int8Array): void {
    const inter = this.groups()[0];
    this.#connect(
      uniformsFor(this, true),
      matrix,
      { start: 0, end: inputDim },
      inter,
    );
  }

  /** inter [0, I), command [I, I + C), motor [I + C, units). */
  groups(): NeuronGroup[] {
    const i = this.interNeurons;
    const c = this.commandNeurons;
    return [
      { name: "inter", start: 0, end: i },
      { name: "command", start: i, end: i + c },
      { name: "motor", start: i + c, end: this.units },
    ];
  }
}

/** Options for {@linkcode AutoNCP}. */
export interface AutoNCPOptions {
  /** Fraction of possible synapses left out, in [0, 1). Default 0.5. */
  sparsityLevel?: number;
  /** Seed for the wiring. */
  seed?: number;
}

/**
 * An NCP wiring sized automatically from the neuron count, as ncps's
 * `AutoNCP`: of the `units − outputSize` hidden neurons, 40% (at least one)
 * are command neurons and the rest inter neurons.
 *
 * @example
 * ```ts
 * import { AutoNCP } from "../../../mod.ts";
 * import { assertEquals } from "@std/assert";
 *
 * const map = new AutoNCP(20, 3, { seed: 0 });
 * assertEquals([map.interNeurons, map.commandNeurons, map.motorNeurons], [11, 6, 3]);
 * ```
 */
export class AutoNCP extends NCPMap {
  /**
   * Sizes the groups from `units` and wires them.
   *
   * @param units Total neurons, at least `outputSize + 2`.
   * @param outputSize Motor neurons.
   * @param options `sparsityLevel` (0.5), `seed`.
   */
  constructor(units: number, outputSize: number, options: AutoNCPOptions = {}) {
    checkOptions("AutoNCP", options, ["sparsityLevel", "seed"]);
    checkCount("AutoNCP", "units", units, 1);
    checkCount("AutoNCP", "outputSize", outputSize, 1);
    if (units < outputSize + 2) {
      throw rangeError(
        "AutoNCP",
        "units",
        `>= outputSize + 2 (${
          outputSize + 2
        }: at least one inter and one command neuron)`,
        units,
      );
    }
    const hidden = units - outputSize;
    const command = Math.max(Math.floor(0.4 * hidden), 1);
    super({
      interNeurons: hidden - command,
      commandNeurons: command,
      motorNeurons: outputSize,
      sparsityLevel: options.sparsityLevel,
      seed: options.seed,
    });
  }
}

/** Options for {@linkcode FullyConnectedMap}. */
export interface FullyConnectedMapOptions {
  /** Whether neurons connect to themselves. Default `true`. */
  selfConnections?: boolean;
  /** Seed for the polarities. */
  seed?: number;
}

/**
 * Every neuron connects to every neuron (and every input to every neuron),
 * with random polarities; the last `outputDim` neurons are the outputs.
 *
 * @example
 * ```ts
 * import { FullyConnectedMap } from "../../../mod.ts";
 * import { assertEquals } from "@std/assert";
 *
 * const map = new FullyConnectedMap(4, 1, { selfConnections: false, seed: 0 });
 * assertEquals(map.synapseCount, 12);
 * ```
 */
export class FullyConnectedMap extends NeuronMap {
  /** Whether neurons connect to themselves. */
  readonly selfConnections: boolean;

  /**
   * Connects every neuron to every neuron.
   *
   * @param units Neurons.
   * @param outputDim Output neurons.
   * @param options `selfConnections` (true), `seed`.
   */
  constructor(
    units: number,
    outputDim: number,
    options: FullyConnectedMapOptions = {},
  ) {
    checkOptions(new.target.name, options, ["selfConnections", "seed"]);
    super(units, outputDim, options.seed);
    this.selfConnections = checkBoolean(
      new.target.name,
      "options.selfConnections",
      options.selfConnections ?? true,
    );
    const rng = uniformsFor(this);
    for (let i = 0; i < units; i++) {
      for (let j = 0; j < units; j++) {
        if (i !== j || this.selfConnections) {
          this.adjacencyMatrix[i * units + j] = rng.polarity();
        }
      }
    }
  }

  /** Every input to every neuron. */
  protected wireSensory(_inputDim: number, matrix: Int8Array): void {
    const rng = uniformsFor(this, true);
    for (let k = 0; k < matrix.length; k++) matrix[k] = rng.polarity();
  }

  /** One group of hidden neurons and the motor neurons. */
  groups(): NeuronGroup[] {
    const motor = this.units - this.outputDim;
    return [
      { name: "neurons", start: 0, end: motor },
      { name: "motor", start: motor, end: this.units },
    ];
  }
}

/** Options for {@linkcode RandomMap}. */
export interface RandomMapOptions {
  /** Fraction of possible synapses left out, in [0, 1). Default 0.5. */
  sparsityLevel?: number;
  /** Seed for the wiring. */
  seed?: number;
}

/**
 * Each possible synapse (neuron → neuron, input → neuron) exists
 * independently with probability 1 − sparsityLevel (a binomial mask), with a
 * random polarity.
 *
 * @example
 * ```ts
 * import { RandomMap } from "../../../mod.ts";
 * import { assert } from "@std/assert";
 *
 * const map = new RandomMap(50, 5, { sparsityLevel: 0.8, seed: 3 });
 * assert(Math.abs(map.synapseCount / 2500 - 0.2) < 0.05);
 * ```
 */
export class RandomMap extends NeuronMap {
  /** Fraction of possible synapses left out. */
  readonly sparsityLevel: number;

  /**
   * Draws the neuron-to-neuron synapses.
   *
   * @param units Neurons.
   * @param outputDim Output neurons.
   * @param options `sparsityLevel` (0.5), `seed`.
   */
  constructor(
    units: number,
    outputDim: number,
    options: RandomMapOptions = {},
  ) {
    checkOptions(new.target.name, options, ["sparsityLevel", "seed"]);
    const sparsity = checkSparsity(
      new.target.name,
      options.sparsityLevel ?? 0.5,
    );
    super(units, outputDim, options.seed);
    this.sparsityLevel = sparsity;
    this.#fill(uniformsFor(this), this.adjacencyMatrix);
  }

  #fill(rng: Uniforms, matrix: Int8Array): void {
    const density = 1 - this.sparsityLevel;
    for (let k = 0; k < matrix.length; k++) {
      if (rng.next() < density) matrix[k] = rng.polarity();
    }
  }

  /** Each input → neuron synapse with probability 1 − sparsityLevel. */
  protected wireSensory(_inputDim: number, matrix: Int8Array): void {
    this.#fill(uniformsFor(this, true), matrix);
  }

  /** One group of hidden neurons and the motor neurons. */
  groups(): NeuronGroup[] {
    const motor = this.units - this.outputDim;
    return [
      { name: "neurons", start: 0, end: motor },
      { name: "motor", start: motor, end: this.units },
    ];
  }
}
