/**
 * The safetensors format: checking a header, decoding a tensor's bytes,
 * encoding a header, and reading tensors one at a time from a
 * {@linkcode ByteSource} (a file, or bytes in memory for tests).
 *
 * The layout: an 8-byte little-endian unsigned header length N; N bytes of
 * UTF-8 JSON mapping each tensor name to `{"dtype", "shape",
 * "data_offsets": [begin, end]}`, with an optional `"__metadata__"` object of
 * strings; then the data section, little-endian and row-major, with the
 * offsets relative to its start.
 *
 * @module
 */
import { tf } from "../tf.ts";
import { show } from "../validate.ts";
import { JsonSyntaxError, type JsonValue, parseStrictJson } from "./_json.ts";
import {
  type SafetensorsDType,
  SafetensorsError,
  type SafetensorsHeader,
  type TensorHeaderEntry,
} from "./_types.ts";

/** The largest header accepted (as in the reference implementation). */
export const MAX_HEADER_BYTES = 100_000_000;

/** The most elements a tfjs tensor can hold. */
const MAX_ELEMENTS = 2 ** 31 - 1;

/** Bytes per element of each supported dtype. */
export const ITEM_SIZE: Readonly<Record<SafetensorsDType, number>> = Object
  .freeze({
    F64: 8,
    F32: 4,
    F16: 2,
    BF16: 2,
    F8_E4M3: 1,
    F8_E5M2: 1,
    I64: 8,
    I32: 4,
    I16: 2,
    I8: 1,
    U64: 8,
    U32: 4,
    U16: 2,
    U8: 1,
    BOOL: 1,
  });

const DTYPES = Object.keys(ITEM_SIZE) as SafetensorsDType[];

const ENTRY_FIELDS = ["dtype", "shape", "data_offsets"];

/** Whether this machine stores numbers little-endian (every Deno target does). */
const LITTLE_ENDIAN = new Uint8Array(Uint16Array.of(1).buffer)[0] === 1;

/** Where the reader gets its bytes. */
export interface ByteSource {
  /** The total number of bytes. */
  readonly size: number;
  /**
   * Reads exactly `length` bytes at `offset` into a fresh buffer (offset 0 of
   * its own `ArrayBuffer`). Throws a {@linkcode SafetensorsError} when it
   * cannot.
   */
  readAt(offset: number, length: number): Promise<Uint8Array>;
  /** Releases the source. */
  close(): void;
}

/** A {@linkcode ByteSource} over bytes in memory. */
export function memorySource(file: string, bytes: Uint8Array): ByteSource {
  return {
    size: bytes.length,
    readAt(offset: number, length: number): Promise<Uint8Array> {
      if (offset + length > bytes.length) {
        return Promise.reject(
          new SafetensorsError(
            file,
            `the file ended at byte ${bytes.length}, before byte ${
              offset + length
            }`,
          ),
        );
      }
      return Promise.resolve(bytes.slice(offset, offset + length));
    },
    close(): void {},
  };
}

/**
 * A JSON value's kind, for a message about a file's contents: `null`,
 * `an array`, `an object` (a `Map` from the strict parser, or a plain
 * object), or its type and value (`number 1.5`, `string "x"`).
 */
export function jsonKind(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  if (typeof value === "object") return "an object";
  return `${typeof value} ${show(value)}`;
}

/**
 * Reads the header length from the first 8 bytes, checking it against the
 * file size and {@linkcode MAX_HEADER_BYTES} before anything is allocated.
 */
function checkHeaderLength(
  file: string,
  prefix: Uint8Array,
  fileSize: number,
): number {
  if (fileSize < 8 || prefix.length < 8) {
    throw new SafetensorsError(
      file,
      `the file is ${fileSize} bytes, shorter than the 8-byte header length field`,
    );
  }
  const n = new DataView(prefix.buffer, prefix.byteOffset, 8).getBigUint64(
    0,
    true,
  );
  if (n > BigInt(fileSize - 8)) {
    throw new SafetensorsError(
      file,
      `the header length field says ${n} bytes, but only ${
        fileSize - 8
      } bytes follow it (the file is ${fileSize} bytes)`,
    );
  }
  if (n > BigInt(MAX_HEADER_BYTES)) {
    throw new SafetensorsError(
      file,
      `the header length field says ${n} bytes, over the ${MAX_HEADER_BYTES}-byte limit`,
    );
  }
  return Number(n);
}

/** A count in a header field: an integer in [0, 2^53). */
function headerCount(
  file: string,
  name: string,
  field: string,
  value: JsonValue,
): number {
  if (typeof value !== "number" || !Number.isSafeInteger(value) || value < 0) {
    throw new SafetensorsError(
      file,
      `${field} must be a non-negative integer (below 2^53), found ${
        jsonKind(value)
      }`,
      { tensor: name },
    );
  }
  return value === 0 ? 0 : value; // -0 becomes 0
}

function checkEntry(
  file: string,
  name: string,
  value: JsonValue,
  dataSize: number,
): TensorHeaderEntry {
  const fail = (detail: string): never => {
    throw new SafetensorsError(file, detail, { tensor: name });
  };
  if (!(value instanceof Map)) {
    return fail(
      `the header entry must be an object with dtype, shape and data_offsets, found ${
        jsonKind(value)
      }`,
    );
  }
  for (const key of value.keys()) {
    if (!ENTRY_FIELDS.includes(key)) {
      fail(
        `unknown field ${
          show(key)
        } in the header entry (expected dtype, shape and data_offsets)`,
      );
    }
  }
  for (const key of ENTRY_FIELDS) {
    if (!value.has(key)) fail(`the header entry has no ${key}`);
  }
  const dtype = value.get("dtype")!;
  if (typeof dtype !== "string") {
    fail(`dtype must be a string, found ${jsonKind(dtype)}`);
  }
  if (!Object.hasOwn(ITEM_SIZE, dtype as string)) {
    fail(
      `unknown or unsupported dtype ${show(dtype as string)}; supported: ${
        DTYPES.join(", ")
      }`,
    );
  }
  const rawShape = value.get("shape")!;
  if (!Array.isArray(rawShape)) {
    fail(`shape must be an array, found ${jsonKind(rawShape)}`);
  }
  const shape = (rawShape as JsonValue[]).map((d, i) =>
    headerCount(file, name, `shape[${i}]`, d)
  );
  // Checked in order, as the reference implementation does.
  let count = 1;
  for (const d of shape) {
    count *= d;
    if (count > Number.MAX_SAFE_INTEGER) {
      fail(`shape ${show(shape)} has too many elements (overflow)`);
    }
  }
  const rawOffsets = value.get("data_offsets")!;
  if (!Array.isArray(rawOffsets) || rawOffsets.length !== 2) {
    fail(
      `data_offsets must be an array of two integers [begin, end], found ${
        Array.isArray(rawOffsets)
          ? `an array of ${rawOffsets.length}`
          : jsonKind(rawOffsets)
      }`,
    );
  }
  const [begin, end] = (rawOffsets as JsonValue[]).map((d, i) =>
    headerCount(file, name, `data_offsets[${i}]`, d)
  );
  if (begin > end) fail(`data_offsets [${begin}, ${end}] has begin > end`);
  if (end > dataSize) {
    fail(
      `data_offsets [${begin}, ${end}] end beyond the data section (${dataSize} bytes)`,
    );
  }
  const itemSize = ITEM_SIZE[dtype as SafetensorsDType];
  // count <= end - begin <= dataSize here is enough to make the product exact.
  if (count > end - begin || count * itemSize !== end - begin) {
    fail(
      `shape ${
        show(shape)
      } of ${dtype} needs ${count} × ${itemSize} bytes, but data_offsets [${begin}, ${end}] span ${
        end - begin
      }`,
    );
  }
  return {
    dtype: dtype as SafetensorsDType,
    shape,
    dataOffsets: [begin, end],
  };
}

/**
 * Checks a header (the N bytes after the length field) and returns it with
 * the tensors in data order. The tensors' byte ranges must tile the data
 * section exactly: no overlaps, no gaps, no trailing bytes.
 */
function parseHeader(
  file: string,
  headerBytes: Uint8Array,
  fileSize: number,
): SafetensorsHeader {
  const dataStart = 8 + headerBytes.length;
  const dataSize = fileSize - dataStart;
  let text: string;
  try {
    text = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true }).decode(
      headerBytes,
    );
  } catch (error) {
    throw new SafetensorsError(file, "the header is not valid UTF-8", {
      cause: error,
    });
  }
  let root: JsonValue;
  try {
    root = parseStrictJson(text);
  } catch (error) {
    if (!(error instanceof JsonSyntaxError)) throw error;
    if (error.duplicate?.depth === 1) {
      const what = error.duplicate.key === "__metadata__"
        ? "__metadata__ appears"
        : "the tensor name appears";
      throw new SafetensorsError(
        file,
        `${what} twice in the header (at character ${error.position})`,
        error.duplicate.key === "__metadata__"
          ? { cause: error }
          : { tensor: error.duplicate.key, cause: error },
      );
    }
    throw new SafetensorsError(
      file,
      `the header is not valid JSON: ${error.message}`,
      { cause: error },
    );
  }
  if (!(root instanceof Map)) {
    throw new SafetensorsError(
      file,
      `the header must be a JSON object, found ${jsonKind(root)}`,
    );
  }
  const metadata: [string, string][] = [];
  const entries: [string, TensorHeaderEntry][] = [];
  for (const [name, value] of root) {
    if (name === "__metadata__") {
      if (value === null) continue;
      if (!(value instanceof Map)) {
        throw new SafetensorsError(
          file,
          `__metadata__ must be an object of strings, found ${jsonKind(value)}`,
        );
      }
      for (const [key, text] of value) {
        if (typeof text !== "string") {
          throw new SafetensorsError(
            file,
            `__metadata__ value for key ${show(key)} must be a string, found ${
              jsonKind(text)
            }`,
          );
        }
        metadata.push([key, text]);
      }
    } else {
      entries.push([name, checkEntry(file, name, value, dataSize)]);
    }
  }
  entries.sort(([, a], [, b]) =>
    a.dataOffsets[0] - b.dataOffsets[0] || a.dataOffsets[1] - b.dataOffsets[1]
  );
  let covered = 0;
  let previous: [string, TensorHeaderEntry] | undefined;
  for (const [name, entry] of entries) {
    const [begin, end] = entry.dataOffsets;
    if (begin < covered) {
      const [other, { dataOffsets: [b, e] }] = previous!;
      throw new SafetensorsError(
        file,
        `data_offsets [${begin}, ${end}] overlap tensor ${
          show(other)
        }'s [${b}, ${e}]; tensors must not share bytes`,
        { tensor: name },
      );
    }
    if (begin > covered) {
      throw new SafetensorsError(
        file,
        `bytes [${covered}, ${begin}) of the data section belong to no tensor (the next is at data_offsets [${begin}, ${end}]); the tensors must cover the data section without gaps`,
        { tensor: name },
      );
    }
    covered = end;
    previous = [name, entry];
  }
  if (covered !== dataSize) {
    throw new SafetensorsError(
      file,
      `the data section is ${dataSize} bytes but the tensors cover only the first ${covered}; the tensors must cover it exactly`,
    );
  }
  return {
    tensors: new Map(entries),
    metadata: Object.fromEntries(metadata),
    dataStart,
    fileSize,
  };
}

/** Reads and checks the header of `source`. */
export async function readHeaderFrom(
  file: string,
  source: ByteSource,
): Promise<SafetensorsHeader> {
  const size = source.size;
  const prefix = size < 8 ? new Uint8Array(0) : await source.readAt(0, 8);
  const n = checkHeaderLength(file, prefix, size);
  return parseHeader(file, await source.readAt(8, n), size);
}

let f16Bits: Uint32Array | undefined;

/** float32 bits of every float16 bit pattern, built on first use. */
function f16Table(): Uint32Array {
  if (f16Bits) return f16Bits;
  const bits = new Uint32Array(65536);
  const floats = new Float32Array(bits.buffer);
  for (let h = 0; h < 65536; h++) {
    const sign = (h & 0x8000) << 16;
    const exponent = (h >> 10) & 0x1f;
    const mantissa = h & 0x3ff;
    if (exponent === 0) {
      floats[h] = mantissa * 2 ** -24; // zero and subnormals, exact
      bits[h] |= sign;
    } else if (exponent === 31) {
      bits[h] = sign | 0x7f800000 | (mantissa << 13); // ±Inf, NaN keeps its payload
    } else {
      bits[h] = sign | ((exponent + 112) << 23) | (mantissa << 13);
    }
  }
  f16Bits = bits;
  return bits;
}

/** The 256 values of each 8-bit float, made on first use. */
const fp8Tables = new Map<"F8_E4M3" | "F8_E5M2", Float32Array>();

/**
 * The value of every byte of an OCP 8-bit float, as float32 (exact): E4M3
 * (PyTorch's `float8_e4m3fn`: 4 exponent bits, bias 7, subnormals, no
 * infinities, S.1111.111 the only NaNs, max 448) or E5M2 (`float8_e5m2`:
 * 5 exponent bits, bias 15, IEEE-style: exponent 31 is ±Infinity with a zero
 * mantissa, else NaN; max 57344).
 */
function fp8Table(dtype: "F8_E4M3" | "F8_E5M2"): Float32Array {
  const cached = fp8Tables.get(dtype);
  if (cached !== undefined) return cached;
  const exponentBits = dtype === "F8_E4M3" ? 4 : 5;
  const mantissaBits = 7 - exponentBits;
  const bias = 2 ** (exponentBits - 1) - 1;
  const top = 2 ** exponentBits - 1;
  const steps = 2 ** mantissaBits;
  const table = new Float32Array(256);
  for (let byte = 0; byte < 256; byte++) {
    const sign = byte & 0x80 ? -1 : 1;
    const e = (byte >> mantissaBits) & top;
    const m = byte & (steps - 1);
    let magnitude: number;
    if (e === 0) magnitude = (m / steps) * 2 ** (1 - bias);
    else if (e === top && dtype === "F8_E5M2") {
      magnitude = m === 0 ? Infinity : NaN;
    } else if (e === top && m === steps - 1) magnitude = NaN;
    else magnitude = (1 + m / steps) * 2 ** (e - bias);
    table[byte] = sign * magnitude;
  }
  fp8Tables.set(dtype, table);
  return table;
}

function swapBytes(bytes: Uint8Array, width: number): void {
  for (let i = 0; i < bytes.length; i += width) {
    bytes.subarray(i, i + width).reverse();
  }
}

/** The tfjs dtype that a safetensors dtype loads as. */
export function loadDtype(
  dtype: SafetensorsDType,
): "float32" | "int32" | "bool" {
  if (dtype === "BOOL") return "bool";
  return dtype.startsWith("F") || dtype === "BF16" ? "float32" : "int32";
}

/**
 * Decodes little-endian elements of `dtype` (all of `bytes`, a whole number
 * of them) into the values the loader gives: float32 values for `F32`, `F16`,
 * `BF16`, the 8-bit floats and `F64` (F64 rounded to the nearest float32),
 * int32 for the
 * integer dtypes, bytes 0 or 1 for `BOOL`. Takes `bytes` over: the result may
 * share its memory. Values that tfjs cannot hold (an I64, U64 or U32 outside
 * int32, a BOOL byte other than 0 or 1) are a {@linkcode SafetensorsError}
 * naming the element by its index in the tensor: `first` is the index of the
 * first element of `bytes`.
 */
export function decodeElements(
  file: string,
  name: string,
  dtype: SafetensorsDType,
  bytes: Uint8Array,
  first = 0,
): Float32Array | Int32Array | Uint8Array {
  const width = ITEM_SIZE[dtype];
  const count = bytes.length / width;
  if (!Number.isInteger(count)) {
    throw new SafetensorsError(
      file,
      `${bytes.length} bytes are not a whole number of ${dtype} elements`,
      { tensor: name },
    );
  }
  if (bytes.byteOffset !== 0 || bytes.byteLength !== bytes.buffer.byteLength) {
    bytes = bytes.slice();
  }
  if (!LITTLE_ENDIAN && width > 1) swapBytes(bytes, width);
  const buffer = bytes.buffer as ArrayBuffer;
  const outOfRange = (index: number, value: bigint | number): never => {
    throw new SafetensorsError(
      file,
      `${dtype} element ${
        first + index
      } is ${value}, outside the int32 range [-2147483648, 2147483647] that tfjs can hold`,
      { tensor: name },
    );
  };
  switch (dtype) {
    case "F32":
      return new Float32Array(buffer, 0, count);
    case "F64":
      return new Float32Array(new Float64Array(buffer, 0, count));
    case "F16": {
      const table = f16Table();
      const halves = new Uint16Array(buffer, 0, count);
      const bits = new Uint32Array(count);
      for (let i = 0; i < count; i++) bits[i] = table[halves[i]];
      return new Float32Array(bits.buffer);
    }
    case "F8_E4M3":
    case "F8_E5M2": {
      const table = fp8Table(dtype);
      const values = new Float32Array(count);
      for (let i = 0; i < count; i++) values[i] = table[bytes[i]];
      return values;
    }
    case "BF16": {
      const halves = new Uint16Array(buffer, 0, count);
      const bits = new Uint32Array(count);
      for (let i = 0; i < count; i++) bits[i] = halves[i] << 16;
      return new Float32Array(bits.buffer);
    }
    case "I32":
      return new Int32Array(buffer, 0, count);
    case "I64":
    case "U64": {
      const wide = dtype === "I64"
        ? new BigInt64Array(buffer, 0, count)
        : new BigUint64Array(buffer, 0, count);
      const values = new Int32Array(count);
      for (let i = 0; i < count; i++) {
        const v = wide[i];
        if (v < -2147483648n || v > 2147483647n) outOfRange(i, v);
        values[i] = Number(v);
      }
      return values;
    }
    case "U32": {
      const wide = new Uint32Array(buffer, 0, count);
      for (let i = 0; i < count; i++) {
        if (wide[i] > 2147483647) outOfRange(i, wide[i]);
      }
      return new Int32Array(buffer, 0, count);
    }
    case "I16":
      return new Int32Array(new Int16Array(buffer, 0, count));
    case "U16":
      return new Int32Array(new Uint16Array(buffer, 0, count));
    case "I8":
      return new Int32Array(new Int8Array(buffer, 0, count));
    case "U8":
      return new Int32Array(bytes);
    case "BOOL": {
      const at = bytes.findIndex((b) => b > 1);
      if (at >= 0) {
        throw new SafetensorsError(
          file,
          `BOOL element ${first + at} is the byte ${
            bytes[at]
          }; BOOL bytes must be 0 or 1`,
          { tensor: name },
        );
      }
      return bytes;
    }
  }
}

/**
 * Turns a tensor's bytes (exactly `end - begin` of them) into a tfjs tensor,
 * decoded by {@linkcode decodeElements}.
 */
function decodeTensor(
  file: string,
  name: string,
  entry: TensorHeaderEntry,
  bytes: Uint8Array,
): tf.Tensor {
  const { dtype, shape } = entry;
  const width = ITEM_SIZE[dtype];
  const count = shape.reduce((a, b) => a * b, 1);
  if (bytes.length !== count * width) {
    throw new SafetensorsError(
      file,
      `the data must be ${count * width} bytes, found ${bytes.length}`,
      { tensor: name },
    );
  }
  if (count > MAX_ELEMENTS) {
    throw new SafetensorsError(
      file,
      `shape ${
        show(shape)
      } has ${count} elements, more than a tfjs tensor can hold (2^31 - 1)`,
      { tensor: name },
    );
  }
  return tf.tensor(
    decodeElements(file, name, dtype, bytes),
    shape,
    loadDtype(dtype),
  );
}

/** Reads one tensor's bytes from `source` and decodes them. */
export async function readTensor(
  file: string,
  source: ByteSource,
  header: SafetensorsHeader,
  name: string,
  entry: TensorHeaderEntry,
): Promise<tf.Tensor> {
  const [begin, end] = entry.dataOffsets;
  const count = entry.shape.reduce((a, b) => a * b, 1);
  if (count > MAX_ELEMENTS) {
    // Checked before reading, so no buffer is allocated for it.
    throw new SafetensorsError(
      file,
      `shape ${
        show(entry.shape)
      } has ${count} elements, more than a tfjs tensor can hold (2^31 - 1)`,
      { tensor: name },
    );
  }
  const bytes = await source.readAt(header.dataStart + begin, end - begin);
  return decodeTensor(file, name, entry, bytes);
}

/**
 * Loads the tensors of `source` (all of them, or those in `names`, in that
 * order), one read per tensor. On an error, disposes what it made and closes
 * the source.
 */
export async function loadFrom(
  file: string,
  source: ByteSource,
  names?: readonly string[],
): Promise<Map<string, tf.Tensor>> {
  const loaded = new Map<string, tf.Tensor>();
  try {
    const header = await readHeaderFrom(file, source);
    let wanted = header.tensors;
    if (names !== undefined) {
      const missing = names.filter((name) => !header.tensors.has(name));
      if (missing.length > 0) {
        const have = [...header.tensors.keys()];
        throw new SafetensorsError(
          file,
          `the file has no tensor named ${show(missing[0])}; it has ${
            have.length === 0
              ? "none"
              : `${have.slice(0, 10).map(show).join(", ")}${
                have.length > 10 ? `, … (${have.length} in all)` : ""
              }`
          }`,
          { tensor: missing[0] },
        );
      }
      const set = new Set(names);
      wanted = new Map([...header.tensors].filter(([name]) => set.has(name)));
    }
    for (const [name, entry] of wanted) {
      loaded.set(name, await readTensor(file, source, header, name, entry));
    }
    if (names === undefined) return loaded;
    return new Map(names.map((name) => [name, loaded.get(name)!]));
  } catch (error) {
    tf.dispose([...loaded.values()]);
    throw error;
  } finally {
    source.close();
  }
}

/**
 * Yields the tensors of `source` in data order, one read each; closes the
 * source when done, on an error, or when the caller stops early.
 */
export async function* iterateFrom(
  file: string,
  source: ByteSource,
): AsyncGenerator<[string, tf.Tensor]> {
  try {
    const header = await readHeaderFrom(file, source);
    for (const [name, entry] of header.tensors) {
      yield [name, await readTensor(file, source, header, name, entry)];
    }
  } finally {
    source.close();
  }
}

/** A tensor as the writer lays it out. */
export interface TensorLayout {
  name: string;
  dtype: SafetensorsDType;
  shape: readonly number[];
  byteLength: number;
}

/**
 * Encodes the length field and the header for tensors laid out contiguously
 * in the given order, padded with spaces so the data starts at a multiple of
 * 8. Metadata comes first, and is left out when empty.
 */
export function encodeHeader(
  tensors: readonly TensorLayout[],
  metadata: readonly [string, string][],
): Uint8Array {
  const parts: string[] = [];
  if (metadata.length > 0) {
    parts.push(
      `"__metadata__":{${
        metadata.map(([k, v]) => `${JSON.stringify(k)}:${JSON.stringify(v)}`)
          .join(",")
      }}`,
    );
  }
  let offset = 0;
  for (const { name, dtype, shape, byteLength } of tensors) {
    parts.push(
      `${JSON.stringify(name)}:{"dtype":"${dtype}","shape":[${
        shape.join(",")
      }],"data_offsets":[${offset},${offset + byteLength}]}`,
    );
    offset += byteLength;
  }
  const json = new TextEncoder().encode(`{${parts.join(",")}}`);
  const n = Math.ceil(json.length / 8) * 8;
  if (n > MAX_HEADER_BYTES) {
    throw new RangeError(
      `the safetensors header would be ${n} bytes, over the ${MAX_HEADER_BYTES}-byte limit readers accept (too many tensors, or too long names or metadata)`,
    );
  }
  const out = new Uint8Array(8 + n).fill(0x20, 8 + json.length);
  new DataView(out.buffer).setBigUint64(0, BigInt(n), true);
  out.set(json, 8);
  return out;
}

/** A tensor's data as little-endian bytes, for the writer. */
export function dataBytes(
  values: ArrayLike<number>,
  dtype: "F32" | "I32" | "BOOL",
): Uint8Array {
  if (dtype === "BOOL") {
    const out = new Uint8Array(values.length);
    for (let i = 0; i < out.length; i++) out[i] = values[i] ? 1 : 0;
    return out;
  }
  const typed = dtype === "F32"
    ? (values instanceof Float32Array ? values : Float32Array.from(values))
    : (values instanceof Int32Array ? values : Int32Array.from(values));
  const bytes = new Uint8Array(
    typed.buffer,
    typed.byteOffset,
    typed.byteLength,
  );
  if (LITTLE_ENDIAN) return bytes;
  const copy = bytes.slice();
  swapBytes(copy, 4);
  return copy;
}
