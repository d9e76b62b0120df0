/**
 * The table `Module.summary()` returns: HTML in Jupyter, text elsewhere.
 *
 * @module
 */
import type { tf } from "../tf.ts";
import type { Parameter } from "./parameter.ts";
import { JUPYTER_DISPLAY } from "../_jupyter.ts";
import { escapeHtml } from "../text.ts";

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

  /** A plain-text table. */
  toString(): string {
    const head = ["name", "shape", "count", "trainable", "initializer"];
    const cells = this.#cells();
    const widths = head.map((h, i) =>
      Math.max(h.length, ...cells.map((c) => c[i].length))
    );
    const line = (c: string[]) =>
      c.map((x, i) => (i === 2 ? x.padStart(widths[i]) : x.padEnd(widths[i])))
        .join("  ").trimEnd();
    const { total, trainable } = this.totals;
    return [
      this.title,
      line(head),
      line(widths.map((w) => "-".repeat(w))),
      ...cells.map(line),
      `${total.toLocaleString("en-US")} parameters (${
        trainable.toLocaleString("en-US")
      } trainable)`,
    ].join("\n");
  }

  /** An HTML table. */
  toHtml(): string {
    const { total, trainable } = this.totals;
    const rows = this.#cells().map((c) =>
      `<tr>${
        c.map((x, i) =>
          `<td style="text-align:${i === 2 ? "right" : "left"}">${
            escapeHtml(x)
          }</td>`
        ).join("")
      }</tr>`
    ).join("");
    return `<table><caption style="text-align:left"><b>${
      escapeHtml(this.title)
    }</b>: ${total.toLocaleString("en-US")} parameters (${
      trainable.toLocaleString("en-US")
    } trainable)</caption><thead><tr><th>name</th><th>shape</th><th>count</th><th>trainable</th><th>initializer</th></tr></thead><tbody>${rows}</tbody></table>`;
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
