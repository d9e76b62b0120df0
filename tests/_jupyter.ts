/**
 * Jupyter for the tests that execute notebooks through the real Deno kernel:
 * found once, or the tests are ignored with the line to install it (a
 * failure instead with REQUIRE_JUPYTER=1, as CI sets); and notebooks built
 * from cells.
 *
 * @module
 */
import { findJupyter, type Jupyter, type Notebook } from "../notebooks/run.ts";

const found = await findJupyter();

/** Jupyter with the Deno kernel, or `null` where it is missing (tests that need it are ignored). */
export const jupyter: Jupyter | null = "why" in found ? null : found;

if (jupyter === null) {
  const message = `notebook tests: ${(found as { why: string }).why}`;
  if (Deno.env.get("REQUIRE_JUPYTER") === "1") {
    throw new Error(`${message} (REQUIRE_JUPYTER=1)`);
  }
  console.warn(`${message}. The tests that execute notebooks are ignored.`);
}

/** A code cell with `outputs` (empty for a cell to execute) and tags. */
export function codeCell(
  source: string,
  outputs: unknown[] = [],
  tags: string[] = [],
): Record<string, unknown> {
  return {
    cell_type: "code",
    source,
    metadata: tags.length ? { tags } : {},
    outputs,
    execution_count: null,
  };
}

/** A Deno-kernel notebook of `cells`. */
export function notebook(cells: unknown[]): Notebook {
  return {
    cells,
    metadata: {
      kernelspec: {
        name: "deno",
        display_name: "Deno",
        language: "typescript",
      },
    },
    nbformat: 4,
    nbformat_minor: 5,
  } as Notebook;
}
