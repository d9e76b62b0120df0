/**
 * `plotPropagation`: activations, gradients and saturation by layer, one
 * series per initializer.
 *
 * @module
 */
import type * as Plot from "@observablehq/plot";
import { Figure, type Label, type Panel } from "./figure.ts";
import { checkSize, num } from "./_common.ts";
import {
  checkRange,
  dodge,
  edgeLegend,
  edgeMarks,
  FIGURE_OPTIONS,
  header,
  laneCounts,
  logDomain,
  namedSeries,
  placeOf,
  rankPlot,
  seriesLegend,
  seriesMarks,
  sparseLogAxis,
  withLanes,
} from "./_series.ts";
import { messagePanel } from "./spectrum.ts";
import { checkOptions } from "../lib/validate.ts";
import type { PropagationRow } from "../lib/nn/propagation.ts";

/** Options for {@linkcode plotPropagation}. */
export interface PlotPropagationOptions {
  /** Title. Default "Signal propagation through N layers". */
  title?: string;
  /** The line under the title. Default: what each panel shows. */
  subtitle?: string;
  /** The series' name when one array of rows is given. Default "net". */
  label?: string;
  /** Width in pixels (three panels side by side). Default 960. */
  width?: number;
  /** Height of the panels in pixels. Default 300. */
  height?: number;
  /**
   * [low, high] of both std panels' log axes. Default: the finite positive
   * values' range. Values outside it are drawn as ↑ or ↓ at the edge.
   */
  yRange?: [number, number];
}

const FN = "plotPropagation";

function isRows(v: unknown): v is PropagationRow[] {
  return Array.isArray(v) && v.length > 0 &&
    v.every((r) =>
      r !== null && typeof r === "object" && typeof r.layer === "number" &&
      typeof r.activationStd === "number" &&
      typeof r.gradientStd === "number"
    );
}

/** The layer where a series first diverged, or null. */
function firstDiverged(rows: PropagationRow[]): number | null {
  return rows.find((r) => r.diverged)?.layer ?? null;
}

function stdPanel(
  series: [string, PropagationRow[]][],
  key: "activationStd" | "gradientStd",
  label: string,
  domain: [number, number],
  layers: number,
  width: number,
  height: number,
): { svg: string; glyphs: Set<string> } {
  const [lo, hi] = domain;
  const n = series.length;
  const points = series.map(([, rows], i) =>
    rows.map((r) => ({ x: dodge(r.layer, i, n), y: r[key] }))
  );
  // Plot's inner height: the panel less its top (22) and bottom (30) margins.
  const axis = withLanes(domain, laneCounts(points, domain), height - 52);
  const marks: Plot.Markish[] = [];
  series.forEach(([, rows], i) => {
    marks.push(
      ...seriesMarks(
        rows.map((r) => ({
          x: dodge(r.layer, i, n),
          y: placeOf(r[key], lo, hi) === "in" ? r[key] : null,
        })),
        i,
      ),
    );
  });
  const edges = edgeMarks(points, domain, axis);
  marks.push(edges.marks);
  const svg = rankPlot(
    width,
    height,
    "layer",
    layers,
    { ...sparseLogAxis(axis[0], axis[1]), label, grid: true },
    marks,
  );
  return { svg, glyphs: edges.glyphs };
}

function saturationPanel(
  series: [string, PropagationRow[]][],
  layers: number,
  width: number,
  height: number,
): string {
  if (series.every(([, rows]) => rows.every((r) => r.saturation === null))) {
    return messagePanel("no tanh, sigmoid or ReLU layer", width, height);
  }
  const marks: Plot.Markish[] = [];
  series.forEach(([, rows], i) => {
    marks.push(
      ...seriesMarks(
        rows.map((r) => ({
          x: dodge(r.layer, i, series.length),
          y: r.saturation,
        })),
        i,
      ),
    );
  });
  return rankPlot(
    width,
    height,
    "layer",
    layers,
    { domain: [0, 1], label: "fraction of the layer", grid: true },
    marks,
  );
}

/**
 * Three panels by layer, one line per series (initializer): the standard
 * deviation of the activations, of the gradients ∂loss/∂h (both on log
 * axes), and the saturation (tanh and sigmoid: the fraction |h| > 0.99;
 * ReLU: the fraction of dead units). Each series has its own colour from
 * Okabe & Ito's colour-blind-safe palette and its own marker shape, named
 * in a legend above the panels (no labels at the ends of lines to pile up).
 * A value a log axis cannot show is never dropped: Inf or NaN (diverged)
 * is an ∞ at the panel's top edge, a value above the axis an ↑, zero or a
 * value below it a ↓, in the series' colour, each series in its own lane.
 *
 * @param rows What {@linkcode tracePropagation} returned, or several such
 * results by name (a Map or a plain object: one series each).
 * @param options `title`, `subtitle`, `label`, `width`, `height`, `yRange`.
 * @returns A Figure.
 * @throws {TypeError} For rows that are not tracePropagation's, or a misspelt option.
 * @throws {RangeError} For no series, bad sizes or a bad `yRange`.
 *
 * @example
 * ```ts
 * import { Dense, plotPropagation, Sequential, tf, tracePropagation } from "../mod.ts";
 * import { assertStringIncludes } from "@std/assert";
 *
 * const x = tf.randomNormal([64, 16], 0, 1, "float32", 0);
 * const byInit: Record<string, Awaited<ReturnType<typeof tracePropagation>>> = {};
 * for (const init of ["glorot_normal", "orthogonal"]) {
 *   const net = new Sequential([1, 2, 3].map((seed) =>
 *     new Dense(16, { activation: "tanh", kernelInitializer: { name: init, seed } })
 *   ));
 *   byInit[init] = await tracePropagation(net, x);
 *   net.dispose();
 * }
 * const fig = plotPropagation(byInit);
 * assertStringIncludes(fig.svg, "orthogonal");
 * x.dispose();
 * ```
 */
export function plotPropagation(
  rows:
    | PropagationRow[]
    | Map<string, PropagationRow[]>
    | Record<string, PropagationRow[]>,
  options: PlotPropagationOptions = {},
): Figure {
  const o = checkOptions(FN, options, [...FIGURE_OPTIONS, "yRange"]);
  const series = namedSeries<PropagationRow[]>(
    rows,
    isRows,
    FN,
    "tracePropagation's rows (a non-empty array)",
    o.label ?? "net",
  );
  const width = checkSize(FN, "width", o.width, 960);
  const height = checkSize(FN, "height", o.height, 300);
  const range = checkRange(o.yRange, FN);
  const layers = Math.max(...series.flatMap(([, r]) => r.map((x) => x.layer)));
  const title = o.title ?? `Signal propagation through ${layers} layers`;
  const subtitle = o.subtitle ??
    "Left: std of each layer's output h. Middle: std of the gradient ∂loss/∂h at that output. Right: tanh and sigmoid, the fraction of outputs with |h| > 0.99; ReLU, the fraction of dead units (≤ 0 for every example of the batch).";
  const activation = logDomain(
    series.flatMap(([, r]) => r.map((x) => x.activationStd)),
    range,
  );
  const gradient = logDomain(
    series.flatMap(([, r]) => r.map((x) => x.gradientStd)),
    range,
  );
  const third = Math.floor(width / 3);
  const left = stdPanel(
    series,
    "activationStd",
    "std of activations",
    activation,
    layers,
    third,
    height,
  );
  const middle = stdPanel(
    series,
    "gradientStd",
    "std of gradients",
    gradient,
    layers,
    third,
    height,
  );
  const top = header(title, subtitle, width);
  const legend = seriesLegend(
    series.map(([name]) => name),
    top.bottom,
    width,
    edgeLegend(new Set([...left.glyphs, ...middle.glyphs])),
  );
  const headingY = legend.bottom + 16;
  const panelTop = headingY + 6;
  const labels: Label[] = [...top.labels, ...legend.labels];
  const headings = [
    "Activations: std of h",
    "Gradients: std of ∂loss/∂h",
    "Saturated or dead units",
  ];
  headings.forEach((text, i) =>
    labels.push({
      text,
      x: i * third + 58,
      y: headingY,
      size: 12,
      weight: "bold",
    })
  );
  const panels: Panel[] = [
    { svg: left.svg, x: 0, y: panelTop, width: third, height },
    { svg: middle.svg, x: third, y: panelTop, width: third, height },
    {
      svg: saturationPanel(series, layers, width - 2 * third, height),
      x: 2 * third,
      y: panelTop,
      width: width - 2 * third,
      height,
    },
  ];
  const text = [
    title,
    subtitle,
    ...series.map(([name, r]) => {
      const first = r[0];
      const last = r[r.length - 1];
      const diverged = firstDiverged(r);
      const sat = r.filter((x) => x.saturation !== null);
      return `${name}: activation std ${num(first.activationStd)} → ${
        num(last.activationStd)
      }, gradient std ${num(first.gradientStd)} → ${
        num(last.gradientStd)
      } (layer ${first.layer} → ${last.layer})${
        sat.length
          ? `, ${sat[0].saturationKind} up to ${
            num(Math.max(...sat.map((x) => x.saturation!)))
          }`
          : ""
      }${
        diverged === null ? "" : `; diverged (Inf/NaN) from layer ${diverged}`
      }`;
    }),
  ].join("\n");
  return new Figure({
    width,
    height: panelTop + height + 4,
    panels,
    labels,
    title,
    text,
  });
}
