/**
 * The weight report page: one self-contained HTML document (inline SVG and
 * CSS, no scripts, no network).
 *
 * @module
 */
import { plotWeightRow, type RowStats } from "../../viz/weight_row.ts";
import {
  escapeHtml as escapeMarkup,
  formatNumber as num,
  visibleText,
} from "../../lib/text.ts";
import type { Density } from "../../lib/stats/density.ts";
import { storageMatrix } from "../../lib/stats/analyze_spectrum.ts";
import type { StoredFloat } from "../../lib/stats/stored_float.ts";

/**
 * Text for the page: control characters (escape sequences among them) and
 * bidirectional overrides (which can disguise a name) shown as "?", then
 * markup escaped.
 */
function escapeHtml(text: string): string {
  return escapeMarkup(visibleText(text));
}

/** One tensor's entry in the report. */
export interface ReportEntry {
  name: string;
  shape: number[];
  dtype: string;
  /** The figure's SVG (rank ≥ 2 only). */
  svg: string | null;
  stats: RowStats;
  /** Why the layer departs from random, if it does. */
  notes: string[];
  /** A note on how the spectrum was computed (sampling), if special. */
  method: string | null;
  /** A mask (a non-trainable buffer, or two-valued weights): shown apart, never ranked as structure. */
  mask: boolean;
  /** How the file stores it, where that matters (a quantisation), else null. */
  storage?: string | null;
}

/** A tensor too small for a section (rank < 2, or under 64 values, or a side of 1): one row of the small tensors' table. */
export interface SmallEntry {
  name: string;
  shape: number[];
  dtype: string;
  /** Statistics of the finite values, or null where none were read. */
  mean: number | null;
  std: number | null;
  min: number | null;
  max: number | null;
  nonFinite: number;
  /** Why the values were not read, or how they are stored. */
  note: string | null;
}

/** The fewest values a matrix needs for a section of its own. */
export const SMALL_SIZE = 64;

/**
 * Whether a tensor of this shape goes to the small tensors' table: rank < 2,
 * fewer than {@linkcode SMALL_SIZE} values, or a matrix (as the spectrum
 * sees it: {@linkcode storageMatrix}, so a depthwise kernel [h, w, C, 1] is
 * [h·w, C]) with a side of 1, which has a single singular value.
 */
export function isSmall(shape: readonly number[]): boolean {
  const size = shape.reduce((a, b) => a * b, 1);
  return shape.length < 2 || size < SMALL_SIZE ||
    Math.min(...storageMatrix(shape)) < 2;
}
/** Mean, std, min, max (in Float64) and the count of NaN/±Inf of `values`. */
export function smallEntry(
  name: string,
  shape: number[],
  dtype: string,
  values: ArrayLike<number>,
  note: string | null = null,
): SmallEntry {
  let n = 0;
  let sum = 0;
  let min = Infinity;
  let max = -Infinity;
  let nonFinite = 0;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (!Number.isFinite(v)) {
      nonFinite++;
      continue;
    }
    n++;
    sum += v;
    if (v < min) min = v;
    if (v > max) max = v;
  }
  const mean = n ? sum / n : null;
  let ss = 0;
  if (mean !== null) {
    for (let i = 0; i < values.length; i++) {
      const v = values[i];
      if (Number.isFinite(v)) ss += (v - mean) ** 2;
    }
  }
  return {
    name,
    shape,
    dtype,
    mean,
    std: n ? Math.sqrt(ss / n) : null,
    min: n ? min : null,
    max: n ? max : null,
    nonFinite,
    note,
  };
}

/** What departs from random in a row's statistics, in words. */
export function departures(stats: RowStats): string[] {
  const notes: string[] = [];
  if (stats.nonFinite > 0) notes.push(`${stats.nonFinite} NaN/Inf values`);
  switch (stats.verdict) {
    case "heavy-tailed":
      notes.push(
        `heavy-tailed: the bulk has a tail past the Marchenko–Pastur edge${
          stats.alpha === null ? "" : ` (power-law α ${num(stats.alpha)})`
        }, typical of trained layers${
          stats.spikes
            ? `; ${stats.spikes} spike${stats.spikes === 1 ? "" : "s"} stand${
              stats.spikes === 1 ? "s" : ""
            } apart from it`
            : ""
        }`,
      );
      break;
    case "spiked":
      notes.push(
        `${stats.spikes} spike${
          stats.spikes === 1 ? "" : "s"
        } separated from the bulk: structure learned (or a low-rank component)`,
      );
      break;
    case "low-rank":
      notes.push(`low-rank: ${stats.summary}`);
      break;
    case "zero":
      notes.push("all zero: a dead or unused tensor");
      break;
  }
  return notes;
}

/**
 * How far a matrix departs from random, from its verdict: NaN/Inf 5,
 * heavy-tailed 4, spiked 3, low-rank 2, zero 1; random-like, flat and
 * binary 0. The report sorts by this score, then by spike count, then by
 * name; masks are listed apart and never ranked.
 */
export function departureScore(stats: RowStats): number {
  if (stats.nonFinite > 0) return 5;
  switch (stats.verdict) {
    case "heavy-tailed":
      return 4;
    case "spiked":
      return 3;
    case "low-rank":
      return 2;
    case "zero":
      return 1;
    default:
      return 0;
  }
}

/** The summary without its leading "rows×cols: " (the table has a shape column). */
function verdictText(stats: RowStats): string {
  return (stats.summary ?? "").replace(/^[^:]*: /, "");
}

/** The report's order: by {@linkcode departureScore}, then more spikes first, then name. */
export function healthOrder(a: ReportEntry, b: ReportEntry): number {
  const d = departureScore(b.stats) - departureScore(a.stats);
  if (d !== 0) return d;
  const s = (b.stats.spikes ?? 0) - (a.stats.spikes ?? 0);
  if (s !== 0) return s;
  return a.name < b.name ? -1 : a.name > b.name ? 1 : 0;
}

/**
 * Analyses one tensor for the report: its figure (histogram | ESD |
 * singular values) and statistics.
 */
export function reportEntry(
  name: string,
  values: Float32Array | Float64Array | Int32Array | Uint8Array,
  shape: number[],
  dtype: string,
  options: {
    density?: Density | null;
    method?: string | null;
    mp?: "theory" | "fit";
    /** A non-trainable buffer (a mask). Two-valued weights count as masks too. */
    mask?: boolean;
    /** The singular values, if already computed (by a worker). */
    singularValues?: Float64Array;
    /** The grid step of a quantised weight (rank above the rounding floor). */
    quantizationStep?: number;
    /** The low-precision float format a weight was stored in (likewise). */
    storedDtype?: StoredFloat;
  } = {},
): ReportEntry {
  const { figure, stats } = plotWeightRow(name, { values, shape }, {
    density: options.density ?? null,
    mp: options.mp,
    singularValues: options.singularValues,
    quantizationStep: options.quantizationStep,
    storedDtype: options.storedDtype,
    width: 960,
  });
  const entry = {
    name,
    shape,
    dtype,
    svg: shape.length >= 2 ? figure.svg : null,
    stats,
    notes: [] as string[],
    method: options.method ?? null,
    mask: (options.mask ?? false) || stats.verdict === "binary",
  };
  entry.notes = entry.mask ? [] : departures(entry.stats);
  return entry;
}

const CSS = `
body{font-family:"DejaVu Sans",system-ui,sans-serif;margin:24px auto;max-width:1000px;color:#222;background:#fff}
h1{font-size:22px;margin:0 0 4px}h2{font-size:16px;margin:28px 0 4px;word-break:break-all}
p.sub{color:#666;margin:0 0 16px}
table{border-collapse:collapse;font-size:12px;width:100%}
th,td{border-bottom:1px solid #e3e3e3;padding:3px 6px;text-align:left;vertical-align:top}td:nth-child(2),.dt{white-space:nowrap}
td:last-child{min-width:13em}
th{background:#f6f6f6}td.num,th.num{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
.note{color:#a04000}.ok{color:#2a7a2a}.method{color:#666;font-size:12px}
svg{max-width:100%;height:auto}
`;

/** A name for a narrow column: escaped, with a line-break opportunity after each "/" and ".". */
function breakable(name: string): string {
  return escapeHtml(name).replace(/[/.]/g, "$&<wbr>");
}

/** One matrix's section: its name, notes and figure. */
export function sectionHtml(e: ReportEntry): string {
  return `<section id="t-${escapeHtml(encodeURIComponent(e.name))}"><h2>${
    escapeHtml(e.name)
  } <small>${escapeHtml(e.dtype)} [${e.shape.join(", ")}]</small></h2>${
    e.notes.map((n) => `<p class="note">${escapeHtml(n)}</p>`).join("")
  }${e.storage ? `<p class="method">${escapeHtml(e.storage)}</p>` : ""}${
    e.method ? `<p class="method">${escapeHtml(e.method)}</p>` : ""
  }${e.svg ?? ""}</section>
`;
}

/**
 * The page's beginning: title, the summary table of matrices sorted by
 * health (links to their sections), and the masks' table. Entries need no
 * figure here: sections are written apart, as they are made.
 */
export function pageHead(
  title: string,
  subtitle: string,
  entries: ReportEntry[],
): string {
  const sorted = [...entries].sort(healthOrder);
  const matrices = sorted.filter((e) => !e.mask);
  const masks = sorted.filter((e) => e.mask)
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const cell = (v: number | null) =>
    `<td class="num">${v === null ? "" : num(v)}</td>`;
  const summary = matrices.map((e) =>
    `<tr><td><a href="#t-${escapeHtml(encodeURIComponent(e.name))}">${
      breakable(e.name)
    }</a></td><td>[${e.shape.join(", ")}]</td><td class="dt">${
      escapeHtml(e.dtype)
    }</td>${cell(e.stats.mean)}${cell(e.stats.std)}${
      cell(e.stats.spectralNorm)
    }${cell(e.stats.stableRank)}<td class="num">${e.stats.spikes ?? ""}</td>${
      cell(e.stats.alpha)
    }<td class="${departureScore(e.stats) > 0 ? "note" : "ok"}">${
      escapeHtml(verdictText(e.stats))
    }</td></tr>`
  ).join("\n");
  const maskRows = masks.map((e) =>
    `<tr><td><a href="#t-${escapeHtml(encodeURIComponent(e.name))}">${
      escapeHtml(e.name)
    }</a></td><td>[${e.shape.join(", ")}]</td>${cell(e.stats.mean)}<td>${
      escapeHtml(verdictText(e.stats))
    }</td></tr>`
  ).join("\n");
  return `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title><style>${CSS}</style></head><body>
<h1>${escapeHtml(title)}</h1><p class="sub">${escapeHtml(subtitle)}</p>
<h2>Summary: matrices, those departing most from random first</h2>
<table><thead><tr><th>tensor</th><th>shape</th><th>dtype</th><th class="num">mean</th><th class="num">std</th><th class="num">σ₁</th><th class="num">stable rank</th><th class="num">spikes</th><th class="num">α</th><th>verdict</th></tr></thead><tbody>
${summary}
</tbody></table>
<p class="method">Order: NaN/Inf, then heavy-tailed, spiked, low-rank and all-zero matrices, then random-like and flat ones; more spikes first within a verdict. α is shown only where it is meaningful. The sections below follow the file's order.${
    entries.some((e) => e.dtype.includes("←"))
      ? " A dtype such as float32 ← uint8 means the file stores the weights quantised (uint8) and they are analysed as the float32 values they decode to; each section says what grid the quantisation puts them on."
      : ""
  }</p>
${
    masks.length
      ? `<h2>Masks</h2><p class="method">Non-trainable or two-valued tensors: wiring, not learned structure.</p><table><thead><tr><th>tensor</th><th>shape</th><th class="num">mean (density)</th><th>spectrum</th></tr></thead><tbody>${maskRows}</tbody></table>`
      : ""
  }
`;
}

/** Rows of the small tensors' table written per chunk. */
const SMALL_CHUNK = 1000;

/**
 * The page's end, chunk by chunk (so that a table of many thousands of small
 * tensors is never one string): the small tensors' table and the method
 * note.
 */
export function* pageTailChunks(small: SmallEntry[]): Generator<string> {
  const cell = (v: number | null) =>
    `<td class="num">${v === null ? "" : num(v)}</td>`;
  const row = (e: SmallEntry) =>
    `<tr id="t-${escapeHtml(encodeURIComponent(e.name))}"><td>${
      escapeHtml(e.name)
    }</td><td>[${e.shape.join(", ")}]</td><td class="dt">${
      escapeHtml(e.dtype)
    }</td>${cell(e.mean)}${cell(e.std)}${cell(e.min)}${
      cell(e.max)
    }<td class="num">${e.nonFinite || ""}</td><td class="method">${
      escapeHtml(e.note ?? "")
    }</td></tr>\n`;
  if (small.length) {
    yield `<h2>Vectors, scalars and small tensors</h2><p class="method">${small.length} tensor${
      small.length === 1 ? "" : "s"
    } of rank &lt; 2, with fewer than ${SMALL_SIZE} values, or with a side of 1 (biases, norms' scales, scalars, single columns): too small for a spectrum, so each is one row here, in the file's order.</p><table><thead><tr><th>tensor</th><th>shape</th><th>dtype</th><th class="num">mean</th><th class="num">std</th><th class="num">min</th><th class="num">max</th><th class="num">NaN/Inf</th><th>note</th></tr></thead><tbody>\n`;
    for (let i = 0; i < small.length; i += SMALL_CHUNK) {
      yield small.slice(i, i + SMALL_CHUNK).map(row).join("");
    }
    yield "</tbody></table>";
  }
  yield `
<p class="method">Spectra: eigenvalues of WᵀW/N (N the longer side) against the Marchenko–Pastur law; σ² is fitted to the central eigenvalues; spikes are eigenvalues past the bulk's Tracy–Widom edge (false-alarm rate 10⁻³ per random matrix) that also stand apart from the bulk below them; the mean's rank-one outlier is not a spike; α is the power-law exponent of the spectrum's tail (xmin by KS distance), shown only for a heavy-tailed bulk.</p>
</body></html>
`;
}

/** The page's end as one string: {@linkcode pageTailChunks} joined. */
export function pageTail(small: SmallEntry[]): string {
  return [...pageTailChunks(small)].join("");
}

/**
 * The whole page at once (for small reports and tests): {@linkcode pageHead},
 * the sections, {@linkcode pageTail}.
 */
export function reportPage(
  title: string,
  subtitle: string,
  entries: ReportEntry[],
  small: SmallEntry[] = [],
): string {
  return pageHead(title, subtitle, entries) +
    entries.map(sectionHtml).join("") + pageTail(small);
}
