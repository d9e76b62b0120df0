/**
 * `Module`: a layer or model whose state is found by walking its properties.
 *
 * @module
 */
import { tf } from "../tf.ts";
import type { InitializerSpec, Parameter } from "./parameter.ts";
import { type Found, walk, type WalkOptions } from "./_discovery.ts";
import { rangeError, show, typeError } from "../validate.ts";
import { Summary } from "./_summary.ts";

/** What {@linkcode Module.loadStateDict} returns with `strict: false`. */
export interface LoadResult {
  /** Keys of the module absent from the state dict. */
  missingKeys: string[];
  /** Keys of the state dict the module does not have. */
  unexpectedKeys: string[];
}

/** Options for {@linkcode Module.loadStateDict}. */
export interface LoadOptions {
  /** Refuse missing and unexpected keys. Default `true`. Shape and dtype mismatches are refused either way. */
  strict?: boolean;
}

/**
 * The base class of layers and models.
 *
 * State is whatever the module's own enumerable properties hold, found when
 * asked for, in insertion order: `Parameter`s, child `Module`s, plain
 * `tf.Tensor`s (buffers), and arrays, Maps and plain objects of them,
 * recursively. Names are dotted paths (`layers.0._kernel`). So
 * `this._kernel = new Parameter(...)` registers a parameter, wherever it is
 * done (constructor, `build`, or from outside), even after the property was
 * first set to `null`; there is nothing to forget and no Proxy.
 *
 * Subclasses override `build(inputShape)` to create parameters once the
 * input size is known, and `forward(...inputs)`. Call the module with
 * `call(...inputs)`: the first call builds it from the first input's shape
 * (a deferred build, like Ember ML's `LazyModule`), and `forward` runs inside
 * `tf.tidy`, so its intermediate tensors are freed.
 *
 * @example
 * ```ts
 * import { initializers, Module, Parameter, tf } from "../../mod.ts";
 * import { assertEquals } from "@std/assert";
 *
 * class Affine extends Module {
 *   _kernel: Parameter | null = null;
 *   _bias: Parameter | null = null;
 *   constructor(readonly units: number) {
 *     super();
 *   }
 *   override build(inputShape: number[]): void {
 *     this._kernel = new Parameter(initializers.glorotUniform([inputShape[inputShape.length - 1], this.units]));
 *     this._bias = new Parameter(initializers.zeros([this.units]));
 *   }
 *   override forward(x: tf.Tensor): tf.Tensor {
 *     return tf.add(tf.matMul(x, this._kernel!.data), this._bias!.data);
 *   }
 * }
 *
 * const layer = new Affine(3);
 * const y = layer.call(tf.ones([2, 5]));
 * assertEquals(y.shape, [2, 3]);
 * assertEquals(layer.namedParameters().map(([name]) => name), ["_kernel", "_bias"]);
 * y.dispose();
 * layer.dispose();
 * ```
 */
export class Module {
  /** Whether `build` has run: the first `call` runs it, even for a module with no `build` of its own. */
  built = false;
  /** Training mode (`train()`), as opposed to evaluation mode (`eval()`). */
  training = true;
  #inputShape: number[] | null = null;
  readonly #defersBuild: boolean;

  /**
   * Makes `build` the one place that builds: whatever subclass overrides it,
   * calling `build(shape)` (directly, from a constructor, or from the first
   * `call`) runs the override once and sets `built`.
   */
  constructor() {
    const own = this.build;
    this.#defersBuild = own !== Module.prototype.build;
    Object.defineProperty(this, "build", {
      value: (inputShape: number[]) => this.#build(own, inputShape),
      enumerable: false,
      configurable: true,
      writable: true,
    });
  }

  /**
   * Creates the parameters once the input shape is known. Override it; call
   * it with an input's shape to build before the first call (the first
   * {@linkcode Module.call} calls it otherwise). It runs once: it sets
   * `built`, and a second call for the same last dimension does nothing. If
   * the override throws, the parameters it made are disposed and `built`
   * stays false.
   *
   * @param inputShape An input's shape (only the last dimension matters to most layers).
   * @throws {TypeError} For a shape that is not an array of non-negative integers.
   * @throws {RangeError} If the module was already built for another last dimension.
   *
   * @example Build before the first call, then load
   * ```ts
   * import { Dense, tf } from "../../mod.ts";
   * import { assertEquals } from "@std/assert";
   *
   * const layer = new Dense(2);
   * layer.build([4, 3]);
   * assertEquals(layer.built, true);
   * assertEquals(layer._kernel?.shape, [3, 2]);
   * layer.dispose();
   * ```
   */
  build(inputShape: number[]): void {
    void inputShape;
  }

  /** The input shape it was built for, or `null` before it is built. */
  get inputShape(): number[] | null {
    return this.#inputShape === null ? null : [...this.#inputShape];
  }

  #build(own: (shape: number[]) => void, inputShape: number[]): void {
    if (
      !Array.isArray(inputShape) ||
      !inputShape.every((d) => Number.isInteger(d) && d >= 0)
    ) {
      throw typeError(
        `${this.constructor.name}.build`,
        "inputShape",
        "an array of non-negative integers",
        inputShape,
      );
    }
    if (this.built && this.#inputShape !== null) {
      this.#checkLastDimension(
        `${this.constructor.name}.build`,
        "inputShape",
        inputShape,
      );
      return;
    }
    const before = new Set<unknown>();
    this.#walk({
      parameter: (f) => void before.add(f.value),
      buffer: (f) => void before.add(f.value),
    });
    const unbuilt = this.namedModules().filter(([, m]) => !m.built);
    try {
      own.call(this, inputShape);
    } catch (error) {
      // Undo: nothing half-built stays behind.
      for (const [, m] of unbuilt) {
        m.built = false;
        m.#inputShape = null;
      }
      this.#walk({
        parameter: (f) => {
          if (before.has(f.value)) return;
          f.value.dispose();
          if (f.writable()) f.set(null as unknown as Parameter);
        },
        buffer: (f) => {
          if (before.has(f.value)) return;
          f.value.dispose();
          if (f.writable()) f.set(null as unknown as tf.Tensor);
        },
      });
      throw error;
    }
    this.built = true;
    this.#inputShape = [...inputShape];
    // Buffers made in build must outlive an enclosing tf.tidy (a parent's forward).
    for (const [, buffer] of this.namedBuffers()) tf.keep(buffer);
  }

  #checkLastDimension(fn: string, arg: string, shape: readonly number[]): void {
    const built = this.#inputShape!;
    const last = (s: readonly number[]) => s[s.length - 1];
    if (last(shape) !== last(built)) {
      throw rangeError(
        fn,
        arg,
        `a shape with last dimension ${
          last(built)
        } (${this.constructor.name} was built for inputs of shape ${
          show(built)
        })`,
        shape,
      );
    }
  }

  /** Walks this module's state (see _discovery.ts). */
  #walk(visitor: Parameters<typeof walk>[1], options?: WalkOptions): void {
    walk(this, visitor, isModule, options);
  }

  /**
   * The shape `call` returns for an input of `inputShape`. By default it
   * runs `forward` once on zeros of that shape (building the module if
   * needed); layers override it with the formula (Dense: the last dimension
   * becomes `units`).
   *
   * @param inputShape An input's shape.
   * @returns The output's shape.
   */
  computeOutputShape(inputShape: number[]): number[] {
    return tf.tidy(() => [...this.call(tf.zeros(inputShape)).shape]);
  }

  /**
   * The computation. Override it.
   *
   * @param inputs The inputs given to {@linkcode Module.call}.
   * @returns The output.
   */
  forward(...inputs: tf.Tensor[]): tf.Tensor {
    void inputs;
    throw new Error(`${this.constructor.name} does not implement forward()`);
  }

  /**
   * Builds on the first call (from the first input's shape), then runs
   * `forward` inside `tf.tidy`.
   *
   * @param inputs The inputs.
   * @returns What `forward` returns.
   * @throws {RangeError} If the first input's last dimension differs from the one the module was built for.
   * @throws {TypeError} If the first input is not a tensor.
   */
  call(...inputs: tf.Tensor[]): tf.Tensor {
    const first = inputs[0];
    if (!(first instanceof tf.Tensor)) {
      throw typeError(
        `${this.constructor.name}.call`,
        "inputs[0]",
        "a tf.Tensor",
        first,
      );
    }
    if (!this.built) {
      this.build([...first.shape]);
    } else if (this.#inputShape !== null) {
      this.#checkLastDimension(
        `${this.constructor.name}.call`,
        "inputs[0].shape",
        first.shape,
      );
    }
    return tf.tidy(() => this.forward(...inputs));
  }

  /**
   * Every parameter, with its dotted name; a parameter reachable from two
   * places appears once, under its first name.
   *
   * @param prefix Prepended to every name (with a dot).
   * @returns `[name, parameter]` pairs in discovery order.
   * @throws {Error} If two places give the same name, or a place cannot be read (a getter that throws): the message names them.
   */
  namedParameters(prefix = ""): [string, Parameter][] {
    const out: [string, Parameter][] = [];
    this.#walk({ parameter: (f) => void out.push([f.name, f.value]) }, {
      prefix,
    });
    return out;
  }

  /**
   * The parameters, without their names.
   *
   * @returns The parameters, in discovery order.
   */
  parameters(): Parameter[] {
    return this.namedParameters().map(([, p]) => p);
  }

  /**
   * Every buffer: a plain `tf.Tensor` held by the module (not a Parameter).
   *
   * @param prefix Prepended to every name.
   * @returns `[name, tensor]` pairs.
   */
  namedBuffers(prefix = ""): [string, tf.Tensor][] {
    const out: [string, tf.Tensor][] = [];
    this.#walk({ buffer: (f) => void out.push([f.name, f.value]) }, {
      prefix,
    });
    return out;
  }

  /**
   * This module (named `prefix`, `""` by default) and every module inside it.
   *
   * @param prefix The name of this module.
   * @returns `[name, module]` pairs, this module first.
   */
  namedModules(prefix = ""): [string, Module][] {
    const out: [string, Module][] = [[prefix, this]];
    this.#walk({
      module: (f) => void out.push([f.name, f.value as Module]),
    }, { prefix });
    return out;
  }

  /**
   * The modules directly inside this one (not their descendants), with their
   * names relative to this one (`layers.0`).
   *
   * @returns `[name, module]` pairs, in discovery order.
   */
  namedChildren(): [string, Module][] {
    const out: [string, Module][] = [];
    this.#walk({
      module: (f) => {
        out.push([f.name, f.value as Module]);
        return false;
      },
    });
    return out;
  }

  /**
   * The modules directly inside this one (not their descendants).
   *
   * @returns The child modules, in discovery order.
   */
  children(): Module[] {
    return this.namedChildren().map(([, m]) => m);
  }

  /**
   * Sets training mode on this module and every module inside it.
   *
   * @param mode `true` for training, `false` for evaluation.
   * @returns This module.
   */
  train(mode = true): this {
    for (const [, m] of this.namedModules()) m.training = mode;
    return this;
  }

  /**
   * Sets evaluation mode: `train(false)`.
   *
   * @returns This module.
   */
  eval(): this {
    return this.train(false);
  }

  /**
   * Calls `fn` on every module inside this one, children before parents,
   * then on this one (PyTorch's `Module.apply`; renamed because tfjs's
   * `layer.apply(x)` runs a layer).
   *
   * @param fn The function.
   * @returns This module.
   */
  forEachModule(fn: (module: Module) => void): this {
    const modules = this.namedModules().map(([, m]) => m);
    for (const m of modules.slice(1).reverse()) fn(m);
    fn(this);
    return this;
  }

  /**
   * The old name of {@linkcode Module.forEachModule}.
   *
   * @deprecated Use `forEachModule`: tfjs's `layer.apply(x)` runs a layer, and this does not.
   * @param fn The function.
   * @returns This module.
   */
  apply(fn: (module: Module) => void): this {
    return this.forEachModule(fn);
  }

  /**
   * Stops training every parameter below: sets `trainable = false`, so
   * {@linkcode Module.trainableVariables} leaves them out.
   *
   * @returns This module.
   *
   * @example Fine-tune the last layer only
   * ```ts
   * import { Dense, Sequential } from "../../mod.ts";
   * import { assertEquals } from "@std/assert";
   *
   * const net = new Sequential([new Dense(8), new Dense(1)], { inputShape: [3] });
   * net.freeze();
   * net.layers[1].unfreeze();
   * assertEquals(net.trainableVariables().length, 2);
   * net.unfreeze();
   * assertEquals(net.trainableVariables().length, 4);
   * net.dispose();
   * ```
   */
  freeze(): this {
    for (const p of this.parameters()) p.trainable = false;
    return this;
  }

  /**
   * Trains every parameter below again: sets `trainable = true`, except on
   * parameters made with `trainable: false` (masks and fixed wiring, such
   * as the NCP's), which stay fixed.
   *
   * @returns This module.
   */
  unfreeze(): this {
    for (const p of this.parameters()) if (!p.fixed) p.trainable = true;
    return this;
  }

  /**
   * Re-draws parameters in place: `fn` gets each parameter and its name and
   * returns the initializer to draw it with (a name, a config or a
   * function; see {@linkcode Parameter.initialize}), or `undefined` to
   * leave it. Every draw is made before any parameter changes, so a failure
   * changes nothing.
   *
   * @param fn Chooses each parameter's initializer.
   * @param options Passed to every initializer (for example `{ seed }`; a seed is advanced per parameter so that parameters of one shape differ).
   * @returns This module.
   *
   * @example He-normal kernels, zero biases
   * ```ts
   * import { Dense, Sequential } from "../../mod.ts";
   * import { assertEquals } from "@std/assert";
   *
   * const net = new Sequential([new Dense(8), new Dense(1)], { inputShape: [3] });
   * net.initialize((p, name) => name.endsWith("_kernel") ? "he_normal" : "zeros", { seed: 0 });
   * assertEquals(net.parameters().map((p) => p.init?.name), ["heNormal", "zeros", "heNormal", "zeros"]);
   * net.dispose();
   * ```
   */
  initialize(
    fn: (parameter: Parameter, name: string) => InitializerSpec | undefined,
    // deno-lint-ignore no-explicit-any
    options: Record<string, any> = {},
  ): this {
    if (typeof fn !== "function") {
      throw typeError(
        `${this.constructor.name}.initialize`,
        "fn",
        "a function (parameter, name) => initializer",
        fn,
      );
    }
    const chosen: [Parameter, InitializerSpec, Record<string, unknown>][] = [];
    for (const [i, [name, p]] of this.namedParameters().entries()) {
      const spec = fn(p, name);
      if (spec === undefined || spec === null) continue;
      const seed = typeof options.seed === "number"
        ? { seed: options.seed + i }
        : {};
      chosen.push([p, spec, { ...options, ...seed }]);
    }
    // Draw everything first: a failure leaves the module as it was.
    const drawn: tf.Tensor[] = [];
    try {
      for (const [p, spec, opts] of chosen) {
        drawn.push(p.draw(spec, opts, `${this.constructor.name}.initialize`));
      }
    } catch (error) {
      tf.dispose(drawn);
      throw error;
    }
    chosen.forEach(([p], k) => p.assign(drawn[k]));
    tf.dispose(drawn);
    return this;
  }

  /** The trainable parameters' variables, for `optimizer.minimize(loss, false, vars)`. */
  trainableVariables(): tf.Variable[] {
    return this.parameters().filter((p) => p.trainable).map((p) => p.data);
  }

  /**
   * The parameters and buffers by dotted name. The tensors are the module's
   * own (parameters' variables): don't dispose them; clone to snapshot.
   *
   * @returns A Map from name to tensor.
   */
  stateDict(): Map<string, tf.Tensor> {
    const out = new Map<string, tf.Tensor>();
    this.#walk({
      parameter: (f) => void out.set(f.name, f.value.data),
      buffer: (f) => void out.set(f.name, f.value),
    });
    return out;
  }

  /**
   * Copies values from `state` into the parameters and buffers, atomically:
   * every entry is checked first (key, shape, dtype, a live tensor on both
   * sides, a writable place for each buffer), and nothing changes if any
   * check fails. A value that is the target's own data (as in
   * `m.loadStateDict(m.stateDict())`) changes nothing; any other is copied,
   * so the tensors in `state` may be disposed afterwards.
   *
   * @param state Tensors by dotted name (as {@linkcode Module.stateDict} gives).
   * @param options `strict` (default `true`): missing or unexpected keys are errors.
   * @returns The missing and unexpected keys (both empty when strict).
   * @throws {Error} If the module is not built yet ("build it first"), and
   * with PyTorch's wording: "Missing key(s) in state_dict",
   * "Unexpected key(s) in state_dict", "size mismatch for k: copying a param
   * with shape [...] from checkpoint, the shape in current model is [...]".
   *
   * @example Save and restore a snapshot
   * ```ts
   * import { Dense, tf } from "../../mod.ts";
   * import { assertEquals } from "@std/assert";
   *
   * const layer = new Dense(2, { inputDim: 3 });
   * const snapshot = new Map([...layer.stateDict()].map(([k, t]) => [k, tf.clone(t)]));
   * const before = await layer._kernel!.data.data();
   * layer._kernel!.initialize("ones");
   * layer.loadStateDict(snapshot);
   * tf.dispose([...snapshot.values()]);
   * assertEquals(await layer._kernel!.data.data(), before);
   * layer.dispose();
   * ```
   */
  loadStateDict(
    state: Map<string, tf.Tensor>,
    options: LoadOptions = {},
  ): LoadResult {
    if (!(state instanceof Map)) {
      throw typeError(
        `${this.constructor.name}.loadStateDict`,
        "state",
        "a Map of tensors",
        state,
      );
    }
    const strict = options.strict ?? true;
    const unbuilt = this.namedModules().filter(([, m]) =>
      m.#defersBuild && !m.built && m.children().length === 0
    );
    if (unbuilt.length > 0) {
      const names = unbuilt.map(([n, m]) =>
        n === "" ? m.constructor.name : `${n} (${m.constructor.name})`
      );
      throw new Error(
        `Error(s) in loading state_dict for ${this.constructor.name}: ${
          names.join(", ")
        } ${unbuilt.length === 1 ? "is" : "are"} not built yet, so ${
          unbuilt.length === 1 ? "it has" : "they have"
        } no parameters to load into: build it first (call it once, or pass inputDim/inputShape)`,
      );
    }
    type Target =
      | { kind: "parameter"; found: Found<Parameter> }
      | { kind: "buffer"; found: Found<tf.Tensor> };
    const targets = new Map<string, Target>();
    this.#walk({
      parameter: (f) =>
        void targets.set(f.name, { kind: "parameter", found: f }),
      buffer: (f) => void targets.set(f.name, { kind: "buffer", found: f }),
    });
    const missingKeys = [...targets.keys()].filter((k) => !state.has(k));
    const unexpectedKeys = [...state.keys()].filter((k) => !targets.has(k));
    const problems: string[] = [];
    if (strict && missingKeys.length) {
      problems.push(
        `Missing key(s) in state_dict: ${
          missingKeys.map((k) => `"${k}"`).join(", ")
        }.`,
      );
    }
    if (strict && unexpectedKeys.length) {
      problems.push(
        `Unexpected key(s) in state_dict: ${
          unexpectedKeys.map((k) => `"${k}"`).join(", ")
        }.`,
      );
    }
    const writes: [Target, tf.Tensor][] = [];
    for (const [key, target] of targets) {
      if (!state.has(key)) continue;
      const incoming = state.get(key);
      const current = target.kind === "parameter"
        ? target.found.value.data
        : target.found.value;
      if (!(incoming instanceof tf.Tensor)) {
        problems.push(`value for ${key} is not a tf.Tensor: ${show(incoming)}`);
        continue;
      }
      if (incoming.isDisposed) {
        problems.push(`value for ${key} is a disposed tensor`);
        continue;
      }
      if (current.isDisposed) {
        problems.push(
          `${key} in current model is disposed (at ${target.found.where})`,
        );
        continue;
      }
      const sameShape = incoming.shape.length === current.shape.length &&
        incoming.shape.every((d, i) => d === current.shape[i]);
      if (!sameShape) {
        problems.push(
          `size mismatch for ${key}: copying a param with shape ${
            show(incoming.shape)
          } from checkpoint, the shape in current model is ${
            show(current.shape)
          }.`,
        );
        continue;
      }
      if (incoming.dtype !== current.dtype) {
        problems.push(
          `dtype mismatch for ${key}: copying a param with dtype ${incoming.dtype} from checkpoint, the dtype in current model is ${current.dtype}.`,
        );
        continue;
      }
      if (incoming === current || incoming.dataId === current.dataId) continue;
      if (target.kind === "buffer" && !target.found.writable()) {
        problems.push(
          `buffer ${key} cannot be replaced: its place ${target.found.where} is read-only (a frozen object?)`,
        );
        continue;
      }
      writes.push([target, incoming]);
    }
    if (problems.length) {
      throw new Error(
        `Error(s) in loading state_dict for ${this.constructor.name}:\n\t${
          problems.join("\n\t")
        }`,
      );
    }
    for (const [target, incoming] of writes) {
      if (target.kind === "parameter") {
        target.found.value.assign(incoming);
      } else {
        const old = target.found.value;
        target.found.set(tf.keep(tf.clone(incoming)));
        old.dispose();
      }
    }
    return { missingKeys, unexpectedKeys };
  }

  /**
   * Frees every parameter and buffer of this module and the modules inside
   * it. A place that cannot be read (a getter that throws, a revoked Proxy)
   * does not stop it: everything else is freed, then an Error names those
   * places.
   */
  dispose(): void {
    const unreadable: string[] = [];
    this.#walk({
      parameter: (f) => f.value.dispose(),
      buffer: (f) => {
        if (!f.value.isDisposed) f.value.dispose();
      },
    }, {
      onError: (where, error) =>
        void unreadable.push(
          `${where} (${error instanceof Error ? error.message : error})`,
        ),
    });
    if (unreadable.length > 0) {
      throw new Error(
        `${this.constructor.name}.dispose freed everything it could read, but could not read ${
          unreadable.join(", ")
        }`,
      );
    }
  }

  /**
   * A table of the parameters, then the buffers: name, shape, count,
   * trainable (empty for buffers) and initializer.
   * It displays as an HTML table in Jupyter and as text elsewhere.
   *
   * @returns The table.
   */
  summary(): Summary {
    return new Summary(
      this.constructor.name,
      this.namedParameters(),
      this.namedBuffers(),
    );
  }

  /**
   * What a layer shows of its configuration in {@linkcode Module.toString}
   * (`units=8, activation=relu`); override it. Default empty.
   *
   * @returns The configuration, as `key=value` pairs.
   */
  extraRepr(): string {
    return "";
  }

  /**
   * An indented tree, like PyTorch's repr: each module with its
   * configuration and parameter count, its own parameters and buffers with
   * their shapes (and initializer), then its children.
   *
   * @returns The tree, one line per module, parameter and buffer.
   *
   * @example
   * ```ts
   * import { Dense, Sequential } from "../../mod.ts";
   * import { assertEquals } from "@std/assert";
   *
   * const net = new Sequential([new Dense(4, { activation: "relu" }), new Dense(1)], { inputShape: [3] });
   * assertEquals(String(net), [
   *   "Sequential: 21 parameters",
   *   "  (layers.0) Dense(units=4, activation=relu): 16 parameters",
   *   "    _kernel [3, 4] float32, glorotUniform",
   *   "    _bias [4] float32, zeros",
   *   "  (layers.1) Dense(units=1): 5 parameters",
   *   "    _kernel [4, 1] float32, glorotUniform",
   *   "    _bias [1] float32, zeros",
   * ].join("\n"));
   * net.dispose();
   * ```
   */
  toString(): string {
    interface Node {
      module: Module;
      name: string | null;
      depth: number;
      own: string[];
      size: number;
      children: Module[];
      repeated: boolean;
    }
    // One walk per module over its own level only, depth first with an
    // explicit stack: linear in the state, at any depth.
    const nodes: Node[] = [];
    const shown = new Set<Module>();
    const stack: [string | null, Module, number][] = [[null, this, 0]];
    while (stack.length > 0) {
      const [name, module, depth] = stack.pop()!;
      const node: Node = {
        module,
        name,
        depth,
        own: [],
        size: 0,
        children: [],
        repeated: shown.has(module),
      };
      nodes.push(node);
      if (node.repeated) continue;
      shown.add(module);
      const named: [string, Module][] = [];
      module.#walk({
        parameter: (f) => {
          const p = f.value;
          node.size += p.size;
          node.own.push(
            `${f.name} ${show(p.shape)} ${p.dtype}${
              p.init ? `, ${p.init.name}` : ""
            }${p.trainable ? "" : ", not trainable"}`,
          );
        },
        buffer: (f) =>
          void node.own.push(
            `${f.name} ${show(f.value.shape)} ${f.value.dtype}, buffer`,
          ),
        module: (f) => {
          named.push([f.name, f.value as Module]);
          return false;
        },
      });
      node.children = named.map(([, m]) => m);
      for (let k = named.length - 1; k >= 0; k--) {
        stack.push([named[k][0], named[k][1], depth + 1]);
      }
    }
    // Children come after their parent: sum the counts from the end.
    const total = new Map<Module, number>();
    for (let k = nodes.length - 1; k >= 0; k--) {
      const node = nodes[k];
      if (node.repeated) continue;
      total.set(
        node.module,
        node.children.reduce((n, c) => n + (total.get(c) ?? 0), node.size),
      );
    }
    const lines: string[] = [];
    for (const node of nodes) {
      const m = node.module;
      const pad = "  ".repeat(node.depth);
      const extra = m.extraRepr();
      const n = total.get(m) ?? 0;
      lines.push(
        `${pad}${
          node.name === null ? "" : `(${node.name}) `
        }${m.constructor.name}${extra === "" ? "" : `(${extra})`}${
          node.repeated
            ? ": the same module as above"
            : `: ${n} parameter${n === 1 ? "" : "s"}${
              m.built || !m.#defersBuild ? "" : ", not built"
            }`
        }`,
      );
      if (!node.repeated) {
        for (const line of node.own) lines.push(`${pad}  ${line}`);
      }
    }
    return lines.join("\n");
  }
}

function isModule(value: unknown): boolean {
  return value instanceof Module;
}
