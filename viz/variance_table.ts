/**
 * `varianceTable`: the variance-scaling lesson as a table: fans, the
 * variance each initializer aims for, and what a seeded draw measures.
 *
 * @module
 */
import {
  getInitializer,
  type InitializerConfig,
} from "../lib/initializers/registry.ts";
import {
  computeFans,
  type InitRecord,
  initRecordOf,
} from "../lib/initializers/mod.ts";
import { lawOf } from "../lib/stats/laws.ts";
import { checkShape, show } from "../lib/validate.ts";
import { readWeights } from "../lib/read/weights.ts";
import { htmlTable, type TableColumn, textTable } from "../lib/text.ts";
import { num } from "./_common.ts";
import { JUPYTER_DISPLAY } from "../lib/jupyter.ts";
import type { tf } from "../lib/tf.ts";

const COLUMNS: readonly TableColumn[] = [
  { head: "initializer", align: "left" },
  { head: "fan_in", align: "right" },
  { head: "fan_out", align: "right" },
  { head: "target variance", align: "left" },
  { head: "theory", align: "right" },
  { head: "measured", align: "right" },
  { head: "measured / theory", align: "right" },
];

/** A fan, or nothing for rank < 2. */
function count(fan: number | null): string {
  return fan === null ? "" : String(fan);
}

/** One initializer's row of {@linkcode varianceTable}. */
export interface VarianceRow {
  /** The initializer as given (a name, or a config as JSON). */
  name: string;
  /** fan_in of the shape (`computeFans`), or `null` for rank < 2. */
  fanIn: number | null;
  /** fan_out of the shape, or `null` for rank < 2. */
  fanOut: number | null;
  /** The variance the initializer aims for, as a formula (`"2/(fan_in+fan_out)"`), or the law it draws from. */
  formula: string;
  /** The variance of the law the values are drawn from (the initializer's record). */
  theory: number;
  /** The unbiased sample variance of the draw, in Float64. */
  measured: number;
  /** The standard error of `measured`: √((m₄ − s⁴)/n), m₄ the sample's fourth central moment. */
  standardError: number;
  /** `measured / theory` (NaN when theory is 0). */
  ratio: number;
}

/** Options for {@linkcode varianceTable}. */
export interface VarianceTableOptions {
  /** The seed of every draw. Default 0. */
  seed?: number;
}

/**
 * The table `varianceTable` returns: its rows, and an HTML rendering that
 * displays in Jupyter (with a text fallback).
 */
export class VarianceTable {
  /** One row per initializer, in the order given. */
  readonly rows: readonly VarianceRow[];
  /** The shape drawn. */
  readonly shape: readonly number[];
  /** The seed of every draw. */
  readonly seed: number;

  /**
   * Holds the rows.
   *
   * @param rows The rows.
   * @param shape The shape drawn.
   * @param seed The seed.
   */
  constructor(rows: VarianceRow[], shape: number[], seed: number) {
    this.rows = rows;
    this.shape = shape;
    this.seed = seed;
  }

  /** A caption: the shape, the number of values, the seed. */
  get caption(): string {
    const n = this.shape.reduce((a, b) => a * b, 1);
    return `Variance of one draw of [${
      this.shape.join(", ")
    }] (${n} values, seed ${this.seed}) against the variance of the initializer's law; ± one standard error`;
  }

  /** The cells before the standard error, the measured value, and after it. */
  #cells(): { head: string[]; measured: string; se: string; ratio: string }[] {
    return this.rows.map((r) => ({
      head: [
        r.name,
        count(r.fanIn),
        count(r.fanOut),
        r.formula,
        num(r.theory),
      ],
      measured: num(r.measured),
      se: num(r.standardError),
      ratio: num(r.ratio),
    }));
  }

  /** The table as HTML (numbers right-aligned, no wrapping; ± s.e. a column). */
  get html(): string {
    return htmlTable(
      [...COLUMNS.slice(0, 6), { head: "± s.e.", align: "right" }, COLUMNS[6]],
      this.#cells().map((c) => [...c.head, c.measured, c.se, c.ratio]),
      { caption: this.caption },
    );
  }

  /** The table as aligned plain text (measured ± s.e. in one column). */
  toString(): string {
    return textTable(
      COLUMNS,
      this.#cells().map((c) => [...c.head, `${c.measured} ± ${c.se}`, c.ratio]),
      { caption: this.caption },
    );
  }

  /** The Jupyter MIME bundle: HTML, with the text as fallback. */
  [JUPYTER_DISPLAY](): Record<string, string> {
    return { "text/html": this.html, "text/plain": this.toString() };
  }
}

/** The target variance as the initializer states it. */
function formulaOf(record: InitRecord): string {
  const o = record.options as {
    scale?: number;
    mode?: string;
    gain?: number;
  };
  const d = record.density;
  if (record.fans && o.mode !== undefined && o.scale !== undefined) {
    const c = o.scale * (o.gain ?? 1) ** 2;
    const k = (v: number) => String(+v.toPrecision(6));
    return o.mode === "fanIn"
      ? `${k(c)}/fan_in`
      : o.mode === "fanOut"
      ? `${k(c)}/fan_out`
      : `${k(2 * c)}/(fan_in+fan_out)`;
  }
  if (d.kind === "orthogonal") {
    return `${
      d.gain === 1 ? "1" : `${num(d.gain)}²`
    }/${d.dim} (unit vectors in R^${d.dim})`;
  }
  if (d.kind === "normal") return `${num(d.std)}²`;
  if (d.kind === "uniform") return `(${num(d.high)} − ${num(d.low)})²/12`;
  return lawOf(d).label;
}

/**
 * The variance-scaling lesson as a table: for each initializer, the fans
 * of `shape`, the variance it aims for (Glorot: 2/(fan_in + fan_out), He:
 * 2/fan_in, LeCun: 1/fan_in), the variance of the law it draws from (the
 * truncated normals included: their variance is exactly the target), and
 * the variance of one seeded draw with its standard error, so that
 * "measured ≈ theory" can be read off. Each draw is read once
 * (asynchronously: any backend) and disposed.
 *
 * @param names Initializer names or configs, as `getInitializer` takes them.
 * @param shape The shape drawn (rank ≥ 2 for the fans).
 * @param options `seed` (0).
 * @returns A {@linkcode VarianceTable} (HTML in Jupyter, text elsewhere).
 * @throws {TypeError} For names that are not a non-empty array, or a misspelt option.
 * @throws {RangeError} For an unknown initializer or a bad shape.
 *
 * @example
 * ```ts
 * import { varianceTable } from "../mod.ts";
 * import { assertAlmostEquals, assertEquals } from "@std/assert";
 *
 * const table = await varianceTable(["glorot_uniform", "he_normal", "lecun_normal"], [400, 200]);
 * assertEquals(table.rows[0].formula, "2/(fan_in+fan_out)");
 * assertAlmostEquals(table.rows[1].theory, 2 / 400, 1e-12);
 * for (const r of table.rows) assertAlmostEquals(r.ratio, 1, 6 * r.standardError / r.theory);
 * ```
 */
export async function varianceTable(
  names: readonly (string | InitializerConfig)[],
  shape: readonly number[],
  options: VarianceTableOptions = {},
): Promise<VarianceTable> {
  if (!Array.isArray(names) || names.length === 0) {
    throw new TypeError(
      `varianceTable: names must be a non-empty array of initializer names or configs, received ${
        show(names)
      }`,
    );
  }
  if (
    options === null || typeof options !== "object" ||
    Object.keys(options).some((k) => k !== "seed")
  ) {
    throw new TypeError(
      `varianceTable: options must be { seed }, received ${show(options)}`,
    );
  }
  const dims = checkShape("varianceTable", shape);
  const seed = options.seed ?? 0;
  const inits = names.map((n) => getInitializer(n));
  const fans = dims.length >= 2 ? computeFans(dims) : null;
  const rows: VarianceRow[] = [];
  for (const [i, init] of inits.entries()) {
    const t: tf.Tensor = init(dims, { seed });
    try {
      const record = initRecordOf(t);
      const { values } = await readWeights(t, "varianceTable");
      const n = values.length;
      let sum = 0;
      for (let j = 0; j < n; j++) sum += values[j];
      const mean = sum / n;
      let m2 = 0;
      let m4 = 0;
      for (let j = 0; j < n; j++) {
        const d = (values[j] - mean) ** 2;
        m2 += d;
        m4 += d * d;
      }
      const variance = n > 1 ? m2 / (n - 1) : NaN;
      const pop = m2 / n;
      const law = record ? lawOf(record.density) : null;
      const theory = law ? law.std ** 2 : NaN;
      rows.push({
        name: typeof names[i] === "string"
          ? names[i] as string
          : JSON.stringify(names[i]),
        fanIn: fans ? fans.fanIn : null,
        fanOut: fans ? fans.fanOut : null,
        formula: record ? formulaOf(record) : "",
        theory,
        measured: variance,
        standardError: Math.sqrt(Math.max(m4 / n - pop * pop, 0) / n),
        ratio: theory > 0 ? variance / theory : NaN,
      });
    } finally {
      t.dispose();
    }
  }
  return new VarianceTable(rows, dims, seed);
}
