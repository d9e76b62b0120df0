/**
 * The tfjs weight formats as a {@linkcode WeightFile}: a `model.json` (of a
 * LayersModel or a GraphModel) or a weights manifest, with the binary shards
 * beside it.
 *
 * A manifest is an array of groups `{ paths, weights }`. A group's shards,
 * concatenated in order, hold its weights one after the other in manifest
 * order, each `product(shape)` elements of its stored type: float32, int32
 * or bool (1 byte) as they are, or quantised (`quantization: { dtype,
 * scale, min }`) as uint8 or uint16 (value = q·scale + min) or float16. A
 * weight may span two shards. Shards are opened when first needed and only
 * the bytes asked for are read.
 *
 * @module
 */
import { isAbsolute, join, normalize, sep } from "node:path";
import { tf } from "../tf.ts";
import type {
  Quantization,
  StoredWeight,
  WeightFile,
  WeightFormat,
} from "./_weight_file.ts";

const ITEM: Record<string, number> = {
  float32: 4,
  int32: 4,
  bool: 1,
  uint8: 1,
  uint16: 2,
  float16: 2,
};

interface Shard {
  path: string;
  /** Where it starts in its group's byte stream. */
  start: number;
  size: number;
  file: Deno.FsFile | null;
}

interface Located {
  group: Shard[];
  offset: number;
  weight: StoredWeight;
}

function fail(json: string, what: string): never {
  throw new Error(`${json}: ${what}`);
}

function isShape(x: unknown): x is number[] {
  return Array.isArray(x) &&
    x.every((d) => Number.isSafeInteger(d) && d >= 0);
}

/** A float16 bit pattern's value, exactly. */
export function halfValue(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exponent = (h >> 10) & 0x1f;
  const mantissa = h & 0x3ff;
  if (exponent === 0) return sign * mantissa * 2 ** -24;
  if (exponent === 31) return mantissa ? NaN : sign * Infinity;
  return sign * (1 + mantissa / 1024) * 2 ** (exponent - 15);
}

/** The format a tfjs JSON file is, from its content. */
function formatOf(json: unknown): WeightFormat {
  if (Array.isArray(json)) return "tfjs-weights-manifest";
  const j = json as { format?: unknown; modelTopology?: { node?: unknown } };
  if (j.format === "graph-model") return "tfjs-graph-model";
  if (j.format === "layers-model") return "tfjs-layers-model";
  return j.modelTopology && Array.isArray(j.modelTopology.node)
    ? "tfjs-graph-model"
    : "tfjs-layers-model";
}

/** A shard's path, checked: relative, inside the JSON file's folder. */
function shardPath(json: string, dir: string, p: unknown): string {
  if (typeof p !== "string" || p === "") {
    fail(
      json,
      `a shard path must be a non-empty string, received ${JSON.stringify(p)}`,
    );
  }
  const n = normalize(p);
  if (isAbsolute(p) || n === ".." || n.startsWith(`..${sep}`)) {
    fail(json, `shard ${JSON.stringify(p)} is outside the model's folder`);
  }
  return join(dir, n);
}

/** Checks a weight's quantisation; returns it normalised, or null. */
function quantizationOf(
  json: string,
  name: string,
  dtype: string,
  q: unknown,
): Quantization | null {
  if (q === undefined || q === null) return null;
  const { dtype: qd, scale, min } = q as Record<string, unknown>;
  if (qd === "uint8" || qd === "uint16") {
    if (
      typeof scale !== "number" || !Number.isFinite(scale) ||
      typeof min !== "number" || !Number.isFinite(min)
    ) {
      fail(
        json,
        `weight ${
          JSON.stringify(name)
        }: ${qd} quantisation needs finite scale and min, received ${
          JSON.stringify(q)
        }`,
      );
    }
    if (dtype !== "float32" && dtype !== "int32") {
      fail(
        json,
        `weight ${
          JSON.stringify(name)
        }: a ${dtype} weight cannot be ${qd}-quantised`,
      );
    }
    return { dtype: qd, scale, min };
  }
  if (qd === "float16") {
    if (dtype !== "float32") {
      fail(
        json,
        `weight ${
          JSON.stringify(name)
        }: float16 quantisation of a ${dtype} weight`,
      );
    }
    return { dtype: "float16" };
  }
  fail(
    json,
    `weight ${JSON.stringify(name)}: quantisation dtype ${
      JSON.stringify(qd)
    } is not supported (uint8, uint16 or float16)`,
  );
}

/**
 * Decodes `count` stored elements into values as tfjs's decoder gives them:
 * affine quantisation evaluated in double and rounded once to float32 (for an
 * int32 weight, rounded to an integer), float16 exactly.
 */
function decode(
  weight: StoredWeight,
  bytes: Uint8Array,
  count: number,
  out: Float32Array | Int32Array | Uint8Array | Float64Array,
  at: number,
): void {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const q = weight.quantization;
  const round = weight.dtype === "int32";
  const f32 = out instanceof Float64Array ? Math.fround : (x: number) => x;
  switch (weight.storedDtype) {
    case "float32":
      for (let i = 0; i < count; i++) {
        out[at + i] = view.getFloat32(4 * i, true);
      }
      return;
    case "int32":
      for (let i = 0; i < count; i++) out[at + i] = view.getInt32(4 * i, true);
      return;
    case "bool":
      for (let i = 0; i < count; i++) out[at + i] = bytes[i] ? 1 : 0;
      return;
    case "float16":
      for (let i = 0; i < count; i++) {
        out[at + i] = halfValue(view.getUint16(2 * i, true));
      }
      return;
    default: {
      const scale = q!.scale!;
      const min = q!.min!;
      const wide = weight.storedDtype === "uint16";
      for (let i = 0; i < count; i++) {
        const v = (wide ? view.getUint16(2 * i, true) : bytes[i]) * scale + min;
        out[at + i] = round ? Math.round(v) | 0 : f32(v);
      }
    }
  }
}

/**
 * Opens a tfjs `model.json` or weights manifest as a {@linkcode WeightFile}.
 * The JSON, every shard's size and the weights' byte ranges are checked
 * before anything else is read.
 *
 * @param path The JSON file.
 * @param json Its parsed content, when the caller has it already.
 * @throws {Error} Naming the file (and shard or weight) for a malformed
 * manifest, a shard that is missing, not a regular file, outside the folder
 * or too short, duplicate names, or an unsupported dtype.
 */
export async function openTfjsWeights(
  path: string,
  json?: unknown,
): Promise<WeightFile> {
  if (json === undefined) {
    try {
      json = JSON.parse(await Deno.readTextFile(path));
    } catch (error) {
      fail(path, `cannot read it as JSON: ${(error as Error).message}`);
    }
  }
  const format = formatOf(json);
  const groups = Array.isArray(json)
    ? json
    : (json as { weightsManifest?: unknown }).weightsManifest;
  if (!Array.isArray(groups)) {
    fail(path, "it has no weightsManifest (an array of { paths, weights })");
  }
  const dir = join(path, "..");
  const located = new Map<StoredWeight, Located>();
  const weights: StoredWeight[] = [];
  const names = new Set<string>();
  const shards: Shard[] = [];
  for (const [g, group] of groups.entries()) {
    const { paths, weights: specs } = (group ?? {}) as Record<string, unknown>;
    if (!Array.isArray(paths) || !Array.isArray(specs)) {
      fail(path, `group ${g} needs arrays "paths" and "weights"`);
    }
    const stream: Shard[] = [];
    let start = 0;
    for (const p of paths) {
      const file = shardPath(path, dir, p);
      let info: Deno.FileInfo;
      try {
        info = await Deno.stat(file);
      } catch (error) {
        fail(
          path,
          `cannot open shard ${JSON.stringify(p)}: ${(error as Error).message}`,
        );
      }
      if (!info.isFile) {
        fail(path, `shard ${JSON.stringify(p)} is not a regular file`);
      }
      stream.push({ path: file, start, size: info.size, file: null });
      start += info.size;
    }
    shards.push(...stream);
    let offset = 0;
    for (const spec of specs) {
      const { name, shape, dtype, quantization } = (spec ?? {}) as Record<
        string,
        unknown
      >;
      if (typeof name !== "string") {
        fail(
          path,
          `group ${g}: a weight needs a string name, received ${
            JSON.stringify(spec)
          }`,
        );
      }
      if (!isShape(shape)) {
        fail(
          path,
          `weight ${
            JSON.stringify(name)
          }: shape must be an array of sizes, received ${
            JSON.stringify(shape)
          }`,
        );
      }
      if (dtype !== "float32" && dtype !== "int32" && dtype !== "bool") {
        fail(
          path,
          `weight ${JSON.stringify(name)}: dtype ${
            JSON.stringify(dtype)
          } is not supported (float32, int32 or bool, optionally quantised)`,
        );
      }
      if (names.has(name)) {
        fail(path, `two weights are named ${JSON.stringify(name)}`);
      }
      names.add(name);
      const q = quantizationOf(path, name, dtype, quantization);
      const stored = q ? q.dtype : dtype;
      const byteLength = shape.reduce((a, b) => a * b, 1) * ITEM[stored];
      if (offset + byteLength > start) {
        fail(
          path,
          `weight ${JSON.stringify(name)} needs bytes ${offset}..${
            offset + byteLength
          } of group ${g}, but its shards (${
            paths.map((p) => JSON.stringify(p)).join(", ")
          }) hold ${start}`,
        );
      }
      const home = stream.find((s) => offset < s.start + s.size) ??
        stream[stream.length - 1];
      const weight: StoredWeight = Object.freeze({
        name,
        shape: Object.freeze([...shape]),
        dtype,
        storedDtype: stored,
        quantization: q,
        file: home?.path ?? path,
        byteLength,
      });
      located.set(weight, { group: stream, offset, weight });
      weights.push(weight);
      offset += byteLength;
    }
  }

  const readBytes = async (
    group: Shard[],
    offset: number,
    length: number,
  ): Promise<Uint8Array> => {
    const out = new Uint8Array(length);
    let done = 0;
    for (const shard of group) {
      if (done === length) break;
      const end = shard.start + shard.size;
      const at = offset + done;
      if (at >= end || at < shard.start) continue;
      const take = Math.min(length - done, end - at);
      shard.file ??= await Deno.open(shard.path, { read: true });
      await shard.file.seek(at - shard.start, Deno.SeekMode.Start);
      let got = 0;
      while (got < take) {
        const n = await shard.file.read(out.subarray(done + got, done + take));
        if (n === null) {
          fail(
            path,
            `shard ${shard.path} ended early (did it change while being read?)`,
          );
        }
        got += n;
      }
      done += take;
    }
    return out;
  };
  const find = (weight: StoredWeight): Located => {
    const l = located.get(weight);
    if (!l) {
      throw new TypeError(
        `${path}: the weight ${
          JSON.stringify(weight?.name)
        } is not one of this file's`,
      );
    }
    return l;
  };

  return {
    format,
    path,
    weights: Object.freeze(weights),
    async read(weight: StoredWeight): Promise<tf.Tensor> {
      const { group, offset } = find(weight);
      const count = weight.shape.reduce((a, b) => a * b, 1);
      const bytes = await readBytes(group, offset, weight.byteLength);
      const values = weight.dtype === "float32"
        ? new Float32Array(count)
        : weight.dtype === "int32"
        ? new Int32Array(count)
        : new Uint8Array(count);
      decode(weight, bytes, count, values, 0);
      return tf.tensor(values, [...weight.shape], weight.dtype);
    },
    async readRows(
      weight: StoredWeight,
      rows: readonly number[],
    ): Promise<Float64Array> {
      const { group, offset } = find(weight);
      const shape = weight.shape;
      const cols = shape.length === 0 ? 1 : shape[shape.length - 1];
      const size = shape.reduce((a, b) => a * b, 1);
      const count = cols === 0 ? 0 : size / cols;
      const width = ITEM[weight.storedDtype];
      const out = new Float64Array(rows.length * cols);
      for (let i = 0; i < rows.length; i++) {
        const r = rows[i];
        if (!Number.isInteger(r) || r < 0 || r >= count) {
          throw new RangeError(
            `readRows: row ${r} of ${
              JSON.stringify(weight.name)
            } is outside [0, ${count})`,
          );
        }
        const bytes = await readBytes(
          group,
          offset + r * cols * width,
          cols * width,
        );
        decode(weight, bytes, cols, out, i * cols);
      }
      return out;
    },
    close(): void {
      for (const shard of shards) {
        shard.file?.close();
        shard.file = null;
      }
    },
  };
}
