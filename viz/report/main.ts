/**
 * `deno task report [file.safetensors] [--out report.html]`: the weight
 * report, one self-contained HTML page.
 *
 * @module
 */
import { type ReportEntry, reportEntry, reportPage } from "./page.ts";
import { demoModels } from "./demo.ts";
import {
  iterateSafetensors,
  readSafetensorsHeader,
} from "../../lib/io/safetensors.ts";
import { SafetensorsError } from "../../lib/io/_types.ts";
import { getBackend } from "../../lib/backend.ts";
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
      }] ${this.#done}/${this.#total} ${label.slice(0, 40).padEnd(40)}`;
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

/** Rows and columns sampled without replacement (seeded), when a side exceeds maxSide. */
function sampleMatrix(
  values: Float32Array,
  rows: number,
  cols: number,
  maxSide: number,
): { values: Float32Array; rows: number; cols: number } {
  const pick = (n: number, k: number, seed: number) => {
    if (n <= k) return null;
    const u = uniform(k, nextDraw(seed), 0, new Float64Array(k));
    const index = Int32Array.from({ length: n }, (_, i) => i);
    for (let t = 0; t < k; t++) {
      const j = t + Math.floor(u[t] * (n - t));
      [index[t], index[j]] = [index[j], index[t]];
    }
    return index.slice(0, k).sort();
  };
  const r = pick(rows, maxSide, 1);
  const c = pick(cols, maxSide, 2);
  const rr = r ?? Int32Array.from({ length: rows }, (_, i) => i);
  const cc = c ?? Int32Array.from({ length: cols }, (_, i) => i);
  const out = new Float32Array(rr.length * cc.length);
  for (let i = 0; i < rr.length; i++) {
    const base = rr[i] * cols;
    for (let j = 0; j < cc.length; j++) {
      out[i * cc.length + j] = values[base + cc[j]];
    }
  }
  return { values: out, rows: rr.length, cols: cc.length };
}

/** Reports a safetensors file, tensor by tensor. */
export async function reportFile(
  file: string,
  maxSide: number,
): Promise<ReportEntry[]> {
  const header = await readSafetensorsHeader(file);
  const progress = header.tensors.size > 3
    ? new Progress(header.tensors.size)
    : null;
  const entries: ReportEntry[] = [];
  for await (const [name, tensor] of iterateSafetensors(file)) {
    try {
      const shape = [...tensor.shape];
      const values = (await tensor.data()) as Float32Array;
      let method: string | null = null;
      let data: Float32Array = values;
      let matrixShape = shape;
      if (shape.length >= 2 && values.length > 0) {
        const cols = shape[shape.length - 1];
        const rows = values.length / cols;
        if (rows > maxSide || cols > maxSide) {
          const s = sampleMatrix(values, rows, cols, maxSide);
          data = s.values;
          matrixShape = [s.rows, s.cols];
          method =
            `${rows} × ${cols} is larger than ${maxSide} per side: histogram and spectrum are of ${s.rows} rows × ${s.cols} columns sampled without replacement (seeded), an iid sub-matrix for which the Marchenko–Pastur law still applies with its own aspect ratio.`;
        }
      }
      const entry = reportEntry(
        name,
        data,
        shape.length >= 2 ? matrixShape : shape,
        tensor.dtype,
        {
          method,
          mp: "fit",
        },
      );
      entry.shape = shape;
      entries.push(entry);
    } finally {
      tensor.dispose();
      progress?.tick(name);
    }
  }
  return entries;
}

/** Reports the built-in demo models (each parameter read once, asynchronously: any backend). */
export async function reportDemo(): Promise<ReportEntry[]> {
  const entries: ReportEntry[] = [];
  for (const [prefix, model] of demoModels()) {
    for (const [name, p] of model.namedParameters()) {
      const values = await p.data.data() as Float32Array;
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
  return entries;
}

/** Runs the CLI; returns the exit code. */
export async function main(args: string[]): Promise<number> {
  let parsed: ReportArgs | "help";
  try {
    parsed = parseArgs(args);
  } catch (error) {
    console.error(`report: ${(error as Error).message}`);
    return 2;
  }
  if (parsed === "help") {
    console.log(HELP);
    return 0;
  }
  const started = performance.now();
  let entries: ReportEntry[];
  let title: string;
  let subtitle: string;
  try {
    if (parsed.file === null) {
      entries = await reportDemo();
      title = "Weight report: built-in demo";
      subtitle =
        "An MLP (512 → 256 → 128 → 10) initialised with each initializer, an MLP briefly trained on a rank-2 task, and an NCP.";
    } else {
      entries = await reportFile(parsed.file, parsed.maxSide);
      title = `Weight report: ${parsed.file.split("/").pop()}`;
      subtitle = `${entries.length} tensors from ${parsed.file}.`;
    }
  } catch (error) {
    if (error instanceof SafetensorsError) {
      console.error(`report: ${error.message.split("\n")[0]}`);
      return 2;
    }
    if (error instanceof Deno.errors.NotFound) {
      console.error(`report: no such file: ${parsed.file}`);
      return 2;
    }
    throw error;
  }
  const seconds = ((performance.now() - started) / 1000).toFixed(1);
  subtitle += ` Made in ${seconds} s on the ${getBackend()} backend.`;
  try {
    await Deno.writeTextFile(parsed.out, reportPage(title, subtitle, entries));
  } catch (error) {
    console.error(
      `report: cannot write ${parsed.out}: ${
        (error as Error).message.split("\n")[0]
      }`,
    );
    return 2;
  }
  console.error(
    `report: wrote ${
      Deno.realPathSync(parsed.out)
    } (${entries.length} tensors, ${seconds} s): open it in a browser`,
  );
  return 0;
}

if (import.meta.main) Deno.exit(await main(Deno.args));
