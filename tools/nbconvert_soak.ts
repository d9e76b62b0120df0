/**
 * Runs notebooks again and again under plain `jupyter nbconvert --to notebook
 * --execute`, with another core kept busy, and counts the outputs each run
 * lost.
 *
 * Why: the Deno kernel sometimes publishes a cell's last-expression result
 * after the cell's "idle" status when the machine is loaded, and plain
 * nbconvert then drops it. Our notebooks show every output with an awaited
 * `Deno.jupyter.display` (or a stream), which the kernel sends before "idle".
 * This measures that it holds.
 *
 *     deno run -A tools/nbconvert_soak.ts [--runs 10] [--no-busy] [name.ipynb ...]
 *
 * For each notebook and cell, the most outputs any run produced is taken as
 * what the cell shows; a run that produced fewer lost some. Prints one line
 * per notebook and exits 1 if any run lost an output or had a problem
 * (`notebookProblems`: an error, a rich-output cell without SVG or HTML).
 *
 * @module
 */
import { basename, join } from "node:path";
import { parseArgs } from "node:util";
import {
  executeNotebook,
  findJupyter,
  listNotebooks,
  notebookProblems,
  NOTEBOOKS_DIR,
} from "../notebooks/run.ts";

const { values, positionals } = parseArgs({
  args: Deno.args,
  options: {
    runs: { type: "string", default: "10" },
    "no-busy": { type: "boolean", default: false },
  },
  allowPositionals: true,
});
const runs = Number(values.runs);
if (!Number.isInteger(runs) || runs < 1) {
  console.error(`soak: --runs must be an integer ≥ 1, received ${values.runs}`);
  Deno.exit(2);
}
const jupyter = await findJupyter();
if ("why" in jupyter) {
  console.error(`soak: ${jupyter.why}`);
  Deno.exit(2);
}
const paths = positionals.length
  ? positionals.map((p) => join(NOTEBOOKS_DIR, basename(p)))
  : await listNotebooks();

// A busy loop on another core, as the "other core busy".
const busy = values["no-busy"] ? null : new Deno.Command(Deno.execPath(), {
  args: ["eval", "for (;;) {}"],
  stdout: "null",
  stderr: "null",
}).spawn();

interface Tally {
  /** Per run, per cell: the number of outputs. */
  counts: number[][];
  /** Per run: the number of problems notebookProblems found. */
  problems: string[][];
  /** Per run: the number of execute_result outputs (those that can race). */
  results: number[];
  seconds: number[];
}
const tallies = new Map<string, Tally>(
  paths.map((p) => [basename(p), {
    counts: [],
    problems: [],
    results: [],
    seconds: [],
  }]),
);
const outDir = await Deno.makeTempDir({ prefix: "ember_soak_" });
try {
  for (let run = 0; run < runs; run++) {
    for (const path of paths) {
      const tally = tallies.get(basename(path))!;
      const started = performance.now();
      try {
        const { notebook } = await executeNotebook(jupyter, path, {
          outDir,
          plain: true,
          cellTimeout: 600,
        });
        const code = notebook.cells.filter((c) => c.cell_type === "code");
        tally.counts.push(notebook.cells.map((c) => (c.outputs ?? []).length));
        tally.problems.push(notebookProblems(notebook));
        tally.results.push(
          code.flatMap((c) => c.outputs ?? []).filter((o) =>
            o.output_type === "execute_result"
          ).length,
        );
      } catch (error) {
        tally.counts.push([]);
        tally.problems.push([(error as Error).message.split("\n")[0]]);
        tally.results.push(0);
      }
      tally.seconds.push((performance.now() - started) / 1000);
      console.error(
        `run ${run + 1}/${runs} ${basename(path)} ` +
          `${tally.seconds.at(-1)!.toFixed(1)} s`,
      );
    }
  }
} finally {
  busy?.kill();
  await busy?.status;
  await Deno.remove(outDir, { recursive: true });
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2
    ? s[s.length >> 1]
    : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
let bad = 0;
console.log(
  `plain nbconvert, ${runs} runs each, ${
    busy ? "one core busy" : "idle machine"
  }`,
);
console.log(
  "notebook | outputs | runs that lost any | lost (cell: runs) | problems | execute_result | median s",
);
for (const [name, t] of tallies) {
  const cells = Math.max(0, ...t.counts.map((c) => c.length));
  const most = Array.from(
    { length: cells },
    (_, i) => Math.max(0, ...t.counts.map((c) => c[i] ?? 0)),
  );
  const lost = new Map<number, number>();
  let lossyRuns = 0;
  for (const c of t.counts) {
    let any = false;
    most.forEach((m, i) => {
      if ((c[i] ?? 0) < m) {
        lost.set(i, (lost.get(i) ?? 0) + 1);
        any = true;
      }
    });
    if (any) lossyRuns++;
  }
  const problems = t.problems.filter((p) => p.length).length;
  if (lossyRuns || problems) bad++;
  console.log(
    [
      name,
      most.reduce((a, b) => a + b, 0),
      lossyRuns,
      [...lost].map(([i, n]) => `${i}: ${n}`).join(", ") || "-",
      problems ? `${problems} (${t.problems.flat()[0]})` : 0,
      Math.max(0, ...t.results),
      median(t.seconds).toFixed(1),
    ].join(" | "),
  );
}
Deno.exit(bad ? 1 : 0);
