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
import { type InitRecord, initRecordOf } from "../lib/initializers/_core.ts";
import type { WeightsLike } from "../lib/read/weights.ts";

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

/** Renders Plot options to an SVG string with a fresh server-side document. */
export function plotSvg(options: Plot.PlotOptions): string {
  const node = Plot.plot({
    ...options,
    document: createDocument() as unknown as Plot.PlotOptions["document"],
  }) as unknown as {
    outerHTML: string;
  };
  const html = node.outerHTML;
  if (!html.startsWith("<svg")) {
    throw new Error(
      "internal: Plot returned a figure rather than an SVG (no title or legend in plot options)",
    );
  }
  return html;
}

/** A number to 4 significant digits, in plain or exponential form. */
export function num(x: number): string {
  if (!Number.isFinite(x)) return String(x);
  if (x === 0) return "0";
  const a = Math.abs(x);
  return a >= 1e-3 && a < 1e5 ? String(+x.toPrecision(4)) : x.toExponential(3);
}

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
  const record = recordOf(x);
  if (record) return `${record.name} ${dims}`;
  return `weights ${dims}`;
}
