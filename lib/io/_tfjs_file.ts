/**
 * The tfjs weight formats as a {@linkcode WeightFile}: a `model.json` of a
 * Keras LayersModel or of a GraphModel, or a bare weights manifest, with the
 * binary shards beside it.
 *
 * A manifest is a list of groups `{ paths, weights }`. The shards of a group,
 * concatenated in the order `paths` lists them, hold the group's weights one
 * after the other in manifest order; a weight may run from one shard into
 * the next. Each weight takes `product(shape)` elements of its stored type:
 * float32 and int32 (4 bytes) and bool (1 byte) as they are, or, when it has
 * a `quantization`, uint8 or uint16 levels (value = q · scale + min) or
 * IEEE half floats.
 *
 * The manifest is checked and every shard is stat-ed when the file is
 * opened; a shard is opened only when a weight in it is first read, and only
 * the bytes of that weight (or of the rows asked for) are read.
 *
 * @module
 */
import { dirname, isAbsolute, join } from "node:path";
import { tf } from "../tf.ts";
import {
  checkRows,
  notOwnWeight,
  type Quantization,
  type StoredWeight,
  type WeightFile,
  type WeightFormat,
} from "./_weight_file.ts";
import { checkNonEmptyString, show } from "../validate.ts";

/** The dtypes a weight may load as. */
const LOAD_DTYPES = ["float32", "int32", "bool"] as const;
type LoadDtype = typeof LOAD_DTYPES[number];

/** What the reader supports, as error messages list it. */
const SUPPORTED =
  "dtype float32, int32 or bool, unquantised, or float32/int32 quantised " +
  "as uint8 or uint16 (with scale and min), or float32 quantised as float16";

/** Bytes per element of each stored dtype. */
const ITEM_SIZE: Record<string, number> = {
  float32: 4,
  int32: 4,
  bool: 1,
  uint8: 1,
  uint16: 2,
  float16: 2,
};

/** The largest JSON file read (model.json of a GraphModel can be large). */
const MAX_JSON_BYTES = 512 * 1024 * 1024;

/** One shard of a group, as stat-ed at open time. */
interface Shard {
  /** As the manifest names it. */
  name: string;
  /** Resolved against the JSON file's folder. */
  path: string;
  /** Where it starts in its group's byte stream. */
  start: number;
  /** Its size when stat-ed. */
  size: number;
}

/** Where a weight's bytes lie, and how they decode. */
interface Entry {
  weight: StoredWeight;
  group: number;
  /** Its index in the group's `weights`. */
  index: number;
  /** Its offset in the group's byte stream. */
  offset: number;
  /** Elements in one row of the [rows, last axis] matrix. */
  rowLength: number;
  /** Rows of that matrix. */
  rows: number;
  itemSize: number;
}

function isRecord(x: unknown): x is Record<string, unknown> {
  return typeof x === "object" && x !== null && !Array.isArray(x);
}

/**
 * The bits of the float32 equal to an IEEE half float given as its 16 bits.
 * Every half is exactly a float32: subnormal halves become normal floats,
 * ±0 and ±Inf keep their sign, and a NaN keeps its sign and payload (moved
 * to the top of the float's fraction), as tfjs's float16 decoder does.
 */
function halfBitsToFloatBits(half: number): number {
  const sign = (half & 0x8000) << 16;
  const exponent = (half >>> 10) & 0x1f;
  let fraction = half & 0x3ff;
  if (exponent === 0x1f) return (sign | 0x7f800000 | (fraction << 13)) >>> 0;
  if (exponent !== 0) {
    return (sign | ((exponent + 112) << 23) | (fraction << 13)) >>> 0;
  }
  if (fraction === 0) return sign >>> 0;
  // A subnormal: fraction · 2^-24. Shift its leading 1 to the implicit bit.
  let e = 1;
  while ((fraction & 0x400) === 0) {
    fraction <<= 1;
    e--;
  }
  return (sign | ((e + 112) << 23) | ((fraction & 0x3ff) << 13)) >>> 0;
}

/** The format of a parsed tfjs JSON file, or an Error naming it. */
function formatOf(path: string, json: unknown): WeightFormat {
  if (Array.isArray(json)) return "tfjs-weights-manifest";
  if (!isRecord(json)) {
    throw new Error(
      `${path}: not a tfjs model.json or weights manifest: the JSON is ` +
        `${json === null ? "null" : typeof json}, expected an object with ` +
        `"weightsManifest" or an array of {paths, weights} groups`,
    );
  }
  if (json.format === "graph-model") return "tfjs-graph-model";
  if (json.format === "layers-model") return "tfjs-layers-model";
  const topology = json.modelTopology;
  if (isRecord(topology)) {
    if ("node" in topology) return "tfjs-graph-model";
    if (
      "class_name" in topology || "config" in topology ||
      "model_config" in topology
    ) return "tfjs-layers-model";
  }
  throw new Error(
    `${path}: not a tfjs model.json: format is ${show(json.format)} ` +
      `(expected "layers-model" or "graph-model") and modelTopology has ` +
      `neither "node" (a GraphModel) nor "class_name", "config" or ` +
      `"model_config" (a LayersModel)`,
  );
}

/** A shard's name, checked to be a plain relative path below `dir`. */
function shardPath(path: string, dir: string, group: number, p: unknown) {
  const where = `${path}: weightsManifest[${group}].paths`;
  if (typeof p !== "string" || p === "") {
    throw new Error(
      `${where}: each shard path must be a non-empty string, found ${show(p)}`,
    );
  }
  if (p.includes("\0")) {
    throw new Error(`${where}: shard path ${show(p)} contains a NUL`);
  }
  if (
    isAbsolute(p) || p.startsWith("/") || p.startsWith("\\") ||
    /^[A-Za-z]:/.test(p)
  ) {
    throw new Error(
      `${where}: shard path ${show(p)} is absolute; shards must lie in the ` +
        `JSON file's folder or below it`,
    );
  }
  if (p.split(/[\\/]/).includes("..")) {
    throw new Error(
      `${where}: shard path ${show(p)} contains ".."; shards must lie in ` +
        `the JSON file's folder or below it`,
    );
  }
  return join(dir, p);
}

/** Stats a shard (following links) and refuses anything but a file. */
async function statShard(
  path: string,
  group: number,
  name: string,
  resolved: string,
): Promise<number> {
  let info: Deno.FileInfo;
  try {
    info = await Deno.stat(resolved);
  } catch (e) {
    const why = e instanceof Deno.errors.NotFound
      ? "does not exist"
      : `cannot be stat-ed: ${e instanceof Error ? e.message : e}`;
    throw new Error(
      `${path}: weightsManifest[${group}] shard ${show(name)} (${resolved}) ` +
        why,
    );
  }
  if (!info.isFile) {
    throw new Error(
      `${path}: weightsManifest[${group}] shard ${show(name)} (${resolved}) ` +
        `is not a regular file`,
    );
  }
  return info.size;
}

/** Reads and parses the JSON file, refusing what is not a regular file. */
async function readJson(path: string): Promise<unknown> {
  let info: Deno.FileInfo;
  try {
    info = await Deno.stat(path);
  } catch (e) {
    throw new Error(
      `openTfjsWeights: path must name a readable file, received ${
        show(path)
      } (${e instanceof Error ? e.message : e})`,
    );
  }
  if (!info.isFile) {
    throw new Error(
      `openTfjsWeights: path must name a regular file, received ${show(path)}`,
    );
  }
  if (info.size > MAX_JSON_BYTES) {
    throw new Error(
      `${path}: ${info.size} bytes is too large for a tfjs JSON file ` +
        `(at most ${MAX_JSON_BYTES})`,
    );
  }
  const text = await Deno.readTextFile(path);
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new Error(
      `${path}: malformed JSON: ${e instanceof Error ? e.message : e}`,
    );
  }
}

/** A weight spec's quantisation, checked, or null. */
function quantizationOf(
  where: string,
  dtype: LoadDtype,
  q: unknown,
): Quantization | null {
  if (q === undefined || q === null) return null;
  if (!isRecord(q)) {
    throw new Error(
      `${where}: quantization must be an object (supported: ${SUPPORTED}), ` +
        `found ${show(q)}`,
    );
  }
  if (q.original_dtype !== undefined && q.original_dtype !== dtype) {
    throw new Error(
      `${where}: quantization.original_dtype ${show(q.original_dtype)} ` +
        `differs from the weight's dtype ${show(dtype)}`,
    );
  }
  if (q.dtype === "uint8" || q.dtype === "uint16") {
    if (dtype === "bool") {
      throw new Error(
        `${where}: ${q.dtype} quantisation of a bool weight is not ` +
          `supported; supported: ${SUPPORTED}`,
      );
    }
    for (const key of ["scale", "min"] as const) {
      if (typeof q[key] !== "number" || !Number.isFinite(q[key])) {
        throw new Error(
          `${where}: ${q.dtype} quantisation needs a finite number ` +
            `quantization.${key}, found ${show(q[key])}`,
        );
      }
    }
    return {
      dtype: q.dtype,
      scale: q.scale as number,
      min: q.min as number,
    };
  }
  if (q.dtype === "float16") {
    if (dtype !== "float32") {
      throw new Error(
        `${where}: float16 quantisation of a ${dtype} weight is not ` +
          `supported; supported: ${SUPPORTED}`,
      );
    }
    return { dtype: "float16" };
  }
  throw new Error(
    `${where}: unsupported quantization.dtype ${show(q.dtype)}; supported: ` +
      SUPPORTED,
  );
}

/**
 * Opens a tfjs `model.json` (of a LayersModel or a GraphModel) or a tfjs
 * weights manifest, and describes its weights without reading their data.
 *
 * The JSON is read from `path` unless `json`, its already parsed content, is
 * given. A `model.json` is a LayersModel (`"tfjs-layers-model"`) when its
 * `format` is `"layers-model"` or its `modelTopology` has `class_name`,
 * `config` or `model_config`, and a GraphModel (`"tfjs-graph-model"`, whose
 * weights are named after their Const nodes) when its `format` is
 * `"graph-model"` or its `modelTopology` has `node`; its `weightsManifest`
 * lists the weight groups. A JSON array is a bare weights manifest
 * (`"tfjs-weights-manifest"`).
 *
 * Weights load as float32, int32 or bool; uint8/uint16-quantised weights are
 * dequantised as tfjs-core 4.22's `tf.io.decodeWeights` does (`q * scale +
 * min` in double precision, then stored into a Float32Array, or for int32
 * weights `Math.round` of it stored into an Int32Array), and float16 ones are
 * widened exactly. Shards are opened lazily, and reads fetch only the bytes
 * needed.
 *
 * @param path The JSON file; shard paths are relative to its folder.
 * @param json The parsed content of `path`, when the caller has read it.
 * @returns The open file; call `close()` when done.
 * @throws {Error} naming the JSON file and the problem: malformed JSON, no
 * `weightsManifest`, a format that is neither, a shard path that is absolute
 * or contains `..`, a shard missing or not a regular file, shards shorter
 * than the weights they must hold (naming the shard and the weight), a
 * duplicate weight name, a bad shape, or an unsupported dtype or
 * quantisation (listing what is supported).
 *
 * @example
 * ```ts ignore
 * const file = await openTfjsWeights("model/model.json");
 * try {
 *   for (const w of file.weights) {
 *     const t = await file.read(w);
 *     console.log(w.name, w.storedDtype, t.shape);
 *     t.dispose();
 *   }
 * } finally {
 *   file.close();
 * }
 * ```
 */
export async function openTfjsWeights(
  path: string,
  json?: unknown,
): Promise<WeightFile> {
  checkNonEmptyString("openTfjsWeights", "path", path);
  const content = json === undefined ? await readJson(path) : json;
  const format = formatOf(path, content);
  let groups: unknown;
  if (format === "tfjs-weights-manifest") {
    groups = content;
  } else {
    groups = (content as Record<string, unknown>).weightsManifest;
    if (!Array.isArray(groups)) {
      throw new Error(
        `${path}: a ${format} needs a "weightsManifest" array of ` +
          `{paths, weights} groups, found ${show(groups)}`,
      );
    }
  }
  const dir = dirname(path);
  const shards: Shard[][] = [];
  const entries: Entry[] = [];
  const byName = new Map<string, Entry>();

  for (const [g, group] of (groups as unknown[]).entries()) {
    const at = `${path}: weightsManifest[${g}]`;
    if (
      !isRecord(group) || !Array.isArray(group.paths) ||
      !Array.isArray(group.weights)
    ) {
      throw new Error(
        `${at} must be {paths: string[], weights: [...]}, found ${show(group)}`,
      );
    }
    const list: Shard[] = [];
    let start = 0;
    for (const p of group.paths) {
      const resolved = shardPath(path, dir, g, p);
      const size = await statShard(path, g, p as string, resolved);
      list.push({ name: p as string, path: resolved, start, size });
      start += size;
    }
    const total = start;
    shards.push(list);

    let offset = 0;
    for (const [i, spec] of group.weights.entries()) {
      if (!isRecord(spec)) {
        throw new Error(
          `${at}.weights[${i}] must be an object, found ${show(spec)}`,
        );
      }
      const name = spec.name;
      if (typeof name !== "string" || name === "") {
        throw new Error(
          `${at}.weights[${i}].name must be a non-empty string, found ${
            show(name)
          }`,
        );
      }
      const where = `${path}: weight ${show(name)}`;
      const first = byName.get(name);
      if (first !== undefined) {
        throw new Error(
          `${path}: duplicate weight name ${show(name)}: ` +
            `weightsManifest[${g}].weights[${i}] and ` +
            `weightsManifest[${first.group}].weights[${first.index}] both ` +
            `use it; tfjs weight names must be unique across all groups`,
        );
      }
      const shape = spec.shape;
      if (
        !Array.isArray(shape) ||
        !shape.every((d) => Number.isSafeInteger(d) && d >= 0)
      ) {
        throw new Error(
          `${where}: shape must be a list of non-negative integers, found ${
            show(shape)
          }`,
        );
      }
      const dtype = spec.dtype;
      if (!(LOAD_DTYPES as readonly unknown[]).includes(dtype)) {
        throw new Error(
          `${where}: unsupported dtype ${show(dtype)}; supported: ${SUPPORTED}`,
        );
      }
      const quantization = quantizationOf(
        where,
        dtype as LoadDtype,
        spec.quantization,
      );
      const storedDtype = quantization?.dtype ?? (dtype as string);
      const itemSize = ITEM_SIZE[storedDtype];
      const size = (shape as number[]).reduce((a, b) => a * b, 1);
      const byteLength = size * itemSize;
      const rows = (shape as number[]).slice(0, -1).reduce((a, b) => a * b, 1);
      if (!Number.isSafeInteger(byteLength) || !Number.isSafeInteger(rows)) {
        throw new Error(`${where}: shape ${show(shape)} is too large`);
      }
      if (offset + byteLength > total) {
        const last = list.length ? list[list.length - 1] : null;
        throw new Error(
          `${where} (shape ${show(shape)}, ${storedDtype}) needs bytes ` +
            `${offset}..${offset + byteLength} of weightsManifest[${g}], but ` +
            (last
              ? `its shards end at ${total}: shard ${show(last.name)} ` +
                `(${last.path}) is short`
              : "the group lists no shards"),
        );
      }
      const holder = list.find((s) => offset < s.start + s.size) ??
        list[list.length - 1];
      const weight: StoredWeight = Object.freeze({
        name,
        shape: Object.freeze([...(shape as number[])]),
        dtype: dtype as LoadDtype,
        storedDtype,
        quantization: quantization && Object.freeze(quantization),
        file: holder?.path ?? path,
        byteLength,
      });
      const rowLength = shape.length === 0 ? 1 : shape[shape.length - 1];
      const entry: Entry = {
        weight,
        group: g,
        index: i,
        offset,
        rowLength,
        rows,
        itemSize,
      };
      entries.push(entry);
      byName.set(name, entry);
      offset += byteLength;
    }
  }
  return new TfjsWeightFile(path, format, shards, entries, byName);
}

/** Whether this machine stores numbers little-endian, as tfjs shards do. */
const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** The unsigned word arrays a shard's elements are read as. */
interface WordArray<T> {
  new (length: number): T;
  new (buffer: ArrayBufferLike, byteOffset: number, length: number): T;
  readonly BYTES_PER_ELEMENT: number;
}

/**
 * The little-endian 16- or 32-bit words held in `bytes`: a view of them
 * where this machine is little-endian and they are aligned, else a copy read
 * through a DataView. Words, not floats, so that every bit (a NaN's payload
 * and quiet bit included) is kept, as tfjs keeps it.
 */
function words<T extends Uint16Array | Uint32Array>(
  bytes: Uint8Array,
  type: WordArray<T>,
  get: (view: DataView, at: number) => number,
): T {
  const size = type.BYTES_PER_ELEMENT;
  const n = bytes.length / size;
  if (LITTLE_ENDIAN && bytes.byteOffset % size === 0) {
    return new type(bytes.buffer, bytes.byteOffset, n);
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out = new type(n);
  for (let i = 0; i < n; i++) out[i] = get(view, i * size);
  return out;
}

const uint16s = (bytes: Uint8Array) =>
  words(bytes, Uint16Array, (v, at) => v.getUint16(at, true));
const uint32s = (bytes: Uint8Array) =>
  words(bytes, Uint32Array, (v, at) => v.getUint32(at, true));

/**
 * Decodes a weight's stored bytes (all of them, or whole rows) to the values
 * tfjs-core 4.22's `io.decodeWeights` gives it: float32, int32 and bool as
 * stored; uint8/uint16 levels as `q * scale + min` computed in double
 * precision and stored into a Float32Array (one rounding), or for an int32
 * weight `Math.round` of it stored into an Int32Array; float16 widened
 * exactly. The result may be a view of `bytes`.
 */
function decode(
  w: StoredWeight,
  bytes: Uint8Array,
): Float32Array | Int32Array | Uint8Array {
  const q = w.quantization;
  if (q === null) {
    if (w.dtype === "bool") return bytes;
    const w32 = uint32s(bytes);
    return w.dtype === "int32"
      ? new Int32Array(w32.buffer, w32.byteOffset, w32.length)
      : new Float32Array(w32.buffer, w32.byteOffset, w32.length);
  }
  if (q.dtype === "float16") {
    const halves = uint16s(bytes);
    const bits = new Uint32Array(halves.length);
    for (let i = 0; i < halves.length; i++) {
      bits[i] = halfBitsToFloatBits(halves[i]);
    }
    return new Float32Array(bits.buffer);
  }
  const scale = q.scale!;
  const min = q.min!;
  const levels = q.dtype === "uint16" ? uint16s(bytes) : bytes;
  const out = w.dtype === "int32"
    ? new Int32Array(levels.length)
    : new Float32Array(levels.length);
  if (w.dtype === "int32") {
    for (let i = 0; i < levels.length; i++) {
      out[i] = Math.round(levels[i] * scale + min);
    }
  } else {
    for (let i = 0; i < levels.length; i++) out[i] = levels[i] * scale + min;
  }
  return out;
}

class TfjsWeightFile implements WeightFile {
  readonly format: WeightFormat;
  readonly path: string;
  readonly weights: readonly StoredWeight[];
  #shards: Shard[][];
  #entries: Map<string, Entry>;
  #open = new Map<string, Deno.FsFile>();
  #closed = false;
  /** Reads run one after another: they seek shared file handles. */
  #queue: Promise<unknown> = Promise.resolve();

  constructor(
    path: string,
    format: WeightFormat,
    shards: Shard[][],
    entries: Entry[],
    byName: Map<string, Entry>,
  ) {
    this.path = path;
    this.format = format;
    this.#shards = shards;
    this.#entries = byName;
    this.weights = Object.freeze(entries.map((e) => e.weight));
  }

  #entry(weight: StoredWeight, method: string): Entry {
    if (this.#closed) {
      throw new Error(`${this.path}: ${method} called after close()`);
    }
    // The weight itself, not one of the same name (another file's, or a copy).
    const entry = this.#entries.get(weight?.name);
    if (entry === undefined || entry.weight !== weight) {
      throw notOwnWeight(method, this.path, weight);
    }
    return entry;
  }

  /** Runs `task` after every read queued before it. */
  #serial<T>(task: () => Promise<T>): Promise<T> {
    const run = this.#queue.then(task, task);
    this.#queue = run.catch(() => {});
    return run;
  }

  async #handle(shard: Shard): Promise<Deno.FsFile> {
    const cached = this.#open.get(shard.path);
    if (cached) return cached;
    if (this.#closed) throw new Error(`${this.path}: closed`);
    // Stat again just before opening: opening a FIFO would block.
    let info: Deno.FileInfo;
    try {
      info = await Deno.stat(shard.path);
    } catch (e) {
      throw new Error(
        `${this.path}: shard ${show(shard.name)} (${shard.path}) cannot be ` +
          `stat-ed: ${e instanceof Error ? e.message : e}`,
      );
    }
    if (!info.isFile) {
      throw new Error(
        `${this.path}: shard ${show(shard.name)} (${shard.path}) is not a ` +
          `regular file`,
      );
    }
    const file = await Deno.open(shard.path, { read: true });
    if (this.#closed) {
      file.close();
      throw new Error(`${this.path}: closed`);
    }
    this.#open.set(shard.path, file);
    return file;
  }

  /** Reads bytes [start, start + length) of a group into `out` at `at`. */
  async #readRange(
    entry: Entry,
    start: number,
    length: number,
    out: Uint8Array,
    at: number,
  ): Promise<void> {
    const end = start + length;
    for (const shard of this.#shards[entry.group]) {
      const from = Math.max(start, shard.start);
      const to = Math.min(end, shard.start + shard.size);
      if (from >= to) continue;
      const file = await this.#handle(shard);
      await file.seek(from - shard.start, Deno.SeekMode.Start);
      let pos = at + (from - start);
      const stop = at + (to - start);
      while (pos < stop) {
        const n = await file.read(out.subarray(pos, stop));
        if (n === null || n === 0) {
          throw new Error(
            `${this.path}: shard ${show(shard.name)} (${shard.path}) ended ` +
              `at byte ${from - shard.start + pos - (at + from - start)} ` +
              `while reading weight ${show(entry.weight.name)}: it is ` +
              `shorter than the ${shard.size} bytes it had when opened`,
          );
        }
        pos += n;
      }
    }
  }

  read(weight: StoredWeight): Promise<tf.Tensor> {
    return this.#serial(async () => {
      const entry = this.#entry(weight, "read");
      const w = entry.weight;
      const bytes = new Uint8Array(w.byteLength);
      await this.#readRange(entry, entry.offset, w.byteLength, bytes, 0);
      return tf.tensor(decode(w, bytes), [...w.shape], w.dtype);
    });
  }

  readRows(
    weight: StoredWeight,
    rows: readonly number[],
  ): Promise<Float64Array> {
    return this.#serial(async () => {
      const entry = this.#entry(weight, "readRows");
      checkRows(entry.weight, rows, entry.rows);
      const rowBytes = entry.rowLength * entry.itemSize;
      const out = new Float64Array(rows.length * entry.rowLength);
      const bytes = new Uint8Array(rowBytes * rows.length);
      // Runs of consecutive rows are read in one go.
      let i = 0;
      while (i < rows.length) {
        let j = i + 1;
        while (j < rows.length && rows[j] === rows[j - 1] + 1) j++;
        await this.#readRange(
          entry,
          entry.offset + rows[i] * rowBytes,
          (j - i) * rowBytes,
          bytes,
          i * rowBytes,
        );
        i = j;
      }
      out.set(decode(entry.weight, bytes));
      return out;
    });
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    for (const file of this.#open.values()) {
      try {
        file.close();
      } catch {
        // Already closed.
      }
    }
    this.#open.clear();
  }
}
