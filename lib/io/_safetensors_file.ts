/**
 * Safetensors files as {@linkcode WeightFile}s: one file
 * ({@linkcode openSafetensorsWeights}) or a Hugging Face sharded checkpoint
 * ({@linkcode openShardedSafetensors}). Headers are read and checked once;
 * tensors, or rows of one, are read on demand.
 *
 * Also the file access every safetensors reader shares
 * ({@linkcode openRegularFile}): what is not a regular file is refused before
 * it is opened, and reads are positioned and one at a time.
 *
 * @module
 */
import { dirname, join, posix, win32 } from "node:path";
import type { tf } from "../tf.ts";
import { checkNonEmptyString, show } from "../validate.ts";
import {
  type ByteSource,
  decodeElements,
  ITEM_SIZE,
  jsonKind,
  MAX_HEADER_BYTES,
  readHeaderFrom,
  readTensor,
} from "./_format.ts";
import { JsonSyntaxError, type JsonValue, parseStrictJson } from "./_json.ts";
import {
  SafetensorsError,
  type SafetensorsHeader,
  type TensorHeaderEntry,
} from "./_types.ts";
import {
  checkRows,
  notOwnWeight,
  plainWeight,
  renameReadError,
  rowRuns,
  type StoredWeight,
  type WeightFile,
} from "./_weight_file.ts";

function reason(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/**
 * What a file that is not a regular file is, in words: `"a directory"`,
 * `"a FIFO (named pipe)"`, `"a character device"`, `"a block device"`,
 * `"a socket"`, or `"not a regular file"` when the system does not say.
 *
 * @example
 * ```ts
 * import { fileKind } from "./_safetensors_file.ts";
 * import { assertEquals } from "@std/assert";
 *
 * assertEquals(fileKind(await Deno.stat(Deno.cwd())), "a directory");
 * ```
 */
export function fileKind(info: Deno.FileInfo): string {
  if (info.isFile) return "a regular file";
  if (info.isDirectory) return "a directory";
  if (info.isFifo) return "a FIFO (named pipe)";
  if (info.isCharDevice) return "a character device";
  if (info.isBlockDevice) return "a block device";
  if (info.isSocket) return "a socket";
  return "not a regular file";
}

/** The refusal of a file that is not a regular file. */
function notRegular(path: string, info: Deno.FileInfo): SafetensorsError {
  const kind = fileKind(info);
  return new SafetensorsError(
    path,
    kind === "not a regular file"
      ? "it is not a regular file"
      : `it is ${kind}, not a regular file`,
  );
}

/** Whether two stats describe the same, unchanged file. */
function sameFile(a: Deno.FileInfo, b: Deno.FileInfo): boolean {
  if (a.size !== b.size) return false;
  if (a.ino !== null && b.ino !== null && a.ino !== b.ino) return false;
  if (a.dev !== b.dev) return false;
  return a.mtime?.getTime() === b.mtime?.getTime();
}

/** A regular file opened for reading, with the stat it was opened with. */
export interface RegularFile extends ByteSource {
  /** The file's stat when it was opened. */
  readonly info: Deno.FileInfo;
}

/**
 * Opens a regular file for positioned reads. What is not a regular file (a
 * FIFO, a device, a directory) is refused before it is opened, since opening
 * a FIFO for reading blocks until a writer comes; the opened file is checked
 * again, in case the path was replaced in between. Reads are serialised (each
 * is a seek then reads on the one descriptor), so concurrent `readAt` calls
 * are safe. `close()` closes the descriptor at once and may be called more
 * than once; a read after it (or during it) is a {@linkcode SafetensorsError}.
 *
 * @throws {SafetensorsError} Naming the path, if it does not exist, cannot be
 * opened, or is not a regular file.
 *
 * @example
 * ```ts
 * import { openRegularFile } from "./_safetensors_file.ts";
 * import { assertEquals, assertRejects } from "@std/assert";
 *
 * const path = await Deno.makeTempFile();
 * await Deno.writeFile(path, new Uint8Array([1, 2, 3, 4]));
 * const file = await openRegularFile(path);
 * assertEquals(await file.readAt(1, 2), new Uint8Array([2, 3]));
 * file.close();
 * await Deno.remove(path);
 * await assertRejects(() => openRegularFile(Deno.cwd()), Error, "a directory");
 * ```
 */
export async function openRegularFile(path: string): Promise<RegularFile> {
  let info: Deno.FileInfo;
  try {
    info = await Deno.stat(path);
  } catch (error) {
    throw new SafetensorsError(path, `cannot open it: ${reason(error)}`, {
      cause: error,
    });
  }
  if (!info.isFile) throw notRegular(path, info);
  let file: Deno.FsFile;
  try {
    file = await Deno.open(path, { read: true });
  } catch (error) {
    throw new SafetensorsError(path, `cannot open it: ${reason(error)}`, {
      cause: error,
    });
  }
  try {
    const opened = await file.stat();
    if (!opened.isFile) throw notRegular(path, opened);
    if (!sameFile(info, opened)) {
      throw new SafetensorsError(
        path,
        "it was replaced or changed while being opened",
      );
    }
    info = opened;
  } catch (error) {
    file.close();
    if (error instanceof SafetensorsError) throw error;
    throw new SafetensorsError(path, `cannot read it: ${reason(error)}`, {
      cause: error,
    });
  }

  let closed = false;
  let queue: Promise<unknown> = Promise.resolve();
  const readNow = async (
    offset: number,
    length: number,
  ): Promise<Uint8Array> => {
    if (closed) {
      throw new SafetensorsError(path, "it was closed before this read");
    }
    const bytes = new Uint8Array(length);
    let done = 0;
    try {
      await file.seek(offset, Deno.SeekMode.Start);
      while (done < length) {
        const n = await file.read(bytes.subarray(done));
        if (n === null) break;
        done += n;
      }
    } catch (error) {
      throw new SafetensorsError(
        path,
        closed
          ? "it was closed during this read"
          : `cannot read it: ${reason(error)}`,
        { cause: error },
      );
    }
    if (done < length) {
      throw new SafetensorsError(
        path,
        `the file ended at byte ${offset + done}, before byte ${
          offset + length
        } (did it change while being read?)`,
      );
    }
    return bytes;
  };
  return {
    size: info.size,
    info,
    readAt(offset: number, length: number): Promise<Uint8Array> {
      const read = queue.then(() => readNow(offset, length));
      queue = read.catch(() => {});
      return read;
    },
    close(): void {
      if (closed) return;
      closed = true;
      file.close();
    },
  };
}

/**
 * Opens a regular file as {@linkcode openRegularFile} does, for a reader
 * whose errors are plain `Error`s: a refusal is passed to `fail` (which names
 * the file) instead of a {@linkcode SafetensorsError}.
 */
export async function openFor(
  path: string,
  fail: (detail: string) => never,
): Promise<RegularFile> {
  try {
    return await openRegularFile(path);
  } catch (error) {
    throw renameReadError(error, fail);
  }
}

/**
 * The [rows, columns] matrix a weight of this shape is read as by
 * `readRows`: the last axis is a row; a scalar is one row of one, a rank-1
 * weight one row, and a weight of rank 3 or more is [product of all axes but
 * the last, last].
 *
 * @example
 * ```ts
 * import { matrixOf } from "./_safetensors_file.ts";
 * import { assertEquals } from "@std/assert";
 *
 * assertEquals(matrixOf([]), [1, 1]);
 * assertEquals(matrixOf([5]), [1, 5]);
 * assertEquals(matrixOf([2, 3, 4]), [6, 4]);
 * assertEquals(matrixOf([3, 0]), [3, 0]);
 * ```
 */
export function matrixOf(shape: readonly number[]): [number, number] {
  if (shape.length === 0) return [1, 1];
  const cols = shape[shape.length - 1];
  let rows = 1;
  for (let i = 0; i < shape.length - 1; i++) rows *= shape[i];
  return [rows, cols];
}

/**
 * One safetensors file of a {@linkcode WeightFile}: its checked header, and
 * the file, open from the start or opened on first use.
 */
class Part {
  readonly path: string;
  readonly header: SafetensorsHeader;
  readonly #info: Deno.FileInfo;
  /** The open file, once open. */
  #open: RegularFile | undefined;
  /** The file being opened again. */
  #opening: Promise<RegularFile> | undefined;
  #closed = false;

  constructor(path: string, header: SafetensorsHeader, source: RegularFile) {
    this.path = path;
    this.header = header;
    this.#info = source.info;
  }

  /** Keeps `source` open for reads (else it is reopened on first use). */
  keep(source: RegularFile): void {
    this.#open = source;
  }

  source(): Promise<ByteSource> {
    if (this.#closed) {
      return Promise.reject(
        new SafetensorsError(this.path, "it was closed (close() was called)"),
      );
    }
    if (this.#open !== undefined) return Promise.resolve(this.#open);
    if (this.#opening === undefined) {
      const opening = this.#reopen();
      this.#opening = opening;
      // A failure is reported to the callers waiting; the next one tries again.
      const done = () => {
        if (this.#opening === opening) this.#opening = undefined;
      };
      opening.then(done, done);
    }
    return this.#opening;
  }

  async #reopen(): Promise<RegularFile> {
    const source = await openRegularFile(this.path);
    if (this.#closed || !sameFile(this.#info, source.info)) {
      source.close();
      throw new SafetensorsError(
        this.path,
        this.#closed
          ? "it was closed (close() was called)"
          : "it changed since its header was read (its size, time or inode differ)",
      );
    }
    this.#open = source;
    return source;
  }

  /** Closes the file now (one being opened is closed once open). */
  close(): void {
    this.#closed = true;
    this.#open?.close();
    this.#open = undefined;
  }
}

/** Where a weight is: its part, its name there and its header entry. */
interface Place {
  part: Part;
  name: string;
  entry: TensorHeaderEntry;
}

function weightFile(
  format: "safetensors" | "safetensors-sharded",
  path: string,
  parts: readonly Part[],
): WeightFile {
  const places = new Map<StoredWeight, Place>();
  const weights: StoredWeight[] = [];
  for (const part of parts) {
    for (const [name, entry] of part.header.tensors) {
      const weight = plainWeight(
        name,
        entry.shape,
        entry.dtype,
        part.path,
        entry.dataOffsets[1] - entry.dataOffsets[0],
      );
      places.set(weight, { part, name, entry });
      weights.push(weight);
    }
  }
  const placeOf = (weight: StoredWeight, fn: string): Place => {
    const place = places.get(weight);
    if (place === undefined) {
      throw notOwnWeight(fn, path, weight);
    }
    return place;
  };
  return {
    format,
    path,
    weights: Object.freeze(weights),
    async read(weight: StoredWeight): Promise<tf.Tensor> {
      const { part, name, entry } = placeOf(weight, "read");
      const source = await part.source();
      return await readTensor(part.path, source, part.header, name, entry);
    },
    async readRows(
      weight: StoredWeight,
      rows: readonly number[],
    ): Promise<Float64Array> {
      const { part, name, entry } = placeOf(weight, "readRows");
      const [count, cols] = matrixOf(entry.shape);
      checkRows(weight, rows, count);
      const out = new Float64Array(rows.length * cols);
      if (out.length === 0) return out;
      const source = await part.source();
      const rowBytes = cols * ITEM_SIZE[entry.dtype];
      const base = part.header.dataStart + entry.dataOffsets[0];
      for (const [i, j] of rowRuns(rows, rowBytes)) {
        const bytes = await source.readAt(
          base + rows[i] * rowBytes,
          (j - i) * rowBytes,
        );
        out.set(
          decodeElements(part.path, name, entry.dtype, bytes, rows[i] * cols),
          i * cols,
        );
      }
      return out;
    },
    close(): void {
      for (const part of parts) part.close();
    },
  };
}

/**
 * Opens a safetensors file as a {@linkcode WeightFile} (format
 * `"safetensors"`). Its header is read and checked completely, as
 * `loadSafetensors` checks it, and its tensors are described in the order of
 * their data, with `storedDtype` the file's dtype (`"F16"`, `"BF16"`, …).
 * `read` decodes as `loadSafetensors` does; `readRows` reads only the rows'
 * bytes and decodes them the same way, to Float64. The file stays open until
 * `close()`.
 *
 * @param path The file.
 * @returns The open file.
 * @throws {SafetensorsError} If the file is not a regular file (refused
 * before it is opened), cannot be read, or its header is malformed.
 * @throws {TypeError} If `path` is not a string.
 * @throws {RangeError} If `path` is empty.
 *
 * @example Read a tensor, and some rows of it
 * ```ts
 * import { openSafetensorsWeights } from "./_safetensors_file.ts";
 * import { saveSafetensors } from "./safetensors.ts";
 * import { tf } from "../tf.ts";
 * import { assertEquals } from "@std/assert";
 *
 * const path = await Deno.makeTempFile({ suffix: ".safetensors" });
 * const w = tf.tensor([[1, 2], [3, 4], [5, 6]]);
 * await saveSafetensors(path, new Map([["w", w]]));
 * w.dispose();
 *
 * const file = await openSafetensorsWeights(path);
 * const [weight] = file.weights;
 * assertEquals([weight.name, weight.storedDtype, weight.shape], ["w", "F32", [3, 2]]);
 * assertEquals(await file.readRows(weight, [2, 0]), new Float64Array([5, 6, 1, 2]));
 * const t = await file.read(weight);
 * assertEquals(await t.data(), new Float32Array([1, 2, 3, 4, 5, 6]));
 * t.dispose();
 * file.close();
 * await Deno.remove(path);
 * ```
 */
export async function openSafetensorsWeights(
  path: string,
): Promise<WeightFile> {
  checkNonEmptyString("openSafetensorsWeights", "path", path);
  const source = await openRegularFile(path);
  let part: Part;
  try {
    part = new Part(path, await readHeaderFrom(path, source), source);
  } catch (error) {
    source.close();
    throw error;
  }
  part.keep(source);
  return weightFile("safetensors", path, [part]);
}

/** The entries of a JSON object: a Map from the strict parser, or a plain object. */
function objectEntries(value: unknown): [string, unknown][] | null {
  if (value instanceof Map) return [...value];
  if (value !== null && typeof value === "object" && !Array.isArray(value)) {
    return Object.entries(value);
  }
  return null;
}

/** Reads an index file strictly (duplicate keys are errors). */
async function readIndex(path: string): Promise<JsonValue> {
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
    if (error.duplicate !== undefined) {
      throw new SafetensorsError(
        path,
        `the key ${
          show(error.duplicate.key)
        } appears twice in one object of the index (at character ${error.position}); in weight_map, a tensor must be in one shard`,
        { cause: error },
      );
    }
    throw new SafetensorsError(
      path,
      `the index is not valid JSON: ${error.message}`,
      { cause: error },
    );
  }
}

/**
 * Checks a shard's name from the index: relative to the index's folder,
 * without `..`. Returns it normalised (`./a` and `a` are one shard).
 */
function shardKey(index: string, tensor: string, shard: unknown): string {
  const fail = (detail: string): never => {
    throw new SafetensorsError(index, detail, { tensor });
  };
  if (typeof shard !== "string" || shard === "") {
    fail(`its shard must be a file name, found ${jsonKind(shard)}`);
  }
  const name = shard as string;
  if (name.includes("\0")) fail(`its shard ${show(name)} has a NUL character`);
  if (posix.isAbsolute(name) || win32.isAbsolute(name)) {
    fail(
      `its shard ${
        show(name)
      } is an absolute path; shard names must be relative to the index's folder`,
    );
  }
  if (name.split(/[\\/]/).includes("..")) {
    fail(
      `its shard ${
        show(name)
      } has a ".." component; shards must be inside the index's folder`,
    );
  }
  return posix.normalize(name);
}

/** Names for a message: the first ten, and how many in all. */
function list(names: readonly string[]): string {
  return `${names.slice(0, 10).map(show).join(", ")}${
    names.length > 10 ? `, … (${names.length} in all)` : ""
  }`;
}

/** A checkpoint's index: its shards, in the order they first appear, with the tensors mapped to each. */
export interface ShardIndex {
  /** Each shard by its normalised name: as the index spells it, and its tensors. */
  shards: Map<string, { spelled: string; tensors: Set<string> }>;
  /** Each tensor's shard (normalised name). */
  shardOf: Map<string, string>;
}

/**
 * Reads and checks a Hugging Face index (`weight_map` of tensor → shard
 * file; shard names relative to the index's folder, without `..`), for
 * safetensors and PyTorch shards alike.
 *
 * @throws {SafetensorsError} Naming the index, for a malformed index or a
 * shard name outside its folder.
 */
export async function readShardIndex(
  indexPath: string,
  json?: unknown,
): Promise<ShardIndex> {
  const root = json === undefined ? await readIndex(indexPath) : json;
  const top = objectEntries(root);
  if (top === null) {
    throw new SafetensorsError(
      indexPath,
      `the index must be a JSON object with a weight_map, found ${
        jsonKind(root)
      }`,
    );
  }
  const found = top.find(([key]) => key === "weight_map");
  if (found === undefined) {
    throw new SafetensorsError(indexPath, "the index has no weight_map");
  }
  const map = objectEntries(found[1]);
  if (map === null) {
    throw new SafetensorsError(
      indexPath,
      `weight_map must be an object of tensor name → shard file, found ${
        jsonKind(found[1])
      }`,
    );
  }
  // Shards in the order they first appear, with the tensors mapped to each.
  const shards = new Map<string, { spelled: string; tensors: Set<string> }>();
  const shardOf = new Map<string, string>();
  for (const [tensor, shard] of map) {
    const key = shardKey(indexPath, tensor, shard);
    let entry = shards.get(key);
    if (entry === undefined) {
      entry = { spelled: shard as string, tensors: new Set() };
      shards.set(key, entry);
    }
    entry.tensors.add(tensor);
    shardOf.set(tensor, key);
  }

  return { shards, shardOf };
}

/**
 * The error for a shard that cannot be opened or read: it names the index,
 * the shard as the index spells it, and the first of its tensors.
 */
export function shardFailure(
  indexPath: string,
  shard: { spelled: string; tensors: ReadonlySet<string> },
  error: unknown,
): SafetensorsError {
  const { spelled, tensors } = shard;
  const first = tensors.values().next().value!;
  return new SafetensorsError(
    indexPath,
    `shard ${show(spelled)} (of ${tensors.size} tensor${
      tensors.size === 1 ? "" : "s"
    }, the first ${show(first)}): ${reason(error)}`,
    { cause: error },
  );
}

/**
 * Checks that an index and its shards agree exactly: every tensor of the
 * index is in its shard, no shard holds a tensor the index does not map to
 * it, and no tensor is in two shards.
 *
 * @param holdings The tensor names each shard holds, by normalised name.
 * @throws {SafetensorsError} Naming the index, the shard and the tensor.
 */
export function checkShardContents(
  indexPath: string,
  { shards, shardOf }: ShardIndex,
  holdings: ReadonlyMap<string, ReadonlySet<string>>,
): void {
  const holders = new Map<string, string[]>();
  for (const [key, names] of holdings) {
    for (const name of names) {
      const keys = holders.get(name);
      if (keys === undefined) holders.set(name, [key]);
      else keys.push(key);
    }
  }
  const spelled = (key: string) => show(shards.get(key)!.spelled);
  for (const [name, keys] of holders) {
    if (keys.length > 1) {
      throw new SafetensorsError(
        indexPath,
        `the tensor is in ${keys.length} shards, ${
          keys.map(spelled).join(" and ")
        }; a tensor must be in one shard only`,
        { tensor: name },
      );
    }
  }
  for (const [name, key] of shardOf) {
    if (!holdings.get(key)!.has(name)) {
      const elsewhere = holders.get(name);
      throw new SafetensorsError(
        indexPath,
        `the index maps it to shard ${spelled(key)}, which has no such tensor${
          elsewhere === undefined
            ? ""
            : ` (shard ${spelled(elsewhere[0])} has it)`
        }`,
        { tensor: name },
      );
    }
  }
  for (const [key, names] of holdings) {
    const extra = [...names].filter((name) => !shardOf.has(name));
    if (extra.length > 0) {
      throw new SafetensorsError(
        indexPath,
        `shard ${spelled(key)} holds ${extra.length} tensor${
          extra.length === 1 ? "" : "s"
        } that the index does not list: ${list(extra)}`,
        { tensor: extra[0] },
      );
    }
  }
}

/**
 * Opens a Hugging Face sharded checkpoint as a {@linkcode WeightFile}
 * (format `"safetensors-sharded"`) from its index,
 * `model.safetensors.index.json`: `{ "metadata": {…}, "weight_map": {
 * tensorName: "model-00001-of-00002.safetensors", … } }`.
 *
 * Shard names are relative to the index's folder: an absolute name or one
 * with a `..` component is refused, and so is a shard that is not a regular
 * file (before it is opened). Symbolic links are followed (the Hugging Face
 * cache links its snapshots to blobs). Every shard's header is read and
 * checked, then the shard is closed: shards are opened again on their first
 * read, and stay open until `close()` (a shard that changed in between is an
 * error). The index and the shards must agree exactly: every tensor of the
 * index must be in its shard, a shard may hold no tensor the index does not
 * map to it (an error naming them), and no tensor may be in two shards (nor
 * twice in the index).
 *
 * Weights come shard by shard, in the order the shards first appear in
 * `weight_map`, and within a shard in the order of their data.
 *
 * @param indexPath The index file.
 * @param json The index's content (objects as plain objects or `Map`s), when
 * the caller has parsed it already; else the file is read and parsed
 * strictly (a tensor named twice is an error; `JSON.parse` would keep the
 * last).
 * @returns The open checkpoint; `close()` closes every shard.
 * @throws {SafetensorsError} Naming the index (and the shard and tensor at
 * fault): a malformed index, a shard name outside the folder, a shard that is
 * missing, not a regular file or malformed, or a disagreement between the
 * index and the shards.
 * @throws {TypeError} If `indexPath` is not a string.
 * @throws {RangeError} If `indexPath` is empty.
 *
 * @example Open a two-shard checkpoint
 * ```ts
 * import { openShardedSafetensors } from "./_safetensors_file.ts";
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
 *   metadata: { total_size: 28 },
 *   weight_map: { c: "s2.safetensors", b: "s1.safetensors", a: "s1.safetensors" },
 * }));
 *
 * const file = await openShardedSafetensors(index);
 * assertEquals(file.weights.map((w) => w.name), ["c", "a", "b"]);
 * assertEquals(await file.readRows(file.weights[0], [0]), new Float64Array([7, 7]));
 * file.close();
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function openShardedSafetensors(
  indexPath: string,
  json?: unknown,
): Promise<WeightFile> {
  checkNonEmptyString("openShardedSafetensors", "indexPath", indexPath);
  const index = await readShardIndex(indexPath, json);
  const { shards } = index;
  const folder = dirname(indexPath);
  const parts = new Map<string, Part>();
  for (const [key, { spelled, tensors }] of shards) {
    const path = join(folder, key);
    const fail = (error: unknown): never => {
      throw shardFailure(indexPath, { spelled, tensors }, error);
    };
    let source: RegularFile;
    try {
      source = await openRegularFile(path);
    } catch (error) {
      return fail(error);
    }
    try {
      parts.set(
        key,
        new Part(path, await readHeaderFrom(path, source), source),
      );
    } catch (error) {
      fail(error);
    } finally {
      source.close();
    }
  }

  const holdings = new Map<string, Set<string>>();
  for (const [key, part] of parts) {
    holdings.set(key, new Set(part.header.tensors.keys()));
  }
  checkShardContents(indexPath, index, holdings);
  return weightFile("safetensors-sharded", indexPath, [...parts.values()]);
}
