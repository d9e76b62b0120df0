/**
 * `plotFigure`: any Observable Plot chart as a displayable, savable Figure.
 *
 * @module
 */
import * as PlotNS from "@observablehq/plot";
import { Figure, type Label } from "./figure.ts";
import { COLORS, plotSvg } from "./_common.ts";
import { checkOptions, typeError } from "../lib/validate.ts";

/**
 * Observable Plot (the copy the toolkit renders with), re-exported so that
 * notebooks can build any chart and pass it to {@linkcode plotFigure}.
 *
 * @example
 * ```ts
 * import { Plot, plotFigure } from "../mod.ts";
 *
 * const fig = plotFigure({ marks: [Plot.dot([[1, 2], [2, 3]])] });
 * console.log(fig.width);
 * ```
 */
export const Plot: typeof PlotNS = PlotNS;

/** The options of `Plot.plot`: marks, scales, facets, size. */
export type PlotOptions = NonNullable<Parameters<typeof Plot.plot>[0]>;

/** Options for {@linkcode plotFigure}. */
export interface PlotFigureOptions {
  /** A title above the chart (drawn by us: Plot's own title needs a browser DOM). */
  title?: string;
  /** A line under the title. */
  subtitle?: string;
  /** The text/plain fallback. Default: the title. */
  text?: string;
}

/**
 * Renders Observable Plot options (marks, scales, facets; `width` and
 * `height` default to 640 × 400) into a Figure that displays inline in
 * Jupyter and saves to .svg, .html and .png. Legends: Plot's continuous
 * colour legends need a canvas, so pass `color: { legend: false }` and name
 * the series with text marks or the `subtitle`.
 *
 * @param options Plot options, without `document` (a server-side one is used).
 * @param figure `title`, `subtitle`, `text`.
 * @returns A Figure.
 *
 * @example
 * ```ts
 * import { Plot, plotFigure } from "../mod.ts";
 * import { assert } from "@std/assert";
 *
 * const fig = plotFigure(
 *   { marks: [Plot.lineY([1, 4, 2, 8])], height: 200 },
 *   { title: "A line" },
 * );
 * assert(fig.svg.includes("A line"));
 * ```
 */
export function plotFigure(
  options: PlotOptions,
  figure: PlotFigureOptions = {},
): Figure {
  checkOptions("plotFigure", figure, ["title", "subtitle", "text"], "figure");
  if (options === null || typeof options !== "object") {
    throw typeError(
      "plotFigure",
      "options",
      "Plot options (an object)",
      options,
    );
  }
  if ("title" in options || "subtitle" in options || "caption" in options) {
    throw new TypeError(
      "plotFigure: options must have no title, subtitle or caption (Plot's own make a <figure> that needs a browser; pass title and subtitle in the second argument), received options with one",
    );
  }
  const width = options.width ?? 640;
  const height = options.height ?? 400;
  const labels: Label[] = [];
  let top = 0;
  if (figure.title !== undefined) {
    labels.push({ text: figure.title, x: 8, y: 18, size: 14, weight: "bold" });
    top = 26;
  }
  if (figure.subtitle !== undefined) {
    labels.push({
      text: figure.subtitle,
      x: 8,
      y: top + 14,
      size: 11,
      color: COLORS.muted,
    });
    top += 20;
  }
  const svg = plotSvg({ ...options, width, height });
  return new Figure({
    width,
    height: top + height,
    panels: [{ svg, x: 0, y: top, width, height }],
    labels,
    title: figure.title,
    text: figure.text ?? figure.title ?? "plot",
  });
}
