/**
 * Helpers for the tfjs weights tests: seeded values, quantised shards written
 * the way the tfjs converter quantises, and small LayersModels as tfjs saves
 * them.
 *
 * @module
 */
import { join } from "node:path";
import type { io } from "@tensorflow/tfjs";
import { tf } from "../../lib/tf.ts";

/** A seeded generator of floats in [0, 1) (mulberry32). */
export function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** `n` seeded float32 values in [lo, hi). */
export function seededValues(
  seed: number,
  n: number,
  lo = -1,
  hi = 1,
): Float32Array {
  const next = seeded(seed);
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = lo + (hi - lo) * next();
  return out;
}

/** An affine quantisation of some values, as the tfjs converter makes it. */
export interface Affine {
  /** The stored levels. */
  levels: Uint8Array | Uint16Array;
  /** The step between levels: (max − min) / (2^bits − 1). */
  scale: number;
  /** The value of level 0. */
  min: number;
}

/**
 * Quantises `values` to `bits` (8 or 16) bits: scale = (max − min) /
 * (2^bits − 1), q = round((v − min) / scale).
 */
export function quantizeAffine(
  values: ArrayLike<number>,
  bits: 8 | 16,
): Affine {
  let min = Infinity;
  let max = -Infinity;
  for (let i = 0; i < values.length; i++) {
    min = Math.min(min, values[i]);
    max = Math.max(max, values[i]);
  }
  const scale = (max - min) / (2 ** bits - 1);
  const levels = bits === 8
    ? new Uint8Array(values.length)
    : new Uint16Array(values.length);
  for (let i = 0; i < values.length; i++) {
    levels[i] = scale === 0 ? 0 : Math.round((values[i] - min) / scale);
  }
  return { levels, scale, min };
}

/** The little-endian bytes of a typed array. */
export function bytesOf(
  a: Float32Array | Int32Array | Uint8Array | Uint16Array | Float16Array,
): Uint8Array {
  return new Uint8Array(
    a.buffer.slice(a.byteOffset, a.byteOffset + a.byteLength),
  );
}

/** Splits bytes at the given offsets. */
export function splitAt(bytes: Uint8Array, cuts: number[]): Uint8Array[] {
  const out: Uint8Array[] = [];
  let from = 0;
  for (const cut of [...cuts, bytes.length]) {
    out.push(bytes.slice(from, cut));
    from = cut;
  }
  return out;
}

/** Writes a JSON file and binary shards into `dir`; returns the JSON path. */
export async function writeModel(
  dir: string,
  jsonName: string,
  json: unknown,
  shards: Record<string, Uint8Array> = {},
): Promise<string> {
  for (const [name, bytes] of Object.entries(shards)) {
    await Deno.writeFile(join(dir, name), bytes);
  }
  const path = join(dir, jsonName);
  await Deno.writeTextFile(
    path,
    typeof json === "string" ? json : JSON.stringify(json),
  );
  return path;
}

/** An initialiser of tfjs's layers. */
type Init = ReturnType<typeof tf.initializers.zeros>;

/**
 * A small Keras-style model: conv2d (3×3) → flatten → dense. `inits` are the
 * conv kernel's, the conv bias's, the dense kernel's and the dense bias's
 * initialisers; `names` the two layers' names.
 */
export function convDense(
  inputShape: number[],
  filters: number,
  units: number,
  [convKernel, convBias, denseKernel, denseBias]: Init[],
  names: [string, string] | [] = [],
): tf.LayersModel {
  return tf.sequential({
    layers: [
      tf.layers.conv2d({
        inputShape,
        filters,
        kernelSize: 3,
        name: names[0],
        kernelInitializer: convKernel,
        biasInitializer: convBias,
      }),
      tf.layers.flatten(),
      tf.layers.dense({
        units,
        name: names[1],
        kernelInitializer: denseKernel,
        biasInitializer: denseBias,
      }),
    ],
  });
}

/** What `model.save` hands a save handler: topology, specs and weight data. */
export async function artifactsOf(
  model: tf.LayersModel,
): Promise<io.ModelArtifacts> {
  let saved: io.ModelArtifacts | undefined;
  await model.save(tf.io.withSaveHandler((artifacts) => {
    saved = artifacts;
    return Promise.resolve({
      modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: "JSON" },
    });
  }));
  return saved!;
}
