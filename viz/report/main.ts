/**
 * `deno task report [file.safetensors] [--out report.html]`: the weight
 * report, one self-contained HTML page.
 *
 * @module
 */
import {
  isSmall,
  pageHead,
  pageTail,
  type ReportEntry,
  reportEntry,
  sectionHtml,
  type SmallEntry,
  smallEntry,
} from "./page.ts";
import { demoModels } from "./demo.ts";
import { checkOut, forTerminal, PageWriter } from "./_writer.ts";
import {
  openWeights,
  type StoredWeight,
  tensorLimit,
  type WeightFile,
} from "../../lib/io/load_weights.ts";
import { getBackend } from "../../lib/backend.ts";
import { storageMatrix } from "../../lib/stats/analyze_spectrum.ts";
import { SvdPool } from "./_svd_pool.ts";
import { nextDraw } from "../../lib/random/stream.ts";
import { uniform } from "../../lib/random/distributions.ts";

const HELP =
  `Usage: deno task report [file.safetensors] [--out report.html] [--max-side N]

Writes one self-contained HTML page (inline SVG and CSS, no network) with, for
every tensor of rank >= 2, its histogram, its singular-value spectrum against
the Marchenko-Pastur law, and its statistics; a summary table sorted by how far
each layer departs from random; and a note for each layer with spikes or a
heavy-tailed spectrum.

With no file, it reports a built-in demo: an MLP initialised with each
initializer, a briefly trained MLP, and an NCP.

Options:
  --out PATH      where to write the page (default: report.html)
  --max-side N    matrices with a side above N are analysed on N rows and N
                  columns sampled without replacement (default 4096)
  -h, --help      this help
`;

/** Parsed command line. */
export interface ReportArgs {
  file: string | null;
  out: string;
  maxSide: number;
}

/** Parses the arguments; throws a one-line Error on bad ones. */
export function parseArgs(args: string[]): ReportArgs | "help" {
  let file: string | null = null;
  let out = "report.html";
  let maxSide = 4096;
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    if (a === "-h" || a === "--help") return "help";
    if (a === "--out" || a === "--max-side") {
      const v = args[++i];
      if (v === undefined) throw new Error(`${a} needs a value`);
      if (a === "--out") out = v;
      else {
        maxSide = Number(v);
        if (!Number.isInteger(maxSide) || maxSide < 2) {
          throw new Error(
            `--max-side must be an integer >= 2, received ${JSON.stringify(v)}`,
          );
        }
      }
    } else if (a.startsWith("--out=")) out = a.slice(6);
    else if (a.startsWith("-")) {
      throw new Error(`unknown option ${a} (see --help)`);
    } else if (file === null) file = a;
    else {throw new Error(
        `only one file can be reported, received ${JSON.stringify(a)} too`,
      );}
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
        forTerminal(label).slice(0, 40).padEnd(40)
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

/** k of n indices, sampled without replacement (seeded), sorted; null when k ≥ n. */
function pick(n: number, k: number, seed: number): Int32Array | null {
  if (n <= k) return null;
  const u = uniform(k, nextDraw(seed), 0, new Float64Array(k));
  const index = Int32Array.from({ length: n }, (_, i) => i);
  for (let t = 0; t < k; t++) {
    const j = t + Math.floor(u[t] * (n - t));
    [index[t], index[j]] = [index[j], index[t]];
  }
  return index.slice(0, k).sort();
}

/** How a file stores a weight, where it sets a noise floor. */
export function storageNote(w: StoredWeight): string | null {
  const q = w.quantization;
  if (q === null) {
    if (w.storedDtype === "F16" || w.storedDtype === "float16") {
      return "Stored as float16: about 3 significant digits (relative step 2⁻¹⁰); finer structure is rounding.";
    }
    if (w.storedDtype === "BF16") {
      return "Stored as bfloat16: about 2 significant digits (relative step 2⁻⁷); finer structure is rounding.";
    }
    return null;
  }
  if (q.dtype === "float16") {
    return "Quantised to float16 by the tfjs converter: about 3 significant digits (relative step 2⁻¹⁰); finer structure is rounding.";
  }
  const levels = q.dtype === "uint8" ? 256 : 65536;
  return `Quantised to ${q.dtype} by the tfjs converter (scale ${
    q.scale === undefined ? "?" : q.scale.toPrecision(4)
  }, min ${
    q.min === undefined ? "?" : q.min.toPrecision(4)
  }): the values lie on a grid of ${levels} levels, step ${
    q.scale === undefined ? "?" : q.scale.toPrecision(4)
  }; structure finer than the step is quantisation noise (a noise floor of variance step²/12 under the spectrum).`;
}

/**
 * A matrix's values for the report: all of it, or, when a side exceeds
 * `maxSide` or it is too large for the backend, rows and columns sampled
 * without replacement (seeded) and read straight from the file, a batch of
 * rows at a time, without ever holding the whole tensor.
 */
async function matrixValues(
  file: WeightFile,
  w: StoredWeight,
  maxSide: number,
): Promise<
  {
    values: Float32Array | Float64Array | Int32Array | Uint8Array;
    shape: number[];
    method: string | null;
  }
> {
  const cols = w.shape[w.shape.length - 1];
  const size = w.shape.reduce((a, b) => a * b, 1);
  const rows = size / cols;
  const limit = tensorLimit();
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
  const colPick = pick(cols, maxSide, 2);
  const kc = colPick ? colPick.length : cols;
  const kr = Math.min(rows, maxSide, Math.max(2, Math.floor(limit / kc)));
  const rowPick = pick(rows, kr, 1) ??
    Int32Array.from({ length: rows }, (_, i) => i);
  const out = new Float64Array(rowPick.length * kc);
  // A batch of rows at a time: at most about 32 MB of Float64 in flight.
  const batch = Math.max(1, Math.floor(2 ** 22 / cols));
  for (let start = 0; start < rowPick.length; start += batch) {
    const chunk = Array.from(rowPick.subarray(start, start + batch));
    const got = await file.readRows(w, chunk);
    for (let i = 0; i < chunk.length; i++) {
      const dst = (start + i) * kc;
      const src = i * cols;
      if (colPick) {
        for (let j = 0; j < kc; j++) out[dst + j] = got[src + colPick[j]];
      } else out.set(got.subarray(src, src + cols), dst);
    }
  }
  const why = size > limit
    ? `${rows} × ${cols} (${size} values) is too large to load on the ${getBackend()} backend (at most ${limit})`
    : `${rows} × ${cols} is larger than ${maxSide} per side`;
  return {
    values: out,
    shape: [rowPick.length, kc],
    method:
      `Sampled: ${why}: histogram and spectrum are of ${rowPick.length} rows × ${kc} columns sampled without replacement (seeded) and read straight from the file, an iid sub-matrix for which the Marchenko–Pastur law still applies with its own aspect ratio.`,
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
  if (size > tensorLimit()) {
    return smallEntry(
      w.name,
      shape,
      w.dtype,
      [],
      `not read: ${size} values, more than the backend holds`,
    );
  }
  const tensor = await file.read(w);
  try {
    return smallEntry(
      w.name,
      shape,
      w.dtype,
      await tensor.data() as Float32Array,
      w.quantization ? `stored as ${w.quantization.dtype}` : null,
    );
  } finally {
    tensor.dispose();
  }
}

/** What a report of a file holds: the matrices' entries (their figures already written) and the small tensors. */
export interface FileReport {
  format: string;
  entries: ReportEntry[];
  small: SmallEntry[];
  /** The files read: the input and its shards. */
  files: string[];
}

/**
 * Reports a weights file of any supported format, tensor by tensor: each
 * matrix's section is handed to `section` as soon as it is made (and its
 * figure then dropped), small tensors are summarised in one table.
 */
export async function reportFile(
  path: string,
  maxSide: number,
  section: (html: string) => Promise<void>,
  out: string,
  workers = true,
): Promise<FileReport> {
  const file = await openWeights(path);
  try {
    const files = [path, ...new Set(file.weights.map((w) => w.file))];
    checkOut(out, files);
    const progress = file.weights.length > 3
      ? new Progress(file.weights.length)
      : null;
    const matrices = file.weights.filter((w) => {
      if (isSmall(w.shape)) return false;
      const [r, c] = storageMatrix(w.shape);
      return Math.min(r, c, maxSide) >= POOL_MIN_SIDE;
    }).length;
    const cores = navigator.hardwareConcurrency ?? 1;
    const pool = workers && cores >= 2 && matrices >= 2
      ? new SvdPool(Math.min(cores, 8, matrices))
      : null;
    const entries: ReportEntry[] = [];
    const small: SmallEntry[] = [];
    // Matrices in flight: their singular values computed on the pool's
    // workers while the next are read; finished in file order.
    const inFlight: {
      w: StoredWeight;
      m: Awaited<ReturnType<typeof matrixValues>>;
      sigma: Promise<Float64Array> | null;
    }[] = [];
    const finishOne = async () => {
      const { w, m, sigma } = inFlight.shift()!;
      const entry = reportEntry(w.name, m.values, m.shape, w.dtype, {
        method: m.method,
        mp: "fit",
        ...(sigma ? { singularValues: await sigma } : {}),
      });
      entry.shape = [...w.shape];
      entry.storage = storageNote(w);
      await section(sectionHtml(entry));
      entry.svg = null;
      entries.push(entry);
      progress?.tick(w.name);
    };
    try {
      for (const w of file.weights) {
        const shape = [...w.shape];
        if (isSmall(shape)) {
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
    return { format: file.format, entries, small, files };
  } finally {
    file.close();
  }
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

/** Runs the CLI; returns the exit code. */
export async function main(args: string[]): Promise<number> {
  let parsed: ReportArgs | "help";
  try {
    parsed = parseArgs(args);
    if (parsed !== "help") checkOut(parsed.out, []);
  } catch (error) {
    console.error(`report: ${forTerminal((error as Error).message)}`);
    return 2;
  }
  if (parsed === "help") {
    console.log(HELP);
    return 0;
  }
  const started = performance.now();
  let writer: PageWriter;
  try {
    writer = await PageWriter.open(parsed.out);
  } catch (error) {
    console.error(`report: ${forTerminal((error as Error).message)}`);
    return 2;
  }
  let entries: ReportEntry[];
  let small: SmallEntry[] = [];
  let title: string;
  let subtitle: string;
  try {
    if (parsed.file === null) {
      ({ entries, small } = await reportDemo());
      for (const e of entries) {
        await writer.section(sectionHtml(e));
        e.svg = null;
      }
      title = "Weight report: built-in demo";
      subtitle =
        "An MLP (512 → 256 → 128 → 10) initialised with each initializer, an MLP briefly trained on a rank-2 task, and an NCP.";
    } else {
      const r = await reportFile(
        parsed.file,
        parsed.maxSide,
        (html) => writer.section(html),
        parsed.out,
      );
      entries = r.entries;
      small = r.small;
      title = `Weight report: ${parsed.file.split("/").pop()}`;
      subtitle = `${
        entries.length + small.length
      } tensors (${r.format}) from ${parsed.file}.`;
    }
  } catch (error) {
    await writer.abort();
    if (error instanceof Error && !(error instanceof TypeError)) {
      console.error(
        `report: ${forTerminal(error.message.split("\n")[0])}`,
      );
      return 2;
    }
    throw error;
  }
  const seconds = ((performance.now() - started) / 1000).toFixed(1);
  subtitle += ` Made in ${seconds} s on the ${getBackend()} backend.`;
  let written: string;
  try {
    written = await writer.finish(
      pageHead(title, subtitle, entries),
      pageTail(small),
    );
  } catch (error) {
    console.error(
      `report: cannot write ${forTerminal(parsed.out)}: ${
        forTerminal((error as Error).message.split("\n")[0])
      }`,
    );
    return 2;
  }
  console.error(
    `report: wrote ${forTerminal(written)} (${
      entries.length + small.length
    } tensors, ${seconds} s): open it in a browser`,
  );
  return 0;
}

if (import.meta.main) Deno.exit(await main(Deno.args));
