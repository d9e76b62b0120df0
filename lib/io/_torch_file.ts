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
import { ITEM_SIZE } from "./_format.ts";
import { PickleDict, PickleError, unpickle } from "./_pickle.ts";
import {
  checkShardContents,
  openFor,
  readShardIndex,
  shardFailure,
  type ShardIndex,
} from "./_safetensors_file.ts";
import { extent, StridedWeightFile } from "./_strided.ts";
import {
  collect,
  policy,
  type Storage,
  type TensorView,
} from "./_torch_pickle.ts";
import { SafetensorsError } from "./_types.ts";
import {
  failIn,
  notOwnWeight,
  renameReadError,
  type StoredWeight,
  type WeightFile,
} from "./_weight_file.ts";
import { readZipEntries, readZipEntry, zipDataOffset } from "./_zip.ts";

/** The object pickle's entry in a checkpoint's zip archive: `<folder>/data.pkl`. */
export const TORCH_PICKLE: RegExp = /^[^/]+\/data\.pkl$/;

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

/** Where a storage's bytes are, in the file. */
interface StorageBytes {
  offset: number;
  bytes: number;
}

/** A view may repeat its storage's elements (stride 0) up to this many elements. */
const MAX_REPEATED = 2 ** 24;

/** data.pkl (or a legacy object pickle) above this is no state dict's. */
const MAX_PICKLE_BYTES = 1024 * 2 ** 20;

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
  const fail = failIn(path);
  const source = await openFor(path, fail);
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
      const pickles = entries.filter((e) => TORCH_PICKLE.test(e.name));
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
        const text = new TextDecoder().decode(
          await readZipEntry(source, order),
        );
        if (text !== "little") {
          fail(
            `its byte order is ${
              show(text)
            }; only little-endian checkpoints are read`,
          );
        }
      }
      const pickle = pickles[0];
      if (pickle.method !== 0) {
        fail(
          `${pickle.name} is compressed (method ${pickle.method}); torch.save stores it uncompressed`,
        );
      }
      if (pickle.size > MAX_PICKLE_BYTES) {
        fail(
          `${pickle.name} holds ${pickle.size} bytes, more than a state dict's pickle`,
        );
      }
      const { value } = run(await readZipEntry(source, pickle));
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
          const magic = run(bytes);
          const protocol = run(bytes, magic.end);
          if (protocol.value !== 1001) {
            fail(`its legacy protocol is ${show(protocol.value)}, not 1001`);
          }
          const info = run(bytes, protocol.end);
          const little = info.value instanceof PickleDict
            ? info.value.entries.get("little_endian")
            : undefined;
          if (little === false) {
            fail(
              "it was saved on a big-endian machine; only little-endian checkpoints are read",
            );
          }
          const object = run(bytes, info.end);
          const keys = run(bytes, object.end);
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
