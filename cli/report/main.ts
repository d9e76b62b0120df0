/**
 * `deno task report [PATH] [--out report.html] [--max-side N]`: the weight
 * report, one self-contained HTML page, of a weights file in any format that
 * `openWeights` reads (safetensors, a Hugging Face sharded checkpoint's
 * `model.safetensors.index.json`, a tfjs `model.json` or weights manifest),
 * or of a built-in demo.
 *
 * Every matrix gets a section (histogram, spectrum against the
 * Marchenko–Pastur law, statistics), written to a temporary file as soon as
 * it is made; small tensors (rank < 2, fewer than 64 values, or a side of 1)
 * share one table. Matrices too large for the backend or with a side past
 * `--max-side` are analysed on rows and columns sampled from the file.
 * Singular values are computed on a pool of workers when the machine has
 * the cores. The page is renamed over `--out` only once it is whole; an
 * `--out` that is an input, one of its shards, or has a weights extension is
 * refused before anything is written, as are inputs that are not regular
 * files. Exit codes: 0 written, 2 refused or failed (one line on stderr),
 * 130/143 when interrupted (SIGINT/SIGTERM; the previous page is kept); a
 * TypeError, which would be a bug here, propagates with its stack.
 *
 * @module
 */
import {
  isSmall,
  pageHead,
  pageTailChunks,
  type ReportEntry,
  reportEntry,
  sectionHtml,
  type SmallEntry,
  smallEntry,
} from "./page.ts";
import { demoModels } from "./demo.ts";
import { checkOut, PageWriter } from "./_writer.ts";
import { formatNumber as num, visibleText } from "../../lib/text.ts";
import {
  openWeights,
  type StoredWeight,
  tensorLimit,
  type WeightFile,
} from "../../lib/io/load_weights.ts";
import { storagePrecision } from "../../lib/io/storage_precision.ts";
import { getBackend } from "../../lib/backend.ts";
import { storageMatrix } from "../../lib/stats/analyze_spectrum.ts";
import type { StoredFloat } from "../../lib/stats/stored_float.ts";
import { SvdPool } from "./_svd_pool.ts";
import { nextDraw } from "../../lib/random/stream.ts";
import { uniform } from "../../lib/random/distributions.ts";
import { parseArgs } from "node:util";

const HELP = `Usage: deno task report [PATH] [--out report.html] [--max-side N]

Writes one self-contained HTML page (inline SVG and CSS, no script, no
network) about the weights in PATH, which may be:
  - a safetensors file (F64, F32, F16, BF16, F8_E4M3, F8_E5M2, integer and
    bool tensors)
  - a Hugging Face sharded checkpoint: model.safetensors.index.json
  - a tfjs model.json (LayersModel or GraphModel) with its .bin shards
  - a tfjs weights manifest (*weights_manifest.json) with its shards
  - a PyTorch checkpoint (torch.save: pytorch_model.bin, .pt, .pth), read
    without running anything its pickle names, or a sharded one:
    pytorch_model.bin.index.json
  - a numpy .npy array or .npz archive (np.save, np.savez, savez_compressed)
  - Keras weights: .h5 (Keras 2), .weights.h5 or a .keras archive (Keras 3)
  - a Flax msgpack checkpoint (flax_model.msgpack)
The format is found from the content. With no PATH, it reports a built-in
demo: an MLP initialised with each initializer, a briefly trained MLP, an NCP.

For every matrix (rank >= 2): its histogram, its singular-value spectrum
against the Marchenko-Pastur law, its statistics, and a note where it departs
from random (spikes, a heavy tail, low rank, NaN/Inf); a summary table ranks
the matrices by that departure. Tensors of rank < 2, with fewer than 64
values, or with a side of 1 are summarised in one table (mean, std, min,
max). Quantised weights (tfjs uint8/uint16/float16) and half-precision
safetensors or PyTorch tensors are noted with the grid their values lie on: the noise floor.

Matrices with a side above --max-side, or too large to load on the backend,
are analysed on rows and columns sampled without replacement (seeded) and
read straight from the file; their section says so.

The page is written to a temporary file beside --out and renamed over it
only when complete, so a failure never leaves a truncated page. An --out
with a weights extension (.safetensors .bin .json .pt .pth .ckpt .h5 .npz
.onnx .gguf), or that is the input or one of its shards (also through a
link), is refused; so is a PATH that is not a regular file (a FIFO, a
device, a directory).

Options:
  --out PATH      where to write the page (default: report.html)
  --max-side N    matrices with a side above N are analysed on N rows and N
                  columns sampled without replacement (default 4096)
  -h, --help      this help

Exit status: 0 when the page is written; 2 with one line on stderr when the
arguments, the input or the output are refused or a write fails; 130 or 143
when interrupted (the previous page is kept).
`;

/** Parsed command line. */
export interface ReportArgs {
  file: string | null;
  out: string;
  maxSide: number;
}

/**
 * Parses the arguments with `node:util`'s `parseArgs` (so `--out=x` and
 * `--max-side=64` work as `--out x` and `--max-side 64`); throws a one-line
 * Error on bad ones.
 */
export function parseReportArgs(args: string[]): ReportArgs | "help" {
  const { tokens } = parseArgs({
    args,
    options: {
      out: { type: "string" },
      "max-side": { type: "string" },
      help: { type: "boolean", short: "h" },
    },
    allowPositionals: true,
    strict: false,
    tokens: true,
  });
  let file: string | null = null;
  let out = "report.html";
  let maxSide = 4096;
  for (const token of tokens) {
    if (token.kind === "option-terminator") continue;
    if (token.kind === "positional") {
      if (file !== null) {
        throw new Error(
          `only one file can be reported, received ${
            JSON.stringify(token.value)
          } too`,
        );
      }
      file = token.value;
      continue;
    }
    const { name, rawName, value } = token;
    if (name === "help") return "help";
    if (name !== "out" && name !== "max-side") {
      throw new Error(`unknown option ${rawName} (see --help)`);
    }
    if (value === undefined) throw new Error(`${rawName} needs a value`);
    if (name === "out") {
      if (value === "") throw new Error(`--out needs a value, received ""`);
      out = value;
    } else {
      maxSide = Number(value);
      if (value.trim() === "" || !Number.isInteger(maxSide) || maxSide < 2) {
        throw new Error(
          `--max-side must be an integer >= 2, received ${
            JSON.stringify(value)
          }`,
        );
      }
    }
  }
  return { file, out, maxSide };
}

/** A progress bar on stderr: redrawn in place on a terminal, a line per 10% otherwise. */
class Progress {
  #total: number;
  #done = 0;
  #tty = Deno.stderr.isTerminal();
  #lastDecile = -1;
  constructor(total: number) {
    this.#total = total;
  }
  tick(label: string): void {
    this.#done++;
    const frac = this.#done / this.#total;
    if (this.#tty) {
      const width = 30;
      const filled = Math.round(frac * width);
      const text = `\r[${"#".repeat(filled)}${
        ".".repeat(width - filled)
      }] ${this.#done}/${this.#total} ${
        visibleText(label).slice(0, 40).padEnd(40)
      }`;
      Deno.stderr.writeSync(new TextEncoder().encode(text));
      if (this.#done === this.#total) {
        Deno.stderr.writeSync(new TextEncoder().encode("\n"));
      }
    } else {
      const decile = Math.floor(frac * 10);
      if (decile !== this.#lastDecile) {
        this.#lastDecile = decile;
        console.error(
          `report: ${this.#done}/${this.#total} tensors (${
            Math.round(frac * 100)
          }%)`,
        );
      }
    }
  }
}

/**
 * k of n indices, sampled without replacement (seeded: a partial
 * Fisher–Yates shuffle, its swaps kept in a map so that memory is O(k), not
 * O(n)), sorted; null when k ≥ n.
 */
function pick(n: number, k: number, seed: number): Float64Array | null {
  if (n <= k) return null;
  const u = uniform(k, nextDraw(seed), 0, new Float64Array(k));
  const moved = new Map<number, number>();
  const out = new Float64Array(k);
  for (let t = 0; t < k; t++) {
    const j = t + Math.floor(u[t] * (n - t));
    out[t] = moved.get(j) ?? j;
    moved.set(j, moved.get(t) ?? t);
  }
  return out.sort();
}

/**
 * A number in prose: 4 significant digits, plain between 0.001 and 10⁵
 * (0.0157), else in exponent form without trailing zeros (1e-4, 2.887e-5).
 */
function prose(x: number): string {
  return num(x).replace(/\.?0+e/, "e");
}

/** Each low-precision float in words: its digits, relative step and unit roundoff. */
const FLOAT_WORDS: Readonly<Record<StoredFloat, [string, string, string]>> = {
  float16: ["about 3 significant digits", "2⁻¹⁰", "2⁻¹¹"],
  bfloat16: ["about 2 significant digits", "2⁻⁷", "2⁻⁸"],
  float8_e4m3fn: ["about 1 significant digit", "2⁻³", "2⁻⁴"],
  float8_e5m2: ["less than 1 significant digit", "2⁻²", "2⁻³"],
};

/**
 * How a file stores a weight, where that sets a noise floor (a tfjs
 * quantisation, half precision), in words; null where it does not.
 *
 * @param w The weight.
 * @param std The weights' standard deviation, to compare the step with.
 */
export function storageNote(w: StoredWeight, std?: number): string | null {
  const q = w.quantization;
  const float = storagePrecision(w).storedDtype;
  if (float !== undefined) {
    const [digits, step, u] = FLOAT_WORDS[float];
    const raw = float.startsWith("float8")
      ? " These are the raw 8-bit values, as PyTorch loads them: a scale the checkpoint keeps in another tensor is not applied (one scale for the whole tensor only rescales the spectrum; scales per row or per block change it)."
      : "";
    return `Stored as ${float}${
      q ? " by the tfjs converter" : ""
    }: ${digits} (a relative step of ${step}); structure finer than that is rounding, so the rank counts only singular values above the rounding's norm, about (u/√3)(largest row norm + largest column norm) with u = ${u}.${raw}`;
  }
  if (q === null || q.scale === undefined || q.min === undefined) return null;
  const levels = q.dtype === "uint8" ? 256 : 65536;
  const noise = q.scale / Math.sqrt(12);
  const share = std !== undefined && std > 0
    ? `, ${prose((100 * noise) / std)}% of the weights' std`
    : "";
  return `Quantised: the tfjs converter stored these weights as ${q.dtype} (value = q × scale + min, scale ${
    prose(q.scale)
  }, min ${prose(q.min)}), so they lie on a grid of ${levels} levels ${
    prose(q.scale)
  } apart. Differences smaller than that step are rounding, not signal: rounding adds noise of std step/√12 = ${
    prose(noise)
  }${share}. That is the spectrum's noise floor: eigenvalues λ near step²/12 = ${
    prose(noise * noise)
  } or below are at the level of rounding, and the rank counts only singular values above the rounding's norm (step/√12)(√N + √M).`;
}

/** The short form of {@linkcode storageNote} for the small tensors' table (the dtype column names the stored type). */
function storageShort(w: StoredWeight): string | null {
  const scale = w.quantization?.scale;
  return scale === undefined ? null : `on a grid of step ${prose(scale)}`;
}

/** A weight's dtype on the page: the loaded one, ← the stored one where it differs in precision (float32 ← uint8). */
function dtypeLabel(w: StoredWeight): string {
  const stored = w.quantization?.dtype ??
    (["F16", "BF16", "F8_E4M3", "F8_E5M2", "F64"].includes(w.storedDtype)
      ? w.storedDtype
      : null);
  return stored === null ? w.dtype : `${w.dtype} ← ${stored}`;
}

/** The values of a matrix the report analyses, and how they were taken. */
interface MatrixValues {
  values: Float32Array | Float64Array | Int32Array | Uint8Array;
  shape: number[];
  /** How it was sampled, in words; null when whole. */
  method: string | null;
}

/**
 * A matrix's values for the report: all of it, or, when a side exceeds
 * `maxSide` or it is too large for the backend ({@linkcode tensorLimit}),
 * rows sampled without replacement (seeded) read straight from the file
 * with `readRows` a batch at a time, and the sampled columns of those rows:
 * the whole tensor is never held.
 */
async function matrixValues(
  file: WeightFile,
  w: StoredWeight,
  maxSide: number,
): Promise<MatrixValues> {
  const size = w.shape.reduce((a, b) => a * b, 1);
  const limit = tensorLimit();
  const [rows, cols] = storageMatrix(w.shape);
  if (rows <= maxSide && cols <= maxSide && size <= limit) {
    const tensor = await file.read(w);
    try {
      return {
        values: await tensor.data() as Float32Array,
        shape: [...w.shape],
        method: null,
      };
    } finally {
      tensor.dispose();
    }
  }
  // readRows reads rows of [product of all axes but the last, last]; a row
  // of the storage matrix is `per` of those (a depthwise kernel's row of C
  // channels is C rows of one value), so sampling picks whole storage rows
  // and columns: a channel of a depthwise kernel, not a single value.
  const per = cols / w.shape[w.shape.length - 1];
  const colPick = pick(cols, maxSide, 2);
  const kc = colPick ? colPick.length : cols;
  const kr = Math.min(rows, maxSide, Math.max(2, Math.floor(limit / kc)));
  const rowPick = pick(rows, kr, 1) ??
    Float64Array.from({ length: rows }, (_, i) => i);
  // Float32 values in a Float32Array, as a whole read gives them: the
  // analysis takes the rank tolerance from the array's type (float32's
  // rounding is not rank).
  const out = w.dtype === "float32" && w.storedDtype !== "F64"
    ? new Float32Array(rowPick.length * kc)
    : new Float64Array(rowPick.length * kc);
  // A batch of rows at a time: at most about 32 MB of Float64 in flight.
  const batch = Math.max(1, Math.floor(2 ** 22 / cols));
  for (let start = 0; start < rowPick.length; start += batch) {
    const chunk = Array.from(rowPick.subarray(start, start + batch));
    const got = await file.readRows(
      w,
      per === 1
        ? chunk
        : chunk.flatMap((i) =>
          Array.from({ length: per }, (_, k) => i * per + k)
        ),
    );
    for (let i = 0; i < chunk.length; i++) {
      const dst = (start + i) * kc;
      const src = i * cols;
      if (colPick) {
        for (let j = 0; j < kc; j++) out[dst + j] = got[src + colPick[j]];
      } else out.set(got.subarray(src, src + cols), dst);
    }
  }
  const why = size > limit
    ? `${rows} × ${cols} (${size} values) is more than the ${getBackend()} backend can load (${limit} values)`
    : `${rows} × ${cols} is larger than ${maxSide} per side`;
  return {
    values: out,
    shape: [rowPick.length, kc],
    method:
      `Sampled: ${why}, so the histogram and spectrum are of ${rowPick.length} rows × ${kc} columns sampled without replacement (seeded) and read straight from the file. A sub-matrix of a random matrix is random too, so the Marchenko–Pastur law applies, with the sub-matrix's aspect ratio.`,
  };
}

/** Matrices whose short side is at least this go to the worker pool. */
const POOL_MIN_SIDE = 128;

function allFinite(values: ArrayLike<number>): boolean {
  for (let i = 0; i < values.length; i++) {
    if (!Number.isFinite(values[i])) return false;
  }
  return values.length > 0;
}

/** A small tensor's row of the table. */
async function smallOf(file: WeightFile, w: StoredWeight): Promise<SmallEntry> {
  const shape = [...w.shape];
  const size = shape.reduce((a, b) => a * b, 1);
  const limit = tensorLimit();
  if (size > limit) {
    return smallEntry(
      w.name,
      shape,
      w.dtype,
      [],
      `not read: ${size} values, more than the ${getBackend()} backend can load (${limit})`,
    );
  }
  const tensor = await file.read(w);
  try {
    return smallEntry(
      w.name,
      shape,
      dtypeLabel(w),
      await tensor.data() as Float32Array,
      storageShort(w),
    );
  } finally {
    tensor.dispose();
  }
}

/** What a report of a file holds: the matrices' entries (their figures already written) and the small tensors. */
export interface FileReport {
  /** The file's format. */
  format: string;
  /** The matrices, in file order, their figures dropped once written. */
  entries: ReportEntry[];
  /** The small tensors, in file order. */
  small: SmallEntry[];
}

/** Options of {@linkcode reportWeights}. */
export interface ReportOptions {
  /** Matrices with a side above this are sampled (at least 2). */
  maxSide: number;
  /** Receives each matrix's section as soon as it is made. */
  section: (html: string) => Promise<void>;
  /** Whether singular values may be computed on workers (default true). */
  workers?: boolean;
  /** Whether progress is shown on stderr past 3 tensors (default true). */
  progress?: boolean;
  /**
   * Whether each factorisation on the pool may split its products over
   * threads of its own (default: only while the pool has fewer workers than
   * the machine has cores).
   */
  poolThreads?: boolean;
}

/** The files a weights file reads: itself and its shards. */
export function inputFiles(file: WeightFile): string[] {
  return [file.path, ...new Set(file.weights.map((w) => w.file))];
}

/**
 * Reports an open weights file, tensor by tensor: each matrix's section is
 * handed to `options.section` as soon as it is made (and its figure then
 * dropped), small tensors are summarised in one table. Singular values are
 * computed on a pool of workers (as many as the cores, at most 8) while the
 * next matrices are read; sections still come in file order.
 */
export async function reportWeights(
  file: WeightFile,
  options: ReportOptions,
): Promise<FileReport> {
  const { maxSide, section } = options;
  const progress = (options.progress ?? true) && file.weights.length > 3
    ? new Progress(file.weights.length)
    : null;
  const matrices = file.weights.filter((w) => {
    if (isSmall(w.shape)) return false;
    const [r, c] = storageMatrix(w.shape);
    return Math.min(r, c, maxSide) >= POOL_MIN_SIDE;
  }).length;
  const cores = navigator.hardwareConcurrency ?? 1;
  const pool = (options.workers ?? true) && cores >= 2 && matrices >= 2
    ? new SvdPool(Math.min(cores, 8, matrices), options.poolThreads)
    : null;
  const entries: ReportEntry[] = [];
  const small: SmallEntry[] = [];
  // Matrices in flight: their singular values computed on the pool's
  // workers while the next are read; finished in file order.
  const inFlight: {
    w: StoredWeight;
    m: MatrixValues;
    sigma: Promise<Float64Array> | null;
  }[] = [];
  const finishOne = async () => {
    const { w, m, sigma } = inFlight.shift()!;
    const entry = reportEntry(w.name, m.values, m.shape, dtypeLabel(w), {
      method: m.method,
      mp: "fit",
      ...(sigma ? { singularValues: await sigma } : {}),
      // A quantised or half-precision weight: rank counts only what stands
      // above its rounding floor.
      ...storagePrecision(w),
    });
    entry.shape = [...w.shape];
    entry.storage = storageNote(w, entry.stats.std);
    await section(sectionHtml(entry));
    entry.svg = null;
    entries.push(entry);
    progress?.tick(w.name);
  };
  try {
    for (const w of file.weights) {
      if (isSmall(w.shape)) {
        small.push(await smallOf(file, w));
        progress?.tick(w.name);
        continue;
      }
      const m = await matrixValues(file, w, maxSide);
      const [rows, cols] = storageMatrix(m.shape);
      const sigma = pool && Math.min(rows, cols) >= POOL_MIN_SIDE &&
          allFinite(m.values)
        ? pool.singularValues(Float64Array.from(m.values), rows, cols)
        : null;
      // An unhandled rejection would end the process before finishOne
      // reports it.
      sigma?.catch(() => {});
      inFlight.push({ w, m, sigma });
      if (inFlight.length > (pool?.size ?? 0)) await finishOne();
    }
    while (inFlight.length) await finishOne();
  } finally {
    pool?.close();
  }
  return { format: file.format, entries, small };
}

/** Reports the built-in demo models (each parameter read once, asynchronously: any backend). */
export async function reportDemo(): Promise<
  { entries: ReportEntry[]; small: SmallEntry[] }
> {
  const entries: ReportEntry[] = [];
  const small: SmallEntry[] = [];
  for (const [prefix, model] of demoModels()) {
    for (const [name, p] of model.namedParameters()) {
      const values = await p.data.data() as Float32Array;
      if (isSmall(p.shape)) {
        small.push(smallEntry(`${prefix}.${name}`, p.shape, p.dtype, values));
        continue;
      }
      entries.push(
        reportEntry(`${prefix}.${name}`, values, p.shape, p.dtype, {
          density: p.init?.density ?? null,
          mp: prefix === "mlp_trained" ? "fit" : undefined,
          mask: !p.trainable,
        }),
      );
    }
    model.dispose();
  }
  return { entries, small };
}

/** The one line an error prints: its message's first line, safe for a terminal. */
function errorLine(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return `report: ${visibleText(message.split("\n")[0])}`;
}

/**
 * While the page is being written: a file-size limit (SIGXFSZ) makes the
 * write fail instead of killing the process, and an interrupt (SIGINT,
 * SIGTERM) removes the temporary files and says so before exiting. Returns
 * the function that stops the interrupt handling; SIGXFSZ stays handled until
 * the process exits, so that Deno's own cache writes at exit, past the same
 * limit, cannot kill the process after it has reported the error.
 */
function guardSignals(out: string): () => void {
  const stop = (what: string, code: number) => {
    PageWriter.abortAllSync();
    console.error(`report: ${what}: ${visibleText(out)} left as it was`);
    Deno.exit(code);
  };
  const handlers: [Deno.Signal, () => void][] = [
    ["SIGXFSZ", () => {}],
    ["SIGINT", () => stop("interrupted", 130)],
    ["SIGTERM", () => stop("terminated", 143)],
  ];
  const added: typeof handlers = [];
  for (const h of handlers) {
    try {
      Deno.addSignalListener(...h);
      added.push(h);
    } catch {
      // Not on this platform.
    }
  }
  return () => {
    for (const h of added) {
      if (h[0] !== "SIGXFSZ") Deno.removeSignalListener(...h);
    }
  };
}

/** Runs the CLI; returns the exit code. */
export async function main(args: string[]): Promise<number> {
  let parsed: ReportArgs | "help";
  let file: WeightFile | null = null;
  try {
    parsed = parseReportArgs(args);
    if (parsed === "help") {
      console.log(HELP);
      return 0;
    }
    // Refused before anything is opened or written: a weights extension.
    checkOut(parsed.out, []);
    if (parsed.file !== null) {
      // Refuses a FIFO, a device or a folder before opening it.
      file = await openWeights(parsed.file);
      checkOut(parsed.out, inputFiles(file));
    }
  } catch (error) {
    file?.close();
    if (error instanceof TypeError) throw error;
    console.error(errorLine(error));
    return 2;
  }
  const started = performance.now();
  // Signals are guarded before the first temporary file exists.
  const unguard = guardSignals(parsed.out);
  let writer: PageWriter;
  try {
    writer = await PageWriter.open(parsed.out);
  } catch (error) {
    unguard();
    file?.close();
    console.error(errorLine(error));
    return 2;
  }
  try {
    let entries: ReportEntry[];
    let small: SmallEntry[];
    let title: string;
    let subtitle: string;
    if (file === null) {
      ({ entries, small } = await reportDemo());
      for (const e of entries) {
        await writer.section(sectionHtml(e));
        e.svg = null;
      }
      title = "Weight report: built-in demo";
      subtitle =
        "An MLP (512 → 256 → 128 → 10) initialised with each initializer, an MLP briefly trained on a rank-2 task, and an NCP.";
    } else {
      const r = await reportWeights(file, {
        maxSide: parsed.maxSide,
        section: (html) => writer.section(html),
      });
      entries = r.entries;
      small = r.small;
      title = `Weight report: ${file.path.split("/").pop()}`;
      subtitle = `${entries.length + small.length} tensors (${
        FORMAT_NAMES[r.format] ?? r.format
      }) from ${file.path}: ${entries.length} ${
        entries.length === 1 ? "matrix" : "matrices"
      } with a section each, ${small.length} small tensor${
        small.length === 1 ? "" : "s"
      } in the table at the end.`;
    }
    const seconds = ((performance.now() - started) / 1000).toFixed(1);
    subtitle += ` Made in ${seconds} s on the ${getBackend()} backend.`;
    const written = await writer.finish(
      pageHead(title, subtitle, entries),
      pageTailChunks(small),
    );
    console.error(
      `report: wrote ${visibleText(written)} (${
        entries.length + small.length
      } tensors, ${seconds} s): open it in a browser`,
    );
    return 0;
  } catch (error) {
    await writer.abort();
    if (error instanceof TypeError) throw error;
    console.error(errorLine(error));
    return 2;
  } finally {
    unguard();
    file?.close();
  }
}

/** The formats' names on the page. */
const FORMAT_NAMES: Record<string, string> = {
  "safetensors": "safetensors",
  "safetensors-sharded": "a Hugging Face sharded safetensors checkpoint",
  "tfjs-layers-model": "a tfjs LayersModel",
  "tfjs-graph-model": "a tfjs GraphModel",
  "tfjs-weights-manifest": "a tfjs weights manifest",
  "pytorch": "a PyTorch checkpoint",
  "pytorch-sharded": "a Hugging Face sharded PyTorch checkpoint",
  "npy": "a numpy array",
  "npz": "a numpy archive of arrays",
  "hdf5": "an HDF5 (Keras) weights file",
  "keras": "a Keras archive",
  "flax-msgpack": "a Flax msgpack checkpoint",
};

if (import.meta.main) Deno.exit(await main(Deno.args));
