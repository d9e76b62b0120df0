/**
 * `Figure`: what every plot helper returns. It displays inline in the Deno
 * Jupyter kernel, and offers its SVG, an HTML rendering, and `save(path)` to
 * .svg, .html or .png.
 *
 * @module
 */
import { xmlText } from "../lib/text.ts";
import { JUPYTER_DISPLAY } from "../lib/jupyter.ts";
import { renderPng } from "./_png.ts";
import { rangeError, typeError } from "../lib/validate.ts";

/** A panel of a figure: a finished SVG (usually from Observable Plot) and where it goes. */
export interface Panel {
  /** The panel's SVG markup (an `<svg>` element with `width` and `height`). */
  svg: string;
  /** Left edge in the figure, pixels. */
  x: number;
  /** Top edge in the figure, pixels. */
  y: number;
  /** Width in the figure, pixels. */
  width: number;
  /** Height in the figure, pixels. */
  height: number;
}

/** A line of text placed on the figure. */
export interface Label {
  /** The text (escaped when drawn). */
  text: string;
  /** Anchor position, pixels. */
  x: number;
  /** Baseline position, pixels. */
  y: number;
  /** Default 12. */
  size?: number;
  /** Default `"normal"`. */
  weight?: "normal" | "bold";
  /** Default `"start"`. */
  anchor?: "start" | "middle" | "end";
  /** Default `"#222"`. */
  color?: string;
}

/** What makes a figure. */
export interface FigureSpec {
  /** Width in pixels. */
  width: number;
  /** Height in pixels. */
  height: number;
  /** The drawings. */
  panels: Panel[];
  /** Text drawn over them. */
  labels?: Label[];
  /** The text/plain fallback (shown where rich output is not). */
  text: string;
  /** HTML appended below the drawing (tables of statistics), in HTML output only. */
  htmlExtra?: string;
  /** A title for `save(".html")` pages; default the first bold label. */
  title?: string;
}

const FONT = "DejaVu Sans, system-ui, sans-serif";

/**
 * A finished figure: one SVG drawing (panels and labels), a text fallback,
 * and optional HTML extras.
 *
 * In the Deno Jupyter kernel a figure displays through
 * `Symbol.for("Jupyter.display")` as a MIME bundle with `text/html`,
 * `image/svg+xml` and `text/plain`, so it shows wherever the notebook is
 * opened (and as text in a terminal).
 *
 * @example
 * ```ts
 * import { Figure } from "./figure.ts";
 * import { assert } from "@std/assert";
 *
 * const fig = new Figure({
 *   width: 120,
 *   height: 40,
 *   panels: [],
 *   labels: [{ text: "hello", x: 10, y: 25 }],
 *   text: "hello",
 * });
 * assert(fig.svg.startsWith("<svg"));
 * assert(fig.html.includes("hello"));
 * ```
 */
export class Figure {
  /** Width in pixels. */
  readonly width: number;
  /** Height in pixels. */
  readonly height: number;
  /** The text/plain rendering. */
  readonly text: string;
  readonly #spec: FigureSpec;
  #svg: string | null = null;

  /**
   * Holds a figure's parts; the SVG is assembled on first use.
   *
   * @param spec Panels, labels, size, text fallback.
   */
  constructor(spec: FigureSpec) {
    this.#spec = spec;
    this.width = Math.ceil(spec.width);
    this.height = Math.ceil(spec.height);
    this.text = spec.text;
  }

  /** The drawing as a standalone SVG document (no external references). */
  get svg(): string {
    if (this.#svg !== null) return this.#svg;
    const { panels, labels = [] } = this.#spec;
    const parts = [
      `<svg xmlns="http://www.w3.org/2000/svg" width="${this.width}" height="${this.height}" viewBox="0 0 ${this.width} ${this.height}" font-family="${FONT}">`,
      `<rect width="100%" height="100%" fill="white"/>`,
    ];
    // Nest each panel at its place; its own viewBox keeps its drawing intact.
    for (const p of panels) parts.push(placePanel(p));
    for (const l of labels) {
      parts.push(
        `<text x="${l.x}" y="${l.y}" font-size="${l.size ?? 12}" font-weight="${
          l.weight ?? "normal"
        }" text-anchor="${l.anchor ?? "start"}" fill="${l.color ?? "#222"}">${
          xmlText(l.text)
        }</text>`,
      );
    }
    parts.push("</svg>");
    this.#svg = parts.join("");
    return this.#svg;
  }

  /** The figure as an HTML fragment: the SVG inline, then any tables. */
  get html(): string {
    return `<div class="ember-figure" style="max-width:100%;overflow-x:auto">${this.svg}${
      this.#spec.htmlExtra ?? ""
    }</div>`;
  }

  /** The figure as a self-contained HTML page (inline SVG and CSS, no network). */
  page(): string {
    const title = this.#spec.title ??
      this.#spec.labels?.find((l) => l.weight === "bold")?.text ?? "figure";
    return `<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>${
      xmlText(title)
    }</title><style>body{font-family:${FONT};margin:24px;color:#222}table{border-collapse:collapse;font-size:12px;margin-top:8px}td,th{border-bottom:1px solid #ddd;padding:2px 8px}</style></head><body>${this.html}</body></html>`;
  }

  /**
   * Renders a PNG with resvg (WebAssembly, from npm) and the DejaVu Sans font
   * shipped in an npm package: no system font and no network.
   *
   * @param scale Pixels per SVG unit, above 0 and at most 8. Default 2.
   * @returns The PNG bytes.
   * @throws {RangeError} For a scale outside (0, 8].
   */
  png(scale = 2): Promise<Uint8Array> {
    const what = "a number in (0, 8]";
    if (typeof scale !== "number") {
      return Promise.reject(typeError("Figure.png", "scale", what, scale));
    }
    if (!(scale > 0 && scale <= 8)) {
      return Promise.reject(rangeError("Figure.png", "scale", what, scale));
    }
    return renderPng(this.svg, scale);
  }

  /**
   * Writes the figure to `path`: `.svg`, `.html` (a standalone page) or `.png`.
   *
   * @param path The file to write; its extension picks the format.
   * @throws {RangeError} For another extension.
   */
  async save(path: string): Promise<void> {
    const ext = path.slice(path.lastIndexOf(".") + 1).toLowerCase();
    if (ext === "svg") {
      await Deno.writeTextFile(
        path,
        `<?xml version="1.0" encoding="UTF-8"?>\n${this.svg}\n`,
      );
    } else if (ext === "html" || ext === "htm") {
      await Deno.writeTextFile(path, this.page());
    } else if (ext === "png") {
      await Deno.writeFile(path, await this.png());
    } else {
      throw rangeError(
        "Figure.save",
        "path",
        "a file name ending in .svg, .html or .png",
        path,
      );
    }
  }

  /** The Jupyter MIME bundle. */
  [JUPYTER_DISPLAY](): Record<string, string> {
    return {
      "text/html": this.html,
      "image/svg+xml": this.svg,
      "text/plain": this.text,
    };
  }

  /** The text fallback. */
  toString(): string {
    return this.text;
  }
}

/** Replaces a panel's own position and size with its place in the figure (its viewBox keeps the aspect). */
function placePanel(p: Panel): string {
  const svg = p.svg;
  const open = svg.match(/^<svg[^>]*>/)?.[0];
  if (!open) {
    throw typeError("placePanel", "panel.svg", "an <svg> element", svg);
  }
  let tag = open.replace(/\s(width|height|x|y)="[^"]*"/g, "");
  tag = tag.replace(
    /^<svg/,
    `<svg x="${p.x}" y="${p.y}" width="${p.width}" height="${p.height}"`,
  );
  return tag + svg.slice(open.length);
}
