/**
 * `Module`: a layer or model whose state is found by walking its properties.
 *
 * @module
 */
import { tf } from "../tf.ts";
import { Parameter } from "./parameter.ts";
import { type Found, walk } from "./_discovery.ts";
import { show } from "../initializers/_validate.ts";
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
  /** Whether `build` has run. */
  built = false;
  /** Training mode (`train()`), as opposed to evaluation mode (`eval()`). */
  training = true;
  #inputShape: number[] | null = null;

  /**
   * Creates the parameters once the input shape is known. Called by
   * {@linkcode Module.call} on the first call; override it.
   *
   * @param inputShape The first input's shape.
   */
  build(inputShape: number[]): void {
    void inputShape;
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
   */
  call(...inputs: tf.Tensor[]): tf.Tensor {
    const first = inputs[0];
    if (!(first instanceof tf.Tensor)) {
      throw new TypeError(
        `${this.constructor.name}.call needs a tf.Tensor as its first input, received ${
          show(first)
        }`,
      );
    }
    if (!this.built) {
      this.build([...first.shape]);
      this.built = true;
      this.#inputShape = [...first.shape];
      // Buffers made in build must outlive an enclosing tf.tidy (a parent's forward).
      for (const [, buffer] of this.namedBuffers()) tf.keep(buffer);
    } else if (this.#inputShape !== null) {
      const last = (s: number[]) => s[s.length - 1];
      if (last(first.shape) !== last(this.#inputShape)) {
        throw new RangeError(
          `${this.constructor.name} was built for inputs of shape ${
            show(this.#inputShape)
          } (last dimension ${last(this.#inputShape)}), but received shape ${
            show(first.shape)
          } (last dimension ${last(first.shape)})`,
        );
      }
    }
    return tf.tidy(() => this.forward(...inputs));
  }

  /**
   * Every parameter, with its dotted name; a parameter reachable from two
   * places appears once, under its first name.
   *
   * @param prefix Prepended to every name (with a dot).
   * @returns `[name, parameter]` pairs in discovery order.
   */
  namedParameters(prefix = ""): [string, Parameter][] {
    const out: [string, Parameter][] = [];
    walk(
      this,
      { parameter: (f) => out.push([f.name, f.value]) },
      isModule,
      prefix,
    );
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
    walk(
      this,
      { buffer: (f) => out.push([f.name, f.value]) },
      isModule,
      prefix,
    );
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
    walk(
      this,
      {
        module: (f) => {
          out.push([f.name, f.value as Module]);
        },
      },
      isModule,
      prefix,
    );
    return out;
  }

  /**
   * The modules directly inside this one (not their descendants).
   *
   * @returns The child modules, in discovery order.
   */
  children(): Module[] {
    const out: Module[] = [];
    walk(this, {
      module: (f) => {
        out.push(f.value as Module);
        return false;
      },
    }, isModule);
    return out;
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
   * Calls `fn` on every module inside this one, then on this one.
   *
   * @param fn The function.
   * @returns This module.
   */
  apply(fn: (module: Module) => void): this {
    const modules = this.namedModules().map(([, m]) => m);
    for (const m of modules.slice(1).reverse()) fn(m);
    fn(this);
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
    walk(this, {
      parameter: (f) => out.set(f.name, f.value.data),
      buffer: (f) => out.set(f.name, f.value),
    }, isModule);
    return out;
  }

  /**
   * Copies values from `state` into the parameters and buffers, atomically:
   * every key, shape and dtype is checked first, and nothing changes if any
   * check fails. The tensors in `state` are not disposed.
   *
   * @param state Tensors by dotted name (as {@linkcode Module.stateDict} gives).
   * @param options `strict` (default `true`): missing or unexpected keys are errors.
   * @returns The missing and unexpected keys (both empty when strict).
   * @throws {Error} With PyTorch's wording: "Missing key(s) in state_dict",
   * "Unexpected key(s) in state_dict", "size mismatch for k: copying a param
   * with shape [...] from checkpoint, the shape in current model is [...]".
   */
  loadStateDict(
    state: Map<string, tf.Tensor>,
    options: LoadOptions = {},
  ): LoadResult {
    if (!(state instanceof Map)) {
      throw new TypeError(
        `loadStateDict needs a Map of tensors, received ${show(state)}`,
      );
    }
    const strict = options.strict ?? true;
    const targets = new Map<
      string,
      { kind: "parameter"; found: Found<Parameter> } | {
        kind: "buffer";
        found: Found<tf.Tensor>;
      }
    >();
    walk(this, {
      parameter: (f) => targets.set(f.name, { kind: "parameter", found: f }),
      buffer: (f) => targets.set(f.name, { kind: "buffer", found: f }),
    }, isModule);
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
    for (const [key, target] of targets) {
      const incoming = state.get(key);
      if (incoming === undefined) continue;
      const current = target.found.value instanceof Parameter
        ? target.found.value.data
        : target.found.value;
      if (!(incoming instanceof tf.Tensor) || incoming.isDisposed) {
        problems.push(
          `value for ${key} is not a live tf.Tensor: ${show(incoming)}`,
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
      } else if (incoming.dtype !== current.dtype) {
        problems.push(
          `dtype mismatch for ${key}: copying a param with dtype ${incoming.dtype} from checkpoint, the dtype in current model is ${current.dtype}.`,
        );
      }
    }
    if (problems.length) {
      throw new Error(
        `Error(s) in loading state_dict for ${this.constructor.name}:\n\t${
          problems.join("\n\t")
        }`,
      );
    }
    for (const [key, target] of targets) {
      const incoming = state.get(key);
      if (incoming === undefined) continue;
      if (target.kind === "parameter") {
        target.found.value.data.assign(incoming);
      } else {
        const old = target.found.value;
        target.found.set(tf.clone(incoming));
        old.dispose();
      }
    }
    return { missingKeys, unexpectedKeys };
  }

  /** Frees every parameter and buffer of this module and the modules inside it. */
  dispose(): void {
    walk(this, {
      parameter: (f) => f.value.dispose(),
      buffer: (f) => {
        if (!f.value.isDisposed) f.value.dispose();
      },
    }, isModule);
  }

  /**
   * A table of the parameters: name, shape, count, trainable and initializer.
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

  /** A one-line description: the class and the parameter count. */
  toString(): string {
    const count = this.parameters().reduce((n, p) => n + p.size, 0);
    return `${this.constructor.name}(${count} parameters${
      this.built ? "" : ", not built"
    })`;
  }
}

function isModule(value: unknown): boolean {
  return value instanceof Module;
}
