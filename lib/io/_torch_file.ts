/**
 * PyTorch checkpoints (`torch.save`: `pytorch_model.bin`, `*.pt`, `*.pth`)
 * as {@linkcode WeightFile}s, without running the pickle inside them.
 *
 * Two layouts are read:
 * - the zip archive of PyTorch 1.6 and later: `<folder>/data.pkl` and each
 *   storage's bytes in `<folder>/data/<key>`, stored uncompressed;
 * - the legacy stream of earlier versions: five pickles (magic number,
 *   protocol 1001, system info, the object, the storage keys), then each
 *   storage as an 8-byte element count and its bytes.
 *
 * Nothing in the pickle is run. Dicts, `collections.OrderedDict`, lists,
 * tuples, numbers and strings are read as data; the storage classes, dtypes,
 * `torch._utils._rebuild_tensor(_v2, _v3)`, `_rebuild_parameter` and
 * `torch._tensor._rebuild_from_type_v2` make tensors. Any other global
 * (`argparse.Namespace`, a model's own class in a pickled `nn.Module`, or a
 * hostile file's `os.system`) is never imported or called: it stands as an
 * inert placeholder that only records its name and arguments, and tensors are
 * taken from its attributes. Tensor kinds that cannot be read (quantized,
 * sparse, nested) are refused by name, so no weight is dropped silently.
 *
 * Every tensor anywhere in the object is a weight, named by its path of keys
 * joined with `.` (`encoder.weight`, `model.fc.weight`,
 * `optimizer.state.0.exp_avg`); inside a pickled `nn.Module` the path is its
 * `state_dict()` name (`fc1.weight`: the `_parameters`, `_buffers` and
 * `_modules` levels are left out).
 *
 * A tensor is a view of a storage: an offset, a shape and strides. Views that
 * are contiguous are read as one byte range; others (a transposed tied
 * weight, a broadcast row) are gathered from the storage's bytes.
 *
 * @module
 */
import { dirname, join } from "node:path";
import type { tf } from "../tf.ts";
import { show } from "../validate.ts";
import { type ByteSource, ITEM_SIZE } from "./_format.ts";
import { PickleDict, PickleError, PickleTuple, unpickle } from "./_pickle.ts";
import {
  checkShardContents,
  openRegularFile,
  readShardIndex,
  shardFailure,
  type ShardIndex,
} from "./_safetensors_file.ts";
import { extent, StridedWeightFile } from "./_strided.ts";
import { type SafetensorsDType, SafetensorsError } from "./_types.ts";
import {
  notOwnWeight,
  renameReadError,
  type StoredWeight,
  type WeightFile,
} from "./_weight_file.ts";
import { readZipEntries, zipDataOffset, type ZipEntry } from "./_zip.ts";

/** The first bytes of a legacy checkpoint: PROTO 2, LONG1 of the magic number. */
export const LEGACY_MAGIC: Uint8Array = Uint8Array.of(
  0x80,
  0x02,
  0x8a,
  0x0a,
  0x6c,
  0xfc,
  0x9c,
  0x46,
  0xf9,
  0x20,
  0x6a,
  0xa8,
  0x50,
  0x19,
);

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
class Storage {
  constructor(
    readonly key: string,
    readonly type: StorageType,
    /** Its size in elements of its class (bytes for UntypedStorage). */
    readonly numel: number,
  ) {}
}

/** A tensor: a view of a storage. */
interface TensorView {
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
function policy(
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
function collect(
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

/** Where a storage's bytes are, in the file. */
interface StorageBytes {
  offset: number;
  bytes: number;
}

/** A view may repeat its storage's elements (stride 0) up to this many elements. */
const MAX_REPEATED = 2 ** 24;

/** data.pkl (or a legacy object pickle) above this is no state dict's. */
const MAX_PICKLE_BYTES = 1024 * 2 ** 20;

/** Reads the whole of a zip entry (data.pkl, byteorder). */
async function readEntry(
  source: ByteSource,
  entry: ZipEntry,
): Promise<Uint8Array> {
  return await source.readAt(await zipDataOffset(source, entry), entry.size);
}

/**
 * Checks that every tensor lies inside its storage, and its storage inside
 * the file.
 */
function checkViews(
  tensors: [string, TensorView][],
  records: Map<string, StorageBytes>,
  fail: (detail: string) => never,
): void {
  for (const [name, view] of tensors) {
    const record = records.get(view.storage.key);
    if (record === undefined) {
      fail(
        `tensor ${show(name)}: its storage ${
          show(view.storage.key)
        } is not in the file`,
      );
    }
    const width = ITEM_SIZE[view.dtype];
    const { count, last } = extent(view);
    if (count * width > record!.bytes && count > MAX_REPEATED) {
      // Stride 0 repeats elements: a view far larger than its storage is
      // no weight, and would only make huge allocations.
      fail(
        `tensor ${show(name)} of shape [${view.shape.join(", ")}] repeats the ${
          record!.bytes
        } bytes of its storage (stride 0) over ${count} elements`,
      );
    }
    if (count > 0 && (last + 1) * width > record!.bytes) {
      fail(
        `tensor ${show(name)} (offset ${view.offset}, shape [${
          view.shape.join(", ")
        }], strides [${view.stride.join(", ")}]) reaches byte ${
          (last + 1) * width
        } of storage ${show(view.storage.key)}, which holds ${record!.bytes}`,
      );
    }
  }
}

/**
 * Opens a PyTorch checkpoint, either layout.
 *
 * @param path The file.
 * @param notTorch Makes the error for a zip archive that is no checkpoint
 * (what it is, in words).
 * @throws {Error} Naming the file: a tensor kind that cannot be read
 * (quantized, sparse, complex), a TorchScript archive, a big-endian file, a
 * compressed record, a tensor outside its storage, or a malformed archive or
 * pickle.
 */
export async function openTorchWeights(
  path: string,
  notTorch: (what: string) => Error,
): Promise<WeightFile> {
  const fail = (detail: string): never => {
    throw new Error(`${path}: ${detail}`);
  };
  let source: ByteSource;
  try {
    source = await openRegularFile(path);
  } catch (error) {
    throw renameReadError(error, fail);
  }
  try {
    const head = await source.readAt(0, Math.min(source.size, 4));
    const legacy = head[0] === 0x80;
    const storages = new Map<string, Storage>();
    const run = (bytes: Uint8Array, start = 0) => {
      try {
        return unpickle(bytes, policy(fail, storages), start);
      } catch (error) {
        if (error instanceof PickleError) {
          if (error.truncated && legacy) throw error;
          fail(`its pickle is malformed: ${error.message}`);
        }
        throw error;
      }
    };
    let tensors: [string, TensorView][];
    const records = new Map<string, StorageBytes>();
    if (!legacy) {
      const entries = await readZipEntries(source);
      const pickles = entries.filter((e) => /^[^/]+\/data\.pkl$/.test(e.name));
      if (pickles.length !== 1) {
        throw notTorch(
          pickles.length === 0
            ? "it is a zip archive without a data.pkl, not a torch.save checkpoint"
            : "it is a zip archive with several data.pkl, not one torch.save checkpoint",
        );
      }
      const prefix = pickles[0].name.slice(0, -"data.pkl".length);
      const byName = new Map(entries.map((e) => [e.name, e]));
      if (byName.has(`${prefix}constants.pkl`)) {
        fail(
          "it is a TorchScript archive (torch.jit.save), whose weights live in its code; " +
            "save the model's state_dict() with torch.save and open that",
        );
      }
      const order = byName.get(`${prefix}byteorder`);
      if (order !== undefined) {
        const text = new TextDecoder().decode(await readEntry(source, order));
        if (text !== "little") {
          fail(
            `its byte order is ${
              show(text)
            }; only little-endian checkpoints are read`,
          );
        }
      }
      for (const entry of [pickles[0]]) {
        if (entry.method !== 0) {
          fail(
            `${entry.name} is compressed (method ${entry.method}); torch.save stores it uncompressed`,
          );
        }
        if (entry.size > MAX_PICKLE_BYTES) {
          fail(
            `${entry.name} holds ${entry.size} bytes, more than a state dict's pickle`,
          );
        }
      }
      const { value } = run(await readEntry(source, pickles[0]));
      tensors = collect(value, fail);
      for (const storage of storages.values()) {
        const entry = byName.get(`${prefix}data/${storage.key}`);
        if (entry === undefined) continue;
        if (entry.method !== 0) {
          fail(
            `${entry.name} is compressed (method ${entry.method}); torch.save stores it uncompressed`,
          );
        }
        records.set(storage.key, {
          offset: await zipDataOffset(source, entry),
          bytes: entry.size,
        });
      }
    } else {
      // Five pickles, then the storages: read more of the file until the
      // pickles are whole.
      let length = Math.min(source.size, 2 ** 20);
      let parsed: { value: unknown; keys: unknown; end: number } | undefined;
      while (parsed === undefined) {
        const bytes = await source.readAt(0, length);
        try {
          let at = 0;
          const magic = run(bytes, at);
          const protocol = run(bytes, at = magic.end);
          if (protocol.value !== 1001) {
            fail(`its legacy protocol is ${show(protocol.value)}, not 1001`);
          }
          const info = run(bytes, at = protocol.end);
          const little = info.value instanceof PickleDict
            ? info.value.entries.get("little_endian")
            : undefined;
          if (little === false) {
            fail(
              "it was saved on a big-endian machine; only little-endian checkpoints are read",
            );
          }
          const object = run(bytes, at = info.end);
          const keys = run(bytes, at = object.end);
          parsed = { value: object.value, keys: keys.value, end: keys.end };
        } catch (error) {
          if (!(error instanceof PickleError) || !error.truncated) throw error;
          if (length >= source.size || length >= MAX_PICKLE_BYTES) {
            fail(`its pickle is malformed: ${error.message}`);
          }
          length = Math.min(source.size, length * 4);
        }
      }
      tensors = collect(parsed.value, fail);
      const keys = Array.isArray(parsed.keys) ? parsed.keys : null;
      if (keys === null || !keys.every((k) => typeof k === "string")) {
        fail(
          `its storage keys are ${show(parsed.keys)}, not a list of strings`,
        );
      }
      let at = parsed.end;
      for (const key of keys as string[]) {
        const storage = storages.get(key);
        if (storage === undefined) {
          fail(
            `storage ${
              show(key)
            } is listed but no tensor uses it, so its size is unknown`,
          );
        }
        if (at + 8 > source.size) fail("it ends before its storages");
        const numel = new DataView(
          (await source.readAt(at, 8)).buffer,
        ).getBigInt64(0, true);
        const width = storage!.type.dtype === null
          ? 1
          : ITEM_SIZE[storage!.type.dtype];
        const bytes = Number(numel) * width;
        if (numel < 0n || at + 8 + bytes > source.size) {
          fail(
            `storage ${
              show(key)
            } claims ${numel} elements, past the end of the file`,
          );
        }
        if (Number(numel) !== storage!.numel) {
          fail(
            `storage ${show(key)} holds ${numel} elements; its pickle says ${
              storage!.numel
            }`,
          );
        }
        records.set(key, { offset: at + 8, bytes });
        at += 8 + bytes;
      }
    }
    checkViews(tensors, records, fail);
    const open = source;
    return new StridedWeightFile(
      "pytorch",
      path,
      tensors.map(([name, view]) => ({
        name,
        dtype: view.dtype,
        offset: view.offset,
        shape: view.shape,
        stride: view.stride,
        base: records.get(view.storage.key)!.offset,
        source: () => Promise.resolve(open),
      })),
      () => open.close(),
    );
  } catch (error) {
    source.close();
    throw renameReadError(error, fail);
  }
}

/** A {@linkcode SafetensorsError} of an index's checks, as a plain error naming the index. */
function asIndexError(indexPath: string, error: unknown): unknown {
  if (!(error instanceof SafetensorsError)) return error;
  const tensor = error.tensor === undefined
    ? ""
    : `, tensor ${show(error.tensor)}`;
  return new Error(`${indexPath}${tensor}: ${error.detail}`, { cause: error });
}

/**
 * Opens a sharded PyTorch checkpoint from its Hugging Face index
 * (`pytorch_model.bin.index.json`: `{ "weight_map": { tensor:
 * "pytorch_model-00001-of-00002.bin", … } }`), format `"pytorch-sharded"`.
 * The index is checked as a safetensors index is (shard names inside its
 * folder; the index and the shards agree exactly, every tensor in one
 * shard). Weights come shard by shard, in the order the shards first appear
 * in `weight_map`, and within a shard in the checkpoint's order. Every shard
 * stays open until `close()`.
 *
 * @param indexPath The index file.
 * @param json The index's content, parsed.
 * @param notTorch Makes the error for a shard that is a zip archive but no
 * checkpoint.
 * @throws {Error} Naming the index (and the shard and tensor at fault).
 */
export async function openShardedTorch(
  indexPath: string,
  json: unknown,
  notTorch: (what: string) => Error,
): Promise<WeightFile> {
  let index: ShardIndex;
  try {
    index = await readShardIndex(indexPath, json);
  } catch (error) {
    throw asIndexError(indexPath, error);
  }
  const folder = dirname(indexPath);
  const files = new Map<string, WeightFile>();
  try {
    for (const [key, shard] of index.shards) {
      try {
        files.set(key, await openTorchWeights(join(folder, key), notTorch));
      } catch (error) {
        throw shardFailure(indexPath, shard, error);
      }
    }
    const holdings = new Map<string, Set<string>>();
    for (const [key, file] of files) {
      holdings.set(key, new Set(file.weights.map((w) => w.name)));
    }
    checkShardContents(indexPath, index, holdings);
  } catch (error) {
    for (const file of files.values()) file.close();
    throw asIndexError(indexPath, error);
  }
  const owners = new Map<StoredWeight, WeightFile>();
  for (const file of files.values()) {
    for (const weight of file.weights) owners.set(weight, file);
  }
  const ownerOf = (weight: StoredWeight, method: string): WeightFile => {
    const owner = owners.get(weight);
    if (owner === undefined) throw notOwnWeight(method, indexPath, weight);
    return owner;
  };
  return {
    format: "pytorch-sharded",
    path: indexPath,
    weights: Object.freeze([...files.values()].flatMap((f) => f.weights)),
    async read(weight: StoredWeight): Promise<tf.Tensor> {
      return await ownerOf(weight, "read").read(weight);
    },
    async readRows(
      weight: StoredWeight,
      rows: readonly number[],
    ): Promise<Float64Array> {
      return await ownerOf(weight, "readRows").readRows(weight, rows);
    },
    close(): void {
      for (const file of files.values()) file.close();
    },
  };
}
