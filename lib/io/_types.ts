/**
 * The error type and the header types of the safetensors reader and writer.
 * `lib/io/safetensors.ts` re-exports them.
 *
 * @module
 */
import { show } from "../validate.ts";

/**
 * An element type a safetensors file may hold, as the file's header spells
 * it.
 *
 * - `"F32"` loads as `float32`. `"F16"`, `"BF16"`, `"F8_E4M3"`, `"F8_E5M2"`
 *   and `"F64"` are converted to `float32` (exactly for the 16- and 8-bit
 *   floats; F64 rounds to the nearest float32, ties to even, and overflows to
 *   ±Infinity). The 8-bit floats are the OCP formats PyTorch calls
 *   `float8_e4m3fn` (bias 7, no infinities, max 448) and `float8_e5m2`
 *   (bias 15, with infinities): their raw values, as PyTorch loads them; a
 *   scale stored beside them in another tensor is not applied.
 * - `"I32"` loads as `int32`; `"I64"`, `"U64"` and `"U32"` load as `int32`
 *   when every value fits (else the load fails); `"I16"`, `"I8"`, `"U16"` and
 *   `"U8"` load as `int32`.
 * - `"BOOL"` loads as `bool`; its bytes must be 0 or 1.
 *
 * Other dtypes of the format (the 6- and 4-bit floats, `F8_E8M0`, complex)
 * are rejected as unsupported.
 *
 * @example
 * ```ts
 * import type { SafetensorsDType } from "./safetensors.ts";
 * import { assertEquals } from "@std/assert";
 *
 * const dtype: SafetensorsDType = "BF16";
 * assertEquals(dtype, "BF16");
 * ```
 */
export type SafetensorsDType =
  | "F64"
  | "F32"
  | "F16"
  | "BF16"
  | "F8_E4M3"
  | "F8_E5M2"
  | "I64"
  | "I32"
  | "I16"
  | "I8"
  | "U64"
  | "U32"
  | "U16"
  | "U8"
  | "BOOL";

/**
 * One tensor's entry in a safetensors header.
 *
 * @example
 * ```ts
 * import { readSafetensorsHeader, saveSafetensors } from "./safetensors.ts";
 * import { tf } from "../tf.ts";
 * import { assertEquals } from "@std/assert";
 *
 * const path = await Deno.makeTempFile({ suffix: ".safetensors" });
 * const w = tf.zeros([2, 3]);
 * await saveSafetensors(path, new Map([["w", w]]));
 * w.dispose();
 * const entry = (await readSafetensorsHeader(path)).tensors.get("w");
 * assertEquals(entry, { dtype: "F32", shape: [2, 3], dataOffsets: [0, 24] });
 * await Deno.remove(path);
 * ```
 */
export interface TensorHeaderEntry {
  /** The element type, as the file spells it. */
  dtype: SafetensorsDType;
  /** The shape; `[]` is a scalar. */
  shape: number[];
  /** `[begin, end)`: the tensor's bytes, relative to the start of the data section. */
  dataOffsets: [number, number];
}

/**
 * A safetensors file's header, checked: every tensor's shape matches its
 * byte range, and the ranges tile the data section exactly.
 *
 * @example
 * ```ts
 * import { readSafetensorsHeader, saveSafetensors } from "./safetensors.ts";
 * import { tf } from "../tf.ts";
 * import { assertEquals } from "@std/assert";
 *
 * const path = await Deno.makeTempFile({ suffix: ".safetensors" });
 * const b = tf.ones([4], "int32");
 * await saveSafetensors(path, new Map([["b", b]]), { format: "pt" });
 * b.dispose();
 * const header = await readSafetensorsHeader(path);
 * assertEquals(header.metadata, { format: "pt" });
 * assertEquals(header.dataStart % 8, 0);
 * assertEquals(header.fileSize, header.dataStart + 16);
 * await Deno.remove(path);
 * ```
 */
export interface SafetensorsHeader {
  /** The tensors, in the order of their data in the file. */
  tensors: Map<string, TensorHeaderEntry>;
  /** The `__metadata__` strings (empty when the file has none). */
  metadata: Record<string, string>;
  /** The byte offset where the data section starts (8 + the header length). */
  dataStart: number;
  /** The size of the file in bytes. */
  fileSize: number;
}

/**
 * What the safetensors reader throws for a file it cannot read: a malformed
 * or hostile file, a file that changed while being read, or a file that
 * cannot be opened (the operating system's error is the `cause`). The
 * message names the file and, where one is at fault, the tensor.
 *
 * @example
 * ```ts
 * import { loadSafetensors, SafetensorsError } from "./safetensors.ts";
 * import { assertInstanceOf, assertRejects, assertStringIncludes } from "@std/assert";
 *
 * const path = await Deno.makeTempFile({ suffix: ".safetensors" });
 * await Deno.writeFile(path, new Uint8Array([1, 2, 3]));
 * const error = await assertRejects(() => loadSafetensors(path));
 * assertInstanceOf(error, SafetensorsError);
 * assertStringIncludes(error.message, path);
 * await Deno.remove(path);
 * ```
 */
export class SafetensorsError extends Error {
  /** The path of the file. */
  readonly file: string;
  /** The tensor at fault, when there is one. */
  readonly tensor?: string;
  /** What is wrong, without the file and tensor. */
  readonly detail: string;

  /**
   * Makes the error; the message names the file and the tensor.
   *
   * @param file The path of the file.
   * @param detail What is wrong.
   * @param options The tensor at fault, and the underlying error.
   */
  constructor(
    file: string,
    detail: string,
    options: { tensor?: string; cause?: unknown } = {},
  ) {
    const where = options.tensor === undefined
      ? ""
      : `, tensor ${show(options.tensor)}`;
    super(
      `safetensors file ${JSON.stringify(file)}${where}: ${detail}`,
      "cause" in options ? { cause: options.cause } : undefined,
    );
    this.name = "SafetensorsError";
    this.file = file;
    this.detail = detail;
    if (options.tensor !== undefined) this.tensor = options.tensor;
  }
}
