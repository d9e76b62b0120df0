/**
 * `plotSpectrum`: the singular-value spectrum of a weight matrix, against the
 * Marchenko–Pastur law.
 *
 * @module
 */
import * as Plot from "@observablehq/plot";
import { Figure, type Label } from "./figure.ts";
import { COLORS, defaultTitle, num, plotSvg, recordOf } from "./_common.ts";
import { readWeights, type Weights, type WeightsLike } from "../lib/_read.ts";
import { singularValues } from "../lib/linalg/singular_values.ts";
import { type SpectralStats, spectralStats } from "../lib/stats/spectral.ts";
import { histogram } from "../lib/stats/histogram.ts";
import { marchenkoPasturDensity } from "../lib/stats/marchenko_pastur.ts";
import { lawOf } from "../lib/stats/laws.ts";
import type { Density } from "../lib/initializers/_core.ts";
import { escapeHtml } from "../lib/nn/_summary.ts";

/** Options for {@linkcode plotSpectrum}. */
export interface PlotSpectrumOptions {
  /** Title. Default: the parameter's name, or its initializer and shape. */
  title?: string;
  /** Bins of the ESD histogram. Default 60. */
  bins?: number;
  /**
   * Where the Marchenko–Pastur σ² comes from: `"theory"` (the initializer's
   * variance, when known) or `"fit"` (fitted to the bulk). Default: theory
   * when the weights came from a random initializer and still have its
   * variance (mean square within 6 standard errors), else fitted.
   */
  mp?: "theory" | "fit";
  /** The law the entries were drawn from, overriding the record. */
  expected?: Density | null;
  /** Width in pixels. Default 760. */
  width?: number;
  /** Height of the plots in pixels. Default 260. */
  height?: number;
}

/** A weight matrix's spectrum and statistics, or why there is none. */
export interface SpectrumAnalysis {
  /** Rows of the matrix view (product of all but the last axis). */
  rows: number;
  /** Columns (the last axis). */
  cols: number;
  /** The statistics, or `null` when the weights hold NaN or Inf. */
  stats: SpectralStats | null;
  /** Singular values, descending, or `null` as for `stats`. */
  singularValues: Float64Array | null;
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

/** The entries' variance E[w²] implied by a law, for the MP theory curve; `null` where MP does not apply. */
function theoryVariance(density: Density | null | undefined): number | null {
  if (!density) return null;
  if (
    density.kind === "orthogonal" || density.kind === "pointMass" ||
    density.kind === "constant"
  ) {
    return null;
  }
  const law = lawOf(density);
  const v = law.std * law.std + law.mean * law.mean;
  return v > 0 ? v : null;
}

/**
 * Computes a matrix's singular values and spectral statistics (the shape is
 * read as [product of all but the last axis, last axis]).
 *
 * @throws {RangeError} For rank < 2 (suggesting plotHistogram) or an empty input.
 */
export function analyseSpectrum(
  x: WeightsLike,
  weights: Weights,
  options: { mp?: "theory" | "fit"; expected?: Density | null; fn: string },
): SpectrumAnalysis {
  const { shape, values } = weights;
  if (shape.length < 2) {
    throw new RangeError(
      `${options.fn} needs a matrix (rank >= 2), received shape [${
        shape.join(", ")
      }]; for a 1-D tensor use plotHistogram`,
    );
  }
  if (values.length === 0) {
    throw new RangeError(
      `${options.fn}: the input is empty (shape [${shape.join(", ")}])`,
    );
  }
  const cols = shape[shape.length - 1];
  const rows = values.length / cols;
  const nonFinite = nonFiniteCount(values);
  if (nonFinite > 0) {
    return {
      rows,
      cols,
      stats: null,
      singularValues: null,
      nonFinite,
      theory: false,
    };
  }
  const sigma = singularValues({ values, shape: [rows, cols] });
  const density = options.expected === undefined
    ? recordOf(x)?.density
    : options.expected;
  const theoryVar = options.mp === "fit" ? null : theoryVariance(density);
  if (options.mp === "theory" && theoryVar === null) {
    throw new RangeError(
      `${options.fn}: mp "theory" needs weights made by a random initializer (or the expected option)`,
    );
  }
  // The initializer's variance is the theory only while the weights still
  // have it: their mean square within 6 standard errors of it (SE ≤ √(2/n)·σ²
  // for the uniform, normal and truncated normal laws). After training, the
  // bulk is fitted.
  let sigma2: number | undefined;
  if (theoryVar !== null) {
    let ss = 0;
    for (let i = 0; i < values.length; i++) ss += values[i] * values[i];
    const ms = ss / values.length;
    const se = Math.sqrt(2 / values.length) * theoryVar;
    if (options.mp === "theory" || Math.abs(ms - theoryVar) <= 6 * se) {
      sigma2 = theoryVar;
    }
  }
  const stats = spectralStats(
    sigma,
    [rows, cols],
    sigma2 === undefined ? {} : { sigma2 },
  );
  return {
    rows,
    cols,
    stats,
    singularValues: sigma,
    nonFinite: 0,
    theory: sigma2 !== undefined,
  };
}

/** The ESD histogram with the MP density, and the rank-ordered singular values: two Plot SVGs. */
export function spectrumPanels(
  a: SpectrumAnalysis,
  options: { width: number; height: number; bins: number; compact?: boolean },
): { esd: string; ranked: string } {
  const s = a.stats!;
  const mp = s.marchenkoPastur;
  const eig = s.eigenvalues;
  const h = histogram(eig, { bins: options.bins });
  const width = (h.edges[h.edges.length - 1] - h.edges[0]) / h.counts.length;
  const bars = Array.from(
    h.counts,
    (count, i) => ({ x1: h.edges[i], x2: h.edges[i + 1], count }),
  );
  const m = eig.length;
  const marks: Plot.Markish[] = [
    Plot.rectY(bars, {
      x1: "x1",
      x2: "x2",
      y: "count",
      fill: COLORS.data,
      fillOpacity: 0.75,
      inset: 0.3,
    }),
    Plot.ruleY([0]),
  ];
  if (mp.sigma2 > 0) {
    const lo = Math.max(mp.lambdaMinus, 0);
    const hi = mp.lambdaPlus;
    const curve: [number, number][] = [];
    const steps = 400;
    for (let i = 0; i <= steps; i++) {
      const x = lo + ((hi - lo) * i) / steps;
      const y = m * width * marchenkoPasturDensity(x, mp.q, mp.sigma2);
      if (Number.isFinite(y)) curve.push([x, y]);
    }
    const ymax = Math.max(...h.counts) * 1.6;
    marks.push(
      Plot.line(curve.filter(([, y]) => y <= ymax), {
        stroke: COLORS.theory,
        strokeWidth: 2,
      }),
      Plot.ruleX([mp.lambdaPlus], {
        stroke: COLORS.theory,
        strokeDasharray: "4,3",
      }),
    );
  }
  const spikes = Array.from(eig).filter((v) =>
    v > mp.spikeThreshold && mp.sigma2 > 0
  );
  if (spikes.length) {
    marks.push(
      // Spikes as dots on the axis: each is one eigenvalue, too few for a bar.
      Plot.dot(spikes, {
        x: (d: number) => d,
        y: 0,
        fill: COLORS.spike,
        r: 3.5,
      }),
    );
  }
  const esd = plotSvg({
    width: options.width,
    height: options.height,
    marginLeft: 48,
    x: { label: options.compact ? null : "eigenvalue of WᵀW/N" },
    y: { label: options.compact ? null : "count", grid: true },
    marks,
  });
  const ranked = a.singularValues!;
  const points = Array.from(
    ranked,
    (v, i) => ({
      i: i + 1,
      v,
      spike: eig[i] > mp.spikeThreshold && mp.sigma2 > 0,
    }),
  )
    .filter((d) => d.v > 0);
  const edge = Math.sqrt(mp.lambdaPlus * Math.max(a.rows, a.cols));
  const rankMarks: Plot.Markish[] = [
    Plot.line(points, { x: "i", y: "v", stroke: COLORS.data }),
    Plot.dot(points.filter((d) => d.spike), {
      x: "i",
      y: "v",
      fill: COLORS.spike,
      r: 3,
    }),
  ];
  if (mp.sigma2 > 0) {
    rankMarks.push(
      Plot.ruleY([edge], { stroke: COLORS.theory, strokeDasharray: "4,3" }),
    );
  }
  const rankedSvg = plotSvg({
    width: options.width,
    height: options.height,
    marginLeft: 56,
    x: {
      label: options.compact ? null : "rank",
      type: points.length > 50 ? "log" : "linear",
    },
    y: {
      label: options.compact ? null : "singular value",
      type: "log",
      grid: true,
    },
    marks: rankMarks,
  });
  return { esd, ranked: rankedSvg };
}

/** Two lines summarising a spectrum. */
export function spectrumNotes(
  a: SpectrumAnalysis,
): { text: string; warn: boolean }[] {
  if (a.stats === null) {
    return [{
      text:
        `${a.nonFinite} NaN/Inf values in the weights: the spectrum was not computed`,
      warn: true,
    }];
  }
  const s = a.stats;
  const mp = s.marchenkoPastur;
  const pl = s.powerLaw;
  return [
    {
      text: `σ₁ ${num(s.spectralNorm)} · ‖W‖F ${
        num(s.frobeniusNorm)
      } · stable rank ${num(s.stableRank)} · effective rank ${
        num(s.effectiveRank)
      } · condition ${num(s.conditionNumber)}`,
      warn: false,
    },
    {
      text:
        `MP (${a.theory ? "theory" : "fitted"} σ² = ${num(mp.sigma2)}, Q = ${
          num(mp.q)
        }): bulk [${num(mp.lambdaMinus)}, ${
          num(mp.lambdaPlus)
        }], ${mp.spikes} spike${mp.spikes === 1 ? "" : "s"}` +
        (pl === null
          ? ""
          : s.heavyTail
          ? ` · heavy tail, power-law α ${num(pl.alpha)}`
          : ` · no heavy tail past the bulk (α ${
            num(pl.alpha)
          } not meaningful)`),
      warn: mp.spikes > 0,
    },
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
 * Spikes (eigenvalues beyond the bulk edge by more than 4 Tracy–Widom
 * scales) are marked in orange.
 *
 * Higher ranks are read as [product of all but the last axis, last axis].
 * NaN or Inf in the weights: the figure renders and says how many.
 *
 * @param x A tensor, Parameter or `{ values, shape }` of rank ≥ 2.
 * @param options `title`, `bins` (60), `mp` ("theory" or "fit"), `expected`, `width`, `height`.
 * @returns A Figure.
 * @throws {RangeError} For a 1-D input (use `plotHistogram`) or an empty one.
 *
 * @example
 * ```ts
 * import { initializers, plotSpectrum } from "../mod.ts";
 * import { assert } from "@std/assert";
 *
 * const w = initializers.randomNormal([400, 200], { stddev: 1, seed: 0 });
 * const fig = plotSpectrum(w);
 * assert(fig.text.includes("MP (theory"));
 * w.dispose();
 * ```
 */
export function plotSpectrum(
  x: WeightsLike,
  options: PlotSpectrumOptions = {},
): Figure {
  const weights = readWeights(x, "plotSpectrum");
  const a = analyseSpectrum(x, weights, {
    mp: options.mp,
    expected: options.expected,
    fn: "plotSpectrum",
  });
  const width = options.width ?? 760;
  const height = options.height ?? 260;
  const title = options.title ?? defaultTitle(x, weights.shape);
  const notes = spectrumNotes(a);
  const top = 26 + 16 * notes.length;
  const labels: Label[] = [
    { text: `Spectrum of ${title}`, x: 8, y: 18, size: 14, weight: "bold" },
    ...notes.map((n, i) => ({
      text: n.text,
      x: 8,
      y: 38 + 16 * i,
      size: 11,
      color: n.warn ? COLORS.spike : COLORS.muted,
    })),
  ];
  const half = Math.floor(width / 2);
  const panels = a.stats === null
    ? [{
      svg: messagePanel(notes[0].text, width, height),
      x: 0,
      y: top,
      width,
      height,
    }]
    : (() => {
      const { esd, ranked } = spectrumPanels(a, {
        width: half,
        height,
        bins: options.bins ?? 60,
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
    title: `Spectrum of ${title}`,
    text: [
      `Spectrum of ${title} (${a.rows} × ${a.cols})`,
      ...notes.map((n) => n.text),
    ].join("\n"),
  });
}
