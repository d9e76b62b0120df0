/**
 * The table `Module.summary()` returns: HTML in Jupyter, text elsewhere.
 *
 * @module
 */
import type { tf } from "../tf.ts";
import type { Parameter } from "./parameter.ts";
import { JUPYTER_DISPLAY } from "../jupyter.ts";
import { htmlTable, type TableColumn, textTable } from "../text.ts";

/** One row of a {@linkcode Summary}. */
export interface SummaryRow {
  /** The dotted name. */
  name: string;
  /** The shape. */
  shape: number[];
  /** The number of elements. */
  count: number;
  /** Whether it trains; `null` for buffers. */
  trainable: boolean | null;
  /** The initializer and its options, `"(buffer)"` for buffers, `""` if unknown. */
  initializer: string;
}

const COLUMNS: readonly TableColumn[] = [
  { head: "name", align: "left" },
  { head: "shape", align: "left" },
  { head: "count", align: "right" },
  { head: "trainable", align: "left" },
  { head: "initializer", align: "left" },
];

/** A module's parameter table. */
export class Summary {
  /** The rows: parameters, then buffers (trainable `null`). */
  readonly rows: SummaryRow[];

  /**
   * Builds the rows.
   *
   * @param title The module's class name.
   * @param parameters Named parameters.
   * @param buffers Named buffers.
   */
  constructor(
    readonly title: string,
    parameters: [string, Parameter][],
    buffers: [string, tf.Tensor][],
  ) {
    this.rows = [
      ...parameters.map(([name, p]) => ({
        name,
        shape: p.shape,
        count: p.size,
        trainable: p.trainable,
        initializer: p.init ? describe(p.init.name, p.init.options) : "",
      })),
      ...buffers.map(([name, t]) => ({
        name,
        shape: t.shape,
        count: t.size,
        trainable: null,
        initializer: "(buffer)",
      })),
    ];
  }

  /** Parameter counts: total and trainable. */
  get totals(): { total: number; trainable: number } {
    let total = 0;
    let trainable = 0;
    for (const r of this.rows) {
      if (r.trainable === null) continue;
      total += r.count;
      if (r.trainable) trainable += r.count;
    }
    return { total, trainable };
  }

  #cells(): string[][] {
    return this.rows.map((r) => [
      r.name,
      `[${r.shape.join(", ")}]`,
      r.count.toLocaleString("en-US"),
      r.trainable === null ? "" : r.trainable ? "yes" : "no",
      r.initializer,
    ]);
  }

  /** The totals line: "26 parameters (26 trainable)". */
  get #footer(): string {
    const { total, trainable } = this.totals;
    return `${total.toLocaleString("en-US")} parameters (${
      trainable.toLocaleString("en-US")
    } trainable)`;
  }

  /** A plain-text table (names with control characters made visible). */
  toString(): string {
    return textTable(COLUMNS, this.#cells(), {
      caption: this.title,
      footer: this.#footer,
    });
  }

  /** An HTML table (names escaped). */
  toHtml(): string {
    return htmlTable(COLUMNS, this.#cells(), {
      caption: `${this.title}: ${this.#footer}`,
    });
  }

  /** The Jupyter MIME bundle: HTML, with the text table as fallback. */
  [JUPYTER_DISPLAY](): Record<string, string> {
    return { "text/html": this.toHtml(), "text/plain": this.toString() };
  }
}

function describe(name: string, options: Record<string, unknown>): string {
  const parts = Object.entries(options)
    .filter(([, v]) => v !== undefined)
    .map(([k, v]) => `${k}=${typeof v === "number" ? +v.toPrecision(4) : v}`);
  return parts.length ? `${name}(${parts.join(", ")})` : name;
}
