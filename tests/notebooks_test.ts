/**
 * Runs every notebook under notebooks/ through the real Deno Jupyter kernel.
 *
 * Where Jupyter or the Deno kernel is missing the test is ignored with a
 * message saying how to install them; with REQUIRE_JUPYTER=1 it fails instead.
 */
import { assert, assertEquals, assertStringIncludes } from "@std/assert";
import { basename, join } from "node:path";
import {
  checkNotebookSources,
  executeNotebook,
  listNotebooks,
  type Notebook,
  notebookProblems,
  RICH_TAG,
} from "../notebooks/run.ts";
import { codeCell, jupyter, notebook } from "./_jupyter.ts";

Deno.test("notebookProblems catches a forgotten await (Promise { <pending> })", () => {
  const nb = notebook([
    codeCell("plotSpectrum(w)", [{
      output_type: "execute_result",
      data: { "text/plain": "\x1b[36mPromise\x1b[39m { <pending> }" },
    }]),
    codeCell("await plotSpectrum(w)", [{
      output_type: "display_data",
      data: { "image/svg+xml": "<svg/>", "text/plain": "Figure" },
    }]),
    codeCell("console.log(p)", [{
      output_type: "stream",
      name: "stdout",
      text: ["Promise { <pending> }\n"],
    }]),
  ]);
  const problems = notebookProblems(nb);
  assertEquals(problems.length, 2, problems.join("\n"));
  assertStringIncludes(problems[0], "cell 0 (plotSpectrum(w))");
  assertStringIncludes(problems[0], "was not awaited");
  assertStringIncludes(problems[1], "cell 2");
});

Deno.test("notebookProblems reports errors and missing rich output", () => {
  const nb = notebook([
    codeCell("ok()", [{ output_type: "stream", name: "stdout", text: "fine" }]),
    codeCell("boom()", [{
      output_type: "error",
      ename: "TypeError",
      evalue: "\x1b[31mbad\x1b[0m",
    }]),
    codeCell("plot()", [{
      output_type: "execute_result",
      data: { "text/plain": "x" },
    }], [RICH_TAG]),
    codeCell("svg()", [{
      output_type: "display_data",
      data: { "image/svg+xml": "<svg/>" },
    }], [RICH_TAG]),
    codeCell("html()", [{
      output_type: "execute_result",
      data: { "text/html": "<b>" },
    }], [RICH_TAG]),
  ]);
  const problems = notebookProblems(nb);
  assertEquals(problems.length, 2, problems.join("\n"));
  assertStringIncludes(problems[0], "cell 1 (boom())");
  assertStringIncludes(problems[0], "TypeError: bad");
  assertStringIncludes(problems[1], "cell 2 (plot())");
  assertStringIncludes(problems[1], RICH_TAG);
});

Deno.test("no notebook reads tensors synchronously or prints them", async () => {
  // dataSync and arraySync block (and fail on WebGPU); print writes to the
  // kernel's stdout instead of a rich output. Notebooks read with
  // `await t.data()` and display figures and tables.
  const banned = /\b(dataSync|arraySync)\s*\(|\.print\s*\(/;
  for (const path of await listNotebooks()) {
    const nb: Notebook = JSON.parse(await Deno.readTextFile(path));
    for (const [i, cell] of nb.cells.entries()) {
      if (cell.cell_type !== "code") continue;
      const source = Array.isArray(cell.source)
        ? cell.source.join("")
        : String(cell.source);
      const hit = source.match(banned);
      assertEquals(hit?.[0] ?? null, null, `${basename(path)} cell ${i}`);
    }
  }
});

Deno.test("every notebook's code parses and type-checks", async () => {
  // The kernel runs a cell that does not parse without any error output.
  assertEquals(await checkNotebookSources(await listNotebooks()), "");
  // And the check does catch one.
  const dir = await Deno.makeTempDir({ prefix: "ember_nb_" });
  try {
    const path = join(dir, "broken.ipynb");
    await Deno.writeTextFile(
      path,
      JSON.stringify(notebook([codeCell("const b = ;", [])])),
    );
    assertStringIncludes(
      await checkNotebookSources([path]),
      "broken.ts",
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("committed notebooks keep their outputs cleared", async () => {
  for (const path of await listNotebooks()) {
    const nb: Notebook = JSON.parse(await Deno.readTextFile(path));
    for (const [i, cell] of nb.cells.entries()) {
      if (cell.cell_type !== "code") continue;
      assertEquals(
        cell.outputs ?? [],
        [],
        `${basename(path)} cell ${i} has outputs`,
      );
      assertEquals(
        cell.execution_count ?? null,
        null,
        `${basename(path)} cell ${i} has an execution count`,
      );
    }
    assertEquals(
      (nb.metadata.kernelspec as { name: string }).name,
      "deno",
      basename(path),
    );
  }
});

Deno.test({
  name:
    "the runner catches a failing cell and a silent plot cell in the real kernel",
  ignore: !jupyter,
  fn: async () => {
    const dir = await Deno.makeTempDir({ prefix: "ember_nb_" });
    try {
      const path = join(dir, "broken.ipynb");
      const cells = [
        codeCell("const x = 1 + 1;\nx", []),
        codeCell('throw new RangeError("deliberate");', []),
        codeCell('console.log("no picture here");', [], [RICH_TAG]),
        codeCell("Deno.jupyter.html`<b>bold</b>`", [], [RICH_TAG]),
      ];
      await Deno.writeTextFile(path, JSON.stringify(notebook(cells)));
      const { notebook: executed } = await executeNotebook(jupyter!, path, {
        outDir: join(dir, "out"),
      });
      const problems = notebookProblems(executed);
      assertEquals(problems.length, 2, problems.join("\n"));
      assertStringIncludes(problems[0], "RangeError: deliberate");
      assertStringIncludes(problems[1], "cell 2");
      const first = executed.cells[0].outputs ?? [];
      assert(
        JSON.stringify(first).includes("2"),
        "the first cell's value was not shown",
      );
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});

/** What a notebook's outputs must say: the numbers its prose explains. */
const EXPECTED_OUTPUT: Record<string, string[]> = {
  // The rank-3 teacher leaves exactly three spikes in the first kernel.
  "03_spectra.ipynb": ["3 spikes", "random-like, no spikes"],
  // The mask leaves the effective kernel the rank of its receiving neurons.
  "05_ncp_wiring.ipynb": ["rank 13 of 32 (1 zero row, 19 zero columns)"],
};

/** The text of every output of a notebook (plain-text data and streams). */
function outputText(cells: { outputs?: unknown[] }[]): string {
  const parts: string[] = [];
  for (const cell of cells) {
    for (const out of (cell.outputs ?? []) as Record<string, unknown>[]) {
      const data = out.data as Record<string, unknown> | undefined;
      for (const t of [data?.["text/plain"], out.text]) {
        if (t !== undefined) {
          parts.push(Array.isArray(t) ? t.join("") : String(t));
        }
      }
    }
  }
  return parts.join("\n");
}

for (const path of await listNotebooks()) {
  Deno.test({
    name: `notebook ${basename(path)} runs clean through the Deno kernel`,
    ignore: !jupyter,
    fn: async () => {
      const outDir = await Deno.makeTempDir({ prefix: "ember_nb_" });
      try {
        const { notebook: executed } = await executeNotebook(jupyter!, path, {
          outDir,
        });
        const problems = notebookProblems(executed);
        assertEquals(
          problems,
          [],
          `${basename(path)}:\n${problems.join("\n")}`,
        );
        const tagged = executed.cells.filter((c) =>
          c.metadata.tags?.includes(RICH_TAG)
        );
        assert(
          tagged.length > 0,
          `${basename(path)} declares no ${RICH_TAG} cell`,
        );
        // A last expression's value (execute_result) can be published after
        // the cell's idle status under load, and plain nbconvert then loses
        // it; displays sent with an awaited Deno.jupyter.display cannot be.
        const racy = executed.cells.flatMap((cell, i) =>
          (cell.outputs ?? []).some((o) => o.output_type === "execute_result")
            ? [i]
            : []
        );
        assertEquals(
          racy,
          [],
          `${basename(path)}: cells shown as their last expression's value, ` +
            "which plain nbconvert can lose; use await Deno.jupyter.display(…)",
        );
        const text = outputText(executed.cells);
        for (const expected of EXPECTED_OUTPUT[basename(path)] ?? []) {
          assertStringIncludes(text, expected, basename(path));
        }
      } finally {
        await Deno.remove(outDir, { recursive: true });
      }
    },
  });
}
