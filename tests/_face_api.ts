/**
 * Real trained weights for the tests: the tfjs weights shipped in the `model/`
 * folder of the npm package `@vladmandic/face-api` (face detection, landmarks,
 * recognition, age and gender, expressions), decoded the way tfjs-core's
 * `tf.io.decodeWeights` decodes them.
 *
 * The package is fetched once with `npm pack` (which needs npm and the
 * network), checked against its pinned integrity, and its `model/` folder is
 * extracted into the cache folder: `EMBER_TEST_CACHE` if set, else the
 * git-ignored `tests/.cache/`. Later runs read the extracted copy and need no
 * network. Only `model/` is extracted: the rest of the package holds
 * TypeScript and JavaScript sources that `deno check .` would try to check.
 *
 * Test files running in parallel processes may fetch at the same time: each
 * extracts into its own temporary folder and renames it into place, and the
 * first rename wins.
 *
 * @module
 */
import { join } from "node:path";
import { concat } from "./_bytes.ts";

/** The pinned version of `@vladmandic/face-api`. */
export const FACE_API_VERSION = "1.7.15";

/** The registry's integrity of the pinned tarball (`npm view … dist.integrity`). */
const FACE_API_INTEGRITY =
  "sha512-WDMmK3CfNLo8jylWqMoQgf4nIst3M0fzx1dnac96wv/dvMTN4DxC/Pq1DGtduDk1lktCamQ3MIDXFnvrdHTXDw==";

const PACKAGE_SPEC = `@vladmandic/face-api@${FACE_API_VERSION}`;

const ROOT = join(import.meta.dirname!, "..");

/** One weight of a face-api model, decoded to float32. */
export interface FaceApiTensor {
  /** The model, from the manifest's file name: `"ssd_mobilenetv1_model"`. */
  model: string;
  /** The weight's name in the manifest. */
  name: string;
  /** The weight's shape (`[]` for a scalar). */
  shape: number[];
  /**
   * The element type as stored in the shards: the quantisation's dtype
   * (`"uint8"`, `"uint16"` or `"float16"`) for a quantised weight, else the
   * manifest's dtype (`"float32"` or `"int32"`).
   */
  dtype: string;
  /**
   * The manifest's dtype, the one tfjs decodes to: `"float32"` or `"int32"`
   * (an `"int32"` weight quantised as uint8 is still `"int32"` here).
   */
  tensorDtype: string;
  /**
   * The values, row-major, as tfjs decodes them, held as float32 (int32
   * weights beyond 2^24 would lose precision; face-api's are small). Shared
   * between callers: do not modify.
   */
  values: Float32Array;
  /** The manifest's quantisation, or `null` for a weight stored unquantised. */
  quantization: null | { dtype: string; scale?: number; min?: number };
}

/** A weight as a tfjs weights manifest describes it. */
export interface WeightSpec {
  /** The weight's name. */
  name: string;
  /** Its shape. */
  shape: number[];
  /** Its dtype: `"float32"` or `"int32"` (others are refused). */
  dtype: string;
  /** How it is quantised, if it is. */
  quantization?: { dtype: string; scale?: number; min?: number };
}

/** The folder the package is extracted into. */
function cacheRoot(): string {
  return Deno.env.get("EMBER_TEST_CACHE") ?? join(ROOT, "tests", ".cache");
}

async function isDirectory(path: string): Promise<boolean> {
  try {
    return (await Deno.stat(path)).isDirectory;
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return false;
    throw e;
  }
}

/** Runs a command in `cwd`; throws an Error naming the command if it fails. */
async function runCommand(
  cmd: string,
  args: string[],
  cwd: string,
): Promise<void> {
  const line = [cmd, ...args].join(" ");
  let out: Deno.CommandOutput;
  try {
    out = await new Deno.Command(cmd, {
      args,
      cwd,
      stdin: "null",
      stdout: "piped",
      stderr: "piped",
    }).output();
  } catch (e) {
    const why = e instanceof Deno.errors.NotFound
      ? `${cmd} was not found on PATH`
      : String(e);
    throw new Error(
      `face-api test weights: \`${line}\` (in ${cwd}) could not run: ${why}. ` +
        `Fetching ${PACKAGE_SPEC} needs npm, tar and the network once; ` +
        `later runs reuse the copy under ${cacheRoot()}.`,
    );
  }
  if (!out.success) {
    const text = new TextDecoder();
    const said = (text.decode(out.stderr) + text.decode(out.stdout)).trim();
    throw new Error(
      `face-api test weights: \`${line}\` (in ${cwd}) exited with code ` +
        `${out.code}${said ? `:\n${said.slice(-2000)}` : ""}`,
    );
  }
}

async function sha512Integrity(bytes: Uint8Array): Promise<string> {
  const hash = new Uint8Array(
    await crypto.subtle.digest("SHA-512", bytes as Uint8Array<ArrayBuffer>),
  );
  return "sha512-" + btoa(String.fromCharCode(...hash));
}

/** Fetches and extracts the package unless it is there; returns `model/`. */
async function ensureModelDir(): Promise<string> {
  const root = cacheRoot();
  const dest = join(root, `face-api-${FACE_API_VERSION}`);
  const modelDir = join(dest, "package", "model");
  if (await isDirectory(modelDir)) return modelDir;

  await Deno.mkdir(root, { recursive: true });
  const tmp = await Deno.makeTempDir({
    dir: root,
    prefix: `.face-api-${FACE_API_VERSION}-tmp-`,
  });
  try {
    const npm = Deno.build.os === "windows" ? "npm.cmd" : "npm";
    await runCommand(npm, ["pack", PACKAGE_SPEC, "--ignore-scripts"], tmp);
    const tarballs = [];
    for await (const entry of Deno.readDir(tmp)) {
      if (entry.isFile && entry.name.endsWith(".tgz")) {
        tarballs.push(entry.name);
      }
    }
    if (tarballs.length !== 1) {
      throw new Error(
        `face-api test weights: \`npm pack ${PACKAGE_SPEC}\` left ` +
          `${tarballs.length} tarballs in ${tmp}, expected one`,
      );
    }
    const tarball = join(tmp, tarballs[0]);
    const integrity = await sha512Integrity(await Deno.readFile(tarball));
    if (integrity !== FACE_API_INTEGRITY) {
      throw new Error(
        `face-api test weights: ${tarball} has integrity ${integrity}, ` +
          `expected ${FACE_API_INTEGRITY}`,
      );
    }
    await runCommand("tar", ["-xzf", tarballs[0], "package/model"], tmp);
    await Deno.remove(tarball);
    if (!await isDirectory(join(tmp, "package", "model"))) {
      throw new Error(
        `face-api test weights: ${tarball} has no package/model/ folder`,
      );
    }
    if (Deno.build.os !== "windows") await Deno.chmod(tmp, 0o755);
    try {
      await Deno.rename(tmp, dest);
    } catch (e) {
      // Another process renamed its copy into place first: use that one.
      if (!await isDirectory(modelDir)) throw e;
    }
    return modelDir;
  } finally {
    await Deno.remove(tmp, { recursive: true }).catch(() => {});
  }
}

let modelDirCache: Promise<string> | undefined;

/**
 * The extracted `model/` folder of the pinned `@vladmandic/face-api`,
 * fetching it first if the cache lacks it. Throws an Error naming the failed
 * command if npm, tar or the network is missing.
 */
export function faceApiModelDir(): Promise<string> {
  modelDirCache ??= ensureModelDir().catch((e) => {
    modelDirCache = undefined;
    throw e;
  });
  return modelDirCache;
}

/**
 * The weights manifests (`*.json`) of face-api's `model/` folder, as sorted
 * absolute paths.
 */
export async function faceApiModels(): Promise<string[]> {
  const dir = await faceApiModelDir();
  const files: string[] = [];
  for await (const entry of Deno.readDir(dir)) {
    if (entry.isFile && entry.name.endsWith(".json")) {
      files.push(join(dir, entry.name));
    }
  }
  if (files.length === 0) {
    throw new Error(`face-api test weights: no *.json manifest in ${dir}`);
  }
  return files.sort();
}

/** Bytes per stored element, by stored dtype. */
const BYTES_PER_ELEMENT: Record<string, number> = {
  float32: 4,
  int32: 4,
  uint8: 1,
  uint16: 2,
  float16: 2,
};

/** An IEEE half-precision number, given as its 16 bits, as a number. */
function halfToNumber(bits: number): number {
  const sign = bits & 0x8000 ? -1 : 1;
  const exponent = (bits >> 10) & 0x1f;
  const fraction = bits & 0x3ff;
  if (exponent === 0) return sign * fraction * 2 ** -24;
  if (exponent === 0x1f) return fraction === 0 ? sign * Infinity : NaN;
  return sign * (0x400 + fraction) * 2 ** (exponent - 25);
}

function isShape(shape: unknown): shape is number[] {
  return Array.isArray(shape) &&
    shape.every((d) => Number.isSafeInteger(d) && d >= 0);
}

/**
 * Decodes the weights of one manifest group from its shards' bytes
 * (concatenated in order) as tfjs's `io.decodeWeights` does: unquantised
 * float32 and int32 as stored; uint8 and uint16 quantisation as
 * `q * scale + min`, evaluated in double precision and rounded once to float32
 * (for int32 weights: `Math.round`, then int32 conversion, as tfjs's
 * `Int32Array` store does); float16 quantisation exactly. Each weight takes
 * `product(shape)` elements of its stored dtype, one after the other.
 * Throws, naming `file` and the weight, on an unknown dtype or quantisation,
 * missing `scale`/`min`, shards too short, or bytes left over after the last
 * weight.
 */
export function decodeWeightGroup(
  specs: WeightSpec[],
  bytes: Uint8Array,
  file: string,
  model: string,
): FaceApiTensor[] {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out: FaceApiTensor[] = [];
  let offset = 0;
  for (const spec of specs) {
    const where = `${file}: weight ${JSON.stringify(spec?.name)}`;
    if (typeof spec?.name !== "string" || !isShape(spec.shape)) {
      throw new Error(`${where}: needs a string name and a shape of sizes`);
    }
    if (spec.dtype !== "float32" && spec.dtype !== "int32") {
      throw new Error(
        `${where}: unsupported dtype ${JSON.stringify(spec.dtype)} ` +
          `(expected float32 or int32)`,
      );
    }
    const q = spec.quantization ?? null;
    let stored = spec.dtype;
    if (q !== null) {
      stored = q.dtype;
      if (q.dtype === "uint8" || q.dtype === "uint16") {
        if (!Number.isFinite(q.scale) || !Number.isFinite(q.min)) {
          throw new Error(
            `${where}: ${q.dtype} quantisation needs finite scale and min, ` +
              `got ${JSON.stringify(q)}`,
          );
        }
      } else if (q.dtype === "float16") {
        if (spec.dtype !== "float32") {
          throw new Error(
            `${where}: float16 quantisation of a ${spec.dtype} weight`,
          );
        }
      } else {
        throw new Error(
          `${where}: unknown quantisation dtype ${JSON.stringify(q.dtype)} ` +
            `(expected uint8, uint16 or float16)`,
        );
      }
    }
    const size = spec.shape.reduce((a, b) => a * b, 1);
    const width = BYTES_PER_ELEMENT[stored];
    const end = offset + size * width;
    if (end > bytes.length) {
      throw new Error(
        `${where} (shape [${spec.shape}], ${stored}) needs bytes ` +
          `${offset}..${end}, but the shards hold ${bytes.length}`,
      );
    }
    const values = new Float32Array(size);
    if (stored === "float32") {
      for (let i = 0; i < size; i++) {
        values[i] = view.getFloat32(offset + 4 * i, true);
      }
    } else if (stored === "int32") {
      for (let i = 0; i < size; i++) {
        values[i] = view.getInt32(offset + 4 * i, true);
      }
    } else if (stored === "float16") {
      for (let i = 0; i < size; i++) {
        values[i] = halfToNumber(view.getUint16(offset + 2 * i, true));
      }
    } else {
      const scale = q!.scale!;
      const min = q!.min!;
      const round = spec.dtype === "int32";
      for (let i = 0; i < size; i++) {
        const v = stored === "uint8"
          ? bytes[offset + i]
          : view.getUint16(offset + 2 * i, true);
        // `| 0` converts as tfjs's Int32Array store does (and makes -0 a 0).
        values[i] = round ? Math.round(v * scale + min) | 0 : v * scale + min;
      }
    }
    out.push({
      model,
      name: spec.name,
      shape: [...spec.shape],
      dtype: stored,
      tensorDtype: spec.dtype,
      values,
      quantization: q === null ? null : {
        dtype: q.dtype,
        ...(q.scale === undefined ? {} : { scale: q.scale }),
        ...(q.min === undefined ? {} : { min: q.min }),
      },
    });
    offset = end;
  }
  if (offset !== bytes.length) {
    throw new Error(
      `${file}: ${bytes.length - offset} bytes left over after the last ` +
        `weight (the weights take ${offset}, the shards hold ${bytes.length})`,
    );
  }
  return out;
}

interface ManifestGroup {
  paths: string[];
  weights: WeightSpec[];
}

/**
 * The groups of a weights manifest: the file is either a bare manifest (an
 * array of groups) or a tfjs `model.json` with a `weightsManifest`.
 */
export async function readManifest(file: string): Promise<ManifestGroup[]> {
  const json = JSON.parse(await Deno.readTextFile(file));
  const groups = Array.isArray(json) ? json : json?.weightsManifest;
  if (
    !Array.isArray(groups) ||
    !groups.every((g) =>
      Array.isArray(g?.paths) &&
      g.paths.every((p: unknown) => typeof p === "string") &&
      Array.isArray(g?.weights)
    )
  ) {
    throw new Error(
      `${file}: not a tfjs weights manifest (an array of {paths, weights})`,
    );
  }
  return groups;
}

/** The model's name: the manifest's file name without its suffix. */
function modelName(file: string): string {
  const base = file.split(/[\\/]/).pop()!;
  return base.replace(/(-weights_manifest)?\.json$/, "");
}

/** The concatenated shards of a group, read from the manifest's folder. */
export async function readShards(
  file: string,
  paths: string[],
): Promise<Uint8Array> {
  const dir = join(file, "..");
  const shards = await Promise.all(
    paths.map((p) =>
      Deno.readFile(join(dir, p)).catch((e) => {
        throw new Error(`${file}: cannot read shard ${p}: ${e}`);
      })
    ),
  );
  return concat(...shards);
}

async function readAllWeights(): Promise<FaceApiTensor[]> {
  const out: FaceApiTensor[] = [];
  for (const file of await faceApiModels()) {
    const model = modelName(file);
    for (const group of await readManifest(file)) {
      const bytes = await readShards(file, group.paths);
      out.push(...decodeWeightGroup(group.weights, bytes, file, model));
    }
  }
  return out;
}

let weightsCache: Promise<FaceApiTensor[]> | undefined;

/**
 * Every weight of every face-api manifest, in manifest order, decoded from
 * the shards (read once per process, then served from memory).
 */
export function faceApiWeights(): Promise<FaceApiTensor[]> {
  weightsCache ??= readAllWeights().catch((e) => {
    weightsCache = undefined;
    throw e;
  });
  return weightsCache;
}
