/**
 * Loading a model's weights from any of the formats that PyTorch, Hugging
 * Face and tfjs ship, found by content (and by name where the content is
 * JSON):
 *
 * - a `.safetensors` file;
 * - a Hugging Face sharded checkpoint: `model.safetensors.index.json` and
 *   its shards;
 * - a tfjs `model.json`, of a Keras LayersModel or of a GraphModel, with its
 *   weight shards;
 * - a tfjs weights manifest (`*weights_manifest.json`) with its shards;
 * - a PyTorch checkpoint written by `torch.save` (`pytorch_model.bin`,
 *   `*.pt`, `*.pth`), in the zip layout of PyTorch 1.6 and later or the
 *   legacy one, read without running its pickle: nothing it names is
 *   imported or called, and every tensor in it is a weight; or a sharded one,
 *   `pytorch_model.bin.index.json` and its shards;
 * - a numpy `.npy` array or `.npz` archive of named arrays (`np.save`,
 *   `np.savez`, `np.savez_compressed`), as JAX and Keras users keep weights;
 * - a Keras HDF5 weights file (Keras 2 `.h5`, Keras 3 `.weights.h5`) or a
 *   Keras 3 `.keras` archive, read with h5wasm (loaded on first use);
 * - a Flax msgpack checkpoint (`flax.serialization.to_bytes`, the Hub's
 *   `flax_model.msgpack`).
 *
 * tfjs weights quantised to uint8 or uint16 (value = q · scale + min) or to
 * float16 are dequantised to float32 exactly as tfjs does, and the
 * quantisation is kept: it sets the noise floor under which the weights carry
 * no information.
 *
 * @module
 */
import { dirname, isAbsolute, join } from "node:path";
import { tf } from "../tf.ts";
import { getBackend } from "../backend.ts";
import {
  checkCount,
  checkNonEmptyString,
  checkOptions,
  rangeError,
  typeError,
} from "../validate.ts";
import {
  type StoragePrecision,
  storagePrecision,
} from "./storage_precision.ts";
import type {
  Quantization,
  StoredWeight,
  WeightFile,
  WeightFormat,
} from "./_weight_file.ts";
import {
  fileKind,
  openRegularFile,
  openSafetensorsWeights,
  openShardedSafetensors,
} from "./_safetensors_file.ts";
import { openTfjsWeights } from "./_tfjs_file.ts";
import { NPY_MAGIC, openNpyWeights, openNpzWeights } from "./_numpy_file.ts";
import { HDF5_MAGIC, openHdf5Weights, openKerasWeights } from "./_hdf5_file.ts";
import { openMsgpackWeights } from "./_msgpack_file.ts";
import { readZipEntries } from "./_zip.ts";
import {
  LEGACY_MAGIC,
  openShardedTorch,
  openTorchWeights,
  TORCH_PICKLE,
} from "./_torch_file.ts";

export type {
  Quantization,
  StoredWeight,
  WeightFile,
  WeightFormat,
} from "./_weight_file.ts";

/** The formats {@linkcode openWeights} reads, as its error messages list them. */
export const WEIGHT_FORMATS: readonly string[] = Object.freeze([
  "safetensors (.safetensors)",
  "a Hugging Face sharded checkpoint (model.safetensors.index.json, pytorch_model.bin.index.json)",
  "a tfjs LayersModel or GraphModel (model.json)",
  "a tfjs weights manifest (*weights_manifest.json)",
  "a PyTorch checkpoint (torch.save: pytorch_model.bin, .pt, .pth)",
  "a numpy array or archive (.npy, .npz)",
  "a Keras weights file (.h5, .weights.h5) or archive (.keras)",
  "a Flax msgpack checkpoint (flax_model.msgpack)",
]);

/**
 * The error for a file that is none of the formats {@linkcode openWeights}
 * reads. Its message names the file and lists the formats.
 *
 * @example
 * ```ts
 * import { openWeights, UnsupportedFormatError } from "./load_weights.ts";
 * import { assertRejects } from "@std/assert";
 *
 * const path = await Deno.makeTempFile({ suffix: ".txt" });
 * await Deno.writeTextFile(path, "hello");
 * await assertRejects(() => openWeights(path), UnsupportedFormatError);
 * ```
 */
export class UnsupportedFormatError extends Error {
  /** The file. */
  readonly path: string;
  /**
   * Makes the error for one file.
   *
   * @param path The file.
   * @param what What the file looked like instead.
   */
  constructor(path: string, what: string) {
    super(
      `${path}: ${what}; the formats read are ${WEIGHT_FORMATS.join(", ")}`,
    );
    this.name = "UnsupportedFormatError";
    this.path = path;
  }
}

/** JSON files above this size are not weight indexes or manifests. */
const MAX_JSON_BYTES = 256 * 2 ** 20;

async function readPrefix(path: string, n: number): Promise<Uint8Array> {
  const file = await Deno.open(path, { read: true });
  try {
    const bytes = new Uint8Array(n);
    let done = 0;
    while (done < n) {
      const m = await file.read(bytes.subarray(done));
      if (m === null) break;
      done += m;
    }
    return bytes.subarray(0, done);
  } finally {
    file.close();
  }
}

/** Whether a file's first bytes are a PyTorch checkpoint's: a zip archive, or the legacy magic number. */
function isTorch(prefix: Uint8Array): boolean {
  const zip = prefix[0] === 0x50 && prefix[1] === 0x4b &&
    prefix[2] === 0x03 && prefix[3] === 0x04;
  return zip ||
    (prefix.length >= LEGACY_MAGIC.length &&
      LEGACY_MAGIC.every((b, i) => i === 1 || prefix[i] === b));
}

/**
 * Whether a file's first bytes are a msgpack map whose first key is a
 * string: how a Flax checkpoint starts.
 */
function isMsgpackMap(prefix: Uint8Array): boolean {
  const key = prefix[0] >= 0x81 && prefix[0] <= 0x8f
    ? prefix[1]
    : prefix[0] === 0xde
    ? prefix[3]
    : prefix[0] === 0xdf
    ? prefix[5]
    : undefined;
  return key !== undefined &&
    ((key >= 0xa0 && key <= 0xbf) || (key >= 0xd9 && key <= 0xdb));
}

/** The names of a zip archive's entries ([] where it cannot be read: its opener will say why). */
async function zipNames(path: string): Promise<string[]> {
  try {
    const source = await openRegularFile(path);
    try {
      return (await readZipEntries(source)).map((e) => e.name);
    } finally {
      source.close();
    }
  } catch {
    return [];
  }
}

/**
 * Whether an index's shard is a PyTorch checkpoint: by its content, or by its
 * extension (`.bin`, `.pt`, `.pth`) where it cannot be read (so that the
 * error about it comes from the right reader). Only a plain relative name
 * inside the index's folder is looked at; anything else is left to the index
 * reader, which refuses it.
 */
async function torchShard(index: string, shard: string): Promise<boolean> {
  if (
    shard === "" || shard.includes("\0") || isAbsolute(shard) ||
    shard.split(/[\\/]/).includes("..")
  ) return false;
  const path = join(dirname(index), shard);
  try {
    if ((await Deno.stat(path)).isFile) {
      return isTorch(await readPrefix(path, 16));
    }
  } catch {
    // Missing or unreadable: the extension decides.
  }
  return /\.(bin|pt|pth)$/i.test(shard);
}

/**
 * Opens a weights file of any supported format, found by its content: a
 * safetensors file starts with its header's length and a `{`; a PyTorch
 * checkpoint is a zip archive holding `<folder>/data.pkl`, or (legacy)
 * starts with PyTorch's magic number; a `.npz` is a zip archive of `.npy`
 * members, a `.keras` one holding `model.weights.h5`; a `.npy` starts with
 * `\x93NUMPY`, an HDF5 file with `\x89HDF`, a Flax checkpoint with a msgpack
 * map whose first key is a string; a JSON file is
 * a Hugging Face index (it has `weight_map`; its first shard says whether
 * the shards are safetensors or PyTorch), a tfjs `model.json` (it has
 * `weightsManifest`) or a tfjs weights manifest (an array of `{ paths,
 * weights }`). Only the header or the JSON is read; the tensors are read
 * when asked for.
 *
 * Paths that are not regular files (FIFOs, devices, directories) are refused
 * before they are opened, so a FIFO never blocks the reader.
 *
 * @param path The file: a `.safetensors` file, an index, a `model.json`, a
 * weights manifest or a PyTorch checkpoint.
 * @returns The open file; close it when done.
 * @throws {UnsupportedFormatError} If the file is none of the formats.
 * @throws {Error} If it cannot be read, is not a regular file, or is
 * malformed (the error names the file and, where one is at fault, the
 * tensor).
 *
 * @example
 * ```ts
 * import { openWeights } from "./load_weights.ts";
 * import { saveSafetensors } from "./safetensors.ts";
 * import { tf } from "../tf.ts";
 * import { assertEquals } from "@std/assert";
 *
 * const path = await Deno.makeTempFile({ suffix: ".safetensors" });
 * const w = tf.ones([3, 2]);
 * await saveSafetensors(path, new Map([["w", w]]));
 * w.dispose();
 * const file = await openWeights(path);
 * assertEquals(file.format, "safetensors");
 * assertEquals(file.weights.map((x) => [x.name, x.shape]), [["w", [3, 2]]]);
 * file.close();
 * ```
 */
export async function openWeights(path: string): Promise<WeightFile> {
  checkNonEmptyString("openWeights", "path", path);
  let info: Deno.FileInfo;
  try {
    info = await Deno.stat(path);
  } catch (error) {
    throw new Error(
      `${path}: cannot open it: ${
        error instanceof Error ? error.message : error
      }`,
      { cause: error },
    );
  }
  if (!info.isFile) {
    throw new Error(`${path}: it is ${fileKind(info)}, not a weights file`);
  }
  const prefix = await readPrefix(path, 16);
  if (prefix.length >= 9) {
    const view = new DataView(prefix.buffer, prefix.byteOffset);
    const n = view.getBigUint64(0, true);
    if (n > 0n && n + 8n <= BigInt(info.size) && prefix[8] === 0x7b) {
      return await openSafetensorsWeights(path);
    }
  }
  if (NPY_MAGIC.every((b, i) => prefix[i] === b)) {
    return await openNpyWeights(path);
  }
  if (HDF5_MAGIC.every((b, i) => prefix[i] === b)) {
    return await openHdf5Weights(path);
  }
  if (isTorch(prefix)) {
    const unsupported = (what: string) =>
      new UnsupportedFormatError(path, what);
    if (prefix[0] !== 0x50) return await openTorchWeights(path, unsupported);
    // A zip archive, told by its entries: a PyTorch checkpoint (data.pkl), a
    // Keras archive (model.weights.h5), else a numpy .npz (whose reader says
    // what it is when it is none of these).
    const names = await zipNames(path);
    if (names.some((n) => TORCH_PICKLE.test(n))) {
      return await openTorchWeights(path, unsupported);
    }
    if (names.includes("model.weights.h5")) return await openKerasWeights(path);
    return await openNpzWeights(path, unsupported);
  }
  if (isMsgpackMap(prefix)) return await openMsgpackWeights(path);
  const first = new TextDecoder().decode(prefix).trimStart()[0];
  if (first !== "{" && first !== "[") {
    throw new UnsupportedFormatError(
      path,
      info.size === 0
        ? "it is empty"
        : "it is neither safetensors, JSON, a PyTorch checkpoint, a numpy file, HDF5 nor msgpack",
    );
  }
  if (info.size > MAX_JSON_BYTES) {
    throw new UnsupportedFormatError(
      path,
      `it looks like JSON but holds ${info.size} bytes, more than an index or manifest`,
    );
  }
  let json: unknown;
  try {
    json = JSON.parse(await Deno.readTextFile(path));
  } catch (error) {
    throw new UnsupportedFormatError(
      path,
      `it is not valid JSON (${
        error instanceof Error ? error.message : error
      })`,
    );
  }
  if (Array.isArray(json)) return await openTfjsWeights(path, json);
  if (json !== null && typeof json === "object") {
    // Read again by the index's own strict reader (duplicate keys refused,
    // its size limit): the plain parse above keeps the last of two keys.
    if ("weight_map" in json) {
      // Safetensors or PyTorch shards: the first shard's content says which.
      const map = json.weight_map;
      const first = map !== null && typeof map === "object"
        ? Object.values(map)[0]
        : undefined;
      if (typeof first === "string" && await torchShard(path, first)) {
        return await openShardedTorch(
          path,
          json,
          (what) => new UnsupportedFormatError(path, what),
        );
      }
      return await openShardedSafetensors(path);
    }
    if ("weightsManifest" in json) return await openTfjsWeights(path, json);
    if ("modelTopology" in json) {
      throw new UnsupportedFormatError(
        path,
        "it is a tfjs model.json without a weightsManifest (its weights are not in files)",
      );
    }
  }
  throw new UnsupportedFormatError(
    path,
    "it is JSON, but neither an index (weight_map), a model.json (weightsManifest) nor a manifest (an array of { paths, weights })",
  );
}

/**
 * The most elements one weight may have to be loaded as a tensor on a
 * backend: on `"wasm"`, 2²⁸ (1 GiB of float32 in a heap of at most 4 GiB,
 * which must also hold the copies ops make); on `"webgpu"`, the device's
 * largest storage buffer in float32s (2²⁷ where the device does not say); on
 * `"cpu"`, 2³⁰ (4 GiB of float32). Larger weights are refused by
 * {@linkcode loadWeights} before anything is allocated; the report samples
 * them from the file instead.
 *
 * @param backend The backend (default: the active one).
 * @returns The limit, in elements.
 *
 * @example
 * ```ts
 * import { tensorLimit } from "./load_weights.ts";
 * import { assertEquals } from "@std/assert";
 *
 * assertEquals(tensorLimit("wasm"), 2 ** 28);
 * ```
 */
export function tensorLimit(
  backend: "webgpu" | "wasm" | "cpu" = getBackend(),
): number {
  if (backend === "wasm") return 2 ** 28;
  if (backend === "cpu") return 2 ** 30;
  if (backend === "webgpu") {
    const device = (tf.findBackend("webgpu") as unknown as {
      device?: { limits?: { maxStorageBufferBindingSize?: number } };
    } | null)?.device;
    const bytes = device?.limits?.maxStorageBufferBindingSize;
    return typeof bytes === "number" && bytes > 0
      ? Math.floor(bytes / 4)
      : 2 ** 27;
  }
  throw (typeof backend === "string" ? rangeError : typeError)(
    "tensorLimit",
    "backend",
    'one of "webgpu", "wasm", "cpu"',
    backend,
  );
}

function elements(weight: StoredWeight): number {
  return weight.shape.reduce((a, b) => a * b, 1);
}

/** The most elements a weight may have, and whose limit that is. */
interface Limit {
  elements: number;
  /** Whether the caller set it (`options.maxElements`), else the backend's. */
  given: boolean;
}

/** Refuses, before anything is read, a weight too large for the limit. */
function checkSizes(file: WeightFile, limit: Limit): void {
  for (const weight of file.weights) {
    const n = elements(weight);
    if (n > limit.elements) {
      throw new RangeError(
        `${weight.file}: tensor ${JSON.stringify(weight.name)} of shape [${
          weight.shape.join(", ")
        }] has ${n} elements, ${
          limit.given
            ? `more than options.maxElements (${limit.elements})`
            : `more than the ${limit.elements} that the ${getBackend()} backend can hold (tensorLimit()); the report samples such tensors from the file`
        }`,
      );
    }
  }
}

/** Options of {@linkcode loadWeights} and {@linkcode iterateWeights}. */
export interface LoadWeightsOptions {
  /**
   * The most elements a weight may have. Default: {@linkcode tensorLimit}
   * of the active backend.
   */
  maxElements?: number;
}

function limitOf(
  options: LoadWeightsOptions | undefined,
  fn: string,
): Limit {
  const { maxElements } = checkOptions(fn, options, ["maxElements"]);
  if (maxElements === undefined) {
    return { elements: tensorLimit(), given: false };
  }
  return {
    elements: checkCount(fn, "options.maxElements", maxElements, 1),
    given: true,
  };
}

/**
 * The weights {@linkcode loadWeights} returns: a `Map` of name → tensor in
 * file order, which also says the format and each weight's quantisation.
 */
export class WeightMap extends Map<string, tf.Tensor> {
  /** The file's format. */
  readonly format: WeightFormat;
  /** Each weight's description in the file: stored dtype, quantisation. */
  readonly stored: ReadonlyMap<string, StoredWeight>;

  /**
   * Makes the map from loaded tensors.
   *
   * @param format The file's format.
   * @param entries The tensors with their descriptions, in file order.
   */
  constructor(
    format: WeightFormat,
    entries: Iterable<[string, tf.Tensor, StoredWeight]> = [],
  ) {
    super();
    this.format = format;
    const stored = new Map<string, StoredWeight>();
    for (const [name, tensor, weight] of entries) {
      this.set(name, tensor);
      stored.set(name, weight);
    }
    this.stored = stored;
  }

  /**
   * A weight's quantisation, or `null` where it is stored unquantised.
   *
   * @param name The weight's name.
   */
  quantization(name: string): Quantization | null {
    return this.stored.get(name)?.quantization ?? null;
  }

  /**
   * How coarsely a weight was stored, as `analyzeSpectrum` options (see
   * {@linkcode storagePrecision}): `analyzeSpectrum(w, weights.storagePrecision(name))`
   * counts rank only above the rounding of a quantised or half-precision
   * weight.
   *
   * @param name The weight's name.
   * @returns `{ quantizationStep }`, `{ storedDtype }` or `{}`.
   * @throws {RangeError} For a name the map does not hold.
   */
  storagePrecision(name: string): StoragePrecision {
    const weight = this.stored.get(name);
    if (weight === undefined) {
      throw rangeError(
        "WeightMap.storagePrecision",
        "name",
        "a weight of this map",
        name,
      );
    }
    return storagePrecision(weight);
  }
}

/**
 * Loads every weight of a file in any supported format (see
 * {@linkcode openWeights}) as tensors, by name, in file order. Quantised
 * tfjs weights are dequantised to float32; {@linkcode WeightMap.quantization}
 * says how each was stored.
 *
 * Every weight's size is checked against the limit before any is read, so a
 * tensor too large for the backend is refused without allocating anything
 * and the backend keeps working. Nothing is left allocated after an error.
 *
 * @param path The file.
 * @param options See {@linkcode LoadWeightsOptions}.
 * @returns The tensors, which the caller owns.
 * @throws {RangeError} For a weight past the limit (the message names the
 * file, the tensor and the limit).
 * @throws {UnsupportedFormatError} If the file is none of the formats.
 *
 * @example
 * ```ts
 * import { loadWeights } from "./load_weights.ts";
 * import { saveSafetensors } from "./safetensors.ts";
 * import { tf } from "../tf.ts";
 * import { assertEquals } from "@std/assert";
 *
 * const path = await Deno.makeTempFile({ suffix: ".safetensors" });
 * const w = tf.ones([3, 2]);
 * await saveSafetensors(path, new Map([["dense/kernel", w]]));
 * w.dispose();
 * const weights = await loadWeights(path);
 * assertEquals([...weights.keys()], ["dense/kernel"]);
 * assertEquals(weights.quantization("dense/kernel"), null);
 * tf.dispose([...weights.values()]);
 * ```
 */
export async function loadWeights(
  path: string,
  options?: LoadWeightsOptions,
): Promise<WeightMap> {
  checkNonEmptyString("loadWeights", "path", path);
  const limit = limitOf(options, "loadWeights");
  const file = await openWeights(path);
  const loaded: [string, tf.Tensor, StoredWeight][] = [];
  try {
    checkSizes(file, limit);
    for (const weight of file.weights) {
      loaded.push([weight.name, await file.read(weight), weight]);
    }
  } catch (error) {
    tf.dispose(loaded.map(([, t]) => t));
    throw error;
  } finally {
    file.close();
  }
  return new WeightMap(file.format, loaded);
}

const dropped = new FinalizationRegistry<{ file: WeightFile | null }>(
  (holder) => holder.file?.close(),
);

/**
 * Reads the weights of a file in any supported format one at a time, in file
 * order: for files too large to hold at once. Yields `[name, tensor,
 * stored]`, where `stored` describes the weight in the file (stored dtype,
 * quantisation); each tensor belongs to the caller, who should dispose it
 * before asking for the next.
 *
 * The file is opened on the first `next()` and every weight's size is checked
 * against the limit before the first is yielded. It is closed when the
 * iteration ends, fails or is stopped (`break`, `return()`), and also when an
 * unfinished iterator is dropped and garbage-collected.
 *
 * @param path The file.
 * @param options See {@linkcode LoadWeightsOptions}.
 * @returns An async generator of `[name, tensor, stored]`.
 *
 * @example
 * ```ts
 * import { iterateWeights } from "./load_weights.ts";
 * import { saveSafetensors } from "./safetensors.ts";
 * import { tf } from "../tf.ts";
 * import { assertEquals } from "@std/assert";
 *
 * const path = await Deno.makeTempFile({ suffix: ".safetensors" });
 * const a = tf.ones([2, 2]);
 * const b = tf.zeros([3]);
 * await saveSafetensors(path, new Map([["a", a], ["b", b]]));
 * tf.dispose([a, b]);
 * const shapes: [string, number[]][] = [];
 * for await (const [name, t] of iterateWeights(path)) {
 *   shapes.push([name, t.shape]);
 *   t.dispose();
 * }
 * assertEquals(shapes, [["a", [2, 2]], ["b", [3]]]);
 * ```
 */
export function iterateWeights(
  path: string,
  options?: LoadWeightsOptions,
): AsyncGenerator<[string, tf.Tensor, StoredWeight], void, undefined> {
  checkNonEmptyString("iterateWeights", "path", path);
  const limit = limitOf(options, "iterateWeights");
  const holder: { file: WeightFile | null } = { file: null };
  const generator = iterate(path, limit, holder);
  dropped.register(generator, holder);
  return generator;
}

async function* iterate(
  path: string,
  limit: Limit,
  holder: { file: WeightFile | null },
): AsyncGenerator<[string, tf.Tensor, StoredWeight], void, undefined> {
  const file = await openWeights(path);
  holder.file = file;
  try {
    checkSizes(file, limit);
    for (const weight of file.weights) {
      yield [weight.name, await file.read(weight), weight];
    }
  } finally {
    file.close();
    holder.file = null;
  }
}
