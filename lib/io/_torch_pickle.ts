/**
 * What a PyTorch checkpoint's object pickle may do, and what is taken from
 * it: the {@linkcode policy} under which `_pickle.ts` runs it (storage
 * classes, dtypes and the tensor rebuild functions make tensors; every other
 * global is an inert placeholder that only records its name, arguments and
 * state; tensor kinds that cannot be read are refused by name), and
 * {@linkcode collect}, which finds every tensor in the result and names it by
 * its path of keys.
 *
 * @module
 */
import { show } from "../validate.ts";
import { PickleDict, PickleTuple } from "./_pickle.ts";
import type { SafetensorsDType } from "./_types.ts";

/** The element type of each storage class (null: one tfjs cannot hold). */
const STORAGE_DTYPES: Record<string, SafetensorsDType | null> = {
  FloatStorage: "F32",
  DoubleStorage: "F64",
  HalfStorage: "F16",
  BFloat16Storage: "BF16",
  LongStorage: "I64",
  IntStorage: "I32",
  ShortStorage: "I16",
  CharStorage: "I8",
  ByteStorage: "U8",
  BoolStorage: "BOOL",
  UntypedStorage: "U8",
  ComplexFloatStorage: null,
  ComplexDoubleStorage: null,
  QInt8Storage: null,
  QUInt8Storage: null,
  QInt32Storage: null,
  QUInt4x2Storage: null,
  QUInt2x4Storage: null,
};

/** torch dtypes by the name they pickle as (null: one tfjs cannot hold). */
const DTYPES: Record<string, SafetensorsDType | null> = {
  float32: "F32",
  float: "F32",
  float64: "F64",
  double: "F64",
  float16: "F16",
  half: "F16",
  bfloat16: "BF16",
  float8_e4m3fn: "F8_E4M3",
  float8_e5m2: "F8_E5M2",
  int64: "I64",
  long: "I64",
  int32: "I32",
  int: "I32",
  int16: "I16",
  short: "I16",
  int8: "I8",
  uint8: "U8",
  bool: "BOOL",
  uint16: "U16",
  uint32: "U32",
  uint64: "U64",
  complex64: null,
  complex128: null,
  float8_e4m3fnuz: null,
  float8_e5m2fnuz: null,
};

/** A global the policy knows, as a token. */
class Global {
  constructor(readonly module: string, readonly name: string) {}
  get qualified(): string {
    return `${this.module}.${this.name}`;
  }
}

/** A storage class, from `torch.<Name>Storage`. */
class StorageType {
  constructor(readonly name: string, readonly dtype: SafetensorsDType | null) {}
}

/** A dtype, from `torch.<name>`. */
class DType {
  constructor(readonly name: string, readonly dtype: SafetensorsDType | null) {}
}

/** A global outside the known set: a name, never imported or run. */
class Opaque {
  constructor(readonly qualified: string) {}
}

/**
 * What a pickle made by calling (REDUCE, NEWOBJ) something it named: the
 * name, the arguments, and the state a BUILD gave it (its attributes).
 */
class OpaqueObject {
  state: unknown = undefined;
  constructor(readonly qualified: string, readonly args: readonly unknown[]) {}
}

/** A storage the object refers to by persistent id. */
export class Storage {
  constructor(
    readonly key: string,
    readonly type: StorageType,
    /** Its size in elements of its class (bytes for UntypedStorage). */
    readonly numel: number,
  ) {}
}

/** A tensor: a view of a storage. */
export interface TensorView {
  storage: Storage;
  dtype: SafetensorsDType;
  offset: number;
  shape: number[];
  stride: number[];
}

class TensorRef {
  constructor(readonly view: TensorView) {}
}

const ALLOWED_CALLS = new Set([
  "collections.OrderedDict",
  "torch._utils._rebuild_tensor",
  "torch._utils._rebuild_tensor_v2",
  "torch._utils._rebuild_tensor_v3",
  "torch._utils._rebuild_parameter",
  "torch._utils._rebuild_parameter_with_state",
  "torch._tensor._rebuild_from_type_v2",
  "_codecs.encode",
]);

/** Refusals that say what the global is, where we know. */
const KNOWN_REFUSALS: Record<string, string> = {
  "torch._utils._rebuild_qtensor": "a quantized tensor",
  "torch._utils._rebuild_sparse_tensor": "a sparse tensor",
  "torch._utils._rebuild_nested_tensor": "a nested tensor",
  "torch._utils._rebuild_wrapper_subclass": "a tensor subclass",
  "torch._utils._rebuild_meta_tensor_no_storage": "a meta tensor (no data)",
  "torch._utils._rebuild_device_tensor_from_numpy": "a device tensor",
  "torch._utils._rebuild_device_tensor_from_cpu_tensor": "a device tensor",
};

function isCount(x: unknown): x is number {
  return typeof x === "number" && Number.isSafeInteger(x) && x >= 0;
}

function counts(x: unknown): number[] | null {
  const items = x instanceof PickleTuple
    ? x.items
    : Array.isArray(x)
    ? x
    : null;
  if (items === null || !items.every(isCount)) return null;
  return [...items] as number[];
}

/** The policy under which the object pickle runs. */
export function policy(
  fail: (detail: string) => never,
  storages: Map<string, Storage>,
) {
  const tensor = (
    storage: unknown,
    offset: unknown,
    size: unknown,
    stride: unknown,
    dtype: DType | null,
  ): TensorRef => {
    if (!(storage instanceof Storage)) {
      return fail(`a tensor's storage is ${show(storage)}, not a storage`);
    }
    const s = storage;
    const shape = counts(size);
    const strides = counts(stride);
    if (!isCount(offset) || shape === null || strides === null) {
      fail(
        `a tensor of storage ${show(s.key)} has offset ${show(offset)}, ` +
          `size ${show(size)}, stride ${show(stride)}: not counts`,
      );
    }
    if (shape!.length !== strides!.length) {
      fail(
        `a tensor of storage ${show(s.key)} has ${shape!.length} sizes and ${
          strides!.length
        } strides`,
      );
    }
    const element = dtype?.dtype ?? s.type.dtype;
    if (element === null || element === undefined) {
      fail(
        `a tensor of storage ${show(s.key)} is ${
          dtype?.name ?? s.type.name
        }, which tfjs cannot hold`,
      );
    }
    return new TensorRef({
      storage: s,
      dtype: element!,
      offset: offset as number,
      shape: shape!,
      stride: strides!,
    });
  };
  return {
    global(module: string, name: string): unknown {
      const qualified = `${module}.${name}`;
      if (module === "torch" && name in STORAGE_DTYPES) {
        return new StorageType(name, STORAGE_DTYPES[name]);
      }
      if (module === "torch" && name in DTYPES) {
        return new DType(name, DTYPES[name]);
      }
      if (ALLOWED_CALLS.has(qualified)) return new Global(module, name);
      const known = KNOWN_REFUSALS[qualified];
      if (known !== undefined) {
        return fail(`it holds ${known} (${qualified}), which is not read`);
      }
      return new Opaque(qualified);
    },
    call(fn: unknown, args: readonly unknown[]): unknown {
      if (fn instanceof Opaque) return new OpaqueObject(fn.qualified, args);
      if (fn instanceof OpaqueObject) {
        return new OpaqueObject(`${fn.qualified}(…)`, args);
      }
      if (!(fn instanceof Global)) {
        return fail(`its pickle calls ${show(fn)}, which is not a function`);
      }
      switch (fn.qualified) {
        case "collections.OrderedDict": {
          const d = new PickleDict();
          const items = args[0];
          if (Array.isArray(items)) {
            for (const item of items) {
              if (item instanceof PickleTuple && item.items.length === 2) {
                d.entries.set(item.items[0], item.items[1]);
              }
            }
          }
          return d;
        }
        case "torch._utils._rebuild_tensor":
        case "torch._utils._rebuild_tensor_v2":
          return tensor(args[0], args[1], args[2], args[3], null);
        case "torch._utils._rebuild_tensor_v3": {
          const dtype = args[6];
          if (!(dtype instanceof DType)) {
            return fail(`_rebuild_tensor_v3 has dtype ${show(dtype)}`);
          }
          return tensor(args[0], args[1], args[2], args[3], dtype);
        }
        case "torch._utils._rebuild_parameter":
        case "torch._utils._rebuild_parameter_with_state":
          return args[0];
        case "torch._tensor._rebuild_from_type_v2": {
          // (func, subclass, args, state): the tensor is func(*args).
          const [func, , inner] = args;
          if (!(func instanceof Global) || !(inner instanceof PickleTuple)) {
            return fail(`_rebuild_from_type_v2 of ${show(func)}`);
          }
          return this.call(func, inner.items);
        }
        case "_codecs.encode":
          // Protocol 2 writes Python 3 bytes as encode(str, "latin1").
          if (typeof args[0] === "string") {
            return Uint8Array.from(args[0], (c) => c.charCodeAt(0) & 0xff);
          }
          return fail(`_codecs.encode of ${show(args[0])}`);
      }
      return fail(`its pickle calls ${fn.qualified}`);
    },
    build(target: unknown, state: unknown): void {
      // An object's attributes are kept, to find tensors in. Others (a
      // state_dict's _metadata: module versions) hold no weights.
      if (target instanceof OpaqueObject) target.state = state;
    },
    persistent(pid: unknown): unknown {
      const items = pid instanceof PickleTuple ? pid.items : null;
      if (
        items === null || items.length < 5 || items[0] !== "storage" ||
        !(items[1] instanceof StorageType) || typeof items[2] !== "string" ||
        !isCount(items[4])
      ) {
        return fail(`a persistent id ${show(pid)} is not a storage`);
      }
      if (items.length > 5 && items[5] !== null) {
        return fail("it holds a view of a legacy storage, which is not read");
      }
      const [, type, key, , numel] = items as [
        string,
        StorageType,
        string,
        unknown,
        number,
      ];
      const known = storages.get(key);
      if (known !== undefined) {
        if (known.type !== type && known.type.name !== type.name) {
          fail(
            `storage ${show(key)} is both ${known.type.name} and ${type.name}`,
          );
        }
        return known;
      }
      const storage = new Storage(key, type, numel);
      storages.set(key, storage);
      return storage;
    },
  };
}

/** A dict's entries whose keys can name a path (strings, numbers, booleans). */
function entriesOf(dict: PickleDict): [string, unknown][] {
  const out: [string, unknown][] = [];
  for (const [key, child] of dict.entries) {
    if (
      typeof key === "string" || typeof key === "number" ||
      typeof key === "bigint" || typeof key === "boolean"
    ) {
      out.push([String(key), child]);
    }
  }
  return out;
}

/**
 * Every tensor in `root`, named by its path of keys, in the order the object
 * holds them. Each container is walked once (so shared or cyclic references
 * cannot blow up), without recursion.
 */
export function collect(
  root: unknown,
  fail: (detail: string) => never,
): [string, TensorView][] {
  const found: [string, TensorView][] = [];
  const names = new Set<string>();
  const seen = new Set<unknown>();
  const stack: [string, unknown][] = [["", root]];
  while (stack.length > 0) {
    const [path, value] = stack.pop()!;
    if (value instanceof TensorRef) {
      const name = path === "" ? "tensor" : path;
      if (names.has(name)) fail(`two tensors are named ${show(name)}`);
      names.add(name);
      found.push([name, value.view]);
      continue;
    }
    let children: [string, unknown][];
    if (value instanceof PickleDict) {
      children = entriesOf(value);
    } else if (value instanceof OpaqueObject) {
      // An object's attributes; an nn.Module's by state_dict name.
      const state = value.state;
      if (!(state instanceof PickleDict)) continue;
      const has = (key: string) => state.entries.get(key) instanceof PickleDict;
      children = has("_parameters") || has("_modules")
        ? ["_parameters", "_buffers", "_modules"].flatMap((key) =>
          has(key) ? entriesOf(state.entries.get(key) as PickleDict) : []
        )
        : entriesOf(state);
    } else if (Array.isArray(value) || value instanceof PickleTuple) {
      const items = Array.isArray(value) ? value : value.items;
      children = items.map((child, i) => [String(i), child]);
    } else continue;
    if (seen.has(value)) continue;
    seen.add(value);
    for (let i = children.length - 1; i >= 0; i--) {
      const [key, child] = children[i];
      stack.push([path === "" ? key : `${path}.${key}`, child]);
    }
  }
  return found;
}
