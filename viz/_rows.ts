/**
 * Rows of small multiples: for each weight, its histogram and its spectrum
 * side by side, with a line of statistics. Shared by plotModule,
 * compareInitializers and plotTraining.
 *
 * @module
 */
import { Figure, type Label, type Panel } from "./figure.ts";
import { COLORS, num, recordOf } from "./_common.ts";
import { distributionPanel, histogramNotes } from "./histogram.ts";
import {
  bulkEdgeSigma,
  isWide,
  legendLabels,
  messagePanel,
  spectrumNotes,
  spectrumPanels,
  type SpectrumView,
  spectrumView,
} from "./spectrum.ts";
import { checkBins, checkSize } from "./_common.ts";
import type { SpectrumVerdict } from "../lib/stats/analyze_spectrum.ts";
import type { StoredFloat } from "../lib/stats/stored_float.ts";
import { readWeights, type WeightsLike } from "../lib/read/weights.ts";
import type { Weights } from "../lib/host.ts";
import { freedmanDiaconisBins, histogramSync } from "../lib/stats/histogram.ts";
import { discreteLevels, histogramBinning } from "./_bins.ts";
import { type Law, lawOf } from "../lib/stats/laws.ts";
import { htmlTable, type TableColumn, type TableRow } from "../lib/text.ts";
import type { Density } from "../lib/stats/density.ts";

/** One row: a name, the weights, and (optionally) the law they were drawn from. */
export interface RowItem {
  name: string;
  /** What the values came from (for the initializer's record). */
  x: WeightsLike;
  /** The values, read once. */
  weights: Weights;
  /** Overrides the law found in the weights' record. */
  expected?: Density | null;
  /** Fit MP to the bulk rather than using the law's variance. */
  mp?: "theory" | "fit";
  /** A section heading (for example the masks'), drawn and tabled where it begins. */
  section?: string;
  /** The singular values, if already computed (by a worker). */
  singularValues?: Float64Array;
  /** The grid step of quantised weights: rank counts only what is above the rounding floor. */
  quantizationStep?: number;
  /** The low-precision float format the weights were stored in: likewise. */
  storedDtype?: StoredFloat;
}

/** Statistics of one row, for tables. */
export interface RowStats {
  /** The row's name. */
  name: string;
  /** The section the row belongs to, if any. */
  section?: string;
  /** The weights' shape. */
  shape: number[];
  /** Mean of the finite values. */
  mean: number;
  /** Standard deviation (population) of the finite values. */
  std: number;
  /** How many values are NaN or ±Infinity. */
  nonFinite: number;
  /** σ₁, the largest singular value; `null` without a spectrum. */
  spectralNorm: number | null;
  /** Stable rank Σσᵢ²/σ₁²; `null` without a spectrum. */
  stableRank: number | null;
  /** The spikes, as `SpectrumAnalysis.spikes` counts them; `null` without a spectrum. */
  spikes: number | null;
  /** α when meaningful (see `PowerLawSummary.meaningful`), else `null`. */
  alpha: number | null;
  /** The spectrum's verdict, or `null` without a spectrum. */
  verdict: SpectrumVerdict | null;
  /** The analysis' one-line summary, or `null`. */
  summary: string | null;
  /** Notes under the row (quantisation, discrete levels, fitted law). */
  notes: string[];
}

const ROW_HEIGHT = 190;
const HEADER = 34;

/** Reads each item's values once (asynchronously: any backend). */
export async function readItems(
  items: Omit<RowItem, "weights">[],
  fn: string,
): Promise<RowItem[]> {
  const out: RowItem[] = [];
  for (const item of items) {
    out.push({ ...item, weights: await readWeights(item.x, fn) });
  }
  return out;
}

/** The legend of every rows figure. */
const ROW_LEGEND = [
  { symbol: "▮", color: COLORS.data, text: "data" },
  { symbol: "──", color: COLORS.theory, text: "init law / Marchenko–Pastur" },
  {
    symbol: "- -",
    color: COLORS.theory,
    text: "law at init (no longer followed)",
  },
  { symbol: "┆", color: COLORS.theory, text: "bulk edge" },
  { symbol: "●", color: COLORS.spike, text: "spike" },
  { symbol: "○", color: COLORS.muted, text: "mean's outlier" },
];

/** Whether a row takes part in shared scales: not a mask, not all zero. */
function joinsShared(view: SpectrumView | null): boolean {
  const a = view?.analysis;
  return !a || (a.verdict !== "binary" && !a.zero);
}

/** Shared domains of comparable rows: values, eigenvalues (log if any row needs it), singular values. */
function sharedScales(
  items: RowItem[],
  views: (SpectrumView | null)[],
): {
  values: [number, number];
  spectrum:
    | { esd: [number, number]; log: boolean; sigma: [number, number] }
    | null;
} {
  let lo = Infinity;
  let hi = -Infinity;
  items.forEach((item, row) => {
    // A mask's two values are drawn as categories: they set no shared range.
    if (!joinsShared(views[row])) return;
    for (const v of item.weights.values) {
      if (Number.isFinite(v)) {
        if (v < lo) lo = v;
        if (v > hi) hi = v;
      }
    }
  });
  if (!(hi > lo)) {
    lo = Number.isFinite(lo) ? lo - 0.5 : 0;
    hi = lo + 1;
  }
  let eLo = Infinity;
  let eHi = 0;
  let sLo = Infinity;
  let sHi = 0;
  let log = false;
  for (const view of views) {
    const a = view?.analysis;
    if (!a || a.rank === 0 || a.flat || !joinsShared(view)) continue;
    const eig = a.eigenvalues.subarray(0, a.rank);
    eLo = Math.min(eLo, eig[eig.length - 1]);
    // The mean's outlier is named, not drawn, so it sets no shared range;
    // the fitted law's bulk edge λ₊ does (its curve and dashed line are
    // drawn up to it).
    const edge = a.marchenkoPastur?.lambdaPlus ?? 0;
    eHi = Math.max(
      eHi,
      a.meanOutlierIndex === 0 ? eig[1] ?? eig[0] : eig[0],
      Number.isFinite(edge) ? edge : 0,
    );
    sLo = Math.min(sLo, a.singularValues[a.rank - 1]);
    // The bulk edge's dashed line is drawn.
    sHi = Math.max(sHi, a.singularValues[0], bulkEdgeSigma(a) ?? 0);
    if (isWide(a)) log = true;
  }
  const spectrum = eHi > 0
    ? {
      // A little room past the extremes, so that the dot of a spike at the
      // largest eigenvalue is not cut in half by the frame.
      esd: (log ? [eLo / 1.15, eHi * 1.15] : [0, eHi * 1.04]) as [
        number,
        number,
      ],
      log,
      sigma: [sLo / 1.2, sHi * 1.2] as [number, number],
    }
    : null;
  return { values: [lo, hi], spectrum };
}

/** The law a row's histogram is drawn against: its `expected`, else its initializer's; null for none. */
function lawOfItem(item: RowItem): Law | null {
  const density = item.expected === undefined
    ? recordOf(item.x)?.density
    : item.expected;
  return density ? lawOf(density) : null;
}

/**
 * A shared row's bins: about `bins` over `range`, but for a law with walls
 * (a uniform, a truncated normal: a density that does not fade to 0 at the
 * ends of its support) a whole number of bins between the walls, so that
 * no bin straddles one (such a bin is partly empty, and its bar would stand
 * past the wall as if values lay outside the law). The width changes by at
 * most a factor (k ± ½)/k for k bins between the walls, and the bins run a
 * little past `range` on each side (the panel clips them to it).
 */
export function wallBins(
  law: Law | null,
  range: [number, number],
  bins: number,
): { bins: number; range: [number, number] } {
  const [lo, hi] = range;
  if (law === null || law.pdf === null || law.continuous === 0) {
    return { bins, range };
  }
  const [a, b] = law.support;
  const pdf = law.pdf;
  const inside = (b - a) * 1e-9;
  const peak = pdf(law.mean);
  const walled = a >= lo && b <= hi && b > a && peak > 0 &&
    pdf(a + inside) >= 0.01 * peak && pdf(b - inside) >= 0.01 * peak;
  if (!walled) return { bins, range };
  const k = Math.max(1, Math.round((b - a) / ((hi - lo) / bins)));
  const w = (b - a) / k;
  const start = a - Math.ceil((a - lo) / w - 1e-9) * w;
  const end = b + Math.ceil((hi - b) / w - 1e-9) * w;
  return { bins: Math.round((end - start) / w), range: [start, end] };
}

function median(xs: number[]): number {
  if (xs.length === 0) return 30;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

/** Lays out rows of histogram | ESD | ranked singular values. */
export function rowsFigure(
  title: string,
  subtitle: string,
  items: RowItem[],
  options: {
    width?: number;
    bins?: number;
    header?: boolean;
    /** Share each column's x scale (and the singular values' y scale) across rows: for comparable rows. Default false. */
    share?: boolean;
    /** The function the user called, as errors name it. Default `"rowsFigure"`. */
    fn?: string;
  } = {},
): { figure: Figure; stats: RowStats[] } {
  const fn = options.fn ?? "rowsFigure";
  const width = checkSize(fn, "width", options.width, 960);
  const bins = checkBins(fn, options.bins);
  const third = Math.floor(width / 3);
  const panels: Panel[] = [];
  const header = options.header ?? true;
  const labels: Label[] = header
    ? [
      { text: title, x: 8, y: 18, size: 14, weight: "bold" },
      { text: subtitle, x: 8, y: 36, size: 11, color: COLORS.muted },
      ...legendLabels(ROW_LEGEND, 8, 54, 10),
    ]
    : [];
  const stats: RowStats[] = [];
  let y = header ? 64 : 0;
  const views = items.map((item) =>
    item.weights.shape.length >= 2 && item.weights.values.length > 0
      ? spectrumView(item.x, item.weights, {
        expected: item.expected,
        mp: item.mp,
        fn,
        singularValues: item.singularValues,
        quantizationStep: item.quantizationStep,
        storedDtype: item.storedDtype,
      })
      : null
  );
  const shared = options.share ? sharedScales(items, views) : null;
  // Comparable rows share their bins and their count axis too, so that a
  // distribution that spreads out is seen to flatten.
  const sharedBins = shared
    ? bins ?? median(
      items.filter((_, row) => joinsShared(views[row])).map((item) =>
        freedmanDiaconisBins(item.weights.values)
      ),
    )
    : undefined;
  const hists = items.map((item, row) => {
    const values = item.weights.values.length
      ? item.weights
      : new Float64Array([0]);
    const joins = shared !== null && joinsShared(views[row]);
    return histogramSync(
      values,
      joins
        ? wallBins(lawOfItem(item), shared!.values, sharedBins!)
        : histogramBinning(
          values instanceof Float64Array ? values : values.values,
          { bins, step: item.quantizationStep, format: item.storedDtype },
        ),
    );
  });
  const yMax = shared
    ? Math.max(
      0,
      ...hists.filter((_, row) =>
        joinsShared(views[row]) &&
        discreteLevels(items[row].weights.values) === null
      ).flatMap((h) => Math.max(...h.counts)),
    )
    : 0;
  items.forEach((item, row) => {
    if (item.section && item.section !== items[row - 1]?.section) {
      labels.push({
        text: item.section,
        x: 8,
        y: y + 20,
        size: 13,
        weight: "bold",
        color: COLORS.muted,
      });
      y += 30;
    }
    // One read of the data, shared by the histogram and the spectrum.
    const weights = item.weights;
    const h = hists[row];
    const law = lawOfItem(item);
    const panel = distributionPanel(weights.values, h, law, {
      width: third,
      height: ROW_HEIGHT - 20,
      logY: false,
      compact: true,
      bins: shared && joinsShared(views[row]) ? sharedBins : bins,
      ...(yMax > 0 && joinsShared(views[row]) ? { yMax } : {}),
      ...(shared && joinsShared(views[row]) ? { xDomain: shared.values } : {}),
    });
    const hNotes = [...histogramNotes(h, law), ...panel.notes];
    const analysis = views[row];
    const sNotes = analysis ? spectrumNotes(analysis) : [];
    const notes = [...hNotes, ...sNotes];
    const record = recordOf(item.x);
    // The initializer's name, unless the row is already named after it.
    const plain = (s: string) => s.toLowerCase().replace(/[^a-z0-9]/g, "");
    const init = record && plain(record.name) !== plain(item.name)
      ? `  ${record.name}`
      : "";
    labels.push({
      text: `${item.name}  [${weights.shape.join(", ")}]${init}`,
      x: 8,
      y: y + 14,
      size: 12,
      weight: "bold",
    });
    notes.forEach((n, i) =>
      labels.push({
        text: n.text,
        x: 8,
        y: y + 28 + 12 * i,
        size: 10,
        color: n.warn ? COLORS.spike : COLORS.muted,
      })
    );
    const top = y + HEADER + 12 * notes.length;
    panels.push({
      svg: panel.svg,
      x: 0,
      y: top,
      width: third,
      height: ROW_HEIGHT - 20,
    });
    if (analysis && analysis.analysis && !analysis.analysis.zero) {
      const { esd, ranked } = spectrumPanels(analysis, {
        width: third,
        height: ROW_HEIGHT - 20,
        bins,
        compact: true,
        shared: joinsShared(analysis)
          ? shared?.spectrum ?? undefined
          : undefined,
      });
      panels.push(
        { svg: esd, x: third, y: top, width: third, height: ROW_HEIGHT - 20 },
        {
          svg: ranked,
          x: 2 * third,
          y: top,
          width: width - 2 * third,
          height: ROW_HEIGHT - 20,
        },
      );
    } else if (analysis) {
      // NaN or Inf, or all zero: say so where the spectrum would be. (A
      // vector has no spectrum: its row is the histogram alone.)
      panels.push({
        svg: messagePanel(
          analysis.analysis ? "all zero: no spectrum" : sNotes[0].text,
          2 * third,
          ROW_HEIGHT - 20,
        ),
        x: third,
        y: top,
        width: width - third,
        height: ROW_HEIGHT - 20,
      });
    }
    y = top + ROW_HEIGHT;
    const s = analysis?.analysis ?? null;
    stats.push({
      name: item.name,
      ...(item.section ? { section: item.section } : {}),
      shape: weights.shape,
      mean: h.mean,
      std: h.std,
      nonFinite: h.nan + h.posInf + h.negInf,
      spectralNorm: s ? s.spectralNorm : null,
      stableRank: s ? s.stableRank : null,
      spikes: s ? s.spikes : null,
      alpha: s?.powerLaw?.meaningful ? s.powerLaw.alpha : null,
      verdict: s ? s.verdict : null,
      summary: s ? s.summary : null,
      notes: notes.map((n) => n.text),
    });
  });
  const figure = new Figure({
    width,
    height: y,
    panels,
    labels,
    title,
    htmlExtra: statsTable(stats),
    text: [
      title,
      subtitle,
      ...stats.map((s) =>
        `${s.name} [${s.shape.join(", ")}]: ${s.notes.join("; ")}`
      ),
    ]
      .join("\n"),
  });
  return { figure, stats };
}

/** The columns of {@linkcode statsTable}. */
const STATS_COLUMNS: readonly TableColumn[] = [
  { head: "name", align: "left" },
  { head: "shape", align: "left" },
  { head: "mean", align: "right" },
  { head: "std", align: "right" },
  { head: "σ₁", align: "right" },
  { head: "stable rank", align: "right" },
  { head: "spikes", align: "right" },
  { head: "α", align: "right" },
  { head: "verdict", align: "left" },
  { head: "NaN/Inf", align: "right" },
];

/** An HTML table of row statistics ({@linkcode htmlTable}: names escaped; α blank where not meaningful; a section's heading where it begins). */
export function statsTable(stats: RowStats[]): string {
  const cell = (v: number | null) => v === null ? "" : num(v);
  const rows: TableRow[] = [];
  stats.forEach((s, i) => {
    if (s.section && s.section !== stats[i - 1]?.section) {
      rows.push({ section: s.section });
    }
    rows.push([
      s.name,
      `[${s.shape.join(", ")}]`,
      cell(s.mean),
      cell(s.std),
      cell(s.spectralNorm),
      cell(s.stableRank),
      s.spikes === null ? "" : String(s.spikes),
      cell(s.alpha),
      s.verdict ?? "",
      s.nonFinite ? String(s.nonFinite) : "",
    ]);
  });
  return htmlTable(STATS_COLUMNS, rows);
}
