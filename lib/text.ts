/**
 * Text made safe for where it is shown: HTML and SVG markup, XML's
 * character rules, and terminals; and numbers written for people. One small
 * internal module (not exported
 * from `mod.ts`) for every page, figure, table and message that shows names
 * taken from users' files.
 *
 * @module
 */

/**
 * Escapes `& < > " '` for HTML and XML text and attribute values.
 *
 * @param text Any text.
 * @returns The text with markup characters as entities.
 *
 * @example
 * ```ts
 * import { escapeHtml } from "./text.ts";
 * import { assertEquals } from "@std/assert";
 *
 * assertEquals(escapeHtml(`<b title="x">&</b>`), "&lt;b title=&quot;x&quot;&gt;&amp;&lt;/b&gt;");
 * ```
 */
export function escapeHtml(text: string): string {
  return text.replace(
    /[&<>"']/g,
    (c) =>
      ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[
        c
      ]!,
  );
}

// XML 1.0 forbids these characters (tab, line feed and carriage return are allowed).
// deno-lint-ignore no-control-regex
const XML_INVALID = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/g;

/**
 * Text for SVG and XHTML: the control characters XML 1.0 forbids removed,
 * then markup escaped, so any name gives a valid document.
 *
 * @param text Any text.
 * @returns Text safe inside an XML element or attribute.
 *
 * @example
 * ```ts
 * import { xmlText } from "./text.ts";
 * import { assertEquals } from "@std/assert";
 *
 * assertEquals(xmlText("a\u0007<b>"), "a&lt;b&gt;");
 * ```
 */
export function xmlText(text: string): string {
  return escapeHtml(text.replace(XML_INVALID, ""));
}

// C0, DEL, C1 (escape sequences among them) and the bidirectional marks and
// overrides that can disguise a name.
const UNSAFE =
  // deno-lint-ignore no-control-regex
  /[\u0000-\u001f\u007f-\u009f\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;

/**
 * Text for a terminal or a page that shows names from users' files: control
 * characters (escape sequences among them) and bidirectional overrides
 * shown as "?". Escape markup separately for a page.
 *
 * @param text Any text.
 * @returns The text, each unsafe character replaced by "?".
 *
 * @example
 * ```ts
 * import { visibleText } from "./text.ts";
 * import { assertEquals } from "@std/assert";
 *
 * assertEquals(visibleText("\u001b[31mred\u202e"), "?[31mred?");
 * ```
 */
export function visibleText(text: string): string {
  return text.replace(UNSAFE, "?");
}

/**
 * A number for people: 4 significant digits, plain between 1e-3 and 1e5
 * (trailing zeros dropped), else in exponential form (`2.500e-5`).
 *
 * @param x Any number.
 * @returns `"0"`, `"NaN"`, `"Infinity"` or the rounded number.
 *
 * @example
 * ```ts
 * import { formatNumber } from "./text.ts";
 * import { assertEquals } from "@std/assert";
 *
 * assertEquals(formatNumber(Math.PI), "3.142");
 * assertEquals(formatNumber(2.5e-5), "2.500e-5");
 * assertEquals(formatNumber(120000), "1.200e+5");
 * ```
 */
export function formatNumber(x: number): string {
  if (!Number.isFinite(x)) return String(x);
  if (x === 0) return "0";
  const a = Math.abs(x);
  return a >= 1e-3 && a < 1e5 ? String(+x.toPrecision(4)) : x.toExponential(3);
}

/** A column of {@linkcode textTable} and {@linkcode htmlTable}. */
export interface TableColumn {
  /** The heading. */
  readonly head: string;
  /** "right" for numbers, "left" for text. */
  readonly align: "left" | "right";
}

/**
 * A row of {@linkcode textTable} and {@linkcode htmlTable}: its cells' texts
 * (as many as the columns), or a section heading across the whole table.
 */
export type TableRow = readonly string[] | { readonly section: string };

/**
 * A table as aligned plain text for a terminal: the caption, the headings,
 * a rule, the rows, and an optional footer; every cell made visible
 * ({@linkcode visibleText}) and padded to its column's width (two spaces
 * between columns, trailing spaces dropped); a section heading is a line of
 * its own.
 *
 * @param columns The headings and alignments.
 * @param rows One array of cell texts per row, as many as `columns`, or a
 * `{ section }` heading.
 * @param options `caption` and `footer` lines (none by default).
 * @returns The lines joined with "\n".
 *
 * @example
 * ```ts
 * import { textTable } from "./text.ts";
 * import { assertEquals } from "@std/assert";
 *
 * const columns = [{ head: "name", align: "left" }, { head: "n", align: "right" }] as const;
 * assertEquals(
 *   textTable(columns, [["w", "12"], ["bias", "3"]]),
 *   "name   n\n----  --\nw     12\nbias   3",
 * );
 * ```
 */
export function textTable(
  columns: readonly TableColumn[],
  rows: readonly TableRow[],
  options: { caption?: string; footer?: string } = {},
): string {
  const head = columns.map((c) => visibleText(c.head));
  const body = rows.map((r) =>
    "section" in r
      ? visibleText(r.section)
      : columns.map((_, i) => visibleText(r[i] ?? ""))
  );
  const widths = head.map((h, i) =>
    Math.max(
      h.length,
      ...body.map((r) => typeof r === "string" ? 0 : r[i].length),
    )
  );
  const line = (cells: string[]) =>
    cells.map((c, i) =>
      columns[i].align === "right" ? c.padStart(widths[i]) : c.padEnd(widths[i])
    ).join("  ").trimEnd();
  const lines = [
    line(head),
    line(widths.map((w) => "-".repeat(w))),
    ...body.map((r) => typeof r === "string" ? r : line(r)),
  ];
  if (options.caption !== undefined) {
    lines.unshift(visibleText(options.caption));
  }
  if (options.footer !== undefined) lines.push(visibleText(options.footer));
  return lines.join("\n");
}

/**
 * A table as HTML for a notebook or a page: every heading, cell and the
 * caption escaped ({@linkcode escapeHtml}); right-aligned columns in tabular
 * figures; no cell wraps; a section heading spans the table.
 *
 * @param columns The headings and alignments.
 * @param rows One array of cell texts per row, as many as `columns`, or a
 * `{ section }` heading.
 * @param options `caption` (none by default), shown above the table.
 * @returns One `<table class="ember-table">` element.
 *
 * @example
 * ```ts
 * import { htmlTable } from "./text.ts";
 * import { assertStringIncludes } from "@std/assert";
 *
 * const html = htmlTable([{ head: "name", align: "left" }], [["<b>"]]);
 * assertStringIncludes(html, ">&lt;b&gt;</td>");
 * ```
 */
export function htmlTable(
  columns: readonly TableColumn[],
  rows: readonly TableRow[],
  options: { caption?: string } = {},
): string {
  const pad = "padding:3px 10px;white-space:nowrap";
  const style = columns.map((c) =>
    c.align === "right"
      ? ` style="text-align:right;font-variant-numeric:tabular-nums;${pad}"`
      : ` style="text-align:left;${pad}"`
  );
  const caption = options.caption === undefined
    ? ""
    : `<caption style="caption-side:top;text-align:left;color:#555;padding:4px 10px">${
      escapeHtml(options.caption)
    }</caption>`;
  const head = columns.map((c, i) =>
    `<th${style[i]}>${escapeHtml(c.head)}</th>`
  )
    .join("");
  const body = rows.map((r) =>
    "section" in r
      ? `<tr><th colspan="${columns.length}" style="text-align:left;${pad}">${
        escapeHtml(r.section)
      }</th></tr>`
      : `<tr>${
        columns.map((_, i) => `<td${style[i]}>${escapeHtml(r[i] ?? "")}</td>`)
          .join("")
      }</tr>`
  ).join("");
  return `<table class="ember-table" style="border-collapse:collapse">${caption}<thead><tr>${head}</tr></thead><tbody>${body}</tbody></table>`;
}
