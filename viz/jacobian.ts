/**
 * `plotJacobianSpectrum`: the singular values of input–output Jacobians,
 * one series per network.
 *
 * @module
 */
import * as Plot from "@observablehq/plot";
import { Figure, type Label } from "./figure.ts";
import { checkSize, COLORS, num, plotSvg } from "./_common.ts";
import {
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
  seriesStyle,
  sparseLogAxis,
  withLanes,
} from "./_series.ts";
import { checkOptions } from "../lib/validate.ts";
import { htmlTable, type TableColumn } from "../lib/text.ts";
import type { JacobianSpectrum } from "../lib/nn/jacobian.ts";

/** Options for {@linkcode plotJacobianSpectrum}. */
export interface PlotJacobianSpectrumOptions {
  /** Title. Default "Singular values of the input–output Jacobian". */
  title?: string;
  /** The line under the title. Default: what dynamical isometry means, with its reference. */
  subtitle?: string;
  /** The series' name when one spectrum is given. Default "net". */
  label?: string;
  /** Width in pixels (two panels side by side). Default 960. */
  width?: number;
  /** Height of the panels in pixels. Default 300. */
  height?: number;
}

const FN = "plotJacobianSpectrum";

/** The columns of the figure's table. */
const TABLE_COLUMNS: readonly TableColumn[] = [
  { head: "net", align: "left" },
  { head: "J", align: "left" },
  { head: "examples", align: "right" },
  { head: "mean σ₁", align: "right" },
  { head: "mean σ_min", align: "right" },
  { head: "σ₁/σ_min", align: "right" },
  { head: "mean σ²", align: "right" },
  { head: "diverged", align: "right" },
];

function isSpectrum(v: unknown): v is JacobianSpectrum {
  return v !== null && typeof v === "object" && !Array.isArray(v) &&
    (v as JacobianSpectrum).singularValues instanceof Float64Array &&
    Array.isArray((v as JacobianSpectrum).perExample);
}

/** Per rank, the min and max over the finite examples. */
function band(s: JacobianSpectrum): { lo: number; hi: number }[] {
  const k = s.singularValues.length;
  const out = Array.from(
    { length: k },
    () => ({ lo: Infinity, hi: -Infinity }),
  );
  for (const e of s.perExample) {
    if (!e.every(Number.isFinite)) continue;
    for (let i = 0; i < k; i++) {
      if (e[i] < out[i].lo) out[i].lo = e[i];
      if (e[i] > out[i].hi) out[i].hi = e[i];
    }
  }
  return out;
}

/** The pooled finite singular values, sorted ascending. */
function pooled(s: JacobianSpectrum): Float64Array {
  const all: number[] = [];
  for (const e of s.perExample) {
    if (e.every(Number.isFinite)) all.push(...e);
  }
  return Float64Array.from(all).sort();
}

/** Up to `max` points of an ECDF of sorted values: [(x, fraction ≤ x)]. */
function ecdf(sorted: Float64Array, max = 400): { x: number; y: number }[] {
  const n = sorted.length;
  const points: { x: number; y: number }[] = [];
  const step = Math.max(1, Math.floor(n / max));
  for (let i = 0; i < n; i += step) {
    points.push({ x: sorted[i], y: i / n }, { x: sorted[i], y: (i + 1) / n });
  }
  if (n > 0) points.push({ x: sorted[n - 1], y: 1 });
  return points;
}

/**
 * The singular values of input–output Jacobians ({@linkcode jacobianSpectrum}),
 * one series per network in Okabe & Ito's colour-blind-safe palette, each
 * with its own marker: at left, σ by rank (the batch's mean, with a band
 * from the smallest to the largest example), at right, the distribution of
 * every example's σ (the fraction ≤ σ), both on log axes with σ = 1 marked.
 * A flat spectrum at 1 is dynamical isometry (Pennington, Schoenholz &
 * Ganguli, "Resurrecting the sigmoid in deep learning through dynamical
 * isometry", NeurIPS 2017): orthogonal weights with tanh near its linear
 * regime achieve it, Gaussian weights do not, and the gap grows with depth.
 * The axis stops at the float32 resolution of J (`floor`, or the smallest
 * value): singular values under it (zeros, and values float32 gradients
 * cannot resolve) are drawn as ↓ at the bottom edge, not dropped, and lift
 * the distribution's start; examples whose Jacobian was not finite are
 * counted in a note.
 *
 * @param spectra What `jacobianSpectrum` returned, or several by name (a
 * Map or a plain object).
 * @param options `title`, `subtitle`, `label`, `width`, `height`.
 * @returns A Figure (with a table of the spectra's numbers in its HTML).
 * @throws {TypeError} For something that is not `jacobianSpectrum`'s result, or a misspelt option.
 * @throws {RangeError} For no series, or bad sizes.
 *
 * @example
 * ```ts
 * import {
 *   Dense,
 *   initializers,
 *   jacobianSpectrum,
 *   plotJacobianSpectrum,
 *   Sequential,
 * } from "../mod.ts";
 * import { assertStringIncludes } from "@std/assert";
 *
 * const x = initializers.randomNormal([8, 16], { stddev: 0.1, seed: 0 });
 * const spectra: Record<string, Awaited<ReturnType<typeof jacobianSpectrum>>> = {};
 * for (const init of ["orthogonal", "glorot_normal"]) {
 *   const net = new Sequential([1, 2, 3, 4].map((seed) =>
 *     new Dense(16, { activation: "tanh", kernelInitializer: { name: init, seed } })
 *   ));
 *   spectra[init] = await jacobianSpectrum(net, x);
 *   net.dispose();
 * }
 * const fig = plotJacobianSpectrum(spectra);
 * assertStringIncludes(fig.text, "orthogonal");
 * x.dispose();
 * ```
 */
export function plotJacobianSpectrum(
  spectra:
    | JacobianSpectrum
    | Map<string, JacobianSpectrum>
    | Record<string, JacobianSpectrum>,
  options: PlotJacobianSpectrumOptions = {},
): Figure {
  const o = checkOptions(FN, options, FIGURE_OPTIONS);
  const series = namedSeries<JacobianSpectrum>(
    spectra,
    isSpectrum,
    FN,
    "jacobianSpectrum's result",
    o.label ?? "net",
  );
  const width = checkSize(FN, "width", o.width, 960);
  const height = checkSize(FN, "height", o.height, 300);
  const title = o.title ?? "Singular values of the input–output Jacobian";
  const subtitle = o.subtitle ??
    "Dynamical isometry (Pennington, Schoenholz & Ganguli 2017): when every singular value of J = ∂output/∂input is near 1, signals and gradients keep their size in every direction. Orthogonal weights with tanh near its linear regime achieve it; Gaussian weights spread the singular values over decades as depth grows.";
  const n = series.length;
  const bands = series.map(([, s]) => band(s));
  const pools = series.map(([, s]) => pooled(s));
  // Below the float32 resolution, singular values are not resolved: the
  // axis stops there, and what lies under it is drawn as ↓ at its floor.
  const floor = Math.min(
    ...series.map(([, s]) => s.floor).filter((f) => f > 0),
  );
  const values = [
    1,
    ...series.flatMap(([, s]) => [...s.singularValues]),
    ...bands.flatMap((b) => b.flatMap((r) => [r.lo, r.hi])),
  ].filter((v) => Number.isFinite(v));
  const found = logDomain(values.filter((v) => v > 0 && !(v < floor)));
  const underFloor = Number.isFinite(floor) && values.some((v) => v < floor);
  const domain: [number, number] = [
    underFloor ? floor : found[0],
    found[1],
  ];
  const [lo, hi] = domain;
  const half = Math.floor(width / 2);
  const k = Math.max(...series.map(([, s]) => s.singularValues.length));
  // Left: σ by rank.
  const points = series.map(([, s], i) =>
    Array.from(s.singularValues, (y, r) => ({ x: dodge(r + 1, i, n), y }))
  );
  const axis = withLanes(domain, laneCounts(points, domain), height - 52);
  const left: Plot.Markish[] = [
    Plot.ruleY([1], { stroke: COLORS.muted, strokeDasharray: "4,3" }),
  ];
  series.forEach((_, i) => {
    const color = seriesStyle(i).color;
    const rows = bands[i].map((b, r) => ({
      x: dodge(r + 1, i, n),
      lo: Math.max(b.lo, axis[0]),
      hi: Math.min(b.hi, axis[1]),
    })).filter((b) => b.hi >= b.lo);
    left.push(
      Plot.areaY(rows, {
        x: "x",
        y1: "lo",
        y2: "hi",
        fill: color,
        fillOpacity: 0.14,
      }),
    );
    left.push(
      ...seriesMarks(
        points[i].map((p) => ({
          x: p.x,
          y: placeOf(p.y, lo, hi) === "in" ? p.y : null,
        })),
        i,
        { every: k <= 40 ? 1 : Math.ceil(k / 12) },
      ),
    );
  });
  const edges = edgeMarks(points, domain, axis);
  left.push(edges.marks);
  const leftSvg = rankPlot(half, height, "rank", k, {
    ...sparseLogAxis(axis[0], axis[1]),
    label: "singular value σ",
    grid: true,
  }, left);
  // Right: the distribution of every example's σ.
  const right: Plot.Markish[] = [
    Plot.frame({ stroke: "#ddd" }),
    Plot.ruleX([1], { stroke: COLORS.muted, strokeDasharray: "4,3" }),
  ];
  pools.forEach((pool, i) => {
    // Values left of the axis (zeros) lift the curve's start: F(lo) > 0.
    const curve = ecdf(pool).map((p) => ({ x: Math.max(p.x, lo), y: p.y }));
    const markable = (p: { x: number }) => p.x > lo;
    right.push(
      ...seriesMarks(curve, i, {
        width: 2,
        every: Math.max(1, Math.ceil(curve.filter(markable).length / 9)),
        markable,
      }),
    );
  });
  const rightSvg = plotSvg({
    width: width - half,
    height,
    marginLeft: 58,
    marginRight: 14,
    marginTop: 22,
    x: { ...sparseLogAxis(lo, hi), label: "singular value σ", grid: true },
    y: { domain: [0, 1], label: "fraction of σ ≤ x", grid: true },
    marks: right,
  });
  const top = header(title, subtitle, width);
  const legend = seriesLegend(
    series.map(([name]) => name),
    top.bottom,
    width,
    [
      { symbol: "┅", color: COLORS.muted, text: "σ = 1 (isometry)" },
      ...edgeLegend(edges.glyphs).map((e) =>
        e.symbol === "↓"
          ? {
            ...e,
            text: underFloor
              ? "zero or under float32 resolution (σ₁·n·2⁻²⁴)"
              : e.text,
          }
          : e
      ),
    ],
  );
  const labels: Label[] = [...top.labels, ...legend.labels];
  let y = legend.bottom;
  for (const [name, s] of series) {
    if (s.diverged > 0) {
      y += 14;
      labels.push({
        text:
          `${name}: ${s.diverged} of ${s.batch} examples have a non-finite Jacobian (Inf or NaN): left out of the mean and the distribution`,
        x: 8,
        y,
        size: 11,
        color: COLORS.warn,
      });
    }
  }
  const headingY = y + 18;
  labels.push(
    {
      text: "By rank: the batch's mean, band from min to max",
      x: 58,
      y: headingY,
      size: 12,
      weight: "bold",
    },
    {
      text: "Every example's singular values",
      x: half + 58,
      y: headingY,
      size: 12,
      weight: "bold",
    },
  );
  const panelTop = headingY + 6;
  const stats = series.map(([name, s]) => {
    const sv = s.singularValues;
    return {
      name,
      shape: s.shape,
      batch: s.batch,
      max: sv[0],
      min: sv[sv.length - 1],
      meanSquared: s.meanSquared,
      diverged: s.diverged,
      floor: s.floor,
    };
  });
  // A σ_min under the float32 resolution is not measured: the table says
  // "< floor" and the ratio "> σ₁/floor", as the figure draws ↓ at the floor.
  const unresolved = (s: { min: number; floor: number }) =>
    s.floor > 0 && !(s.min >= s.floor);
  const htmlExtra = htmlTable(
    TABLE_COLUMNS,
    stats.map((s) => [
      s.name,
      `${s.shape[0]}×${s.shape[1]}`,
      String(s.batch),
      num(s.max),
      unresolved(s) ? `< ${num(s.floor)}` : num(s.min),
      unresolved(s) ? `> ${num(s.max / s.floor)}` : num(s.max / s.min),
      num(s.meanSquared),
      s.diverged ? String(s.diverged) : "",
    ]),
  );
  return new Figure({
    width,
    height: panelTop + height + 4,
    panels: [
      { svg: leftSvg, x: 0, y: panelTop, width: half, height },
      {
        svg: rightSvg,
        x: half,
        y: panelTop,
        width: width - half,
        height,
      },
    ],
    labels,
    title,
    htmlExtra,
    text: [
      title,
      subtitle,
      ...stats.map((s) =>
        `${s.name}: J ${s.shape[0]}×${
          s.shape[1]
        } over ${s.batch} examples, mean σ from ${num(s.max)} to ${
          num(s.min)
        } (ratio ${num(s.max / s.min)}), mean σ² ${num(s.meanSquared)}${
          s.diverged ? `, ${s.diverged} diverged` : ""
        }`
      ),
    ].join("\n"),
  });
}
