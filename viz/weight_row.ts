/**
 * `plotWeightRow`: one matrix's row of small multiples (histogram, ESD
 * against Marchenko–Pastur, ranked singular values) and its statistics, from
 * host values: the building block of the weight report.
 *
 * @module
 */
import { checkOptions } from "../lib/validate.ts";
import type { Figure } from "./figure.ts";
import { rowsFigure, type RowStats } from "./_rows.ts";
import { type HostWeights, hostWeights } from "../lib/host.ts";
import type { Density } from "../lib/stats/density.ts";
import type { StoredFloat } from "../lib/stats/stored_float.ts";

export type { RowStats };

/** Options for {@linkcode plotWeightRow}. */
export interface PlotWeightRowOptions {
  /** The law the values were drawn from, drawn over the histogram; `null` for none. Default `null`. */
  density?: Density | null;
  /**
   * Marchenko–Pastur's variance: `"theory"` takes the density's, `"fit"`
   * fits the bulk. Default: the density's while the values' variance is
   * within 6 standard errors of it, else fitted.
   */
  mp?: "theory" | "fit";
  /** The singular values, when already computed (for example by a worker). Default: computed here. */
  singularValues?: Float64Array;
  /**
   * The grid step of quantised weights (a tfjs uint8 weight's `scale`): the
   * rank then counts only singular values above the rounding floor (see
   * `analyzeSpectrum`'s option of that name). Default: none.
   */
  quantizationStep?: number;
  /**
   * The low-precision float format the weights were stored in (a
   * {@linkcode StoredFloat}): likewise, the rank counts only singular values
   * above that rounding's floor (see `analyzeSpectrum`'s option of that
   * name). Default: none.
   */
  storedDtype?: StoredFloat;
  /** Width in pixels. Default 960. */
  width?: number;
}

/**
 * One row of three panels for a matrix held on the host: the histogram of its
 * values, its eigenvalue spectrum (σ²/N, N the longer side; a histogram, or
 * the ECDF under 100 eigenvalues) with the Marchenko–Pastur law, and its singular values in rank order; with the
 * row's statistics (mean, std, σ₁, stable rank, spikes, power-law α, the
 * spectrum's verdict). No header: the caller titles the row.
 *
 * @param name The row's name (used in the statistics).
 * @param x Values and shape (rank ≥ 2 for the spectrum panels; the last
 * dimension is the columns).
 * @param options `density`, `mp`, `singularValues`, `quantizationStep`,
 * `storedDtype`, `width`.
 * @returns The figure and the row's statistics.
 *
 * @example
 * ```ts
 * import { plotWeightRow } from "./weight_row.ts";
 * import { assertEquals } from "@std/assert";
 *
 * const values = Float32Array.from({ length: 64 * 32 }, (_, i) => Math.sin(i * 7.1));
 * const { figure, stats } = plotWeightRow("w", { values, shape: [64, 32] });
 * assertEquals(stats.shape, [64, 32]);
 * assertEquals(figure.svg.startsWith("<svg"), true);
 * ```
 */
export function plotWeightRow(
  name: string,
  x: HostWeights,
  options: PlotWeightRowOptions = {},
): { figure: Figure; stats: RowStats } {
  checkOptions("plotWeightRow", options, [
    "density",
    "mp",
    "singularValues",
    "quantizationStep",
    "storedDtype",
    "width",
  ]);
  const weights = hostWeights(x, "plotWeightRow");
  const { figure, stats } = rowsFigure(name, "", [{
    name,
    x: weights,
    weights,
    expected: options.density ?? null,
    mp: options.mp,
    singularValues: options.singularValues,
    quantizationStep: options.quantizationStep,
    storedDtype: options.storedDtype,
  }], { width: options.width, header: false });
  return { figure, stats: stats[0] };
}
