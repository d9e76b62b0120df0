/**
 * A safetensors file as a {@linkcode WeightFile}: the header read and checked
 * once, then tensors (or rows of one) read on demand.
 *
 * @module
 */
import type { tf } from "../tf.ts";
import {
  type ByteSource,
  ITEM_SIZE,
  readHeaderFrom,
  readTensor,
} from "./_format.ts";
import { SafetensorsError, type TensorHeaderEntry } from "./_types.ts";
import type { StoredWeight, WeightFile } from "./_weight_file.ts";

function reason(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/**
 * Opens a regular file as a ByteSource. What is not a regular file (a FIFO,
 * a device, a directory) is refused before it is opened: opening a FIFO for
 * reading blocks until a writer comes.
 */
export async function openRegularFile(path: string): Promise<ByteSource> {
  let info: Deno.FileInfo;
  try {
    info = await Deno.stat(path);
  } catch (error) {
    throw new SafetensorsError(path, `cannot open it: ${reason(error)}`, {
      cause: error,
    });
  }
  if (!info.isFile) {
    throw new SafetensorsError(
      path,
      `it is ${
        info.isDirectory
          ? "a directory"
          : info.isFifo
          ? "a FIFO"
          : "not a regular file"
      }`,
    );
  }
  let file: Deno.FsFile;
  try {
    file = await Deno.open(path, { read: true });
  } catch (error) {
    throw new SafetensorsError(path, `cannot open it: ${reason(error)}`, {
      cause: error,
    });
  }
  let closed = false;
  return {
    size: info.size,
    async readAt(offset: number, length: number): Promise<Uint8Array> {
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
        throw new SafetensorsError(path, `cannot read it: ${reason(error)}`, {
          cause: error,
        });
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
    },
    close(): void {
      if (!closed) {
        closed = true;
        file.close();
      }
    },
  };
}

/** A float16 bit pattern's value. */
function half(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exponent = (h >> 10) & 0x1f;
  const mantissa = h & 0x3ff;
  if (exponent === 0) return sign * mantissa * 2 ** -24;
  if (exponent === 31) return mantissa ? NaN : sign * Infinity;
  return sign * (1 + mantissa / 1024) * 2 ** (exponent - 15);
}

/**
 * Decodes `count` little-endian elements of `dtype` into `out` at `at`, as
 * the loader decodes them (float types to their float32 value, integers
 * exactly, BOOL as 0 or 1).
 */
function decodeInto(
  dtype: TensorHeaderEntry["dtype"],
  bytes: Uint8Array,
  count: number,
  out: Float64Array,
  at: number,
): void {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  for (let i = 0; i < count; i++) {
    let v: number;
    switch (dtype) {
      case "F32":
        v = view.getFloat32(4 * i, true);
        break;
      case "F64":
        v = Math.fround(view.getFloat64(8 * i, true));
        break;
      case "F16":
        v = half(view.getUint16(2 * i, true));
        break;
      case "BF16": {
        const u = new Uint32Array([view.getUint16(2 * i, true) << 16]);
        v = new Float32Array(u.buffer)[0];
        break;
      }
      case "I64":
        v = Number(view.getBigInt64(8 * i, true));
        break;
      case "U64":
        v = Number(view.getBigUint64(8 * i, true));
        break;
      case "I32":
        v = view.getInt32(4 * i, true);
        break;
      case "U32":
        v = view.getUint32(4 * i, true);
        break;
      case "I16":
        v = view.getInt16(2 * i, true);
        break;
      case "U16":
        v = view.getUint16(2 * i, true);
        break;
      case "I8":
        v = view.getInt8(i);
        break;
      case "U8":
      case "BOOL":
        v = bytes[i];
        break;
    }
    out[at + i] = v;
  }
}

/** The [rows, cols] matrix a weight of this shape is read as. */
export function matrixOf(shape: readonly number[]): [number, number] {
  if (shape.length === 0) return [1, 1];
  const cols = shape[shape.length - 1];
  const size = shape.reduce((a, b) => a * b, 1);
  return [cols === 0 ? 0 : size / cols, cols];
}

/** Checks row indices against a weight's row count. */
export function checkRows(
  weight: StoredWeight,
  rows: readonly number[],
  count: number,
): void {
  for (const r of rows) {
    if (!Number.isInteger(r) || r < 0 || r >= count) {
      throw new RangeError(
        `readRows: row ${r} of ${
          JSON.stringify(weight.name)
        } is outside [0, ${count})`,
      );
    }
  }
}

/**
 * Opens a safetensors file as a {@linkcode WeightFile} (format
 * `"safetensors"`): its header is read and checked completely, and its
 * tensors are described in data order. The file stays open until `close()`.
 */
export async function openSafetensorsWeights(
  path: string,
): Promise<WeightFile> {
  const source = await openRegularFile(path);
  let header;
  try {
    header = await readHeaderFrom(path, source);
  } catch (error) {
    source.close();
    throw error;
  }
  const entries = new Map<StoredWeight, [string, TensorHeaderEntry]>();
  const weights: StoredWeight[] = [];
  for (const [name, entry] of header.tensors) {
    const weight: StoredWeight = Object.freeze({
      name,
      shape: Object.freeze([...entry.shape]),
      dtype: entry.dtype === "BOOL"
        ? "bool"
        : entry.dtype.startsWith("F") || entry.dtype === "BF16"
        ? "float32"
        : "int32",
      storedDtype: entry.dtype,
      quantization: null,
      file: path,
      byteLength: entry.dataOffsets[1] - entry.dataOffsets[0],
    });
    entries.set(weight, [name, entry]);
    weights.push(weight);
  }
  const entryOf = (weight: StoredWeight): [string, TensorHeaderEntry] => {
    const found = entries.get(weight);
    if (!found) {
      throw new TypeError(
        `${path}: the weight ${
          JSON.stringify(weight?.name)
        } is not one of this file's`,
      );
    }
    return found;
  };
  return {
    format: "safetensors",
    path,
    weights: Object.freeze(weights),
    read(weight: StoredWeight): Promise<tf.Tensor> {
      const [name, entry] = entryOf(weight);
      return readTensor(path, source, header, name, entry);
    },
    async readRows(
      weight: StoredWeight,
      rows: readonly number[],
    ): Promise<Float64Array> {
      const [, entry] = entryOf(weight);
      const [count, cols] = matrixOf(entry.shape);
      checkRows(weight, rows, count);
      const width = ITEM_SIZE[entry.dtype];
      const out = new Float64Array(rows.length * cols);
      const base = header.dataStart + entry.dataOffsets[0];
      for (let i = 0; i < rows.length; i++) {
        const bytes = await source.readAt(
          base + rows[i] * cols * width,
          cols * width,
        );
        decodeInto(entry.dtype, bytes, cols, out, i * cols);
      }
      return out;
    },
    close(): void {
      source.close();
    },
  };
}
