/**
 * numpy's array files as {@linkcode WeightFile}s: one array (`.npy`,
 * `np.save`) or an archive of named arrays (`.npz`, `np.savez` and
 * `np.savez_compressed`), how JAX and Keras users often keep weights.
 *
 * A `.npy` file is the magic `\x93NUMPY`, a version, a header length, a
 * header that is a Python dict literal (`{'descr': '<f4', 'fortran_order':
 * False, 'shape': (3, 4), }`), then the elements, row-major or (Fortran
 * order) column-major. A `.npz` is a zip archive of `.npy` members, stored or
 * deflated; an array is named by its member's name without `.npy`.
 *
 * Object arrays (`'|O'`) hold pickled Python objects and are refused, as
 * `np.load(allow_pickle=False)` refuses them; so are structured dtypes and
 * big-endian arrays.
 *
 * @module
 */
import { basename } from "node:path";
import { show } from "../validate.ts";
import { type ByteSource, ITEM_SIZE, memorySource } from "./_format.ts";
import { openFor } from "./_safetensors_file.ts";
import {
  denseStrides,
  type StridedTensor,
  StridedWeightFile,
} from "./_strided.ts";
import type { SafetensorsDType } from "./_types.ts";
import { failIn, renameReadError, type WeightFile } from "./_weight_file.ts";
import {
  readZipEntries,
  readZipEntry,
  zipDataOffset,
  ZipError,
} from "./_zip.ts";

/** The first six bytes of a `.npy` file. */
export const NPY_MAGIC: Uint8Array = Uint8Array.of(
  0x93,
  0x4e,
  0x55,
  0x4d,
  0x50,
  0x59,
);

/** numpy's type strings (little-endian or byte-sized), as safetensors dtypes. */
const DESCRS: Record<string, SafetensorsDType> = {
  "<f8": "F64",
  "<f4": "F32",
  "<f2": "F16",
  "<i8": "I64",
  "<i4": "I32",
  "<i2": "I16",
  "|i1": "I8",
  "<u8": "U64",
  "<u4": "U32",
  "<u2": "U16",
  "|u1": "U8",
  "|b1": "BOOL",
};

/** A `.npy` header, read. */
interface NpyHeader {
  dtype: SafetensorsDType;
  shape: number[];
  fortran: boolean;
  /** Where the elements start, from the start of the `.npy` bytes. */
  dataStart: number;
}

/** The most bytes a `.npy` header may have (numpy's own limit is 10,000 for v1; v2 allows 4 GiB). */
const MAX_HEADER = 1 << 20;

/** How many bytes of a `.npy` to read to find its header's length. */
const PREAMBLE = 12;

/**
 * Reads a `.npy` header from `read` (bytes of the `.npy` from its start).
 * `what` names the array in messages.
 */
async function readHeader(
  read: (offset: number, length: number) => Promise<Uint8Array>,
  size: number,
  fail: (detail: string) => never,
): Promise<NpyHeader> {
  if (size < 10) fail(`it is ${size} bytes, shorter than a .npy preamble`);
  const pre = await read(0, Math.min(size, PREAMBLE));
  if (!NPY_MAGIC.every((b, i) => pre[i] === b)) {
    fail("it does not start with numpy's magic \\x93NUMPY");
  }
  const major = pre[6];
  const view = new DataView(pre.buffer, pre.byteOffset, pre.length);
  let length: number;
  let start: number;
  if (major === 1) {
    length = view.getUint16(8, true);
    start = 10;
  } else if (major === 2 || major === 3) {
    if (pre.length < 12) fail("its preamble is cut short");
    length = view.getUint32(8, true);
    start = 12;
  } else {
    return fail(
      `its .npy format version is ${major}.${pre[7]}; 1 to 3 are read`,
    );
  }
  if (length > MAX_HEADER || start + length > size) {
    fail(`its header length ${length} runs past the file`);
  }
  const text = new TextDecoder(major === 3 ? "utf-8" : "latin1").decode(
    await read(start, length),
  );
  return { ...parseHeader(text, fail), dataStart: start + length };
}

/** Parses the header's dict literal: descr, fortran_order, shape. */
function parseHeader(
  text: string,
  fail: (detail: string) => never,
): Omit<NpyHeader, "dataStart"> {
  const body = text.trim();
  const field = (key: string, value: string): string | undefined =>
    new RegExp(`['"]${key}['"]\\s*:\\s*(${value})`).exec(body)?.[1];
  const descr = field("descr", `'[^']*'|"[^"]*"|\\[`);
  const fortran = field("fortran_order", "True|False");
  const shape = field("shape", "\\([^)]*\\)");
  if (
    !body.startsWith("{") || descr === undefined || fortran === undefined ||
    shape === undefined
  ) {
    return fail(`its header ${show(body.slice(0, 200))} is not a .npy header`);
  }
  if (descr === "[") {
    return fail("it is a structured array (fields), which is not read");
  }
  const type = descr.slice(1, -1);
  if (type === "|O") {
    return fail(
      "it is an object array: its elements are pickled Python objects, which are not read",
    );
  }
  const native = type.replace(/^=/, "<");
  const dtype = DESCRS[native] ?? DESCRS[native.replace(/^</, "|")];
  if (dtype === undefined) {
    return fail(
      type.startsWith(">")
        ? `it is big-endian (${show(type)}); only little-endian arrays are read`
        : `its dtype ${show(type)} is not one tfjs can hold`,
    );
  }
  const dims = shape.slice(1, -1).split(",").map((d) => d.trim()).filter((d) =>
    d !== ""
  );
  if (!dims.every((d) => /^\d+L?$/.test(d))) {
    return fail(`its shape ${show(shape)} is not a tuple of counts`);
  }
  return {
    dtype,
    shape: dims.map((d) => Number.parseInt(d, 10)),
    fortran: fortran === "True",
  };
}

/** Checks that the array's elements fit in `size` bytes of `.npy`. */
function checkData(
  header: NpyHeader,
  size: number,
  fail: (detail: string) => never,
): void {
  const count = header.shape.reduce((a, b) => a * b, 1);
  const bytes = count * ITEM_SIZE[header.dtype];
  if (header.dataStart + bytes > size) {
    fail(
      `its shape [${
        header.shape.join(", ")
      }] needs ${bytes} bytes of data, but ${
        size - header.dataStart
      } follow the header`,
    );
  }
}

function tensorOf(
  name: string,
  header: NpyHeader,
  base: number,
  source: () => Promise<ByteSource>,
): StridedTensor {
  return {
    name,
    dtype: header.dtype,
    offset: 0,
    shape: header.shape,
    stride: denseStrides(header.shape, header.fortran),
    base,
    source,
  };
}

/**
 * Opens a `.npy` file (format `"npy"`): one array, named by the file's name
 * without its extension.
 *
 * @throws {Error} Naming the file: a malformed header, an object, structured
 * or big-endian array, or data cut short.
 */
export async function openNpyWeights(path: string): Promise<WeightFile> {
  const fail = failIn(path);
  const source = await openFor(path, fail);
  try {
    const header = await readHeader(
      (offset, length) => source.readAt(offset, length),
      source.size,
      fail,
    );
    checkData(header, source.size, fail);
    const name = basename(path).replace(/\.npy$/i, "");
    return new StridedWeightFile(
      "npy",
      path,
      [tensorOf(name, header, header.dataStart, () => Promise.resolve(source))],
      () => source.close(),
    );
  } catch (error) {
    source.close();
    throw error;
  }
}

/**
 * Opens a `.npz` archive (format `"npz"`) whose entries the caller has read:
 * every member must be a `.npy`, stored or deflated. A stored array is read
 * straight from the file; a deflated one is inflated on each read.
 *
 * @param notNpz Makes the error for a zip archive with a member that is not
 * a `.npy`.
 * @throws {Error} Naming the file and the array, as for `.npy`.
 */
export async function openNpzWeights(
  path: string,
  notNpz: (what: string) => Error,
): Promise<WeightFile> {
  const fail = failIn(path);
  const source = await openFor(path, fail);
  try {
    const entries = await readZipEntries(source);
    const other = entries.find((e) => !e.name.endsWith(".npy"));
    if (other !== undefined || entries.length === 0) {
      throw notNpz(
        entries.length === 0
          ? "it is an empty zip archive"
          : `it is a zip archive with ${
            show(other!.name)
          }, neither a PyTorch checkpoint (data.pkl) nor a numpy .npz (.npy members only)`,
      );
    }
    const tensors: StridedTensor[] = [];
    for (const entry of entries) {
      const name = entry.name.slice(0, -".npy".length);
      const failIn = (detail: string): never =>
        fail(`array ${show(name)}: ${detail}`);
      if (entry.method === 0) {
        const start = await zipDataOffset(source, entry);
        const header = await readHeader(
          (offset, length) => source.readAt(start + offset, length),
          entry.size,
          failIn,
        );
        checkData(header, entry.size, failIn);
        tensors.push(
          tensorOf(
            name,
            header,
            start + header.dataStart,
            () => Promise.resolve(source),
          ),
        );
      } else {
        // Deflated (or another method, which readZipEntry refuses).
        const head = await readZipEntry(source, entry, PREAMBLE + MAX_HEADER);
        const header = await readHeader(
          (offset, length) =>
            Promise.resolve(head.slice(offset, offset + length)),
          head.length,
          failIn,
        );
        const whole = async (): Promise<ByteSource> => {
          let bytes: Uint8Array;
          try {
            bytes = await readZipEntry(source, entry);
          } catch (error) {
            if (!(error instanceof ZipError)) throw error;
            return failIn(error.message);
          }
          checkData(header, bytes.length, failIn);
          return memorySource(path, bytes);
        };
        tensors.push(tensorOf(name, header, header.dataStart, whole));
      }
    }
    const names = new Set<string>();
    for (const { name } of tensors) {
      if (names.has(name)) fail(`two arrays are named ${show(name)}`);
      names.add(name);
    }
    return new StridedWeightFile("npz", path, tensors, () => source.close());
  } catch (error) {
    source.close();
    throw renameReadError(error, fail);
  }
}
