/**
 * A Hugging Face sharded safetensors checkpoint as one
 * {@linkcode WeightFile}: the index `model.safetensors.index.json`
 * (`{ "metadata": {…}, "weight_map": { tensorName: shardFile, … } }`) and the
 * shards beside it, each opened with {@linkcode openSafetensorsWeights}.
 *
 * @module
 */
import { dirname, join, posix, win32 } from "node:path";
import type { tf } from "../tf.ts";
import { show } from "../initializers/_validate.ts";
import { JsonSyntaxError, parseStrictJson } from "./_json.ts";
import { MAX_HEADER_BYTES } from "./_format.ts";
import {
  fileKind,
  openRegularFile,
  openSafetensorsWeights,
} from "./_safetensors_file.ts";
import { quote, SafetensorsError } from "./_types.ts";
import type { StoredWeight, WeightFile } from "./_weight_file.ts";

function reason(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** A value's kind, for a message. */
function kind(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  if (value instanceof Map || typeof value === "object") return "an object";
  return `${typeof value} ${
    typeof value === "string" ? quote(value) : String(value)
  }`;
}

/**
 * The entries of a JSON object: a `Map` (from the strict parser) or a plain
 * object; `null` for anything else.
 */
function entriesOf(value: unknown): [string, unknown][] | null {
  if (value instanceof Map) return [...value];
  if (value === null || typeof value !== "object" || Array.isArray(value)) {
    return null;
  }
  const proto = Object.getPrototypeOf(value);
  if (proto !== Object.prototype && proto !== null) return null;
  return Object.entries(value);
}

/** Reads and parses the index strictly: a key twice in an object is an error. */
async function readIndex(path: string): Promise<unknown> {
  // Refuses what is not a regular file before opening it.
  const source = await openRegularFile(path);
  let bytes: Uint8Array;
  try {
    if (source.size > MAX_HEADER_BYTES) {
      throw new SafetensorsError(
        path,
        `the index is ${source.size} bytes, over the ${MAX_HEADER_BYTES}-byte limit`,
      );
    }
    bytes = await source.readAt(0, source.size);
  } finally {
    source.close();
  }
  let text: string;
  try {
    text = new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  } catch (error) {
    throw new SafetensorsError(path, "the index is not valid UTF-8", {
      cause: error,
    });
  }
  try {
    return parseStrictJson(text);
  } catch (error) {
    if (!(error instanceof JsonSyntaxError)) throw error;
    const detail = error.duplicate === undefined
      ? `the index is not valid JSON: ${error.message}`
      : `the key ${
        quote(error.duplicate.key)
      } appears twice in one object of the index (at character ${error.position})`;
    throw new SafetensorsError(path, detail, { cause: error });
  }
}

/**
 * Checks a shard name from `weight_map`: a non-empty relative path inside the
 * index's folder. Returns it normalised, so `./a` and `a` are one shard.
 */
function shardKey(index: string, tensor: string, shard: unknown): string {
  const fail = (detail: string): never => {
    throw new SafetensorsError(index, detail, { tensor });
  };
  if (typeof shard !== "string" || shard === "") {
    return fail(
      `weight_map must give a shard file name, found ${kind(shard)}`,
    );
  }
  if (shard.includes("\0")) {
    fail(`its shard ${quote(shard)} has a NUL character`);
  }
  if (posix.isAbsolute(shard) || win32.isAbsolute(shard)) {
    fail(
      `its shard ${
        quote(shard)
      } is an absolute path; shards are named relative to the index's folder`,
    );
  }
  if (shard.split(/[\\/]/).includes("..")) {
    fail(
      `its shard ${
        quote(shard)
      } has a ".." component; shards must be inside the index's folder`,
    );
  }
  const key = posix.normalize(shard.replaceAll("\\", "/"));
  if (key === "." || key.endsWith("/")) {
    fail(`its shard ${quote(shard)} names a folder, not a file`);
  }
  return key;
}

/** Names for a message: the first ten, and how many in all. */
function list(names: readonly string[]): string {
  return `${names.slice(0, 10).map(quote).join(", ")}${
    names.length > 10 ? `, … (${names.length} in all)` : ""
  }`;
}

/** One shard: its name as the index spells it, its path, its tensors. */
interface Shard {
  spelled: string;
  path: string;
  tensors: Set<string>;
}

/**
 * Opens a Hugging Face sharded safetensors checkpoint as a
 * {@linkcode WeightFile} (format `"safetensors-sharded"`) from its index,
 * `model.safetensors.index.json`: `{ "metadata": {…}, "weight_map": {
 * tensorName: "model-00001-of-00002.safetensors", … } }`.
 *
 * Shard names are relative to the index's folder: an absolute name or one
 * with a `..` component is refused, and so is a shard that is not a regular
 * file (a FIFO, a directory, a device), checked with a stat before it is
 * opened. Symbolic links are followed (the Hugging Face cache links its
 * snapshot files to blobs). Every shard is opened with
 * {@linkcode openSafetensorsWeights} (its header read and checked
 * completely) and stays open until `close()`.
 *
 * The index and the shards must agree exactly: every tensor in `weight_map`
 * must be in the shard it names, a shard may hold no tensor that the index
 * does not map to it, and no tensor may be in two shards.
 *
 * `weights` come shard by shard, in the order the shards first appear in
 * `weight_map`, and within a shard in the order of its data. `read` and
 * `readRows` read from the weight's shard, as
 * {@linkcode openSafetensorsWeights} does.
 *
 * @param indexPath The index file.
 * @param json The index's parsed content (objects as plain objects or as
 * the `Map`s of the strict parser), when the caller has it already; else
 * the file is read (refused before opening if it is not a regular file) and
 * parsed strictly, so a tensor named twice is an error rather than the last
 * one winning.
 * @returns The open checkpoint; its `close()` closes every shard.
 * @throws {SafetensorsError} Naming the index, and the shard or tensor at
 * fault: a malformed index, a shard name outside the folder, a shard that is
 * missing, not a regular file, or malformed, or an index that disagrees with
 * its shards. No shard is left open.
 * @throws {TypeError} If `indexPath` is not a non-empty string.
 *
 * @example Open a two-shard checkpoint
 * ```ts
 * import { openShardedSafetensors } from "./_sharded.ts";
 * import { saveSafetensors } from "./safetensors.ts";
 * import { tf } from "../tf.ts";
 * import { join } from "node:path";
 * import { assertEquals } from "@std/assert";
 *
 * const dir = await Deno.makeTempDir();
 * const [a, b, c] = [tf.ones([2, 2]), tf.zeros([3]), tf.fill([2], 7)];
 * await saveSafetensors(join(dir, "s1.safetensors"), new Map([["a", a], ["b", b]]));
 * await saveSafetensors(join(dir, "s2.safetensors"), new Map([["c", c]]));
 * tf.dispose([a, b, c]);
 * const index = join(dir, "model.safetensors.index.json");
 * await Deno.writeTextFile(index, JSON.stringify({
 *   metadata: { total_size: 36 },
 *   weight_map: { c: "s2.safetensors", b: "s1.safetensors", a: "s1.safetensors" },
 * }));
 *
 * const file = await openShardedSafetensors(index);
 * assertEquals(file.format, "safetensors-sharded");
 * assertEquals(file.weights.map((w) => w.name), ["c", "a", "b"]);
 * assertEquals(await file.readRows(file.weights[0], [0]), new Float64Array([7, 7]));
 * const t = await file.read(file.weights[1]);
 * assertEquals(await t.data(), new Float32Array([1, 1, 1, 1]));
 * t.dispose();
 * file.close();
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function openShardedSafetensors(
  indexPath: string,
  json?: unknown,
): Promise<WeightFile> {
  if (typeof indexPath !== "string" || indexPath === "") {
    throw new TypeError(
      `openShardedSafetensors: indexPath must be a non-empty string, received ${
        show(indexPath)
      }`,
    );
  }
  const root = json === undefined ? await readIndex(indexPath) : json;
  const top = entriesOf(root);
  if (top === null) {
    throw new SafetensorsError(
      indexPath,
      `the index must be a JSON object with a weight_map, found ${kind(root)}`,
    );
  }
  const found = top.find(([key]) => key === "weight_map");
  if (found === undefined) {
    throw new SafetensorsError(indexPath, "the index has no weight_map");
  }
  const map = entriesOf(found[1]);
  if (map === null) {
    throw new SafetensorsError(
      indexPath,
      `weight_map must be an object of tensor name → shard file, found ${
        kind(found[1])
      }`,
    );
  }

  // Shards in the order they first appear, each with the tensors mapped to it.
  const folder = dirname(indexPath);
  const shards = new Map<string, Shard>();
  const shardOf = new Map<string, Shard>();
  for (const [tensor, spelled] of map) {
    const key = shardKey(indexPath, tensor, spelled);
    let shard = shards.get(key);
    if (shard === undefined) {
      shard = {
        spelled: spelled as string,
        path: join(folder, key),
        tensors: new Set(),
      };
      shards.set(key, shard);
    }
    shard.tensors.add(tensor);
    shardOf.set(tensor, shard);
  }

  const opened: WeightFile[] = [];
  const closeAll = () => {
    for (const file of opened) file.close();
  };
  try {
    const owner = new Map<StoredWeight, WeightFile>();
    const holder = new Map<string, Shard>();
    const weights: StoredWeight[] = [];
    for (const shard of shards.values()) {
      const fail = (detail: string, cause?: unknown): never => {
        const first = shard.tensors.values().next().value!;
        throw new SafetensorsError(
          indexPath,
          `shard ${quote(shard.spelled)} (of ${shard.tensors.size} tensor${
            shard.tensors.size === 1 ? "" : "s"
          }, the first ${quote(first)}): ${detail}`,
          cause === undefined ? {} : { cause },
        );
      };
      // Stat first: opening a FIFO for reading would block.
      let info: Deno.FileInfo;
      try {
        info = await Deno.stat(shard.path);
      } catch (error) {
        return fail(`cannot open it: ${reason(error)}`, error);
      }
      if (!info.isFile) fail(`it is ${fileKind(info)}, not a regular file`);
      let file: WeightFile;
      try {
        file = await openSafetensorsWeights(shard.path);
      } catch (error) {
        return fail(reason(error), error);
      }
      opened.push(file);

      for (const weight of file.weights) {
        const other = holder.get(weight.name);
        if (other !== undefined) {
          throw new SafetensorsError(
            indexPath,
            `the tensor is in two shards, ${quote(other.spelled)} and ${
              quote(shard.spelled)
            }; a tensor must be in one shard only`,
            { tensor: weight.name },
          );
        }
        holder.set(weight.name, shard);
      }
      for (const weight of file.weights) {
        owner.set(weight, file);
        weights.push(weight);
      }
    }
    // Every shard is read before the index is checked against them, so a
    // tensor the index puts in the wrong shard is reported as such.
    for (const [tensor, shard] of shardOf) {
      const actual = holder.get(tensor);
      if (actual !== shard) {
        throw new SafetensorsError(
          indexPath,
          `the index maps it to shard ${
            quote(shard.spelled)
          }, which has no such tensor${
            actual === undefined
              ? ""
              : ` (shard ${quote(actual.spelled)} has it)`
          }`,
          { tensor },
        );
      }
    }
    for (const shard of shards.values()) {
      const extra = [...holder].filter(([name, s]) =>
        s === shard && !shardOf.has(name)
      ).map(([name]) => name);
      if (extra.length > 0) {
        throw new SafetensorsError(
          indexPath,
          `shard ${quote(shard.spelled)} holds ${extra.length} tensor${
            extra.length === 1 ? "" : "s"
          } that the index does not list: ${list(extra)}`,
          { tensor: extra[0] },
        );
      }
    }
    return shardedFile(indexPath, Object.freeze(weights), owner, closeAll);
  } catch (error) {
    closeAll();
    throw error;
  }
}

function shardedFile(
  path: string,
  weights: readonly StoredWeight[],
  owner: ReadonlyMap<StoredWeight, WeightFile>,
  closeAll: () => void,
): WeightFile {
  let closed = false;
  const fileOf = (weight: StoredWeight, fn: string): WeightFile => {
    const file = owner.get(weight);
    if (file === undefined) {
      const which = weight !== null && typeof weight === "object" &&
          typeof weight.name === "string"
        ? `the weight ${quote(weight.name)}`
        : `its argument ${show(weight)}`;
      throw new TypeError(
        `${fn}: ${which} is not one of the weights of ${
          JSON.stringify(path)
        } (pass an element of its weights)`,
      );
    }
    if (closed) {
      throw new SafetensorsError(path, "it was closed (close() was called)", {
        tensor: weight.name,
      });
    }
    return file;
  };
  return {
    format: "safetensors-sharded",
    path,
    weights,
    async read(weight: StoredWeight): Promise<tf.Tensor> {
      return await fileOf(weight, "read").read(weight);
    },
    async readRows(
      weight: StoredWeight,
      rows: readonly number[],
    ): Promise<Float64Array> {
      return await fileOf(weight, "readRows").readRows(weight, rows);
    },
    close(): void {
      if (closed) return;
      closed = true;
      closeAll();
    },
  };
}
