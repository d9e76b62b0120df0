/**
 * A Hugging Face sharded checkpoint as a {@linkcode WeightFile}: the index
 * `model.safetensors.index.json` (`{ "metadata": …, "weight_map": { name:
 * shard } }`) and the safetensors shards beside it.
 *
 * @module
 */
import { isAbsolute, join, normalize, sep } from "node:path";
import type { tf } from "../tf.ts";
import { openSafetensorsWeights } from "./_safetensors_file.ts";
import type { StoredWeight, WeightFile } from "./_weight_file.ts";

/**
 * Opens a sharded checkpoint from its index. Every shard's header is read
 * and checked, and must hold exactly the tensors the index maps to it.
 * Weights come shard by shard (in the order shards first appear in the
 * index), each shard's in its data order.
 *
 * @param path The index file.
 * @param json Its parsed content, when the caller has it already.
 * @throws {Error} Naming the index (and the shard or tensor) for a malformed
 * index, a shard outside the folder, missing or malformed, or a tensor that
 * the index and the shards disagree on.
 */
export async function openShardedSafetensors(
  path: string,
  json?: unknown,
): Promise<WeightFile> {
  if (json === undefined) json = JSON.parse(await Deno.readTextFile(path));
  const map = (json as { weight_map?: unknown }).weight_map;
  if (map === null || typeof map !== "object" || Array.isArray(map)) {
    throw new Error(`${path}: weight_map must be an object of name → shard`);
  }
  const dir = join(path, "..");
  const byShard = new Map<string, Set<string>>();
  for (const [name, shard] of Object.entries(map)) {
    if (typeof shard !== "string" || shard === "") {
      throw new Error(
        `${path}: the shard of ${
          JSON.stringify(name)
        } must be a file name, received ${JSON.stringify(shard)}`,
      );
    }
    const n = normalize(shard);
    if (isAbsolute(shard) || n === ".." || n.startsWith(`..${sep}`)) {
      throw new Error(
        `${path}: shard ${
          JSON.stringify(shard)
        } is outside the checkpoint's folder`,
      );
    }
    if (!byShard.has(n)) byShard.set(n, new Set());
    byShard.get(n)!.add(name);
  }
  const files: WeightFile[] = [];
  const owner = new Map<StoredWeight, WeightFile>();
  const weights: StoredWeight[] = [];
  try {
    for (const [shard, names] of byShard) {
      let file: WeightFile;
      try {
        file = await openSafetensorsWeights(join(dir, shard));
      } catch (error) {
        throw new Error(
          `${path}: shard ${JSON.stringify(shard)}: ${
            (error as Error).message
          }`,
          { cause: error },
        );
      }
      files.push(file);
      const have = new Set(file.weights.map((w) => w.name));
      for (const name of names) {
        if (!have.has(name)) {
          throw new Error(
            `${path}: the index maps ${
              JSON.stringify(name)
            } to ${shard}, which has no such tensor`,
          );
        }
      }
      for (const w of file.weights) {
        if (!names.has(w.name)) {
          throw new Error(
            `${path}: shard ${shard} holds ${
              JSON.stringify(w.name)
            }, which the index maps ${
              w.name in map
                ? `to ${(map as Record<string, string>)[w.name]}`
                : "nowhere"
            }`,
          );
        }
        owner.set(w, file);
        weights.push(w);
      }
    }
  } catch (error) {
    for (const f of files) f.close();
    throw error;
  }
  const fileOf = (w: StoredWeight): WeightFile => {
    const f = owner.get(w);
    if (!f) {
      throw new TypeError(
        `${path}: the weight ${
          JSON.stringify(w?.name)
        } is not one of this checkpoint's`,
      );
    }
    return f;
  };
  return {
    format: "safetensors-sharded",
    path,
    weights: Object.freeze(weights),
    read(w: StoredWeight): Promise<tf.Tensor> {
      return fileOf(w).read(w);
    },
    readRows(w: StoredWeight, rows: readonly number[]): Promise<Float64Array> {
      return fileOf(w).readRows(w, rows);
    },
    close(): void {
      for (const f of files) f.close();
    },
  };
}
