/**
 * Jupyter for the tests that execute notebooks through the real Deno kernel:
 * found once, or the tests are ignored with the line to install it (a
 * failure instead with REQUIRE_JUPYTER=1, as CI sets); and notebooks built
 * from cells.
 *
 * @module
 */
import { join } from "node:path";
import {
  executeNotebook,
  findJupyter,
  type Jupyter,
  type Notebook,
  RICH_TAG,
} from "../notebooks/run.ts";

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

/**
 * Executes `cells` (the first a setup cell, the others tagged `rich-output`)
 * as a notebook in a temporary folder under `dir` (so that the cells'
 * relative imports resolve from there), through the real kernel, and returns
 * the executed notebook. The folder is removed afterwards.
 */
export async function executeCells(
  cells: string[],
  dir: string,
  name: string,
): Promise<Notebook> {
  const tmp = await Deno.makeTempDir({ dir, prefix: "_kernel_" });
  try {
    const nb = notebook(
      cells.map((source, i) => ({
        ...codeCell(source, [], i === 0 ? [] : [RICH_TAG]),
        id: `${name}${i}`,
      })),
    );
    const path = join(tmp, `${name}.ipynb`);
    await Deno.writeTextFile(path, JSON.stringify(nb));
    const { notebook: executed } = await executeNotebook(jupyter!, path, {
      outDir: join(tmp, "out"),
    });
    return executed;
  } finally {
    await Deno.remove(tmp, { recursive: true });
  }
}
