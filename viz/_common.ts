/**
 * Shared pieces of the plot helpers: the Plot document, number formatting,
 * colours, and what a weight's title and law are.
 *
 * @module
 */
import * as Plot from "@observablehq/plot";
import { createDocument } from "./dom.ts";
import { Parameter } from "../lib/nn/parameter.ts";
import { tf } from "../lib/tf.ts";
import { type InitRecord, initRecordOf } from "../lib/initializers/mod.ts";
import type { WeightsLike } from "../lib/read/weights.ts";
import {
  isWeightCollection,
  type WeightCollection,
} from "../lib/read/collection.ts";
import { checkInteger, checkPositive, typeError } from "../lib/validate.ts";

/** Colours: measured data, theory, warnings, and the −/0/+ polarity scale. */
export const COLORS = {
  data: "#4c78a8",
  theory: "#e45756",
  spike: "#f58518",
  warn: "#b00020",
  muted: "#777",
  negative: "#d62728",
  positive: "#1f77b4",
  none: "#f2f2f2",
};

const SUPERSCRIPT = "⁰¹²³⁴⁵⁶⁷⁸⁹";

function superscript(n: number): string {
  return (n < 0 ? "⁻" : "") +
    String(Math.abs(n)).split("").map((d) => SUPERSCRIPT[+d]).join("");
}

/**
 * A tick label: a plain decimal where it is short (up to 4 significant
 * digits, at most 8 characters), else m×10ⁿ; never an SI prefix, never more
 * than 10 characters. Negative numbers take the minus sign (−).
 */
export function tickLabel(v: number): string {
  if (!Number.isFinite(v)) return String(v);
  if (v === 0) return "0";
  const a = Math.abs(v);
  const sign = v < 0 ? "−" : "";
  if (a >= 1e-3 && a < 1e6) {
    const plain = plainLabel(v);
    if (plain.length - sign.length <= 7) return plain;
  }
  return powerLabel(v);
}

/** `v` as a plain decimal to 4 significant digits, with the minus sign (−). */
function plainLabel(v: number): string {
  return (v < 0 ? "−" : "") + String(+Math.abs(v).toPrecision(4));
}

/** `v` as m×10ⁿ (10ⁿ when m is 1), m to 2 significant digits. */
function powerLabel(v: number): string {
  const a = Math.abs(v);
  let e = Math.floor(Math.log10(a));
  let m = +(a / 10 ** e).toPrecision(2);
  if (m >= 10) {
    m = +(m / 10).toPrecision(2);
    e += 1;
  }
  return (v < 0 ? "−" : "") +
    (m === 1 ? `10${superscript(e)}` : `${m}×10${superscript(e)}`);
}

/** On a log axis, labels at 1, 2 and 5 times a power of ten only (the rest are bare ticks). */
function logTickLabel(v: number): string {
  if (!(v > 0)) return tickLabel(v);
  const m = +(v / 10 ** Math.floor(Math.log10(v) + 1e-9)).toPrecision(3);
  return m === 1 || m === 2 || m === 5 ? tickLabel(v) : "";
}

type ScaleOptions = Plot.ScaleOptions & { type?: string; tickFormat?: unknown };

/**
 * Our tick labels on a positional scale, unless the caller chose a format;
 * on a linear scale the values labelled are kept in `seen`, in order, so
 * that {@linkcode unifyTickLabels} can give the axis one notation.
 */
function withTickFormat(
  scale: ScaleOptions | undefined,
  seen: number[],
): ScaleOptions {
  const s = scale ?? {};
  if (s.tickFormat !== undefined) return s;
  if (s.type === "log") return { ...s, tickFormat: logTickLabel };
  return {
    ...s,
    tickFormat: (v: number) => {
      seen.push(v);
      return tickLabel(v);
    },
  } as ScaleOptions;
}

/**
 * One notation on a linear axis: {@linkcode tickLabel} writes 0.001 plainly
 * and 8×10⁻⁴ in powers of ten, so an axis across 10⁻³ (or 10⁶) would mix
 * them ("8×10⁻⁴, 0.001, 0.0012"). Where it would, every label is plain if
 * each fits in 7 characters (0.0008), else each is m×10ⁿ.
 */
function unifyTickLabels(
  node: {
    querySelectorAll(
      selector: string,
    ): ArrayLike<{ textContent: string | null }>;
  },
  axis: "x" | "y",
  seen: number[],
): void {
  const texts = node.querySelectorAll(
    `g[aria-label="${axis}-axis tick label"] text`,
  );
  if (texts.length !== seen.length || seen.length < 2) return;
  const power = seen.map((v) => /[⁰¹²³⁴⁵⁶⁷⁸⁹]/.test(tickLabel(v)));
  const mixed = seen.some((v, i) => v !== 0 && power[i]) &&
    seen.some((v, i) => v !== 0 && !power[i]);
  if (!mixed) return;
  const plain = seen.map((v) => v === 0 ? "0" : plainLabel(v));
  const unified = plain.every((l) => l.replace("−", "").length <= 7)
    ? plain
    : seen.map((v) => v === 0 ? "0" : powerLabel(v));
  for (let i = 0; i < texts.length; i++) texts[i].textContent = unified[i];
}

/**
 * On a log axis given its ticks and their format ({@linkcode logAxis}),
 * every tick gets its label: Plot formats log ticks through d3's log
 * `tickFormat`, which blanks some of them (0.8 between 0.5 and 1) however
 * few there are.
 */
function labelEveryTick(
  node: {
    querySelectorAll(
      selector: string,
    ): ArrayLike<{ textContent: string | null }>;
  },
  axis: "x" | "y",
  scale: ScaleOptions | undefined,
): void {
  const ticks = (scale as { ticks?: unknown } | undefined)?.ticks;
  const format = scale?.tickFormat;
  if (
    scale?.type !== "log" || !Array.isArray(ticks) ||
    typeof format !== "function"
  ) return;
  const texts = node.querySelectorAll(
    `g[aria-label="${axis}-axis tick label"] text`,
  );
  if (texts.length !== ticks.length) return;
  for (let i = 0; i < texts.length; i++) {
    texts[i].textContent = (format as (v: number) => string)(ticks[i]);
  }
}

/**
 * Renders Plot options to an SVG string with a fresh server-side document.
 * The x and y axes get {@linkcode tickLabel}'s number format (1, 2 and 5
 * times a power of ten on log axes) unless the options set one.
 */
export function plotSvg(options: Plot.PlotOptions): string {
  const seen = { x: [] as number[], y: [] as number[] };
  const node = Plot.plot({
    ...options,
    x: withTickFormat(options.x as ScaleOptions | undefined, seen.x),
    y: withTickFormat(options.y as ScaleOptions | undefined, seen.y),
    document: createDocument() as unknown as Plot.PlotOptions["document"],
  }) as unknown as {
    outerHTML: string;
    querySelectorAll(
      selector: string,
    ): ArrayLike<{ textContent: string | null }>;
  };
  unifyTickLabels(node, "x", seen.x);
  unifyTickLabels(node, "y", seen.y);
  labelEveryTick(node, "x", options.x as ScaleOptions | undefined);
  labelEveryTick(node, "y", options.y as ScaleOptions | undefined);
  const html = node.outerHTML;
  if (!html.startsWith("<svg")) {
    throw new Error(
      "internal: Plot returned a figure rather than an SVG (no title or legend in plot options)",
    );
  }
  return html;
}

export { formatNumber as num } from "../lib/text.ts";

/** The init record of a Parameter or a tensor made by an initializer. */
export function recordOf(x: WeightsLike): InitRecord | undefined {
  if (x instanceof Parameter) return x.init;
  if (x instanceof tf.Tensor) return initRecordOf(x);
  return undefined;
}

/** A default title: the Parameter's name, else the initializer and shape. */
export function defaultTitle(x: WeightsLike, shape: number[]): string {
  const dims = `[${shape.join(", ")}]`;
  if (x instanceof Parameter && x.name) return `${x.name} ${dims}`;
  if (x instanceof tf.LayerVariable) {
    return `${x.originalName ?? x.name} ${dims}`;
  }
  const record = recordOf(x);
  if (record) return `${record.name} ${dims}`;
  return `weights ${dims}`;
}

/**
 * A width or height option of `fn`, `options.<name>`: a finite number of
 * pixels > 0, or `fallback` when not given.
 */
export function checkSize(
  fn: string,
  name: string,
  value: number | undefined,
  fallback: number,
): number {
  return value === undefined
    ? fallback
    : checkPositive(fn, `options.${name}`, value);
}

/** A bins option of `fn`: an integer in [1, 10000], or `undefined`. */
export function checkBins(
  fn: string,
  value: number | undefined,
): number | undefined {
  return value === undefined
    ? undefined
    : checkInteger(fn, "options.bins", value, 1, 10000);
}

/**
 * A log axis over [lo, hi] (lo > 0) with readable labels: within less
 * than a decade, the ticks at 1, 2 and 5 times a power of ten, then those
 * at 1.5, 3, 4, 6 and 8 times that lie at least a seventh of the range
 * (in log) from every tick taken (so that labels do not touch on a short
 * panel); at 1, 2 and 5 times within less than 2 decades; at powers of ten
 * otherwise (every other power past 8 decades); all labelled with
 * {@linkcode tickLabel}.
 */
export function logAxis(
  lo: number,
  hi: number,
): {
  type: "log";
  domain: [number, number];
  ticks: number[];
  tickFormat: (v: number) => string;
} {
  const a = Math.max(lo, Number.MIN_VALUE);
  const b = Math.max(hi, a * 1.0001);
  const decades = Math.log10(b / a);
  const first = Math.floor(Math.log10(a));
  const last = Math.ceil(Math.log10(b));
  const mantissas = decades < 1
    ? [1, 2, 5, 1.5, 3, 4, 6, 8]
    : decades < 2
    ? [1, 2, 5]
    : [1];
  const step = decades > 8 ? 2 : 1;
  let ticks: number[] = [];
  // In order of preference (1, 2, 5 first); under a decade a tick is taken
  // only a seventh of the range (in log) from those already taken.
  const gap = decades < 1 ? decades / 7 : 0;
  for (const m of mantissas) {
    for (let e = first; e <= last; e += step) {
      const t = +(m * 10 ** e).toPrecision(12);
      if (
        t >= a * (1 - 1e-9) && t <= b * (1 + 1e-9) &&
        ticks.every((u) => Math.abs(Math.log10(t / u)) >= gap - 1e-12)
      ) ticks.push(t);
    }
  }
  ticks = ticks.sort((x, y) => x - y);
  if (ticks.length < 2) {
    // A narrow range: evenly spaced round values instead.
    const raw = (b - a) / 4;
    const p = 10 ** Math.floor(Math.log10(raw));
    const step = [1, 2, 2.5, 5, 10].map((m) => m * p).find((s) => s >= raw)!;
    ticks.length = 0;
    for (let t = Math.ceil(a / step) * step; t <= b * (1 + 1e-9); t += step) {
      ticks.push(+t.toPrecision(12));
    }
  }
  return { type: "log", domain: [a, b], ticks, tickFormat: tickLabel };
}

/**
 * Ticks for a linear rank axis of `count` ranks: whole ranks at a round step
 * (1, 2, 5, 10, 20 or 25; at most 8 steps past 10 ranks), and rank 1.
 */
export function rankTicks(count: number): number[] {
  const step = count <= 10
    ? 1
    : [2, 5, 10, 20, 25].find((s) => count / s <= 8) ?? 25;
  const ticks = [1];
  for (let r = step; r <= count; r += step) if (r > 1) ticks.push(r);
  return ticks;
}

/** Throws unless `module`, the argument of `fn`, is a weight collection. */
export function checkModule(
  fn: string,
  module: unknown,
): asserts module is WeightCollection {
  if (!isWeightCollection(module)) {
    throw typeError(
      fn,
      "module",
      "a Module, tf.LayersModel, tf.GraphModel, Map<string, tf.Tensor> or tf.NamedTensorMap",
      module,
    );
  }
}
