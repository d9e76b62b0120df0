/**
 * HDF5 weights files as {@linkcode WeightFile}s: Keras's `.h5` (Keras 2's
 * `save_weights` and `model.save("x.h5")`), Keras 3's `.weights.h5`, and the
 * `model.weights.h5` inside a Keras 3 `.keras` archive.
 *
 * HDF5 is read with the `h5wasm` package (the HDF5 library compiled to
 * WebAssembly), imported only when an HDF5 file is opened. Every dataset of
 * numbers is a weight, named by its path in the file (`dense/dense/kernel:0`
 * in Keras 2, `layers/dense/vars/0` in Keras 3, whose files do not name the
 * variables), in the order HDF5 lists links (by name); datasets of strings
 * and other non-numeric types are not weights and are left out. Elements
 * are read raw, in native byte order (big-endian files too), so float16
 * datasets load as safetensors F16 do.
 *
 * @module
 */
import { tf } from "../tf.ts";
import { show } from "../validate.ts";
import { decodeElements, ITEM_SIZE } from "./_format.ts";
import { matrixOf, openRegularFile } from "./_safetensors_file.ts";
import { type SafetensorsDType, SafetensorsError } from "./_types.ts";
import {
  checkRows,
  failIn,
  notOwnWeight,
  plainWeight,
  renameReadError,
  rowRuns,
  type StoredWeight,
  type WeightFile,
} from "./_weight_file.ts";
import { readZipEntries, readZipEntry } from "./_zip.ts";

/** The first eight bytes of an HDF5 file. */
export const HDF5_MAGIC: Uint8Array = Uint8Array.of(
  0x89,
  0x48,
  0x44,
  0x46,
  0x0d,
  0x0a,
  0x1a,
  0x0a,
);

/** The part of h5wasm this reader uses. */
interface H5Dataset {
  readonly shape: number[] | null;
  readonly metadata: { type: number; size: number; signed: boolean };
}
interface H5Group {
  keys(): string[];
  get(name: string): unknown;
}
interface H5File extends H5Group {
  readonly file_id: bigint;
  close(): void;
}
/** The compiled library's own calls (h5wasm's `Module`). */
interface H5Library {
  activate_throwing_error_handler(): void;
  /** Reads a hyperslab (or all, with nulls) into `ptr`, as the dataset's type in native byte order. */
  get_dataset_data(
    file: bigint,
    path: string,
    count: bigint[] | null,
    offset: bigint[] | null,
    strides: bigint[] | null,
    ptr: bigint,
  ): void;
  _malloc(bytes: number): number;
  _free(ptr: number): void;
  HEAPU8: Uint8Array;
}
interface H5Module {
  ready: Promise<unknown>;
  Module: H5Library;
  File: new (path: string, mode: "r") => H5File;
  Group: abstract new (...args: never[]) => H5Group;
  Dataset: abstract new (...args: never[]) => H5Dataset;
}

let loading: Promise<H5Module> | undefined;

/** h5wasm, imported (and its WebAssembly compiled) on first use. */
function h5wasm(): Promise<H5Module> {
  loading ??= (async () => {
    const module = await import("h5wasm/node") as unknown as H5Module;
    await module.ready;
    // HDF5's errors as exceptions, not diagnostics printed on stderr.
    module.Module.activate_throwing_error_handler();
    return module;
  })();
  return loading;
}

/**
 * What an HDF5 error says, in one line: the reason of its innermost call
 * ("unable to synchronously open file"), from the library's error stack.
 */
function reason(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  const calls = [...text.matchAll(/#\d+:.*?\(\): (.*)$/gm)];
  return calls.at(-1)?.[1].trim() ?? text.split("\n")[0];
}

/** HDF5 type classes (H5T_class_t) that are weights. */
const INTEGER = 0;
const FLOAT = 1;

/** A dataset's element type, as a safetensors dtype, or why it is not a weight. */
function dtypeOf(dataset: H5Dataset): SafetensorsDType | string | null {
  const { type, size, signed } = dataset.metadata;
  if (type === FLOAT) {
    const name = { 2: "F16", 4: "F32", 8: "F64" }[size];
    return name === undefined ? `a ${size * 8}-bit float` : name;
  }
  if (type === INTEGER) {
    const name = { 1: "8", 2: "16", 4: "32", 8: "64" }[size];
    if (name === undefined) return `a ${size * 8}-bit integer`;
    return `${signed ? "I" : "U"}${name}` as SafetensorsDType;
  }
  return null;
}

/** One weight: its dataset's path and element type. */
interface Entry {
  path: string;
  dtype: SafetensorsDType;
}

/**
 * Opens an HDF5 weights file (format `"hdf5"`), or the HDF5 member of a
 * `.keras` archive copied to `path` (format `"keras"`, `shown` the archive's
 * path; `cleanup` removes the copy on close).
 *
 * @throws {Error} Naming the file: one h5wasm cannot open, or a float16 (or
 * other unreadable) numeric dataset, named.
 */
export async function openHdf5Weights(
  path: string,
  options: {
    format?: "hdf5" | "keras";
    shown?: string;
    cleanup?: () => void;
  } = {},
): Promise<WeightFile> {
  const shown = options.shown ?? path;
  const fail = failIn(shown);
  const h5 = await h5wasm();
  let file: H5File;
  try {
    file = new h5.File(path, "r");
  } catch (error) {
    options.cleanup?.();
    return fail(`h5wasm cannot open it as HDF5: ${reason(error)}`);
  }
  const entries = new Map<StoredWeight, Entry>();
  const weights: StoredWeight[] = [];
  try {
    // Depth first, in the order HDF5 lists each group's links, without
    // recursion; a group reached twice (hard links) is walked once.
    const stack: [string, H5Group][] = [["", file]];
    const seen = new Set<string>();
    while (stack.length > 0) {
      const [prefix, group] = stack.pop()!;
      const children: [string, H5Group][] = [];
      for (const key of group.keys()) {
        const name = prefix + key;
        const item = group.get(key);
        if (item instanceof h5.Group) {
          if (!seen.has(name)) children.push([name + "/", item]);
          seen.add(name);
          continue;
        }
        if (!(item instanceof h5.Dataset) || item.shape === null) continue;
        const dtype = dtypeOf(item);
        if (dtype === null) continue;
        if (!(dtype in ITEM_SIZE)) {
          fail(`dataset ${show(name)} is ${dtype}; it is not read`);
        }
        const shape = item.shape.map(Number);
        const count = shape.reduce((a, b) => a * b, 1);
        const weight = plainWeight(
          name,
          shape,
          dtype as SafetensorsDType,
          shown,
          count * item.metadata.size,
        );
        entries.set(weight, { path: name, dtype: dtype as SafetensorsDType });
        weights.push(weight);
      }
      for (let i = children.length - 1; i >= 0; i--) stack.push(children[i]);
    }
  } catch (error) {
    file.close();
    options.cleanup?.();
    throw error;
  }
  let closed = false;
  const entryOf = (weight: StoredWeight, method: string) => {
    const entry = entries.get(weight);
    if (entry === undefined) throw notOwnWeight(method, shown, weight);
    if (closed) fail(`${method} called after close()`);
    return entry;
  };
  /**
   * A dataset's values (all, or rows [start, stop) of a matrix), decoded as
   * the loaders do. The library hands its elements over in native (little-
   * endian) order, whatever the file's.
   */
  const values = (
    weight: StoredWeight,
    entry: Entry,
    rows: [number, number] | null,
  ) => {
    const width = ITEM_SIZE[entry.dtype];
    const shape = weight.shape;
    const count = rows === null
      ? shape.reduce((a, b) => a * b, 1)
      : (rows[1] - rows[0]) * shape[1];
    const lib = h5.Module;
    const ptr = lib._malloc(Math.max(1, count * width));
    if (ptr === 0) {
      return fail(
        `dataset ${show(entry.path)}: out of memory for ${count * width} bytes`,
      );
    }
    let bytes: Uint8Array;
    try {
      lib.get_dataset_data(
        file.file_id,
        "/" + entry.path,
        rows === null ? null : [BigInt(rows[1] - rows[0]), BigInt(shape[1])],
        rows === null ? null : [BigInt(rows[0]), 0n],
        rows === null ? null : [1n, 1n],
        BigInt(ptr),
      );
      bytes = lib.HEAPU8.slice(ptr, ptr + count * width);
    } catch (error) {
      return fail(
        `dataset ${show(entry.path)} cannot be read: ${reason(error)}`,
      );
    } finally {
      lib._free(ptr);
    }
    try {
      return decodeElements(shown, weight.name, entry.dtype, bytes);
    } catch (error) {
      if (!(error instanceof SafetensorsError)) throw error;
      return fail(`dataset ${show(entry.path)}: ${error.detail}`);
    }
  };
  return {
    format: options.format ?? "hdf5",
    path: shown,
    weights: Object.freeze(weights),
    read(weight: StoredWeight): Promise<tf.Tensor> {
      return Promise.resolve().then(() => {
        const entry = entryOf(weight, "read");
        return tf.tensor(
          values(weight, entry, null),
          [...weight.shape],
          weight.dtype,
        );
      });
    },
    readRows(
      weight: StoredWeight,
      rows: readonly number[],
    ): Promise<Float64Array> {
      return Promise.resolve().then(() => {
        const entry = entryOf(weight, "readRows");
        const [count, cols] = matrixOf(weight.shape);
        checkRows(weight, rows, count);
        const out = new Float64Array(rows.length * cols);
        if (out.length === 0) return out;
        if (weight.shape.length !== 2) {
          // A vector is one row; a kernel of rank > 2 is read whole.
          const all = values(weight, entry, null);
          rows.forEach((r, i) =>
            out.set(all.subarray(r * cols, (r + 1) * cols), i * cols)
          );
          return out;
        }
        for (const [i, j] of rowRuns(rows, cols * ITEM_SIZE[entry.dtype])) {
          out.set(
            values(weight, entry, [rows[i], rows[j - 1] + 1]),
            i * cols,
          );
        }
        return out;
      });
    },
    close(): void {
      if (closed) return;
      closed = true;
      file.close();
      options.cleanup?.();
    },
  };
}

/**
 * Opens a Keras 3 `.keras` archive (format `"keras"`): its `model.weights.h5`
 * member is copied to a temporary file (h5wasm reads files by path), which
 * is removed on `close()` or on an error.
 *
 * @throws {Error} Naming the archive: no `model.weights.h5`, a member that
 * does not inflate, or an HDF5 error.
 */
export async function openKerasWeights(path: string): Promise<WeightFile> {
  const fail = failIn(path);
  let bytes: Uint8Array;
  try {
    const source = await openRegularFile(path);
    try {
      const entries = await readZipEntries(source);
      const member = entries.find((e) => e.name === "model.weights.h5");
      if (member === undefined) {
        return fail("it is a zip archive without model.weights.h5");
      }
      bytes = await readZipEntry(source, member);
    } finally {
      source.close();
    }
  } catch (error) {
    throw renameReadError(error, fail);
  }
  const copy = await Deno.makeTempFile({ suffix: ".weights.h5" });
  const cleanup = () => {
    try {
      Deno.removeSync(copy);
    } catch {
      // Already gone.
    }
  };
  try {
    await Deno.writeFile(copy, bytes);
  } catch (error) {
    cleanup();
    throw error;
  }
  return await openHdf5Weights(copy, { format: "keras", shown: path, cleanup });
}
