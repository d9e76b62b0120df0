/**
 * Flax checkpoints in msgpack (`flax.serialization.to_bytes`: the Hugging
 * Face Hub's `flax_model.msgpack`) as {@linkcode WeightFile}s.
 *
 * The state is a nested map of string keys; an array is msgpack extension 1
 * holding `(shape, dtype name, C-order bytes)`, a numpy scalar extension 3
 * with the same payload, and an array over 2³⁰ bytes a map
 * `{__msgpack_chunked_array__: true, shape: {"0": …}, chunks: {"0": flat
 * chunk, …}}`. Every array is a weight named by its path of keys joined with
 * `/` (`params/Dense_0/kernel`, as `flax.traverse_util.flatten_dict(…,
 * sep="/")` names it), in the file's order (keys that are integers, such as a
 * tuple's, first, as JavaScript orders them).
 *
 * msgpack has no index, so the whole file is read and decoded (with the
 * `@msgpack/msgpack` package, imported on first use) once when it is opened; only where each
 * array's bytes lie is kept, and arrays are read from the file on demand.
 * Complex arrays (extension 2) are refused by name.
 *
 * @module
 */
import { show } from "../validate.ts";
import { type ByteSource, ITEM_SIZE } from "./_format.ts";
import { openFor } from "./_safetensors_file.ts";
import {
  denseStrides,
  type StridedTensor,
  StridedWeightFile,
} from "./_strided.ts";
import type { SafetensorsDType } from "./_types.ts";
import { failIn, renameReadError, type WeightFile } from "./_weight_file.ts";

/** numpy and ml_dtypes names, as safetensors dtypes. */
const DTYPES: Record<string, SafetensorsDType> = {
  float64: "F64",
  float32: "F32",
  float16: "F16",
  bfloat16: "BF16",
  float8_e4m3fn: "F8_E4M3",
  float8_e5m2: "F8_E5M2",
  int64: "I64",
  int32: "I32",
  int16: "I16",
  int8: "I8",
  uint64: "U64",
  uint32: "U32",
  uint16: "U16",
  uint8: "U8",
  bool: "BOOL",
};

/** Where one array's bytes lie in the file. */
class ArrayRef {
  constructor(
    readonly shape: number[],
    readonly dtype: SafetensorsDType,
    /** The byte offset of its data in the file. */
    readonly offset: number,
    readonly bytes: number,
  ) {}
}

/** Whether a msgpack value is a map (decoded as a plain object). */
function isMap(x: unknown): x is Record<string, unknown> {
  return typeof x === "object" && x !== null && !Array.isArray(x) &&
    !(x instanceof ArrayRef) && !(x instanceof Uint8Array);
}

/** A tuple flax stored as a map `{"0": …, "1": …}`, as an array of counts. */
function countsOf(x: unknown): number[] | null {
  if (!isMap(x)) return null;
  const values = Object.keys(x).map((_, i) => x[String(i)]);
  return values.every((v) => Number.isSafeInteger(v) && (v as number) >= 0)
    ? values as number[]
    : null;
}

/** A ByteSource of the concatenation of ranges of `source`. */
function spliced(
  source: ByteSource,
  ranges: readonly { offset: number; bytes: number }[],
): ByteSource {
  const size = ranges.reduce((n, r) => n + r.bytes, 0);
  return {
    size,
    async readAt(offset: number, length: number): Promise<Uint8Array> {
      const out = new Uint8Array(length);
      let start = 0;
      for (const range of ranges) {
        const end = start + range.bytes;
        // The part of [offset, offset + length) inside this range.
        const lo = Math.max(offset, start);
        const hi = Math.min(offset + length, end);
        if (lo < hi) {
          out.set(
            await source.readAt(range.offset + (lo - start), hi - lo),
            lo - offset,
          );
        }
        start = end;
      }
      return out;
    },
    close(): void {},
  };
}

/**
 * Opens a Flax msgpack checkpoint (format `"flax-msgpack"`).
 *
 * @throws {Error} Naming the file: not msgpack, a malformed array, a complex
 * array, a chunked array whose chunks do not make its shape.
 */
export async function openMsgpackWeights(path: string): Promise<WeightFile> {
  const fail = failIn(path);
  const source = await openFor(path, fail);
  try {
    // Imported here, not at the top: nothing is loaded for it until a
    // msgpack file is opened.
    const { decode, ExtensionCodec } = await import("@msgpack/msgpack");
    const bytes = await source.readAt(0, source.size);
    const codec = new ExtensionCodec();
    const array = (data: Uint8Array): ArrayRef => {
      const payload = decode(data);
      if (!Array.isArray(payload) || payload.length !== 3) {
        return fail("an array's payload is not (shape, dtype, bytes)");
      }
      const [shape, name, raw] = payload;
      const dtype = DTYPES[name as string];
      if (dtype === undefined) {
        return fail(`an array's dtype ${show(name)} is not one tfjs can hold`);
      }
      if (
        !Array.isArray(shape) ||
        !shape.every((d) => Number.isSafeInteger(d) && d >= 0) ||
        !(raw instanceof Uint8Array)
      ) {
        return fail(`an array's shape ${show(shape)} or data is malformed`);
      }
      const count = (shape as number[]).reduce((a, b) => a * b, 1);
      if (raw.length !== count * ITEM_SIZE[dtype]) {
        fail(
          `an array of shape [${
            shape.join(", ")
          }] and dtype ${name} has ${raw.length} bytes, not ${
            count * ITEM_SIZE[dtype]
          }`,
        );
      }
      // `raw` is a view of `bytes`, the whole file: its offset is the file's.
      return new ArrayRef(shape as number[], dtype, raw.byteOffset, raw.length);
    };
    codec.register({ type: 1, encode: () => null, decode: array });
    codec.register({ type: 3, encode: () => null, decode: array });
    codec.register({
      type: 2,
      encode: () => null,
      decode: () => fail("it holds a complex number, which tfjs cannot hold"),
    });
    let root: unknown;
    try {
      root = decode(bytes, { extensionCodec: codec });
    } catch (error) {
      if (error instanceof Error && error.message.startsWith(path)) throw error;
      return fail(`it is not msgpack: ${(error as Error).message}`);
    }
    const tensors: StridedTensor[] = [];
    const own = () => Promise.resolve(source);
    const stack: [string, unknown][] = [["", root]];
    while (stack.length > 0) {
      const [name, value] = stack.pop()!;
      if (value instanceof ArrayRef) {
        tensors.push({
          name,
          dtype: value.dtype,
          offset: 0,
          shape: value.shape,
          stride: denseStrides(value.shape),
          base: value.offset,
          source: own,
        });
        continue;
      }
      if (!isMap(value)) continue;
      if (value.__msgpack_chunked_array__ === true) {
        tensors.push(chunked(name, value, source, fail));
        continue;
      }
      const keys = Object.keys(value);
      for (let i = keys.length - 1; i >= 0; i--) {
        stack.push([
          name === "" ? keys[i] : `${name}/${keys[i]}`,
          value[keys[i]],
        ]);
      }
    }
    return new StridedWeightFile(
      "flax-msgpack",
      path,
      tensors,
      () => source.close(),
    );
  } catch (error) {
    source.close();
    throw renameReadError(error, fail);
  }
}

/** A chunked array: its flat chunks, in order, read as one run of elements. */
function chunked(
  name: string,
  value: Record<string, unknown>,
  source: ByteSource,
  fail: (detail: string) => never,
): StridedTensor {
  const shape = countsOf(value.shape);
  const chunks = isMap(value.chunks)
    ? Object.keys(value.chunks).map((_, i) =>
      (value.chunks as Record<string, unknown>)[String(i)]
    )
    : null;
  if (
    shape === null || chunks === null || chunks.length === 0 ||
    !chunks.every((c) => c instanceof ArrayRef)
  ) {
    return fail(`chunked array ${show(name)} is malformed`);
  }
  const parts = chunks as ArrayRef[];
  const dtype = parts[0].dtype;
  const count = shape.reduce((a, b) => a * b, 1);
  const total = parts.reduce((n, p) => n + p.bytes, 0);
  if (
    !parts.every((p) => p.dtype === dtype && p.shape.length === 1) ||
    total !== count * ITEM_SIZE[dtype]
  ) {
    fail(
      `chunked array ${
        show(name)
      }: its chunks (${total} bytes) do not make shape [${
        shape.join(", ")
      }] of ${dtype}`,
    );
  }
  const joined = spliced(source, parts);
  return {
    name,
    dtype,
    offset: 0,
    shape,
    stride: denseStrides(shape),
    base: 0,
    source: () => Promise.resolve(joined),
  };
}
