/**
 * Rows of small multiples: for each weight, its histogram and its spectrum
 * side by side, with a line of statistics. Shared by plotModule,
 * compareInitializers and plotTraining.
 *
 * @module
 */
import { Figure, type Label, type Panel } from "./figure.ts";
import { COLORS, num, recordOf } from "./_common.ts";
import { histogramNotes, histogramPanel } from "./histogram.ts";
import {
  messagePanel,
  spectrumNotes,
  spectrumPanels,
  spectrumView,
} from "./spectrum.ts";
import type { SpectrumVerdict } from "../lib/stats/analyze_spectrum.ts";
import { readWeights, type WeightsLike } from "../lib/read/weights.ts";
import type { Weights } from "../lib/host.ts";
import { histogramSync } from "../lib/stats/histogram.ts";
import { lawOf } from "../lib/stats/laws.ts";
import { escapeHtml } from "../lib/nn/_summary.ts";
import type { Density } from "../lib/initializers/_core.ts";

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
}

/** Statistics of one row, for tables. */
export interface RowStats {
  name: string;
  shape: number[];
  mean: number;
  std: number;
  nonFinite: number;
  spectralNorm: number | null;
  stableRank: number | null;
  spikes: number | null;
  /** α when meaningful (see `PowerLawSummary.meaningful`), else `null`. */
  alpha: number | null;
  /** The spectrum's verdict, or `null` without a spectrum. */
  verdict: SpectrumVerdict | null;
  /** The analysis' one-line summary, or `null`. */
  summary: string | null;
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

/** Lays out rows of histogram | ESD | ranked singular values. */
export function rowsFigure(
  title: string,
  subtitle: string,
  items: RowItem[],
  options: { width?: number; bins?: number; header?: boolean } = {},
): { figure: Figure; stats: RowStats[] } {
  const width = options.width ?? 960;
  const third = Math.floor(width / 3);
  const panels: Panel[] = [];
  const header = options.header ?? true;
  const labels: Label[] = header
    ? [
      { text: title, x: 8, y: 18, size: 14, weight: "bold" },
      { text: subtitle, x: 8, y: 36, size: 11, color: COLORS.muted },
    ]
    : [];
  const stats: RowStats[] = [];
  let y = header ? 48 : 0;
  for (const item of items) {
    // One read of the data, shared by the histogram and the spectrum.
    const weights = item.weights;
    const h = histogramSync(
      weights.values.length ? weights : new Float64Array([0]),
      { bins: options.bins ?? 40 },
    );
    const density = item.expected === undefined
      ? recordOf(item.x)?.density
      : item.expected;
    const law = density ? lawOf(density) : null;
    const hNotes = histogramNotes(h, law);
    const isMatrix = weights.shape.length >= 2 && weights.values.length > 0;
    const analysis = isMatrix
      ? spectrumView(item.x, weights, {
        expected: item.expected,
        mp: item.mp,
        fn: "plot",
      })
      : null;
    const sNotes = analysis ? spectrumNotes(analysis) : [];
    const notes = [...hNotes, ...sNotes];
    const record = recordOf(item.x);
    labels.push({
      text: `${item.name}  [${weights.shape.join(", ")}]${
        record ? `  ${record.name}` : ""
      }`,
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
      svg: histogramPanel(h, law, {
        width: third,
        height: ROW_HEIGHT - 20,
        logY: false,
        compact: true,
      }),
      x: 0,
      y: top,
      width: third,
      height: ROW_HEIGHT - 20,
    });
    if (analysis && analysis.analysis) {
      const { esd, ranked } = spectrumPanels(analysis, {
        width: third,
        height: ROW_HEIGHT - 20,
        bins: 40,
        compact: true,
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
    } else {
      const message = analysis ? sNotes[0].text : "1-D: no spectrum";
      panels.push({
        svg: messagePanel(message, 2 * third, ROW_HEIGHT - 20),
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
  }
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

/** An HTML table of row statistics (names escaped). */
export function statsTable(stats: RowStats[]): string {
  const cell = (v: number | null) => (v === null ? "" : num(v));
  const rows = stats.map((s) =>
    `<tr><td>${escapeHtml(s.name)}</td><td>[${s.shape.join(", ")}]</td><td>${
      num(s.mean)
    }</td><td>${num(s.std)}</td><td>${cell(s.spectralNorm)}</td><td>${
      cell(s.stableRank)
    }</td><td>${s.spikes ?? ""}</td><td>${cell(s.alpha)}</td><td>${
      s.verdict ?? ""
    }</td><td>${s.nonFinite || ""}</td></tr>`
  ).join("");
  return `<table class="ember-stats"><thead><tr><th>name</th><th>shape</th><th>mean</th><th>std</th><th>σ₁</th><th>stable rank</th><th>spikes</th><th>α</th><th>verdict</th><th>NaN/Inf</th></tr></thead><tbody>${rows}</tbody></table>`;
}
