/**
 * `display`: show a figure, table or value from a notebook cell, in a way
 * that survives plain `jupyter nbconvert --execute`.
 *
 * @module
 */
import { checkNonNegative, checkOptions } from "../lib/validate.ts";
import { JUPYTER_DISPLAY } from "../lib/jupyter.ts";
import { jupyterKernel, settle, SETTLE_MS } from "./_kernel.ts";

/** Options for {@linkcode display}. */
export interface DisplayOptions {
  /**
   * Milliseconds to wait after displaying, inside the Jupyter kernel, so
   * that the kernel publishes the output before the cell ends. Default 100;
   * 0 does not wait.
   */
  settle?: number;
}

/**
 * Shows a value in the notebook: a figure (`plotSpectrum`, `plotModule`, …),
 * a table (`varianceTable`, `summary`), an HTML or SVG value, or any value
 * (as Deno's inspector prints it). A Promise is awaited first, so
 * `await display(plotSpectrum(w))` needs no second `await`.
 *
 * Inside the Deno Jupyter kernel it calls `Deno.jupyter.display` and then
 * waits `settle` milliseconds. Why wait: Deno 2.9.6's kernel publishes a
 * display from a separate loop and may report the cell done before that
 * loop has sent it; under load plain `jupyter nbconvert --execute` then
 * drops the output. Showing the value as the cell's last expression is
 * worse (its result takes the same late path). Measured on 2 cores with one
 * kept busy: a large SVG displayed at the end of a cell was lost in 12 of 90
 * cells without the wait and in 0 of 90 with 100 ms (bench/RESULTS.md).
 *
 * Outside the kernel (`deno run`, `deno test`) it prints the value's
 * `text/plain` form, or the value itself, with `console.log`.
 *
 * @example Display a figure
 * ```ts
 * import { display, initializers, plotHistogram } from "../mod.ts";
 *
 * const w = initializers.glorotUniform([64, 32], { seed: 1 });
 * await display(plotHistogram(w, { title: "glorot_uniform [64, 32]" }));
 * w.dispose();
 * ```
 *
 * @param value What to show, or a Promise of it.
 * @param options `settle`: milliseconds to wait after displaying (default 100).
 * @throws {TypeError} When `options` is not an object or `settle` not a number.
 * @throws {RangeError} When `settle` is negative or not finite.
 */
export async function display(
  value: unknown,
  options: DisplayOptions = {},
): Promise<void> {
  const o = checkOptions("display", options, ["settle"]);
  const wait = o.settle === undefined
    ? SETTLE_MS
    : checkNonNegative("display", "options.settle", o.settle);
  const shown = await value;
  const kernel = jupyterKernel();
  if (kernel) {
    await kernel.display(shown);
    await settle(wait);
    return;
  }
  const bundle = shown !== null && typeof shown === "object" &&
      typeof (shown as Record<symbol, unknown>)[JUPYTER_DISPLAY] ===
        "function"
    ? (shown as { [JUPYTER_DISPLAY](): Record<string, unknown> })
      [JUPYTER_DISPLAY]()
    : null;
  const text = bundle?.["text/plain"];
  console.log(typeof text === "string" ? text : shown);
}
