/**
 * The contract every weights format's reader meets: a file (or a set of
 * shards) opened once, described tensor by tensor before any data is read,
 * then read one tensor (or a few rows of one) at a time.
 *
 * `load_weights.ts` finds a file's format and opens it with the format's
 * reader; `loadWeights`, `iterateWeights` and the report build on this.
 *
 * @module
 */
import type { tf } from "../tf.ts";
import { rangeError, typeError } from "../validate.ts";
import { loadDtype } from "./_format.ts";
import { type SafetensorsDType, SafetensorsError } from "./_types.ts";
import { ZipError } from "./_zip.ts";

/**
 * How a tfjs weight is quantised in its shard: `uint8` and `uint16` are
 * affine (value = q · scale + min, computed in Float64 and rounded once to
 * float32, as tfjs's decodeWeights gives it), and
 * `float16` is IEEE half precision.
 */
export interface Quantization {
  /** The stored element type. */
  dtype: "uint8" | "uint16" | "float16";
  /** The step between two stored levels (affine quantisation only). */
  scale?: number;
  /** The value of stored level 0 (affine quantisation only). */
  min?: number;
}

/** One tensor that a weights file holds, described before its data is read. */
export interface StoredWeight {
  /** Its name in the file: `"dense/kernel"`, `"Conv1/kernel"`, a node name. */
  name: string;
  /** Its shape (`[]` for a scalar). */
  shape: readonly number[];
  /** The dtype it loads as. */
  dtype: "float32" | "int32" | "bool";
  /**
   * The element type as stored: a safetensors dtype (`"F16"`, `"BF16"`, …;
   * a PyTorch checkpoint's dtypes are given by these names too: torch.float16
   * is `"F16"`) or a tfjs one (`"float32"`, `"int32"`, `"uint8"`,
   * `"uint16"`, `"float16"`).
   */
  storedDtype: string;
  /** The tfjs quantisation, or `null` where the weight is not quantised. */
  quantization: Quantization | null;
  /** The file its bytes start in (a shard, for sharded formats). */
  file: string;
  /** Its size in the file, in bytes. */
  byteLength: number;
}

/** The formats `openWeights` recognises. */
export type WeightFormat =
  | "safetensors"
  | "safetensors-sharded"
  | "tfjs-layers-model"
  | "tfjs-graph-model"
  | "tfjs-weights-manifest"
  | "pytorch"
  | "pytorch-sharded"
  | "npy"
  | "npz"
  | "hdf5"
  | "keras"
  | "flax-msgpack";

/** An open weights file, or set of shards. */
export interface WeightFile {
  /** Its format. */
  readonly format: WeightFormat;
  /** The path it was opened from. */
  readonly path: string;
  /** Its tensors, in file order. */
  readonly weights: readonly StoredWeight[];
  /**
   * Reads one weight as a tensor of its `dtype`, dequantised and decoded
   * exactly as its format's own reader would. The caller owns the tensor.
   */
  read(weight: StoredWeight): Promise<tf.Tensor>;
  /**
   * Reads some rows of the weight seen as a matrix [product of all axes but
   * the last, last] (a rank-1 weight is one row), decoded and dequantised as
   * `read` does, in Float64, row after row, reading only those rows' bytes.
   * This is how a tensor too large to load is sampled.
   */
  readRows(
    weight: StoredWeight,
    rows: readonly number[],
  ): Promise<Float64Array>;
  /** Closes every file it holds open. Safe to call twice. */
  close(): void;
}

/**
 * Checks `rows` for `readRows`: an array of integers in `[0, count)`, the
 * rows of `weight`.
 *
 * @throws {TypeError} If `rows` is not an array, or a row not a number.
 * @throws {RangeError} Naming the weight and the row, for a row outside the
 * weight or not an integer.
 *
 * @example
 * ```ts
 * import { checkRows } from "./_weight_file.ts";
 * import { assertThrows } from "@std/assert";
 *
 * const weight = { name: "w" } as Parameters<typeof checkRows>[0];
 * checkRows(weight, [0, 2, 2], 3);
 * assertThrows(
 *   () => checkRows(weight, [3], 3),
 *   RangeError,
 *   'readRows: rows[0] must be a row of "w", an integer in [0, 3), received 3',
 * );
 * ```
 */
export function checkRows(
  weight: StoredWeight,
  rows: readonly number[],
  count: number,
): void {
  if (!Array.isArray(rows)) {
    throw typeError("readRows", "rows", "an array of row indices", rows);
  }
  const what = `a row of ${
    JSON.stringify(weight.name)
  }, an integer in [0, ${count})`;
  for (let i = 0; i < rows.length; i++) {
    const r = rows[i];
    if (typeof r !== "number") {
      throw typeError("readRows", `rows[${i}]`, what, r);
    }
    if (!Number.isInteger(r) || r < 0 || r >= count) {
      throw rangeError("readRows", `rows[${i}]`, what, r);
    }
  }
}

/**
 * The description of a tensor stored unquantised with a safetensors element
 * type (a safetensors file's, or a PyTorch checkpoint's by the same names),
 * frozen.
 */
export function plainWeight(
  name: string,
  shape: readonly number[],
  dtype: SafetensorsDType,
  file: string,
  byteLength: number,
): StoredWeight {
  return Object.freeze({
    name,
    shape: Object.freeze([...shape]),
    dtype: loadDtype(dtype),
    storedDtype: dtype,
    quantization: null,
    file,
    byteLength,
  });
}

/**
 * The error for a `weight` passed to `method` of the file at `path` that is
 * not one of that file's own weights (another file's, or a copy).
 */
export function notOwnWeight(
  method: string,
  path: string,
  weight: unknown,
): TypeError {
  return typeError(
    method,
    "weight",
    `an element of the weights of ${JSON.stringify(path)}`,
    weight,
  );
}

/** At most this many bytes of consecutive rows are read at once. */
const RUN_BYTES = 16 * 2 ** 20;

/**
 * The runs of consecutive rows in `rows` (each `rowBytes` long), as index
 * ranges `[i, j)` of `rows`, each at most 16 MiB: `readRows` reads each run
 * with one read.
 *
 * @example
 * ```ts
 * import { rowRuns } from "./_weight_file.ts";
 * import { assertEquals } from "@std/assert";
 *
 * assertEquals(rowRuns([4, 5, 6, 2, 3, 3], 8), [[0, 3], [3, 5], [5, 6]]);
 * ```
 */
export function rowRuns(
  rows: readonly number[],
  rowBytes: number,
): [number, number][] {
  const runs: [number, number][] = [];
  for (let i = 0; i < rows.length;) {
    let j = i + 1;
    while (
      j < rows.length && rows[j] === rows[j - 1] + 1 &&
      (j + 1 - i) * rowBytes <= RUN_BYTES
    ) j++;
    runs.push([i, j]);
    i = j;
  }
  return runs;
}

/**
 * Turns the errors of the shared byte readers (a {@linkcode SafetensorsError}
 * of the file access, a {@linkcode ZipError}) into the caller's `fail`, which
 * names the file; other errors are returned as they are, to be rethrown.
 */
export function renameReadError(
  error: unknown,
  fail: (detail: string) => never,
): unknown {
  if (error instanceof SafetensorsError) fail(error.detail);
  if (error instanceof ZipError) {
    fail(`it is not a readable zip archive: ${error.message}`);
  }
  return error;
}

/**
 * The `fail` of a reader whose errors are plain `Error`s naming the file:
 * `fail(detail)` throws `${path}: ${detail}`.
 */
export function failIn(path: string): (detail: string) => never {
  return (detail: string): never => {
    throw new Error(`${path}: ${detail}`);
  };
}
