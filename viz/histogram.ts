/**
 * `plotHistogram`: a weight histogram with the initializer's exact density.
 *
 * @module
 */
import {
  isWeightCollection,
  type WeightCollection,
} from "../lib/read/collection.ts";
import { stackWeights } from "./_stack.ts";
import * as Plot from "@observablehq/plot";
import { Figure, type Label } from "./figure.ts";
import {
  checkBins,
  checkSize,
  COLORS,
  defaultTitle,
  num,
  plotSvg,
  recordOf,
  tickLabel,
} from "./_common.ts";
import { readWeights, type WeightsLike } from "../lib/read/weights.ts";
import {
  freedmanDiaconisBins,
  type Histogram,
  histogramAs,
  histogramSync,
} from "../lib/stats/histogram.ts";
import { discreteLevels, gridStep, histogramBinning } from "./_bins.ts";
import { type Law, lawOf } from "../lib/stats/laws.ts";
import { legendLabels } from "./spectrum.ts";
import {
  checkChoice,
  checkOptions,
  checkPositive,
  typeError,
} from "../lib/validate.ts";
import { STORED_FLOATS, type StoredFloat } from "../lib/stats/stored_float.ts";
import { WeightMap } from "../lib/io/load_weights.ts";
import type { Density } from "../lib/stats/density.ts";

/** Options for {@linkcode plotHistogram}. */
export interface PlotHistogramOptions {
  /** Number of bins (1–10000). Default: from the data (Freedman–Diaconis, 5–100). */
  bins?: number;
  /** A symmetric-log y axis, to see the tails. Default `false`. */
  logY?: boolean;
  /** Title. Default: the parameter's name, or its initializer and shape. */
  title?: string;
  /** The law to overlay; default the initializer's (from a Parameter's `init` or the tensor's record); `null` for none. */
  expected?: Density | null;
  /** Width in pixels. Default 640. */
  width?: number;
  /** Height of the plot area in pixels. Default 260. */
  height?: number;
  /**
   * A second set of values drawn over the first, as a black step outline on
   * the same bins (its counts scaled to the first's number of values when
   * the two differ), with its mean and std in the notes: for example
   * tfjs's own `glorotNormal` against ours and the law.
   */
  compare?: HistogramCompare;
  /**
   * The step of the grid the values were stored on (a tfjs uint8/uint16
   * weight's scale): bins a whole number of steps wide, edges halfway
   * between levels, so that no bin holds more levels than its neighbour.
   * Default: a uniform grid is found from the values; for a `WeightMap`
   * (`loadWeights`), each weight's own.
   */
  quantizationStep?: number;
  /**
   * The low-precision float format the values were stored in
   * (`"float16"`, `"bfloat16"`, `"float8_e4m3fn"`, `"float8_e5m2"`): bins a
   * power of two wide, aligned to the format's numbers. Default: none; for
   * a `WeightMap`, each weight's own.
   */
  storedDtype?: StoredFloat;
}

/** The second set of values of {@linkcode PlotHistogramOptions.compare}. */
export interface HistogramCompare {
  /** The values: a tensor, Parameter, LayerVariable or host values (read once). */
  x: WeightsLike;
  /** Its name in the legend. Default "compared". */
  label?: string;
}

/** The colour of a compared histogram's outline. */
const COMPARE_COLOR = "#222";

/** The size and layout of a panel drawn by {@linkcode histogramPanel} or {@linkcode distributionPanel}. */
interface PanelLayout {
  width: number;
  height: number;
  logY: boolean;
  compact?: boolean;
  /** The x range drawn (bins past it are clipped), for panels that share an axis. Default: the bins'. */
  xDomain?: [number, number];
}

/** The drawing of a histogram and its expected counts, as a Plot SVG. */
export function histogramPanel(
  h: Histogram,
  law: Law | null,
  options: PanelLayout & {
    /** Whether the weights still follow the law (else it is drawn dashed, "at init"). Default true. */
    lawApplies?: boolean;
    /** The count the law's expected counts refer to. Default: the values binned. */
    total?: number;
    /** A y range shared with other panels: [0, yMax]; the law is clipped to it. */
    yMax?: number;
    /** A second histogram on the same bins, drawn as a step outline, its counts times `scale`. */
    compare?: { h: Histogram; scale: number };
  },
): string {
  const applies = options.lawApplies ?? true;
  const bins = Array.from(h.counts, (count, i) => ({
    x1: h.edges[i],
    x2: h.edges[i + 1],
    count,
  }));
  const n = options.total ?? h.size - h.nan - h.posInf - h.negInf - h.outside;
  const lo = h.edges[0];
  const hi = h.edges[h.edges.length - 1];
  const width = (hi - lo) / h.counts.length;
  // On a log axis bars start at 0.8 (below one count) and empty bins are left out.
  const floor = options.logY ? 0.8 : 0;
  const marks: Plot.Markish[] = [
    Plot.rectY(options.logY ? bins.filter((b) => b.count > 0) : bins, {
      x1: "x1",
      x2: "x2",
      y1: floor,
      y2: "count",
      fill: COLORS.data,
      fillOpacity: 0.75,
      inset: 0.3,
      clip: options.xDomain !== undefined,
    }),
    Plot.ruleY([floor]),
  ];
  if (options.compare) {
    const { h: hc, scale } = options.compare;
    // A step outline: up at each bin's left edge, across, down at the end.
    const steps: [number, number][] = [[hc.edges[0], floor]];
    hc.counts.forEach((c, i) => {
      const y = Math.max(c * scale, floor);
      steps.push([hc.edges[i], y], [hc.edges[i + 1], y]);
    });
    steps.push([hc.edges[hc.edges.length - 1], floor]);
    marks.push(
      Plot.line(steps, {
        stroke: COMPARE_COLOR,
        strokeWidth: 1.6,
      }),
    );
  }
  if (law && law.pdf && law.continuous > 0) {
    const pdf = law.pdf;
    const a = Math.max(lo, law.support[0]);
    const b = Math.min(hi, law.support[1]);
    const steps = 400;
    const curve: [number, number][] = [];
    if (b > a) {
      // A law with bounded support drops to 0 at its ends (a uniform's
      // walls stay visible when the curve is clipped).
      if (a === law.support[0]) curve.push([a, floor]);
      for (let i = 0; i <= steps; i++) {
        const x = a + ((b - a) * i) / steps;
        const y = n * width * pdf(x);
        if (y > floor) curve.push([x, y]);
      }
      if (b === law.support[1]) curve.push([b, floor]);
    }
    // Once the weights have left the law, it is drawn dashed and clipped to
    // the data's own y range (it never sets the domain).
    marks.push(
      Plot.line(curve, {
        stroke: COLORS.theory,
        strokeWidth: applies ? 2 : 1.5,
        strokeDasharray: applies ? undefined : "5,4",
        clip: !applies || options.yMax !== undefined,
      }),
    );
    if (!applies && curve.length) {
      marks.push(
        Plot.text(["at init"], {
          frameAnchor: "top-right",
          dx: -4,
          dy: 4,
          fill: COLORS.theory,
          fontSize: 10,
        }),
      );
    }
  }
  // Point masses are drawn only while the law applies: a trained bias's
  // "constant 0" would otherwise set the y domain and flatten its data.
  if (law && applies) {
    // An atom's bin expects n·p plus the continuous part's share of that bin.
    const atoms = law.atoms.filter((t) => t.x >= lo && t.x <= hi).map((t) => ({
      x: t.x,
      y: n * t.p + (law.pdf ? n * width * law.pdf(t.x) : 0),
    }));
    marks.push(
      Plot.ruleX(atoms, {
        x: "x",
        y1: floor,
        y2: "y",
        stroke: COLORS.theory,
        strokeWidth: 2,
      }),
      Plot.dot(atoms, { x: "x", y: "y", fill: COLORS.theory, r: 4 }),
    );
  }
  return plotSvg({
    width: options.width,
    height: options.height,
    marginLeft: 52,
    x: {
      label: "value",
      nice: false,
      ...(options.xDomain ? { domain: options.xDomain } : {}),
    },
    y: {
      label: "count",
      type: options.logY ? "log" : "linear",
      grid: true,
      ...(options.yMax !== undefined && !options.logY
        ? { domain: [0, options.yMax * 1.05] }
        : applies || options.logY
        ? {}
        : { domain: [0, Math.max(...h.counts) * 1.1] }),
    },
    marks,
  });
}

/**
 * A bar chart of categories: the count of each level, with the law's
 * expected counts as ticks where given.
 */
function categoryBars(
  levels: { level: number; count: number }[],
  expected: { level: number; count: number }[],
  width: number,
  height: number,
): string {
  const data = levels.map((l) => ({
    level: tickLabel(l.level),
    count: l.count,
  }));
  const shown = new Set(data.map((d) => d.level));
  const ticks = expected
    .map((e) => ({ level: tickLabel(e.level), count: e.count }))
    .filter((e) => shown.has(e.level));
  const marks: Plot.Markish[] = [
    Plot.barY(data, {
      x: "level",
      y: "count",
      fill: COLORS.data,
      fillOpacity: 0.75,
    }),
    Plot.ruleY([0]),
  ];
  if (ticks.length) {
    marks.push(
      Plot.tickY(ticks, {
        x: "level",
        y: "count",
        stroke: COLORS.theory,
        strokeWidth: 3,
      }),
    );
  }
  return plotSvg({
    width,
    height,
    marginLeft: 52,
    x: {
      label: "value",
      domain: data.map((d) => d.level),
      tickFormat: (d: string) => d,
    },
    y: { label: "count", grid: true },
    marks,
  });
}

/** Two SVG panels side by side in one SVG of the given height. */
function sideBySide(
  left: [string, number],
  right: [string, number],
  height: number,
): string {
  const place = ([svg, width]: [string, number], x: number) => {
    const open = svg.match(/^<svg[^>]*>/)![0];
    const tag = open.replace(/\s(width|height|x|y|viewBox)="[^"]*"/g, "")
      .replace(
        /^<svg/,
        `<svg x="${x}" y="0" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}"`,
      );
    return tag + svg.slice(open.length);
  };
  const width = left[1] + right[1];
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}">${
    place(left, 0)
  }${place(right, left[1])}</svg>`;
}

/**
 * The distribution panel of a set of values, by what they are: a bar chart
 * of categories (with the law's expected counts as ticks) for at most 10
 * distinct values, as a mask, an identity or a constant has; a histogram of
 * the values off the law's point masses (with the masses counted in a note)
 * for a law with both, as a sparse init has, so its continuous part is not
 * lost beside a spike of zeros; else {@linkcode histogramPanel}.
 */
export function distributionPanel(
  values: ArrayLike<number>,
  h: Histogram,
  law: Law | null,
  options: PanelLayout & {
    bins?: number;
    /** A y range shared with other panels (continuous histograms only). */
    yMax?: number;
  },
): { svg: string; notes: { text: string; warn: boolean }[] } {
  const applies = law === null || followsLaw(h, law);
  const levels = discreteLevels(values);
  if (levels !== null && (law === null || law.continuous === 0)) {
    const counts = new Map<number, number>(levels.map((l) => [l, 0]));
    for (let i = 0; i < values.length; i++) {
      const v = values[i];
      if (counts.has(v)) counts.set(v, counts.get(v)! + 1);
    }
    const n = [...counts.values()].reduce((a, b) => a + b, 0);
    return {
      svg: categoryBars(
        levels.map((l) => ({ level: l, count: counts.get(l)! })),
        law && applies
          ? law.atoms.map((t) => ({ level: t.x, count: n * t.p }))
          : [],
        options.width,
        options.height,
      ),
      notes: [],
    };
  }
  if (law && law.atoms.length && law.continuous > 0) {
    const atoms = new Set(law.atoms.map((t) => t.x));
    const rest: number[] = [];
    let atAtoms = 0;
    for (let i = 0; i < values.length; i++) {
      const v = values[i];
      if (atoms.has(v)) atAtoms++;
      else if (Number.isFinite(v)) rest.push(v);
    }
    if (rest.length > 0 && atAtoms > 0) {
      const n = rest.length + atAtoms;
      const expectedAtoms = law.atoms.reduce((a, t) => a + t.p, 0) * n;
      const hr = histogramSync(Float64Array.from(rest), {
        bins: options.bins ?? freedmanDiaconisBins(rest),
      });
      // The continuous part's density integrates to its mass: n·w·pdf
      // counts the n values' share in each bin; the atoms are not binned.
      const continuous: Law = { ...law, atoms: [] };
      // The point masses as category bars beside the histogram of the rest.
      const barsWidth = Math.max(
        96,
        Math.round(options.width * 0.16 + 30 * law.atoms.length),
      );
      const bars = categoryBars(
        law.atoms.map((t) => ({
          level: t.x,
          count: Array.from(values).filter((v) => v === t.x).length,
        })),
        applies ? law.atoms.map((t) => ({ level: t.x, count: n * t.p })) : [],
        barsWidth,
        options.height,
      );
      const hist = histogramPanel(hr, continuous, {
        ...options,
        width: options.width - barsWidth,
        yMax: undefined,
        lawApplies: applies,
        total: n,
      });
      return {
        svg: sideBySide(
          [bars, barsWidth],
          [hist, options.width - barsWidth],
          options.height,
        ),
        notes: [{
          text: `${atAtoms} of ${n} values at ${
            law.atoms.map((t) => tickLabel(t.x)).join(", ")
          } (expected ${
            num(expectedAtoms)
          }): the bar at left; the histogram is of the rest`,
          warn: false,
        }],
      };
    }
  }
  return {
    svg: histogramPanel(h, law, { ...options, lawApplies: applies }),
    notes: [],
  };
}

/**
 * Whether measured values still follow a law: mean within 6 standard errors
 * (σ/√n) and standard deviation within 6·σ·√(2/n) + 1% of the law's (a point
 * mass: every value equal to it). After training they usually do not, and
 * the law is then drawn dashed, as the state at init.
 */
export function followsLaw(h: Histogram, law: Law): boolean {
  const n = h.size - h.nan - h.posInf - h.negInf;
  if (n === 0) return false;
  if (law.std === 0) return h.std === 0 && h.mean === law.mean;
  const se = law.std / Math.sqrt(n);
  return Math.abs(h.mean - law.mean) <= 6 * se &&
    Math.abs(h.std - law.std) <= 6 * law.std * Math.sqrt(2 / n) +
        0.01 * law.std;
}

/** The lines under a histogram's title: measured against expected moments, and what was not binned. */
export function histogramNotes(
  h: Histogram,
  law: Law | null,
): { text: string; warn: boolean }[] {
  const lines = [{
    text: `measured: mean ${num(h.mean)}, std ${num(h.std)}` +
      (law
        ? ` · expected ${law.label}: mean ${num(law.mean)}, std ${num(law.std)}`
        : ""),
    warn: false,
  }];
  const bad: string[] = [];
  if (h.nan) bad.push(`${h.nan} NaN`);
  if (h.posInf) bad.push(`${h.posInf} +Inf`);
  if (h.negInf) bad.push(`${h.negInf} −Inf`);
  if (h.outside) bad.push(`${h.outside} outside the range`);
  if (bad.length) {
    lines.push({
      text: `${bad.join(", ")} of ${h.size} values not shown`,
      warn: true,
    });
  }
  return lines;
}

/**
 * A histogram of the weights. When they were made by an initializer (a
 * Parameter's `init`, or a tensor returned by one), the exact density of its
 * law is drawn over the bars as expected counts (n · bin width · density),
 * with point masses (Bernoulli, zeros of a sparse init) as lollipops; the
 * measured mean and standard deviation are printed beside the expected ones.
 * NaN and ±Inf are counted and reported, not drawn.
 *
 * @param x A tensor, Parameter, LayerVariable, Float32Array/Float64Array or
 * `{ values, shape }`; or a whole model (a tf.LayersModel, tf.GraphModel,
 * Module, Map<string, tf.Tensor> or tf.NamedTensorMap), drawn as one
 * histogram per weight, stacked and titled by name.
 * @param options `bins` (from the data), `logY`, `title`, `expected`, `width`, `height`.
 * @returns A Figure (displays inline in Jupyter; `.svg`, `.html`, `save()`).
 * @throws {RangeError} For an empty input.
 *
 * @example
 * ```ts
 * import { initializers, Parameter, plotHistogram } from "../mod.ts";
 * import { assert } from "@std/assert";
 *
 * const w = new Parameter(initializers.heNormal([256, 128], { seed: 0 }));
 * const fig = await plotHistogram(w);
 * assert(fig.svg.startsWith("<svg"));
 * assert(fig.text.includes("expected"));
 * w.dispose();
 * ```
 */
export async function plotHistogram(
  x: WeightsLike | WeightCollection,
  options: PlotHistogramOptions = {},
): Promise<Figure> {
  checkOptions("plotHistogram", options, [
    "bins",
    "logY",
    "title",
    "expected",
    "width",
    "height",
    "compare",
    "quantizationStep",
    "storedDtype",
  ]);
  if (isWeightCollection(x)) {
    // Weights from a file: each binned on the grid it was stored on.
    const file = x instanceof WeightMap ? x : null;
    return await stackWeights(
      x,
      "plotHistogram",
      () => true,
      "a weight",
      options,
      (weights) => `histograms of ${weights}`,
      (w, o, name) =>
        plotHistogram(w, { ...file?.storagePrecision(name), ...o }),
    );
  }
  const step = options.quantizationStep === undefined
    ? undefined
    : checkPositive(
      "plotHistogram",
      "options.quantizationStep",
      options.quantizationStep,
    );
  if (options.storedDtype !== undefined) {
    checkChoice(
      "plotHistogram",
      "options.storedDtype",
      options.storedDtype,
      STORED_FLOATS,
    );
  }
  const width = checkSize("plotHistogram", "width", options.width, 640);
  const height = checkSize("plotHistogram", "height", options.height, 260);
  const bins = checkBins("plotHistogram", options.bins);
  const compare = checkCompare(options.compare);
  // One read of the data, shared by the histogram and the title.
  const weights = await readWeights(x, "plotHistogram");
  const other = compare ? await readWeights(compare.x, "plotHistogram") : null;
  const { shape } = weights;
  const density = options.expected === undefined
    ? recordOf(x)?.density
    : options.expected;
  const law = density ? lawOf(density) : null;
  const title = options.title ?? defaultTitle(x, shape);
  let h: Histogram;
  let svg: string;
  let notes: { text: string; warn: boolean }[];
  const labels: Label[] = [
    { text: title, x: 8, y: 18, size: 14, weight: "bold" },
  ];
  if (other) {
    // Both on the same bins, over both's finite range; on a grid both lie
    // on, a whole number of its steps wide (see histogramBinning).
    const both = new Float64Array(weights.values.length + other.values.length);
    both.set(weights.values);
    both.set(other.values, weights.values.length);
    const step = bins === undefined ? gridStep(both) : null;
    const binning = step === null
      ? {
        bins: bins ?? freedmanDiaconisBins(weights.values),
        range: finiteRange(weights.values, other.values),
      }
      : histogramBinning(both, { step });
    h = histogramAs("plotHistogram", weights, binning);
    const hc = histogramAs("plotHistogram", other, binning);
    const binned = (g: Histogram) =>
      g.size - g.nan - g.posInf - g.negInf - g.outside;
    const scale = binned(hc) > 0 ? binned(h) / binned(hc) : 1;
    const label = compare!.label ?? "compared";
    notes = histogramNotes(h, law);
    notes.push({
      text: `${label}: mean ${num(hc.mean)}, std ${num(hc.std)}${
        scale === 1
          ? ""
          : ` (its ${binned(hc)} values' counts scaled by ${num(scale)})`
      }`,
      warn: false,
    });
    for (const line of histogramNotes(hc, null).slice(1)) {
      notes.push({ text: `${label}: ${line.text}`, warn: true });
    }
    svg = histogramPanel(h, law, {
      width,
      height,
      logY: options.logY ?? false,
      lawApplies: law === null || followsLaw(h, law),
      compare: { h: hc, scale },
    });
    labels.push(
      ...legendLabels(
        [
          {
            symbol: "▮",
            color: COLORS.data,
            text: defaultTitle(x, shape),
          },
          { symbol: "━", color: COMPARE_COLOR, text: label },
          ...(law
            ? [{ symbol: "──", color: COLORS.theory, text: law.label }]
            : []),
        ],
        8,
        38 + 16 * notes.length,
        11,
      ),
    );
  } else {
    h = histogramAs(
      "plotHistogram",
      weights,
      histogramBinning(weights.values, {
        bins,
        step,
        format: options.storedDtype,
      }),
    );
    notes = histogramNotes(h, law);
    const panel = distributionPanel(weights.values, h, law, {
      width,
      height,
      logY: options.logY ?? false,
      bins,
    });
    svg = panel.svg;
    notes.push(...panel.notes);
  }
  const top = 26 + 16 * notes.length + (other ? 18 : 0);
  labels.push(
    ...notes.map((l, i) => ({
      text: l.text,
      x: 8,
      y: 38 + 16 * i,
      size: 11,
      color: l.warn ? COLORS.warn : COLORS.muted,
    })),
  );
  return new Figure({
    width,
    height: top + height,
    panels: [{ svg, x: 0, y: top, width, height }],
    labels,
    title,
    text: [
      `Histogram of ${title} (${h.size} values, ${h.counts.length} bins)`,
      ...notes.map((l) => l.text),
    ]
      .join("\n"),
  });
}

/** Checks the `compare` option. */
function checkCompare(
  compare: HistogramCompare | undefined,
): HistogramCompare | undefined {
  if (compare === undefined) return undefined;
  if (
    compare === null || typeof compare !== "object" || !("x" in compare) ||
    (compare.label !== undefined && typeof compare.label !== "string")
  ) {
    throw typeError(
      "plotHistogram",
      "options.compare",
      "{ x, label? } (x a tensor, Parameter or values)",
      compare,
    );
  }
  return compare;
}

/** [min, max] of the finite values of both arrays (a unit range around a single value). */
function finiteRange(
  a: ArrayLike<number>,
  b: ArrayLike<number>,
): [number, number] {
  let lo = Infinity;
  let hi = -Infinity;
  for (const values of [a, b]) {
    for (let i = 0; i < values.length; i++) {
      const v = values[i];
      if (!Number.isFinite(v)) continue;
      if (v < lo) lo = v;
      if (v > hi) hi = v;
    }
  }
  if (!Number.isFinite(lo) || !Number.isFinite(hi)) return [0, 1];
  return hi > lo ? [lo, hi] : [lo - 0.5, lo + 0.5];
}
