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
 * A number for people: 4 significant digits, plain between 1e-3 and 1e5,
 * else in exponential form; trailing zeros dropped.
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
