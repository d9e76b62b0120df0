/**
 * Helpers for the PyTorch checkpoint tests: a small writer of stored zip
 * archives (to build malformed and hostile checkpoints byte by byte), pickle
 * opcodes, and the committed fixtures.
 *
 * @module
 */
import { join } from "node:path";
import { concat } from "../_bytes.ts";

/** The folder of the committed checkpoint fixtures. */
export const TORCH_FIXTURES: string = join(
  import.meta.dirname!,
  "fixtures",
  "torch",
);

const encoder = new TextEncoder();

/** Concatenates byte arrays and numbers (each number one byte). */
export function bytesOf(
  ...parts: (Uint8Array | string | number)[]
): Uint8Array {
  return concat(
    ...parts.map((p) =>
      typeof p === "number"
        ? Uint8Array.of(p)
        : typeof p === "string"
        ? encoder.encode(p)
        : p
    ),
  );
}

/** Pickle opcodes, by name (pickletools' names). */
export const OP = {
  PROTO: 0x80,
  GLOBAL: 0x63,
  MARK: 0x28,
  TUPLE: 0x74,
  EMPTY_TUPLE: 0x29,
  EMPTY_DICT: 0x7d,
  EMPTY_LIST: 0x5d,
  APPEND: 0x61,
  SETITEM: 0x73,
  REDUCE: 0x52,
  BINPERSID: 0x51,
  BININT1: 0x4b,
  BINPUT: 0x71,
  BINGET: 0x68,
  NEWFALSE: 0x89,
  STOP: 0x2e,
} as const;

/** SHORT_BINUNICODE of `s`. */
export function str(s: string): Uint8Array {
  const b = encoder.encode(s);
  return bytesOf(0x8c, b.length, b);
}

/** GLOBAL `module name`. */
export function global(module: string, name: string): Uint8Array {
  return bytesOf(OP.GLOBAL, `${module}\n${name}\n`);
}

/** BININT of `n` (4 bytes). */
export function binint(n: number): Uint8Array {
  const b = new Uint8Array(5);
  b[0] = 0x4a;
  new DataView(b.buffer).setInt32(1, n, true);
  return b;
}

/** A tuple of small counts (BININT1 each). */
export function counts(values: number[]): Uint8Array {
  return bytesOf(OP.MARK, ...values.flatMap((v) => [OP.BININT1, v]), OP.TUPLE);
}

/**
 * A `_rebuild_tensor_v2` call on FloatStorage `key` of `numel` elements,
 * as torch pickles one tensor.
 */
export function tensorPickle(
  key: string,
  numel: number,
  offset: number,
  shape: number[],
  stride: number[],
  storageClass = "FloatStorage",
): Uint8Array {
  return bytesOf(
    global("torch._utils", "_rebuild_tensor_v2"),
    OP.MARK,
    OP.MARK,
    str("storage"),
    global("torch", storageClass),
    str(key),
    str("cpu"),
    binint(numel),
    OP.TUPLE,
    OP.BINPERSID,
    OP.BININT1,
    offset,
    counts(shape),
    counts(stride),
    OP.NEWFALSE,
    global("collections", "OrderedDict"),
    OP.EMPTY_TUPLE,
    OP.REDUCE,
    OP.TUPLE,
    OP.REDUCE,
  );
}

/** A whole pickle of a dict `{ name: tensor }` from {@linkcode tensorPickle}'s parts. */
export function stateDictPickle(items: [string, Uint8Array][]): Uint8Array {
  return bytesOf(
    OP.PROTO,
    2,
    OP.EMPTY_DICT,
    ...items.flatMap(([name, value]) => [str(name), value, OP.SETITEM]),
    OP.STOP,
  );
}

/** One entry of {@linkcode zipArchive}. */
export interface ZipItem {
  name: string;
  data: Uint8Array | string;
  /** The method the headers claim (0: stored); the data is written as is. */
  method?: number;
}

/**
 * A zip archive of the items, each written as is (stored) with the method
 * its item claims, CRC left 0 (the reader does not check it).
 */
export function zipArchive(items: ZipItem[]): Uint8Array {
  const locals: Uint8Array[] = [];
  const centrals: Uint8Array[] = [];
  let offset = 0;
  for (const item of items) {
    const name = encoder.encode(item.name);
    const data = typeof item.data === "string"
      ? encoder.encode(item.data)
      : item.data;
    const local = new Uint8Array(30 + name.length + data.length);
    const lv = new DataView(local.buffer);
    lv.setUint32(0, 0x04034b50, true);
    lv.setUint16(4, 20, true);
    lv.setUint16(8, item.method ?? 0, true);
    lv.setUint32(18, data.length, true);
    lv.setUint32(22, data.length, true);
    lv.setUint16(26, name.length, true);
    local.set(name, 30);
    local.set(data, 30 + name.length);
    const central = new Uint8Array(46 + name.length);
    const cv = new DataView(central.buffer);
    cv.setUint32(0, 0x02014b50, true);
    cv.setUint16(4, 20, true);
    cv.setUint16(6, 20, true);
    cv.setUint16(10, item.method ?? 0, true);
    cv.setUint32(20, data.length, true);
    cv.setUint32(24, data.length, true);
    cv.setUint16(28, name.length, true);
    cv.setUint32(42, offset, true);
    central.set(name, 46);
    locals.push(local);
    centrals.push(central);
    offset += local.length;
  }
  const directory = bytesOf(...centrals);
  const end = new Uint8Array(22);
  const ev = new DataView(end.buffer);
  ev.setUint32(0, 0x06054b50, true);
  ev.setUint16(8, items.length, true);
  ev.setUint16(10, items.length, true);
  ev.setUint32(12, directory.length, true);
  ev.setUint32(16, offset, true);
  return bytesOf(...locals, directory, end);
}

/** float32 values as little-endian bytes. */
export function f32Bytes(values: number[]): Uint8Array {
  return new Uint8Array(new Float32Array(values).buffer);
}
