/**
 * Reading and writing [safetensors](https://github.com/huggingface/safetensors)
 * files: the weight format of Hugging Face and PyTorch, a JSON header and raw
 * little-endian data.
 *
 * The reader reads the header, checks it completely (dtypes, shapes, offsets,
 * that the tensors tile the data section exactly, no duplicate names), then
 * reads each tensor's bytes into a buffer of its own: it never reads the whole
 * file at once, so one tensor of a large file costs only that tensor. What is
 * not a regular file (a FIFO, a device, a directory) is refused before it is
 * opened, since opening a FIFO blocks until someone writes to it. Every
 * problem with a file is a {@linkcode SafetensorsError} that names the file
 * and, where one is at fault, the tensor.
 *
 * dtypes on load: `F32` → `float32`; `F16`, `BF16`, `F8_E4M3`, `F8_E5M2` and
 * `F64` → `float32` (the 16- and 8-bit floats exactly, subnormals, ±0,
 * ±Infinity and NaN included; the 8-bit floats' raw values, as PyTorch loads
 * them, with no scale applied; F64 rounded to the nearest float32); `I32`, `I16`, `I8`, `U16`, `U8` → `int32`;
 * `I64`, `U64`, `U32` → `int32` when every value fits (else an error naming
 * the tensor and the value); `BOOL` → `bool`, with every byte 0 or 1 (any
 * other byte is an error). On save: `float32` → `F32`, `int32` → `I32`,
 * `bool` → `BOOL`.
 *
 * The header is read strictly: a duplicate key, an entry field other than
 * `dtype`, `shape` and `data_offsets`, a non-string metadata value, an
 * unsupported dtype (the 6- and 4-bit floats, `F8_E8M0`, complex) or a header over
 * 100 MB is an error. `"__metadata__": null` counts as no metadata.
 *
 * @module
 */
import { dirname, resolve } from "node:path";
import type { tf } from "../tf.ts";
import {
  checkNonEmptyString,
  checkOptions,
  rangeError,
  show,
  typeError,
} from "../validate.ts";
import {
  type ByteSource,
  dataBytes,
  encodeHeader,
  iterateFrom,
  loadFrom,
  readHeaderFrom,
  type TensorLayout,
} from "./_format.ts";
import { fileKind, openRegularFile } from "./_safetensors_file.ts";
import { namedTensors, type NamedTensorsInput } from "./named_tensors.ts";
import type { SafetensorsHeader } from "./_types.ts";

export {
  type SafetensorsDType,
  SafetensorsError,
  type SafetensorsHeader,
  type TensorHeaderEntry,
} from "./_types.ts";

/**
 * Reads and checks a safetensors file's header, without reading any tensor
 * data.
 *
 * The whole header is checked, as {@linkcode loadSafetensors} checks it: the
 * tensors' byte ranges must tile the data section exactly (no overlaps, no
 * gaps, no trailing bytes), as the format's specification requires.
 *
 * @param path The file.
 * @returns The tensors' dtypes, shapes and offsets (in the order of their
 * data in the file), the metadata, where the data starts, and the file size.
 * @throws {SafetensorsError} If the file cannot be read, is not a regular
 * file (refused before it is opened), or its header is malformed.
 * @throws {TypeError} If `path` is not a string.
 * @throws {RangeError} If `path` is empty.
 *
 * @example List a file's tensors
 * ```ts
 * import { readSafetensorsHeader, saveSafetensors } from "./safetensors.ts";
 * import { tf } from "../tf.ts";
 * import { assertEquals } from "@std/assert";
 *
 * const path = await Deno.makeTempFile({ suffix: ".safetensors" });
 * const w = tf.zeros([3, 2]);
 * const b = tf.zeros([2]);
 * await saveSafetensors(path, new Map([["w", w], ["b", b]]));
 * tf.dispose([w, b]);
 *
 * const header = await readSafetensorsHeader(path);
 * assertEquals([...header.tensors.keys()], ["w", "b"]);
 * assertEquals(header.tensors.get("b")?.dataOffsets, [24, 32]);
 * await Deno.remove(path);
 * ```
 */
export async function readSafetensorsHeader(
  path: string,
): Promise<SafetensorsHeader> {
  checkNonEmptyString("readSafetensorsHeader", "path", path);
  const source = await openRegularFile(path);
  try {
    return await readHeaderFrom(path, source);
  } finally {
    source.close();
  }
}

/**
 * Loads the tensors of a safetensors file (all of them, or those named).
 *
 * The file is opened once, its header checked, and each tensor read with a
 * seek and a read into a buffer of its own: loading one tensor of a large file
 * reads only that tensor's bytes. `F16`, `BF16`, `F8_E4M3`, `F8_E5M2` and
 * `F64` data become `float32` tensors; integer dtypes become `int32` (a 64-bit or `U32` value
 * outside int32 is an error); `BOOL` becomes `bool`.
 *
 * The caller owns the tensors (dispose them). On an error, any tensor already
 * made is disposed.
 *
 * @param path The file.
 * @param options `names`: load only these tensors, in this order.
 * @returns The tensors by name: in the order of `names`, or else in the order
 * of their data in the file.
 * @throws {SafetensorsError} If the file cannot be read, is not a regular
 * file (refused before it is opened), is malformed, holds a value tfjs cannot
 * represent, or has no tensor by one of `names`.
 * @throws {TypeError} If `path` is not a string, or `options` is malformed.
 * @throws {RangeError} If `path` is empty.
 *
 * @example Save and load a state dict
 * ```ts
 * import { loadSafetensors, saveSafetensors } from "./safetensors.ts";
 * import { tf } from "../tf.ts";
 * import { assertEquals } from "@std/assert";
 *
 * const path = await Deno.makeTempFile({ suffix: ".safetensors" });
 * const w = tf.tensor([[1, 2], [3, 4]]);
 * await saveSafetensors(path, new Map([["w", w]]));
 * w.dispose();
 *
 * const loaded = await loadSafetensors(path, { names: ["w"] });
 * const x = loaded.get("w")!;
 * assertEquals(x.shape, [2, 2]);
 * assertEquals(await x.data(), new Float32Array([1, 2, 3, 4]));
 * x.dispose();
 * await Deno.remove(path);
 * ```
 */
export async function loadSafetensors(
  path: string,
  options?: { names?: string[] },
): Promise<Map<string, tf.Tensor>> {
  checkNonEmptyString("loadSafetensors", "path", path);
  const fn = "loadSafetensors";
  const { names } = checkOptions(fn, options, ["names"]);
  if (names !== undefined) {
    if (!Array.isArray(names)) {
      throw typeError(fn, "options.names", "an array of strings", names);
    }
    names.forEach((name, i) => {
      if (typeof name !== "string") {
        throw typeError(fn, `options.names[${i}]`, "a string", name);
      }
    });
  }
  const wanted = names === undefined ? undefined : [...new Set(names)];
  return await loadFrom(path, await openRegularFile(path), wanted);
}

/**
 * Reads the tensors of a safetensors file one at a time, in the order of
 * their data in the file: for reports on files too large to hold at once.
 *
 * The file is opened on the first `next()` (what is not a regular file, a
 * FIFO or a directory, is refused before it is opened), the whole header is
 * checked before anything is yielded, and it is closed when the iteration
 * ends, fails, or is stopped early (`break`, or a call to `return()`). An
 * iterator dropped unfinished, neither run to its end nor returned, has its
 * file closed when the garbage collector reclaims it (a
 * `FinalizationRegistry`): that may be late, or, at exit, never, so prefer
 * `break` or `return()`. Each tensor belongs to the caller,
 * who should dispose it before asking for the next. A problem in one tensor's
 * data (an I64 value outside int32, a bad BOOL byte) surfaces when that
 * tensor is reached, after the earlier ones were yielded.
 *
 * @param path The file.
 * @returns An async generator of `[name, tensor]` pairs.
 * @throws {SafetensorsError} (from `next()`) If the file cannot be read, is
 * not a regular file, or is malformed.
 * @throws {TypeError} (from `next()`) If `path` is not a string.
 * @throws {RangeError} (from `next()`) If `path` is empty.
 *
 * @example Sum every tensor without holding them all
 * ```ts
 * import { iterateSafetensors, saveSafetensors } from "./safetensors.ts";
 * import { tf } from "../tf.ts";
 * import { assertEquals } from "@std/assert";
 *
 * const path = await Deno.makeTempFile({ suffix: ".safetensors" });
 * const a = tf.ones([2, 2]);
 * const b = tf.fill([3], 2);
 * await saveSafetensors(path, new Map([["a", a], ["b", b]]));
 * tf.dispose([a, b]);
 *
 * const sums: [string, number][] = [];
 * for await (const [name, t] of iterateSafetensors(path)) {
 *   const s = t.sum();
 *   sums.push([name, (await s.data())[0]]);
 *   tf.dispose([t, s]);
 * }
 * assertEquals(sums, [["a", 4], ["b", 6]]);
 * await Deno.remove(path);
 * ```
 */
export function iterateSafetensors(
  path: string,
): AsyncGenerator<[string, tf.Tensor]> {
  const held: Held = {};
  const generator = iterate(path, held);
  unfinished.register(generator, held, held);
  return generator;
}

/** The file of an iterateSafetensors generator, once it is open. */
interface Held {
  source?: ByteSource;
}

/**
 * Closes the file of an iterateSafetensors generator that was garbage
 * collected unfinished. It holds only the file, never the generator.
 */
const unfinished = new FinalizationRegistry<Held>((held) => {
  held.source?.close();
});

async function* iterate(
  path: string,
  held: Held,
): AsyncGenerator<[string, tf.Tensor]> {
  try {
    checkNonEmptyString("iterateSafetensors", "path", path);
    held.source = await openRegularFile(path);
    // iterateFrom closes the file when it ends, fails or is returned.
    yield* iterateFrom(path, held.source);
  } finally {
    held.source = undefined;
    unfinished.unregister(held);
  }
}

const SAVE_DTYPES: Readonly<Record<string, "F32" | "I32" | "BOOL">> = {
  float32: "F32",
  int32: "I32",
  bool: "BOOL",
};

function checkText(value: string, arg: string): void {
  if (!value.isWellFormed()) {
    throw rangeError(
      "saveSafetensors",
      arg,
      "well-formed UTF-16 (an unpaired surrogate has no UTF-8 encoding)",
      value,
    );
  }
}

/**
 * Saves tensors to a safetensors file.
 *
 * Tensors are written in the map's order, contiguously, after a header padded
 * with spaces so the data starts at a multiple of 8. `float32` is written as
 * `F32`, `int32` as `I32` and `bool` as `BOOL`. The tensors are read with
 * `await t.data()` (so WebGPU tensors work) and not disposed.
 *
 * The file is written under a temporary name beside `path`, flushed, and
 * renamed into place once complete: an error (a tensor that cannot be read,
 * a full disk) removes the temporary file and leaves `path` as it was. A file
 * that is replaced keeps its permission bits (a `0600` file stays `0600`; a
 * new file gets the default mode). When `path` is a symbolic link (or a chain
 * of them), the file it points to is replaced and the link stays a link; a
 * dangling link's target is created. An existing `path` that is not a
 * regular file (a directory, a FIFO, a device) is refused, not replaced.
 *
 * @param path The file to write (replaced if it exists).
 * @param tensors The tensors by name: a `Map` (of tensors or Parameters), a
 * plain object (`tf.NamedTensorMap`), an object whose `stateDict()` returns a
 * `Map` (a `Module`), a `tf.LayersModel` (weights by `originalName`, such as
 * `"dense_Dense1/kernel"`), a `tf.GraphModel` (weights by node name, `node:0`,
 * `node:1`, … for a node of several) or an array of `tf.LayerVariable`; see
 * {@linkcode namedTensors}.
 * @param metadata Strings to store in the header's `__metadata__` (for
 * example `{ format: "pt" }`).
 * @throws {TypeError} If a tensor's dtype is not `float32`, `int32` or `bool`,
 * or an argument has the wrong type.
 * @throws {RangeError} If `path` is empty, a name is `"__metadata__"`, a
 * name or metadata string has an unpaired surrogate, or the header would
 * pass the format's 100 MB limit.
 * @throws {Error} If `path` exists and is not a regular file (nor a link to
 * one), or its symbolic links loop.
 * @throws {Deno.errors.NotFound} (or another of Deno's errors) If the file
 * cannot be written, for example when its folder does not exist.
 *
 * @example Save a state dict with metadata
 * ```ts
 * import { readSafetensorsHeader, saveSafetensors } from "./safetensors.ts";
 * import { tf } from "../tf.ts";
 * import { assertEquals } from "@std/assert";
 *
 * const path = await Deno.makeTempFile({ suffix: ".safetensors" });
 * const layer = {
 *   weight: tf.ones([4, 2]),
 *   mask: tf.tensor([true, false], [2], "bool"),
 *   stateDict() {
 *     return new Map([["weight", this.weight], ["mask", this.mask]]);
 *   },
 * };
 * await saveSafetensors(path, layer, { format: "pt" });
 * tf.dispose([layer.weight, layer.mask]);
 *
 * const header = await readSafetensorsHeader(path);
 * assertEquals(header.tensors.get("mask")?.dtype, "BOOL");
 * assertEquals(header.metadata, { format: "pt" });
 * await Deno.remove(path);
 * ```
 *
 * @example Save a tf.LayersModel's weights
 * ```ts
 * import { readSafetensorsHeader, saveSafetensors } from "./safetensors.ts";
 * import { tf } from "../tf.ts";
 * import { assertEquals } from "@std/assert";
 *
 * const path = await Deno.makeTempFile({ suffix: ".safetensors" });
 * const model = tf.sequential({
 *   layers: [tf.layers.dense({ units: 2, inputShape: [3], name: "fc" })],
 * });
 * await saveSafetensors(path, model);
 * model.dispose();
 * const header = await readSafetensorsHeader(path);
 * assertEquals([...header.tensors.keys()], ["fc/kernel", "fc/bias"]);
 * await Deno.remove(path);
 * ```
 */
export async function saveSafetensors(
  path: string,
  tensors: NamedTensorsInput,
  metadata?: Record<string, string>,
): Promise<void> {
  checkNonEmptyString("saveSafetensors", "path", path);
  const named = namedTensors(
    tensors,
    "saveSafetensors",
    "tensors",
  );
  const layout: (TensorLayout & {
    dtype: "F32" | "I32" | "BOOL";
    tensor: tf.Tensor;
  })[] = [];
  for (const [name, tensor] of named) {
    if (name === "__metadata__") {
      throw rangeError(
        "saveSafetensors",
        "each tensor name",
        'other than "__metadata__", which the format reserves',
        name,
      );
    }
    checkText(name, "each tensor name");
    const dtype = SAVE_DTYPES[tensor.dtype];
    if (dtype === undefined) {
      throw typeError(
        "saveSafetensors",
        `the dtype of the tensor ${show(name)}`,
        "float32, int32 or bool (what safetensors files hold here)",
        tensor.dtype,
      );
    }
    layout.push({
      name,
      dtype,
      shape: tensor.shape,
      byteLength: tensor.size * (dtype === "BOOL" ? 1 : 4),
      tensor,
    });
  }
  const entries: [string, string][] = [];
  if (metadata !== undefined) {
    if (
      metadata === null || typeof metadata !== "object" ||
      Array.isArray(metadata) || metadata instanceof Map
    ) {
      throw typeError(
        "saveSafetensors",
        "metadata",
        "an object of strings",
        metadata,
      );
    }
    for (const [key, value] of Object.entries(metadata)) {
      if (typeof value !== "string") {
        throw typeError(
          "saveSafetensors",
          `metadata[${show(key)}]`,
          "a string",
          value,
        );
      }
      checkText(key, "each key of metadata");
      checkText(value, `metadata[${show(key)}]`);
      entries.push([key, value]);
    }
  }
  const header = encodeHeader(layout, entries);

  const { target, mode } = await replacedFile(path);
  const temporary = `${target}.${crypto.randomUUID().slice(0, 8)}.tmp`;
  const file = await Deno.open(temporary, {
    write: true,
    createNew: true,
    ...(mode === null ? {} : { mode: mode & 0o777 }),
  });
  let open = true;
  try {
    await writeAll(file, header);
    for (const { tensor, dtype, byteLength } of layout) {
      if (byteLength === 0) continue;
      const bytes = dataBytes(await tensor.data() as ArrayLike<number>, dtype);
      if (bytes.length !== byteLength) {
        throw new Error(
          `saveSafetensors: tensor data has ${bytes.length} bytes, expected ${byteLength}`,
        );
      }
      await writeAll(file, bytes);
    }
    await file.syncData();
    file.close();
    open = false;
    // Exactly the old mode: the umask may have narrowed it at creation.
    if (mode !== null) await Deno.chmod(temporary, mode);
    await Deno.rename(temporary, target);
  } catch (error) {
    if (open) file.close();
    await Deno.remove(temporary).catch(() => {});
    throw error;
  }
}

/** Symbolic links followed before giving up, as Linux does. */
const MAX_LINKS = 40;

/**
 * The file that saving to `path` replaces: `path`, or the end of its chain of
 * symbolic links (which need not exist yet), and that file's permission bits
 * when it exists (`null` when it does not, or the system has none).
 */
async function replacedFile(
  path: string,
): Promise<{ target: string; mode: number | null }> {
  let target = path;
  for (let links = 0;; links++) {
    let info: Deno.FileInfo;
    try {
      info = await Deno.lstat(target);
    } catch (error) {
      if (error instanceof Deno.errors.NotFound) return { target, mode: null };
      throw error;
    }
    if (info.isSymlink) {
      if (links === MAX_LINKS) {
        throw new Error(
          `saveSafetensors: path must not be a chain of more than ${MAX_LINKS} symbolic links (a loop?), received ${
            show(path)
          }`,
        );
      }
      target = resolve(dirname(target), await Deno.readLink(target));
      continue;
    }
    if (!info.isFile) {
      throw new Error(
        `saveSafetensors: path must name a regular file or nothing (it is not replaced), received ${
          show(path)
        }${target === path ? "" : `, a link to ${show(target)}`}, which is ${
          fileKind(info)
        }`,
      );
    }
    return { target, mode: info.mode === null ? null : info.mode & 0o7777 };
  }
}

async function writeAll(file: Deno.FsFile, bytes: Uint8Array): Promise<void> {
  let done = 0;
  while (done < bytes.length) done += await file.write(bytes.subarray(done));
}
