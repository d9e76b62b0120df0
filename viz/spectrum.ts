/**
 * `plotSpectrum`: the singular-value spectrum of a weight matrix, against the
 * Marchenko–Pastur law.
 *
 * @module
 */
import {
  isWeightCollection,
  type WeightCollection,
} from "../lib/read/collection.ts";
import { stackWeights } from "./_stack.ts";
import { WeightMap } from "../lib/io/load_weights.ts";
import * as Plot from "@observablehq/plot";
import { Figure, type Label } from "./figure.ts";
import {
  checkBins,
  checkSize,
  COLORS,
  defaultTitle,
  logAxis,
  num,
  plotSvg,
  rankTicks,
  recordOf,
  tickLabel,
} from "./_common.ts";
import { readWeights, type WeightsLike } from "../lib/read/weights.ts";
import type { Weights } from "../lib/host.ts";
import {
  analyzeSpectrumAs,
  type SpectrumAnalysis,
} from "../lib/stats/analyze_spectrum.ts";
import type { StoredFloat } from "../lib/stats/stored_float.ts";
import { freedmanDiaconisBins, histogramSync } from "../lib/stats/histogram.ts";
import {
  marchenkoPasturCdf,
  marchenkoPasturDensity,
} from "../lib/stats/marchenko_pastur.ts";
import { lawOf } from "../lib/stats/laws.ts";
import type { Density } from "../lib/stats/density.ts";
import { escapeHtml } from "../lib/text.ts";
import { checkOptions, message, rangeError } from "../lib/validate.ts";

/** Options for {@linkcode plotSpectrum}. */
export interface PlotSpectrumOptions {
  /** Title. Default: the parameter's name, or its initializer and shape. */
  title?: string;
  /** Bins of the ESD histogram (1–10000). Default: from the data (Freedman–Diaconis, 5–100). */
  bins?: number;
  /**
   * Where the Marchenko–Pastur σ² comes from: `"theory"` (the initializer's
   * variance, when known) or `"fit"` (fitted to the bulk). Default: theory
   * when the weights came from a random initializer and still have its
   * variance (the variance, mean removed, within 6 standard errors of
   * it), else fitted.
   */
  mp?: "theory" | "fit";
  /** The law the entries were drawn from, overriding the record. */
  expected?: Density | null;
  /** Width in pixels. Default 760. */
  width?: number;
  /** Height of the plots in pixels. Default 260. */
  height?: number;
  /**
   * The grid step of a quantised weight: the rank counts only singular
   * values above its rounding floor (see `analyzeSpectrum`). Default: none;
   * for a `WeightMap` (`loadWeights`), each weight's own.
   */
  quantizationStep?: number;
  /**
   * The low-precision float format a weight was stored in (`"float16"`,
   * `"bfloat16"`, `"float8_e4m3fn"`, `"float8_e5m2"`): likewise. Default:
   * none; for a `WeightMap`, each weight's own.
   */
  storedDtype?: StoredFloat;
}

/** A weight matrix's spectrum analysis for drawing, or why there is none. */
export interface SpectrumView {
  /** The matrix analysed. */
  rows: number;
  cols: number;
  /** The analysis, or `null` when the weights hold NaN or Inf. */
  analysis: SpectrumAnalysis | null;
  /** NaN or ±Inf entries (the spectrum is not computed when there are any). */
  nonFinite: number;
  /** Whether σ² came from the initializer's law. */
  theory: boolean;
}

/** Counts NaN and ±Inf. */
function nonFiniteCount(values: Weights["values"]): number {
  let n = 0;
  for (let i = 0; i < values.length; i++) if (!Number.isFinite(values[i])) n++;
  return n;
}

/** The entries' variance (mean removed) implied by a law, for the MP theory curve; `null` where MP does not apply. */
function theoryVariance(density: Density | null | undefined): number | null {
  if (!density) return null;
  if (
    density.kind === "orthogonal" || density.kind === "pointMass" ||
    density.kind === "constant"
  ) {
    return null;
  }
  const law = lawOf(density);
  const v = law.std * law.std;
  return v > 0 ? v : null;
}

/**
 * Analyses a matrix for the figures (`analyzeSpectrumSync` on the values
 * already read), with the initializer's variance as the MP theory while the
 * weights still have it.
 *
 * @throws {RangeError} For rank < 2 (suggesting plotHistogram) or an empty input.
 */
export function spectrumView(
  x: WeightsLike,
  weights: Weights,
  options: {
    mp?: "theory" | "fit";
    expected?: Density | null;
    fn: string;
    /** Singular values already computed (see `AnalyzeSpectrumOptions`). */
    singularValues?: Float64Array;
    /** The grid step of quantised weights (see `AnalyzeSpectrumOptions`). */
    quantizationStep?: number;
    /** The low-precision float format the weights were stored in (see `AnalyzeSpectrumOptions`). */
    storedDtype?: StoredFloat;
  },
): SpectrumView {
  const { shape, values } = weights;
  if (shape.length < 2) {
    throw new RangeError(
      `${
        message(options.fn, "x.shape", "of rank >= 2 (a matrix)", shape)
      }; for a 1-D tensor use plotHistogram`,
    );
  }
  if (values.length === 0) {
    throw rangeError(options.fn, "x.shape", "a non-empty shape", shape);
  }
  const cols = shape[shape.length - 1];
  const rows = values.length / cols;
  const nonFinite = nonFiniteCount(values);
  if (nonFinite > 0) {
    return { rows, cols, analysis: null, nonFinite, theory: false };
  }
  const density = options.expected === undefined
    ? recordOf(x)?.density
    : options.expected;
  const theoryVar = options.mp === "fit" ? null : theoryVariance(density);
  if (options.mp === "theory" && theoryVar === null) {
    throw new RangeError(
      `${options.fn}: options.mp must be "fit" or absent for weights not made by a random initializer (for "theory", give options.expected), received "theory"`,
    );
  }
  // The initializer's variance is the theory only while the weights still
  // have it: their variance within 6 standard errors of it (SE ≤ √(2/n)·σ²
  // for the uniform, normal and truncated normal laws). After training, the
  // bulk is fitted.
  let sigma2: number | undefined;
  if (theoryVar !== null) {
    let sum = 0;
    for (let i = 0; i < values.length; i++) sum += values[i];
    const mean = sum / values.length;
    let ss = 0;
    for (let i = 0; i < values.length; i++) ss += (values[i] - mean) ** 2;
    const variance = ss / values.length;
    const se = Math.sqrt(2 / values.length) * theoryVar;
    if (options.mp === "theory" || Math.abs(variance - theoryVar) <= 6 * se) {
      sigma2 = theoryVar;
    }
  }
  const analysis = analyzeSpectrumAs(options.fn, { values, shape }, {
    ...(sigma2 === undefined ? {} : { sigma2 }),
    ...(options.singularValues
      ? { singularValues: options.singularValues }
      : {}),
    ...(options.quantizationStep === undefined
      ? {}
      : { quantizationStep: options.quantizationStep }),
    ...(options.storedDtype === undefined
      ? {}
      : { storedDtype: options.storedDtype }),
  });
  return {
    rows: analysis.matrixShape[0],
    cols: analysis.matrixShape[1],
    analysis,
    nonFinite: 0,
    theory: sigma2 !== undefined,
  };
}

/** How the ESD panel draws the eigenvalues. */
export type EsdMode = "histogram" | "log-histogram" | "ecdf" | "point";

/** Fewer eigenvalues than this are drawn as an ECDF against the MP CDF, not binned. */
export const ECDF_BELOW = 100;

/**
 * How to draw a spectrum: a point mass when flat; an ECDF against the MP CDF
 * below {@linkcode ECDF_BELOW} eigenvalues; a histogram on a log x axis when
 * the largest eigenvalue lies beyond 4 λ₊ (a trained layer's spikes and
 * tail would crush the bulk into the first bins of a linear axis, so
 * WeightWatcher draws these log-log); else a histogram.
 */
export function esdMode(a: SpectrumAnalysis): EsdMode {
  if (a.flat) return "point";
  if (a.rank < ECDF_BELOW) return "ecdf";
  return isWide(a) ? "log-histogram" : "histogram";
}

/** Whether the eigenvalues reach beyond 4 λ₊ (or span over 100× without a bulk law): then λ is drawn on a log axis. */
export function isWide(a: SpectrumAnalysis): boolean {
  const eig = a.eigenvalues.subarray(0, a.rank);
  if (eig.length < 2 || a.flat) return false;
  // The mean's outlier alone does not make a spectrum wide.
  const top = a.meanOutlierIndex === 0 ? eig[1] : eig[0];
  const mp = a.marchenkoPastur;
  return mp !== null && mp.sigma2 > 0
    ? top > 4 * mp.lambdaPlus
    : top > 100 * eig[eig.length - 1];
}

/** The legend of a spectrum figure: what each mark is (only those drawn). */
export function spectrumLegend(
  v: SpectrumView,
): { text: string; color: string; symbol: string }[] {
  const a = v.analysis;
  if (a === null || a.zero) return [];
  const items: { text: string; color: string; symbol: string }[] = [];
  const mp = a.marchenkoPastur;
  if (a.flat) {
    items.push({
      symbol: "▮",
      color: COLORS.data,
      text: "flat: all eigenvalues equal, MP does not apply",
    });
    return items;
  }
  items.push({
    symbol: esdMode(a) === "ecdf" ? "▁▁" : "▮",
    color: COLORS.data,
    text: esdMode(a) === "ecdf" ? "eigenvalues (ECDF)" : "eigenvalues",
  });
  if (mp !== null && mp.sigma2 > 0) {
    items.push({
      symbol: "──",
      color: COLORS.theory,
      text: `Marchenko–Pastur (${v.theory ? "theory" : "fitted"} σ² ${
        num(mp.sigma2)
      })`,
    });
    items.push({ symbol: "┆", color: COLORS.theory, text: "bulk edge λ₊" });
  }
  if (
    esdMode(a) === "log-histogram" && a.powerLaw?.meaningful &&
    a.slices === 1
  ) {
    items.push({
      symbol: "┈┈",
      color: COLORS.spike,
      text: `power law α ${num(a.powerLaw.alpha)}`,
    });
  }
  if (a.spikes > 0) {
    items.push({ symbol: "●", color: COLORS.spike, text: "spike" });
  }
  if (a.meanOutlierIndex >= 0) {
    items.push({ symbol: "○", color: COLORS.muted, text: "mean's outlier" });
  }
  return items;
}

/** Legend items laid out left to right as figure labels, from (x, y). */
export function legendLabels(
  items: { text: string; color: string; symbol: string }[],
  x: number,
  y: number,
  size = 11,
): Label[] {
  const labels: Label[] = [];
  let at = x;
  for (const item of items) {
    labels.push({ text: item.symbol, x: at, y, size, color: item.color });
    at += size * 0.62 * [...item.symbol].length + 4;
    labels.push({ text: item.text, x: at, y, size, color: COLORS.muted });
    at += size * 0.6 * item.text.length + 14;
  }
  return labels;
}

/**
 * The ESD panel (see {@linkcode esdMode}) with the MP law as expected counts
 * (or its CDF), the bulk edge, spikes and the mean's outlier; and the
 * singular values in rank order on a log axis. Two Plot SVGs.
 */
export function spectrumPanels(
  v: SpectrumView,
  options: {
    width: number;
    height: number;
    bins?: number;
    compact?: boolean;
    /** Shared scales of small multiples: the ESD's x domain (and log or not), the ranked panel's y domain. */
    shared?: { esd: [number, number]; log: boolean; sigma: [number, number] };
  },
): { esd: string; ranked: string } {
  const a = v.analysis!;
  const mp = a.marchenkoPastur;
  const own = esdMode(a);
  const mode: EsdMode =
    options.shared && (own === "histogram" || own === "log-histogram")
      ? (options.shared.log ? "log-histogram" : "histogram")
      : own;
  // Numerical zeros (below the rank tolerance) are not part of the spectrum drawn.
  const eig = a.eigenvalues.subarray(0, Math.max(a.rank, 1));
  const m = eig.length - (a.meanOutlierIndex >= 0 ? 1 : 0);
  const spikes = a.spikeIndices.map((i) => a.eigenvalues[i]);
  const outlier = a.meanOutlierIndex >= 0
    ? [a.eigenvalues[a.meanOutlierIndex]]
    : [];
  const hasMp = mp !== null && mp.sigma2 > 0 && mode !== "point";
  const marks: Plot.Markish[] = [];
  let esdX: Record<string, unknown> = {};
  let esdY: Record<string, unknown> = {};
  const logX = mode === "log-histogram";
  if (mode === "point") {
    const value = eig[0];
    marks.push(
      Plot.ruleX([value], { stroke: COLORS.data, strokeWidth: 6 }),
      Plot.text([value], {
        x: (d: number) => d,
        frameAnchor: "top",
        dy: 14,
        dx: 8,
        textAnchor: "start",
        text: () => "flat: MP does not apply",
        fill: COLORS.muted,
        fontSize: 11,
      }),
      Plot.ruleY([0]),
    );
    esdX = { domain: [0, 2 * value] };
    esdY = { domain: [0, eig.length * 1.15] };
    marks.push(Plot.dot([[value, eig.length]], { fill: COLORS.data, r: 3 }));
  } else if (mode === "ecdf") {
    const sorted = Float64Array.from(eig).sort();
    const steps = Array.from(
      sorted,
      (x, i) => ({ x, y: (i + 1) / sorted.length }),
    );
    marks.push(
      Plot.line([{ x: sorted[0], y: 0 }, ...steps], {
        x: "x",
        y: "y",
        curve: "step-after",
        stroke: COLORS.data,
        strokeWidth: 2,
        // Shared axes: what lies beyond them is cut at the frame.
        clip: options.shared !== undefined,
      }),
    );
    if (hasMp) {
      const lo = Math.max(mp!.lambdaMinus, sorted[0] / 2, 1e-300);
      const hi = mp!.lambdaPlus;
      const curve: { x: number; y: number }[] = [];
      for (let i = 0; i <= 200; i++) {
        const x = lo * (hi / lo) ** (i / 200);
        // The m eigenvalues drawn, less the mean's outlier (spikes
        // included), follow the MP CDF.
        curve.push({
          x,
          y: (m / sorted.length) *
            marchenkoPasturCdf(x, mp!.q, mp!.sigma2),
        });
      }
      marks.push(
        Plot.line(curve, {
          x: "x",
          y: "y",
          stroke: COLORS.theory,
          clip: options.shared !== undefined,
        }),
      );
    }
    esdY = { domain: [0, 1] };
    if (options.shared ? options.shared.log : isWide(a)) {
      esdX = { type: "log" };
    }
    if (options.shared) esdX = { ...esdX, domain: options.shared.esd };
  } else {
    const values = logX ? Array.from(eig, Math.log10) : eig;
    const bins = options.bins ?? freedmanDiaconisBins(values);
    const range = options.shared
      ? (logX
        ? options.shared.esd.map(Math.log10) as [number, number]
        : options.shared.esd)
      : undefined;
    const h = histogramSync(
      logX ? { values, shape: [values.length] } : eig,
      range ? { bins, range } : { bins },
    );
    const map = (t: number) => (logX ? 10 ** t : t);
    const bars = Array.from(h.counts, (count, i) => ({
      x1: map(h.edges[i]),
      x2: map(h.edges[i + 1]),
      count,
    }));
    marks.push(
      Plot.rectY(bars, {
        x1: "x1",
        x2: "x2",
        y: "count",
        fill: COLORS.data,
        fillOpacity: 0.75,
        inset: 0.3,
      }),
      Plot.ruleY([0]),
    );
    const peak = Math.max(...h.counts);
    let mpPeak = 0;
    if (hasMp) {
      // Expected counts per bin: m (the eigenvalues drawn, less the mean's
      // outlier) · bin width · density, in the axis' own
      // variable (for log10 λ the density is ln 10 · λ · ρ(λ)).
      const width = (h.edges[h.edges.length - 1] - h.edges[0]) /
        h.counts.length;
      const lo = Math.max(mp!.lambdaMinus, logX ? map(h.edges[0]) : 0);
      const hi = mp!.lambdaPlus;
      const curve: [number, number][] = [];
      for (let i = 0; i <= 400; i++) {
        const x = logX
          ? lo * (hi / lo) ** (i / 400)
          : lo + ((hi - lo) * i) / 400;
        const density = marchenkoPasturDensity(x, mp!.q, mp!.sigma2);
        const y = m * width * (logX ? Math.LN10 * x * density : density);
        if (Number.isFinite(y)) curve.push([x, y]);
      }
      // The law may stand taller than the data (a trained bulk spreads out):
      // the axis shows it up to 3 times the tallest bar, clipped beyond.
      mpPeak = Math.max(0, ...curve.map(([, y]) => y));
      marks.push(
        Plot.line(curve, {
          stroke: COLORS.theory,
          strokeWidth: 2,
          clip: true,
        }),
      );
    }
    const pl = a.powerLaw;
    if (logX && pl !== null && pl.meaningful && a.slices === 1) {
      // The fitted tail p(λ) = (α−1)/xmin·(λ/xmin)^−α for its tailSize
      // eigenvalues, as expected counts per bin of log10 λ.
      const width = (h.edges[h.edges.length - 1] - h.edges[0]) /
        h.counts.length;
      const top = eig[0];
      const tail: [number, number][] = [];
      for (let i = 0; i <= 200; i++) {
        const x = pl.xmin * (top / pl.xmin) ** (i / 200);
        const density = ((pl.alpha - 1) / pl.xmin) * (x / pl.xmin) ** -pl.alpha;
        tail.push([x, pl.tailSize * width * Math.LN10 * x * density]);
      }
      marks.push(
        Plot.line(tail, {
          stroke: COLORS.spike,
          strokeWidth: 1.5,
          strokeDasharray: "2,2",
          clip: true,
        }),
      );
    }
    esdY = {
      domain: [0, Math.max(peak, Math.min(mpPeak, 3 * peak)) * 1.08],
      nice: true,
    };
    if (logX) esdX = { type: "log" };
    if (options.shared) esdX = { ...esdX, domain: options.shared.esd };
  }
  if (hasMp) {
    marks.push(
      Plot.ruleX([mp!.lambdaPlus], {
        stroke: COLORS.theory,
        strokeDasharray: "4,3",
        clip: options.shared !== undefined,
      }),
    );
  }
  const baseline = mode === "ecdf" ? 1 : 0;
  if (spikes.length) {
    marks.push(
      Plot.dot(spikes, {
        x: (d: number) => d,
        y: baseline,
        fill: COLORS.spike,
        r: 3.5,
        clip: options.shared !== undefined,
      }),
    );
  }
  if (outlier.length) {
    // Far beyond the rest, the mean's outlier would squeeze the bulk into a
    // corner of a linear axis: it is named at the edge instead.
    const rest = eig.filter((_, i) => i !== a.meanOutlierIndex);
    const restTop = rest.length ? Math.max(...rest, ...spikes) : outlier[0];
    if (
      !logX && mode !== "ecdf" && !options.shared && outlier[0] > 2 * restTop
    ) {
      esdX = { ...esdX, domain: [0, restTop * 1.08] };
      marks.push(
        Plot.text([`mean's outlier at λ = ${tickLabel(outlier[0])} →`], {
          frameAnchor: "top-right",
          dy: 4,
          fill: COLORS.muted,
          fontSize: 10,
        }),
      );
    } else {
      marks.push(
        Plot.dot(outlier, {
          x: (d: number) => d,
          y: baseline,
          stroke: COLORS.muted,
          r: 4.5,
        }),
      );
    }
  }
  const esd = plotSvg({
    width: options.width,
    height: options.height,
    marginLeft: 48,
    // Room for half a power-of-ten label (1.5×10⁻⁵) at the last tick.
    marginRight: 28,
    x: {
      label: options.compact ? "λ" : "eigenvalue λ of WᵀW/N",
      ...esdX,
    },
    y: {
      label: mode === "ecdf" ? "fraction ≤ λ" : "count",
      grid: true,
      ...esdY,
    },
    marks,
  });
  const ranked = a.singularValues;
  const spikeSet = new Set(a.spikeIndices);
  const points = Array.from(
    ranked,
    (value, i) => ({
      i: i + 1,
      v: value,
      spike: spikeSet.has(i),
      outlier: i === a.meanOutlierIndex,
    }),
  )
    .filter((d) => d.v > a.rankTolerance);
  const rankMarks: Plot.Markish[] = [
    Plot.line(points, { x: "i", y: "v", stroke: COLORS.data }),
    Plot.dot(points.filter((d) => d.spike), {
      x: "i",
      y: "v",
      fill: COLORS.spike,
      r: 3,
    }),
    Plot.dot(points.filter((d) => d.outlier), {
      x: "i",
      y: "v",
      stroke: COLORS.muted,
      r: 4,
    }),
  ];
  // The y range reaches the bulk edge's dashed line.
  const edge = hasMp && a.slices === 1 ? bulkEdgeSigma(a) : null;
  if (edge !== null) {
    rankMarks.push(
      Plot.ruleY([edge], { stroke: COLORS.theory, strokeDasharray: "4,3" }),
    );
  }
  const count = points.length;
  const rankedSvg = plotSvg({
    width: options.width,
    height: options.height,
    marginLeft: 56,
    marginRight: 16,
    x: count > 50 ? { label: "rank", type: "log" } : {
      label: "rank",
      ticks: rankTicks(count),
    },
    y: {
      label: options.compact ? "σ" : "singular value σ",
      grid: true,
      // A flat spectrum: a factor of 2 around its value, not float32 jitter.
      ...(options.shared
        ? logAxis(...options.shared.sigma)
        : a.flat
        ? logAxis(ranked[0] / 2, ranked[0] * 2)
        : logAxis(
          Math.min(points.at(-1)?.v ?? 1, edge ?? Infinity),
          Math.max(points[0]?.v ?? 10, edge ?? 0),
        )),
    },
    marks: rankMarks,
  });
  return { esd, ranked: rankedSvg };
}

/**
 * The fitted bulk edge as a singular value, √(λ₊·N) with N = σ₁²/λ₁ (the
 * σ panel's dashed line); null without a bulk.
 */
export function bulkEdgeSigma(a: SpectrumAnalysis): number | null {
  const mp = a.marchenkoPastur;
  const l1 = a.eigenvalues[0];
  if (mp === null || !(mp.sigma2 > 0) || !(l1 > 0)) return null;
  const edge = Math.sqrt(mp.lambdaPlus * (a.singularValues[0] ** 2 / l1));
  return Number.isFinite(edge) ? edge : null;
}

/** Two lines summarising a spectrum: norms, then the analysis' verdict. */
export function spectrumNotes(
  v: SpectrumView,
): { text: string; warn: boolean }[] {
  if (v.analysis === null) {
    return [{
      text:
        `${v.nonFinite} NaN/Inf values in the weights: the spectrum was not computed`,
      warn: true,
    }];
  }
  const a = v.analysis;
  const mp = a.marchenkoPastur;
  const pl = a.powerLaw;
  // The summary names α when it is meaningful; say so when it is not, where
  // a reader might look for one.
  const alpha = pl !== null && !pl.meaningful &&
      (a.verdict === "spiked" || a.verdict === "random-like" ||
        a.verdict === "low-rank")
    ? " · α not meaningful"
    : "";
  // Eigenvalues past the drawn edge λ₊ that are not spikes: say why, or a
  // reader sees them past the dashed line and a verdict of "no spikes".
  let past = "";
  if (mp !== null && !a.heavyTailed) {
    const beyond: number[] = [];
    for (let i = 0; i < a.rank; i++) {
      const e = a.eigenvalues[i];
      if (e > mp.lambdaPlus && i !== a.meanOutlierIndex) beyond.push(e);
    }
    const extra = beyond.length - a.spikes;
    if (extra > 0) {
      const within = beyond.slice(a.spikes).every((e) =>
        !(e > a.spikeThreshold)
      );
      past = `${extra}${a.spikes > 0 ? " more" : ""} eigenvalue${
        extra === 1 ? "" : "s"
      } past λ₊, ${
        within
          ? "within the edge's Tracy–Widom fluctuation"
          : "not apart from the bulk"
      }: not spikes`;
    }
  }
  return [
    {
      text:
        `σ₁ ${num(a.spectralNorm)} · ‖W‖F ${
          num(a.frobeniusNorm)
        } · stable rank ${num(a.stableRank)} · rank ${a.rank}` +
        (mp === null
          ? ""
          : ` · MP ${v.theory ? "theory" : "fitted"} σ² ${num(mp.sigma2)}, Q ${
            num(mp.q)
          }, bulk [${num(mp.lambdaMinus)}, ${num(mp.lambdaPlus)}]`),
      warn: false,
    },
    {
      text: `${a.summary}${alpha}`,
      warn: a.verdict === "spiked" || a.verdict === "heavy-tailed",
    },
    ...(past ? [{ text: past, warn: false }] : []),
  ];
}

/** A panel that only says something (no data to draw). */
export function messagePanel(
  text: string,
  width: number,
  height: number,
): string {
  return `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${width} ${height}" width="${width}" height="${height}"><rect width="100%" height="100%" fill="${COLORS.none}"/><text x="${
    width / 2
  }" y="${
    height / 2
  }" text-anchor="middle" font-size="13" fill="${COLORS.warn}">${
    escapeHtml(text)
  }</text></svg>`;
}

/**
 * The singular-value spectrum of a weight matrix: a histogram of the
 * eigenvalues of WᵀW/N (the empirical spectral density, N the longer side)
 * with the Marchenko–Pastur density for the matrix's shape overlaid (from
 * the initializer's variance for a random init, fitted to the bulk for
 * trained weights), and the singular values in rank order on a log scale.
 * The figure draws what `analyzeSpectrum` finds: spikes are marked in
 * orange, the mean's rank-one outlier as a grey ring, and the notes give
 * the verdict and whether the power-law α means anything.
 *
 * Higher ranks are read as [product of all but the last axis, last axis].
 * NaN or Inf in the weights: the figure renders and says how many.
 *
 * @param x A tensor, Parameter, LayerVariable or `{ values, shape }` of rank
 * ≥ 2; or a whole model (a tf.LayersModel, tf.GraphModel, Module,
 * Map<string, tf.Tensor> or tf.NamedTensorMap), drawn as one spectrum per
 * weight of rank ≥ 2, stacked and titled by name.
 * @param options `title`, `bins` (default from the data, Freedman–Diaconis),
 * `mp` ("theory" or "fit"), `expected`, `width`, `height`,
 * `quantizationStep`, `storedDtype`.
 * @returns A Figure.
 * @throws {RangeError} For a 1-D input (use `plotHistogram`) or an empty one.
 *
 * @example
 * ```ts
 * import { initializers, plotSpectrum } from "../mod.ts";
 * import { assert } from "@std/assert";
 *
 * const w = initializers.randomNormal([400, 200], { stddev: 1, seed: 0 });
 * const fig = await plotSpectrum(w);
 * assert(fig.text.includes("MP theory"));
 * w.dispose();
 * ```
 */
export async function plotSpectrum(
  x: WeightsLike | WeightCollection,
  options: PlotSpectrumOptions = {},
): Promise<Figure> {
  checkOptions("plotSpectrum", options, [
    "title",
    "bins",
    "mp",
    "expected",
    "width",
    "height",
    "quantizationStep",
    "storedDtype",
  ]);
  if (isWeightCollection(x)) {
    // Weights from a file: each analysed with how it was stored.
    const file = x instanceof WeightMap ? x : null;
    return await stackWeights(
      x,
      "plotSpectrum",
      (w) => w.x.shape.length >= 2,
      "a weight of rank >= 2",
      options,
      (weights) => `spectra of ${weights} of rank ≥ 2`,
      (w, o, name) =>
        plotSpectrum(w, { ...file?.storagePrecision(name), ...o }),
    );
  }
  const width = checkSize("plotSpectrum", "width", options.width, 760);
  const height = checkSize("plotSpectrum", "height", options.height, 260);
  const bins = checkBins("plotSpectrum", options.bins);
  const weights = await readWeights(x, "plotSpectrum");
  const a = spectrumView(x, weights, {
    mp: options.mp,
    expected: options.expected,
    fn: "plotSpectrum",
    quantizationStep: options.quantizationStep,
    storedDtype: options.storedDtype,
  });
  const title = options.title ??
    `Spectrum of ${defaultTitle(x, weights.shape)}`;
  const notes = spectrumNotes(a);
  const legend = spectrumLegend(a);
  const top = 26 + 16 * notes.length + (legend.length ? 24 : 0);
  const labels: Label[] = [
    { text: title, x: 8, y: 18, size: 14, weight: "bold" },
    ...notes.map((n, i) => ({
      text: n.text,
      x: 8,
      y: 38 + 16 * i,
      size: 11,
      color: n.warn ? COLORS.spike : COLORS.muted,
    })),
    ...legendLabels(legend, 8, 38 + 16 * notes.length + 2),
  ];
  const half = Math.floor(width / 2);
  const panels = a.analysis === null || a.analysis.zero
    ? [{
      svg: messagePanel(
        a.analysis === null ? notes[0].text : "all zero: no spectrum",
        width,
        height,
      ),
      x: 0,
      y: top,
      width,
      height,
    }]
    : (() => {
      const { esd, ranked } = spectrumPanels(a, {
        width: half,
        height,
        bins,
      });
      return [
        { svg: esd, x: 0, y: top, width: half, height },
        { svg: ranked, x: half, y: top, width: width - half, height },
      ];
    })();
  return new Figure({
    width,
    height: top + height,
    panels,
    labels,
    title,
    text: [
      `${title} (${a.rows} × ${a.cols})`,
      ...notes.map((n) => n.text),
      ...(legend.length
        ? [`legend: ${legend.map((l) => `${l.symbol} ${l.text}`).join(", ")}`]
        : []),
    ].join("\n"),
  });
}
