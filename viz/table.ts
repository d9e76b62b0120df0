/**
 * `table`: rows of values as a table, HTML in a notebook and aligned text in
 * a terminal, every name escaped for where it is shown.
 *
 * @module
 */
import { checkOptions, typeError } from "../lib/validate.ts";
import {
  formatNumber,
  htmlTable,
  type TableColumn,
  textTable,
} from "../lib/text.ts";
import { JUPYTER_DISPLAY } from "../lib/jupyter.ts";

/** Options for {@linkcode table}. */
export interface TableOptions {
  /**
   * The columns to show, in order: keys of the rows. Default: every key of
   * every row, in the order first seen.
   */
  columns?: readonly string[];
  /** A line shown above the table. Default: none. */
  caption?: string;
}

/**
 * What {@linkcode table} returns: the headings and the cells as text, shown
 * as an HTML table by the Jupyter kernel and as aligned text by
 * `console.log` (Deno's inspector) and `String()`.
 */
export class Table {
  /** The headings and alignments (numbers right, everything else left). */
  readonly columns: readonly TableColumn[];
  /** The cells as shown, one array per row. */
  readonly cells: readonly (readonly string[])[];
  /** The caption, if any. */
  readonly caption: string | undefined;

  /**
   * Holds a table's text.
   *
   * @param columns The headings and alignments.
   * @param cells The cells as text, one array per row.
   * @param caption A line above the table.
   */
  constructor(
    columns: readonly TableColumn[],
    cells: readonly (readonly string[])[],
    caption?: string,
  ) {
    this.columns = columns;
    this.cells = cells;
    this.caption = caption;
  }

  /** The table as HTML: every heading, cell and the caption escaped. */
  get html(): string {
    return htmlTable(this.columns, this.cells, { caption: this.caption });
  }

  /** The table as aligned text, control characters made visible. */
  toString(): string {
    return textTable(this.columns, this.cells, { caption: this.caption });
  }

  /** The Jupyter MIME bundle: HTML, with the text as fallback. */
  [JUPYTER_DISPLAY](): Record<string, string> {
    return { "text/html": this.html, "text/plain": this.toString() };
  }

  /** What `console.log` prints in Deno: the aligned text. */
  [Symbol.for("Deno.customInspect")](): string {
    return this.toString();
  }
}

/** A value as a cell: numbers for people, arrays as [a, b], nothing for null. */
function cellText(value: unknown): string {
  if (value === null || value === undefined) return "";
  if (typeof value === "number") {
    return Number.isInteger(value) && Math.abs(value) < 1e15
      ? String(value)
      : formatNumber(value);
  }
  if (typeof value === "string") return value;
  if (typeof value === "bigint" || typeof value === "boolean") {
    return String(value);
  }
  if (Array.isArray(value)) return `[${value.map(cellText).join(", ")}]`;
  return Deno.inspect(value, { compact: true, breakLength: Infinity });
}

/**
 * Rows of values as a table, the way a notebook shows a list of results:
 * one row per object, one column per key. Numbers are written for people
 * (integers exactly, others to 4 significant digits) and right-aligned;
 * arrays read `[a, b]`; `null` and `undefined` leave the cell empty. Every
 * heading and cell is escaped in the HTML and made visible in the text, so
 * names read from a user's model file cannot inject markup or terminal
 * escape sequences. Display it with `await display(table(rows))`.
 *
 * @param rows The rows: plain objects.
 * @param options `columns` (every key, in the order first seen), `caption` (none).
 * @returns A {@linkcode Table}.
 * @throws {TypeError} For rows that are not an array of objects, columns
 * that are not strings, or a misspelt option.
 *
 * @example
 * ```ts
 * import { table } from "../mod.ts";
 * import { assertEquals, assertStringIncludes } from "@std/assert";
 *
 * const t = table([
 *   { layer: "conv1", shape: [3, 3, 3, 32], alpha: 3.14159 },
 *   { layer: "<fc>", shape: [256, 128], alpha: null },
 * ]);
 * assertEquals(t.cells[0], ["conv1", "[3, 3, 3, 32]", "3.142"]);
 * assertStringIncludes(t.html, "&lt;fc&gt;");
 * assertEquals(String(t).split("\n")[0], "layer  shape          alpha");
 * ```
 */
export function table(
  rows: readonly Record<string, unknown>[],
  options: TableOptions = {},
): Table {
  const o = checkOptions("table", options, ["columns", "caption"]);
  if (!Array.isArray(rows)) {
    throw typeError("table", "rows", "an array of objects", rows);
  }
  for (const [i, row] of rows.entries()) {
    if (row === null || typeof row !== "object" || Array.isArray(row)) {
      throw typeError("table", `rows[${i}]`, "an object", row);
    }
  }
  if (o.caption !== undefined && typeof o.caption !== "string") {
    throw typeError("table", "options.caption", "a string", o.caption);
  }
  let keys: string[];
  if (o.columns === undefined) {
    keys = [...new Set(rows.flatMap((r) => Object.keys(r)))];
  } else {
    if (
      !Array.isArray(o.columns) ||
      o.columns.some((c) => typeof c !== "string")
    ) {
      throw typeError(
        "table",
        "options.columns",
        "an array of strings",
        o.columns,
      );
    }
    keys = [...o.columns];
  }
  const cells = rows.map((r) => keys.map((k) => cellText(r[k])));
  const columns = keys.map((head): TableColumn => {
    const values = rows.map((r) => r[head]).filter((v) => v != null);
    const numeric = values.length > 0 &&
      values.every((v) => typeof v === "number" || typeof v === "bigint");
    return { head, align: numeric ? "right" : "left" };
  });
  return new Table(columns, cells, o.caption);
}
