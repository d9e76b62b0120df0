/**
 * `plotSpectrum`: the singular-value spectrum of a weight matrix, against the
 * Marchenko–Pastur law.
 *
 * @module
 */
import * as Plot from "@observablehq/plot";
import { Figure, type Label } from "./figure.ts";
import { COLORS, defaultTitle, num, plotSvg, recordOf } from "./_common.ts";
import { readWeights, type WeightsLike } from "../lib/read/weights.ts";
import type { Weights } from "../lib/host.ts";
import {
  analyzeSpectrumSync,
  type SpectrumAnalysis,
} from "../lib/stats/analyze_spectrum.ts";
import { histogramSync } from "../lib/stats/histogram.ts";
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
  options: { mp?: "theory" | "fit"; expected?: Density | null; fn: string },
): SpectrumView {
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
    return { rows, cols, analysis: null, nonFinite, theory: false };
  }
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
  const analysis = analyzeSpectrumSync(
    { values, shape },
    sigma2 === undefined ? {} : { sigma2 },
  );
  return {
    rows: analysis.matrixShape[0],
    cols: analysis.matrixShape[1],
    analysis,
    nonFinite: 0,
    theory: sigma2 !== undefined,
  };
}

/** The ESD histogram with the MP density, and the rank-ordered singular values: two Plot SVGs. */
export function spectrumPanels(
  v: SpectrumView,
  options: { width: number; height: number; bins: number; compact?: boolean },
): { esd: string; ranked: string } {
  const a = v.analysis!;
  const mp = a.marchenkoPastur;
  const eig = a.eigenvalues;
  // A flat spectrum is one point: bin it on [0, 2λ] so it reads as one bar
  // rather than rounding noise magnified to fill the axis.
  const h = a.flat
    ? histogramSync(eig, { bins: options.bins, range: [0, 2 * eig[0]] })
    : histogramSync(eig, { bins: options.bins });
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
  if (mp !== null && mp.sigma2 > 0) {
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
  const spikeSet = new Set(a.spikeIndices);
  const spikes = a.spikeIndices.map((i) => eig[i]);
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
  if (a.meanOutlierIndex >= 0) {
    marks.push(
      Plot.dot([eig[a.meanOutlierIndex]], {
        x: (d: number) => d,
        y: 0,
        stroke: COLORS.muted,
        r: 4,
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
  const ranked = a.singularValues;
  const points = Array.from(
    ranked,
    (value, i) => ({ i: i + 1, v: value, spike: spikeSet.has(i) }),
  )
    .filter((d) => d.v > 0);
  const rankMarks: Plot.Markish[] = [
    Plot.line(points, { x: "i", y: "v", stroke: COLORS.data }),
    Plot.dot(points.filter((d) => d.spike), {
      x: "i",
      y: "v",
      fill: COLORS.spike,
      r: 3,
    }),
  ];
  if (mp !== null && mp.sigma2 > 0 && a.slices === 1) {
    const n = Math.sqrt(eig[0] > 0 ? ranked[0] ** 2 / eig[0] : 1);
    rankMarks.push(
      Plot.ruleY([Math.sqrt(mp.lambdaPlus) * n], {
        stroke: COLORS.theory,
        strokeDasharray: "4,3",
      }),
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
      // A flat spectrum: a factor of 2 around its value, not float32 jitter.
      ...(a.flat
        ? { domain: [ranked[0] / Math.SQRT2 ** 2, ranked[0] * 2] }
        : {}),
    },
    marks: rankMarks,
  });
  return { esd, ranked: rankedSvg };
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
 * const fig = await plotSpectrum(w);
 * assert(fig.text.includes("MP theory"));
 * w.dispose();
 * ```
 */
export async function plotSpectrum(
  x: WeightsLike,
  options: PlotSpectrumOptions = {},
): Promise<Figure> {
  const weights = await readWeights(x, "plotSpectrum");
  const a = spectrumView(x, weights, {
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
  const panels = a.analysis === null
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
