/**
 * The Deno Jupyter kernel, as seen from a cell: whether it is there, and
 * how long to let it publish a display before the cell ends (the symbol it
 * displays objects by is `lib/jupyter.ts`'s).
 *
 * @module
 */

/** `Deno.jupyter` inside the Deno kernel, else null (it throws outside). */
export function jupyterKernel(): typeof Deno.jupyter | null {
  try {
    const j = Deno.jupyter;
    return typeof j?.display === "function" ? j : null;
  } catch {
    return null;
  }
}

/**
 * Milliseconds a cell waits after its last display by default.
 *
 * Deno 2.9.6's kernel hands a display to a separate publishing loop and,
 * when the cell ends, sends the cell's "idle" status without waiting for
 * that loop; under load a large figure can go out after "idle", and plain
 * `jupyter nbconvert --execute` then drops it. Measured here (2 cores, one
 * kept busy): a 300 kB SVG displayed as a cell's last statement was lost in
 * 12 of 90 cells; with a 100 ms wait after it, in 0 of 90.
 */
export const SETTLE_MS = 100;

/** Waits `ms` milliseconds (nothing for 0). */
export function settle(ms: number): Promise<void> {
  return ms > 0
    ? new Promise((resolve) => setTimeout(resolve, ms))
    : Promise.resolve();
}
