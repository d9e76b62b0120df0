/**
 * What every initializer shares: options, dtype and device handling, the one
 * tensor it creates, and the record of how it was made.
 *
 * @module
 */
import type { Density } from "../stats/density.ts";
import { tf } from "../tf.ts";
import type { BackendName } from "../backend.ts";
import { checkChoice, checkOptions, checkShape, message } from "../validate.ts";
import { nextDraw } from "../random/stream.ts";
import type { Draw } from "../random/stream.ts";

/** Element types an initializer can produce. */
export type InitDType = "float32" | "int32" | "bool";

/** Options every initializer accepts. */
export interface BaseOptions {
  /** The element type. Default `"float32"`; random distributions accept only `"float32"`. */
  dtype?: InitDType;
  /** The backend the tensor is created on (Ember ML's `device`). Default: the active backend. It must have been initialised (`await setBackend(name)` once). */
  device?: BackendName;
  /** A seed (integer in [0, 2^53 − 1]) for a reproducible draw; `0` is a seed. Default: the global stream (`setSeed`). Ignored by deterministic initializers. */
  seed?: number;
}

/** The option names of {@linkcode BaseOptions}. */
const BASE_KEYS = ["dtype", "device", "seed"] as const;

export type { Density };

/** How a tensor was made, kept for Parameters and plots. */
export interface InitRecord {
  /** The initializer's name, in camelCase (`"glorotUniform"`). */
  name: string;
  /** The shape requested. */
  shape: number[];
  /** The element type. */
  dtype: InitDType;
  /** The fans used, for initializers that use them. */
  fans?: { fanIn: number; fanOut: number; receptiveField: number };
  /** The options as resolved (defaults filled in). */
  options: Record<string, unknown>;
  /** The seed, when one was given. */
  seed?: number;
  /** The law of each value. */
  density: Density;
}

const records = new WeakMap<object, InitRecord>();

/**
 * How a tensor made by an initializer was made: its name, fans, resolved
 * options and the density of its values. `undefined` for other tensors.
 *
 * @param tensor A tensor returned by an initializer.
 * @returns Its record, or `undefined`.
 *
 * @example
 * ```ts
 * import { initializers } from "../../mod.ts";
 * import { assertEquals } from "@std/assert";
 *
 * const w = initializers.glorotUniform([4, 6], { seed: 1 });
 * const record = initializers.initRecordOf(w)!;
 * assertEquals(record.name, "glorotUniform");
 * assertEquals(record.density, { kind: "uniform", low: -Math.sqrt(0.6), high: Math.sqrt(0.6) });
 * w.dispose();
 * ```
 */
export function initRecordOf(tensor: tf.Tensor): InitRecord | undefined {
  return records.get(tensor);
}

/** Everything an initializer has resolved before it draws. */
export interface Prepared {
  /** The initializer's name, as error messages give it. */
  fn: string;
  shape: number[];
  size: number;
  dtype: InitDType;
  device: BackendName | undefined;
  seed: number | undefined;
}

const DTYPES: readonly InitDType[] = ["float32", "int32", "bool"];

/**
 * Validates the shape and the base options (and rejects unknown option
 * keys) before anything is drawn or allocated.
 */
export function prepare<T extends BaseOptions>(
  fn: string,
  shape: readonly number[],
  options: T | undefined,
  keys: readonly string[],
  dtypes: readonly InitDType[] = ["float32"],
): { prepared: Prepared; options: Partial<T> } {
  const opts = checkOptions(fn, options, [...BASE_KEYS, ...keys]);
  const dims = checkShape(fn, shape);
  const dtype = opts.dtype === undefined
    ? "float32"
    : checkChoice(fn, "options.dtype", opts.dtype, DTYPES);
  checkChoice(fn, "options.dtype", dtype, dtypes);
  let device: BackendName | undefined;
  if (opts.device !== undefined) {
    device = checkChoice<BackendName>(fn, "options.device", opts.device, [
      "webgpu",
      "wasm",
      "cpu",
    ]);
    if (!tf.findBackend(device)) {
      throw new Error(
        message(
          fn,
          "options.device",
          `an initialised backend (run \`await setBackend(${
            JSON.stringify(device)
          })\` once first)`,
          device,
        ),
      );
    }
  }
  const size = dims.reduce((a, b) => a * b, 1);
  return {
    prepared: { fn, shape: dims, size, dtype, device, seed: opts.seed },
    options: opts,
  };
}

/**
 * The random draw for a call: validates the seed, and advances the global
 * stream only when no seed is given. Call it after every other check, so a
 * failed call leaves the stream where it was.
 */
export function drawFor(p: Prepared): Draw {
  return nextDraw(p.seed, p.fn, "options.seed");
}

/** Typed values for a dtype. */
export function allocate(
  dtype: InitDType,
  size: number,
): Float32Array | Int32Array | Uint8Array {
  return dtype === "float32"
    ? new Float32Array(size)
    : dtype === "int32"
    ? new Int32Array(size)
    : new Uint8Array(size);
}

/**
 * Makes the one tensor an initializer returns, on the requested device, and
 * records how it was made.
 */
export function finish(
  p: Prepared,
  values: Float32Array | Int32Array | Uint8Array,
  record: Omit<InitRecord, "shape" | "dtype" | "seed">,
): tf.Tensor {
  const tensor = p.device === undefined
    ? tf.tensor(values, p.shape, p.dtype)
    : tf.engine().makeTensor(
      values,
      p.shape,
      p.dtype,
      tf.findBackend(p.device)!,
    ) as tf.Tensor;
  return recorded(tensor, p, record);
}

/** `tensor`, with its record kept. */
function recorded(
  tensor: tf.Tensor,
  p: Prepared,
  record: Omit<InitRecord, "shape" | "dtype" | "seed">,
): tf.Tensor {
  records.set(tensor, {
    ...record,
    shape: p.shape,
    dtype: p.dtype,
    ...(p.seed === undefined ? {} : { seed: p.seed }),
  });
  return tensor;
}

/**
 * The WASM backend's heap, where its tensors' values live: the methods its
 * own kernels use to make an output and write it in place.
 */
interface HeapBackend {
  makeOutput(shape: number[], dtype: "float32"): HeapTensor;
  typedArrayFromHeap(info: HeapTensor): Float32Array;
  disposeData(dataId: object, force?: boolean): boolean;
}

/** What `makeOutput` returns (tfjs's `TensorInfo`). */
interface HeapTensor {
  dataId: object;
  shape: number[];
  dtype: "float32";
}

/** The backend a tensor of `p` is made on, when it is the WASM backend. */
function wasmBackend(
  p: Prepared,
): { backend: ReturnType<typeof tf.findBackend>; heap: HeapBackend } | null {
  const name = p.device ?? tf.getBackend();
  if (name !== "wasm") return null;
  const backend = tf.findBackend(name);
  const heap = backend as unknown as Partial<HeapBackend> | null;
  return typeof heap?.makeOutput === "function" &&
      typeof heap.typedArrayFromHeap === "function" &&
      typeof heap.disposeData === "function"
    ? { backend, heap: heap as HeapBackend }
    : null;
}

/**
 * Like {@linkcode finish} for a float32 tensor whose values `fill` writes
 * (all of them). On the WASM backend `fill` writes straight into the
 * tensor's memory in the backend's heap, as the backend's own kernels do,
 * so no JavaScript array is allocated and nothing is copied; elsewhere it
 * fills a new Float32Array that becomes the tensor.
 */
export function finishFloat32(
  p: Prepared,
  fill: (values: Float32Array) => void,
  record: Omit<InitRecord, "shape" | "dtype" | "seed">,
): tf.Tensor {
  const wasm = p.dtype === "float32" && p.size > 0 ? wasmBackend(p) : null;
  if (wasm === null) {
    const values = new Float32Array(p.size);
    fill(values);
    return finish(p, values, record);
  }
  const { backend, heap } = wasm;
  const info = heap.makeOutput(p.shape, "float32");
  try {
    fill(heap.typedArrayFromHeap(info));
  } catch (error) {
    heap.disposeData(info.dataId, true);
    throw error;
  }
  const tensor = tf.engine().makeTensorFromTensorInfo(
    info,
    backend,
  ) as tf.Tensor;
  return recorded(tensor, p, record);
}
