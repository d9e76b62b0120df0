/**
 * Figures of several series (one per initializer, one per loss): a
 * colour-blind-safe palette with a marker shape per series, a legend that
 * wraps instead of overlapping, wrapped subtitles, and the markers that
 * show values off a log axis (overflow, NaN, zero) at the panel's edge
 * instead of dropping them.
 *
 * @module
 */
import * as Plot from "@observablehq/plot";
import type { Label } from "./figure.ts";
import { COLORS, logAxis, plotSvg, rankTicks } from "./_common.ts";
import { show } from "../lib/validate.ts";

/** The options every series figure takes: its title, subtitle, label and size. */
export const FIGURE_OPTIONS = [
  "title",
  "subtitle",
  "label",
  "width",
  "height",
] as const;

/** One series' look: colour, Plot marker symbol, and the glyph the legend shows for it. */
export interface SeriesStyle {
  color: string;
  symbol: string;
  glyph: string;
  /** Hollow markers (stroke only). */
  hollow: boolean;
  /** A dash pattern for the line past the palette's length, else undefined. */
  dash?: string;
}

/**
 * Okabe & Ito's palette (distinct for the common colour-vision
 * deficiencies), yellow left out (too light on white), each with its own
 * marker shape so that no series depends on colour alone.
 */
const PALETTE: Omit<SeriesStyle, "dash">[] = [
  { color: "#0072B2", symbol: "circle", glyph: "●", hollow: false },
  { color: "#D55E00", symbol: "square", glyph: "■", hollow: false },
  { color: "#009E73", symbol: "triangle", glyph: "▲", hollow: false },
  { color: "#CC79A7", symbol: "diamond", glyph: "◆", hollow: false },
  { color: "#E69F00", symbol: "star", glyph: "★", hollow: false },
  { color: "#56B4E9", symbol: "circle", glyph: "○", hollow: true },
  { color: "#000000", symbol: "square", glyph: "□", hollow: true },
  { color: "#888888", symbol: "triangle", glyph: "△", hollow: true },
];

/** The style of series `i` (past 8, the palette again with dashed lines). */
export function seriesStyle(i: number): SeriesStyle {
  const base = PALETTE[i % PALETTE.length];
  return i < PALETTE.length ? base : { ...base, dash: "5,3" };
}

/** An estimate of a text's width in DejaVu Sans (generous: wide glyphs count 0.66 em). */
export function textWidth(text: string, size: number): number {
  let em = 0;
  for (const c of text) {
    em += /[il.,:;'|!]/.test(c)
      ? 0.32
      : /[ ftrj()\[\]]/.test(c)
      ? 0.42
      : /[mwMW—–]/.test(c)
      ? 0.92
      : 0.66;
  }
  return em * size;
}

/** Splits text into lines that fit `width` pixels at `size`, at spaces. */
export function wrapText(text: string, size: number, width: number): string[] {
  const lines: string[] = [];
  let line = "";
  for (const word of text.split(/\s+/).filter((w) => w !== "")) {
    const next = line ? `${line} ${word}` : word;
    if (line && textWidth(next, size) > width) {
      lines.push(line);
      line = word;
    } else {
      line = next;
    }
  }
  if (line) lines.push(line);
  return lines;
}

/** Title and wrapped subtitle labels from the top of a figure; returns them and the y below. */
export function header(
  title: string,
  subtitle: string,
  width: number,
): { labels: Label[]; bottom: number } {
  const labels: Label[] = [
    { text: title, x: 8, y: 18, size: 14, weight: "bold" },
  ];
  let y = 18;
  for (const line of wrapText(subtitle, 11, width - 16)) {
    y += 15;
    labels.push({ text: line, x: 8, y, size: 11, color: COLORS.muted });
  }
  return { labels, bottom: y + 8 };
}

/**
 * A legend of series (coloured glyph and line, then the name), laid out in
 * rows that wrap at `width`, so entries never overlap.
 *
 * @returns The labels and the y below the legend.
 */
export function seriesLegend(
  names: readonly string[],
  top: number,
  width: number,
  extra: { symbol: string; color: string; text: string }[] = [],
): { labels: Label[]; bottom: number } {
  const size = 12;
  const entries = [
    ...names.map((name, i) => {
      const s = seriesStyle(i);
      return {
        symbol: `${s.dash ? "╌" : "─"}${s.glyph}${s.dash ? "╌" : "─"}`,
        color: s.color,
        text: name,
        textColor: "#222",
      };
    }),
    ...extra.map((e) => ({ ...e, textColor: COLORS.muted })),
  ];
  const labels: Label[] = [];
  let x = 8;
  let y = top + size;
  for (const e of entries) {
    const w = textWidth(e.symbol, size) + 6 + textWidth(e.text, size) + 22;
    if (x > 8 && x + w > width - 8) {
      x = 8;
      y += size + 8;
    }
    labels.push({ text: e.symbol, x, y, size, color: e.color });
    labels.push({
      text: e.text,
      x: x + textWidth(e.symbol, size) + 6,
      y,
      size,
      color: e.textColor,
    });
    x += w;
  }
  return { labels, bottom: y + 10 };
}

/** Plot marks of one series: its line (gaps where `y` is null) and its markers. */
export function seriesMarks(
  data: { x: number; y: number | null }[],
  i: number,
  options: {
    every?: number;
    width?: number;
    /** Which points may carry a marker. Default: all. */
    markable?: (d: { x: number; y: number | null }) => boolean;
  } = {},
): Plot.Markish[] {
  const s = seriesStyle(i);
  // With many points, a marker every `every` points, staggered by series.
  const every = options.every ?? 1;
  const markable = options.markable ?? (() => true);
  const candidates = data.filter((d) => d.y !== null && markable(d));
  const points = candidates.filter((_, j) =>
    every <= 1 || j % every === (i * 3) % every
  );
  const marks: Plot.Markish[] = [
    Plot.line(data, {
      x: "x",
      y: (d: { y: number | null }) => d.y ?? NaN,
      stroke: s.color,
      strokeWidth: options.width ?? 1.8,
      strokeDasharray: s.dash,
    }),
  ];
  {
    marks.push(
      Plot.dot(points, {
        x: "x",
        y: "y",
        symbol: () => s.symbol,
        r: 3.2,
        fill: s.hollow ? "white" : s.color,
        stroke: s.color,
        strokeWidth: s.hollow ? 1.4 : 0.6,
      }),
    );
  }
  return marks;
}

/** Where a value falls against a log axis's domain. */
export type Place = "in" | "nonfinite" | "above" | "below";

/** Classifies a value against a log axis [lo, hi]: ±Inf and NaN, above, zero or below, or in. */
export function placeOf(v: number, lo: number, hi: number): Place {
  if (!Number.isFinite(v)) return "nonfinite";
  if (v > hi) return "above";
  if (v < lo) return "below";
  return "in";
}

/** What the edge markers mean, for legends. */
export const EDGE_LEGEND = [
  {
    symbol: "∞",
    color: COLORS.muted,
    text: "Inf or NaN (diverged)",
  },
  { symbol: "↑", color: COLORS.muted, text: "above the axis" },
  { symbol: "↓", color: COLORS.muted, text: "zero or below the axis" },
];

/**
 * Markers at a panel's edge for the values a log axis cannot show: for each
 * run of consecutive x where a series is off the axis, a short segment
 * along the edge and one glyph at the run's start (∞ for Inf or NaN, ↑
 * above the domain, ↓ for zero or below it). Each series with markers at an
 * edge gets its own lane, so glyphs of different series never overlap.
 */
export function edgeMarks(
  series: { x: number; y: number }[][],
  domain: [number, number],
  axis: [number, number] = domain,
  options: { fontSize?: number } = {},
): { marks: Plot.Markish[]; off: number; glyphs: Set<string> } {
  const [lo, hi] = domain;
  const marks: Plot.Markish[] = [];
  const lanes = { top: 0, bottom: 0 };
  const glyphs = new Set<string>();
  let off = 0;
  series.forEach((points, i) => {
    const s = seriesStyle(i);
    const runs: { edge: "top" | "bottom"; glyph: string; xs: number[] }[] = [];
    for (const p of points) {
      const place = placeOf(p.y, lo, hi);
      if (place === "in") continue;
      off++;
      const edge = place === "below" ? "bottom" : "top";
      const glyph = place === "nonfinite" ? "∞" : place === "above" ? "↑" : "↓";
      glyphs.add(glyph);
      const last = runs[runs.length - 1];
      const previous = points[points.indexOf(p) - 1];
      if (
        last && last.edge === edge && last.glyph === glyph && previous &&
        last.xs[last.xs.length - 1] === previous.x
      ) {
        last.xs.push(p.x);
      } else {
        runs.push({ edge, glyph, xs: [p.x] });
      }
    }
    for (const edge of ["top", "bottom"] as const) {
      const mine = runs.filter((r) => r.edge === edge);
      if (mine.length === 0) continue;
      const lane = lanes[edge]++;
      const dy = edge === "top" ? 9 + 13 * lane : -(7 + 13 * lane);
      const y = edge === "top" ? axis[1] : axis[0];
      for (const run of mine) {
        if (run.xs.length > 1) {
          marks.push(
            Plot.line(run.xs.map((x) => ({ x, y })), {
              x: "x",
              y: "y",
              dy,
              stroke: s.color,
              strokeWidth: 2,
              strokeDasharray: "2,2",
            }),
          );
        }
        marks.push(
          Plot.text([{ x: run.xs[0], y }], {
            x: "x",
            y: "y",
            dy,
            text: () => run.glyph,
            fill: s.color,
            fontSize: options.fontSize ?? 13,
            fontWeight: "bold",
            stroke: "white",
            strokeWidth: 3,
            paintOrder: "stroke",
          }),
        );
      }
    }
  });
  return { marks, off, glyphs };
}

/** The legend entries of the edge glyphs used. */
export function edgeLegend(
  glyphs: Set<string>,
): { symbol: string; color: string; text: string }[] {
  return EDGE_LEGEND.filter((e) => glyphs.has(e.symbol));
}

/**
 * The x of series `i` of `n`, dodged sideways by a fraction of a step so
 * that series with equal values stay visible side by side.
 */
export function dodge(x: number, i: number, n: number): number {
  if (n <= 1) return x;
  const step = Math.min(0.1, 0.5 / (n - 1));
  return x + (i - (n - 1) / 2) * step;
}

/**
 * A log domain covering the finite positive values (at least a factor 10,
 * padded by a factor 1.5), or `range` when given.
 */
export function logDomain(
  values: Iterable<number>,
  range?: readonly [number, number],
): [number, number] {
  if (range) return [range[0], range[1]];
  let lo = Infinity;
  let hi = 0;
  for (const v of values) {
    if (Number.isFinite(v) && v > 0) {
      if (v < lo) lo = v;
      if (v > hi) hi = v;
    }
  }
  if (!(hi > 0)) return [0.1, 10];
  lo /= 1.5;
  hi *= 1.5;
  if (hi / lo < 10) {
    const mid = Math.sqrt(hi * lo);
    lo = mid / Math.sqrt(10);
    hi = mid * Math.sqrt(10);
  }
  return [lo, hi];
}

/** Checks a `yRange` option: two finite numbers 0 < lo < hi. */
export function checkRange(
  range: unknown,
  fn: string,
): [number, number] | undefined {
  if (range === undefined) return undefined;
  if (
    !Array.isArray(range) || range.length !== 2 ||
    !range.every((v) => typeof v === "number")
  ) {
    throw new TypeError(
      `${fn}: yRange must be [low, high], two numbers, received ${show(range)}`,
    );
  }
  const [lo, hi] = range as number[];
  if (!(lo > 0 && hi > lo && Number.isFinite(hi))) {
    throw new RangeError(
      `${fn}: yRange must satisfy 0 < low < high < Infinity (a log axis), received ${
        show(range)
      }`,
    );
  }
  return [lo, hi];
}

/**
 * Named series from one (`isOne`) or several by name (a Map or a plain
 * object of them), checked.
 *
 * @throws {TypeError} For anything else, naming the entry at fault.
 * @throws {RangeError} For an empty Map or object.
 */
export function namedSeries<T>(
  input: unknown,
  isOne: (v: unknown) => v is T,
  fn: string,
  what: string,
  singleName: string,
): [string, T][] {
  if (isOne(input)) return [[singleName, input]];
  let entries: [string, unknown][];
  if (input instanceof Map) {
    entries = [...input.entries()].map(([k, v]) => [String(k), v]);
  } else if (
    input !== null && typeof input === "object" && !Array.isArray(input) &&
    Object.getPrototypeOf(input) === Object.prototype
  ) {
    entries = Object.entries(input);
  } else {
    throw new TypeError(
      `${fn}: the argument must be ${what}, or a Map or object of them by name, received ${
        show(input).slice(0, 120)
      }`,
    );
  }
  if (entries.length === 0) {
    throw new RangeError(
      `${fn}: the argument must name at least one series, received an empty ${
        input instanceof Map ? "Map" : "object"
      }`,
    );
  }
  for (const [name, value] of entries) {
    if (!isOne(value)) {
      throw new TypeError(
        `${fn}: series ${JSON.stringify(name)} must be ${what}, received ${
          show(value).slice(0, 120)
        }`,
      );
    }
  }
  return entries as [string, T][];
}

/**
 * A log axis over [lo, hi] (`logAxis`'s ticks) with at most about 8 labelled
 * powers of ten: past 8 decades, every k-th power only.
 */
export function sparseLogAxis(
  lo: number,
  hi: number,
): ReturnType<typeof logAxis> {
  const axis = logAxis(lo, hi);
  const decades = Math.log10(hi / lo);
  if (decades <= 8) return axis;
  const k = [1, 2, 3, 5, 10, 20, 50, 100].find((k) => decades / k <= 8) ??
    Math.ceil(decades / 8);
  const ticks: number[] = [];
  for (
    let e = Math.ceil(Math.log10(lo) / k) * k;
    e <= Math.floor(Math.log10(hi));
    e += k
  ) {
    ticks.push(+(10 ** e).toPrecision(12));
  }
  return { ...axis, ticks };
}

/** How many series have values above (`top`) and below (`bottom`) a log domain: the edge lanes needed. */
export function laneCounts(
  series: { y: number }[][],
  domain: [number, number],
): { top: number; bottom: number } {
  let top = 0;
  let bottom = 0;
  for (const points of series) {
    const places = points.map((p) => placeOf(p.y, domain[0], domain[1]));
    if (places.some((p) => p === "nonfinite" || p === "above")) top++;
    if (places.some((p) => p === "below")) bottom++;
  }
  return { top, bottom };
}

/**
 * A log axis domain with room for the edge lanes: `domain` widened so that
 * `lanes.top` lanes of 13 px fit above its top and `lanes.bottom` below
 * its bottom, in a plot area `inner` pixels high.
 */
export function withLanes(
  domain: [number, number],
  lanes: { top: number; bottom: number },
  inner: number,
): [number, number] {
  const need = (n: number) => (n ? 13 * n + 6 : 0);
  const data = Math.max(40, inner - need(lanes.top) - need(lanes.bottom));
  const perPixel = Math.log10(domain[1] / domain[0]) / data;
  return [
    domain[0] / 10 ** (perPixel * need(lanes.bottom)),
    domain[1] * 10 ** (perPixel * need(lanes.top)),
  ];
}

/**
 * A panel over the positions 1…count (layers, ranks) on x, labelled
 * `xLabel`, with `y` as given, a light frame under `marks`, and the margins
 * of the by-layer and by-rank panels.
 */
export function rankPlot(
  width: number,
  height: number,
  xLabel: string,
  count: number,
  y: Plot.ScaleOptions,
  marks: Plot.Markish[],
): string {
  return plotSvg({
    width,
    height,
    marginLeft: 58,
    marginRight: 14,
    marginTop: 22,
    x: {
      label: xLabel,
      domain: [0.5, count + 0.5],
      ticks: rankTicks(count),
      tickFormat: (v: number) => String(v),
    },
    y,
    marks: [Plot.frame({ stroke: "#ddd" }), ...marks],
  });
}
