/**
 * Every plot helper displays inside a notebook executed through the real Deno
 * kernel: its cell produces image/svg+xml or text/html output. The helpers
 * that read tensors return Promises; their cells end in `await`, as a
 * notebook's would.
 */
import { assertEquals } from "@std/assert";
import { join } from "node:path";
import {
  executeNotebook,
  notebookProblems,
  RICH_TAG,
} from "../../notebooks/run.ts";
import { codeCell, jupyter, notebook as notebookOf } from "../_jupyter.ts";

const CELLS = [
  'import * as m from "../../../mod.ts";\nconst w = new m.Parameter(m.initializers.heNormal([64, 32], { seed: 1 }));',
  "await m.plotHistogram(w);",
  "await m.plotSpectrum(w);",
  "const net = new m.Sequential([new m.Dense(8), new m.Dense(2)]);\nnet.call(m.tf.ones([1, 4])).dispose();\nawait m.plotModule(net);",
  'await m.compareInitializers(["glorot_normal", "orthogonal"], [32, 16]);',
  "m.plotWiring(new m.AutoNCP(10, 2, { seed: 0 }));",
  "m.plotTraining([await m.snapshotWeights(net, 0), await m.snapshotWeights(net, 1)]);",
  "m.plotFigure({ marks: [m.Plot.lineY([1, 2, 3])] }, { title: 'line' });",
  "net.summary();",
];

Deno.test({
  name: "every plot helper displays rich output in the Deno kernel",
  ignore: !jupyter,
  fn: async () => {
    const dir = await Deno.makeTempDir({
      dir: import.meta.dirname,
      prefix: "_kernel_",
    });
    try {
      const nb = notebookOf(
        CELLS.map((source, i) => ({
          ...codeCell(source, [], i === 0 ? [] : [RICH_TAG]),
          id: `c${i}`,
        })),
      );
      const path = join(dir, "helpers.ipynb");
      await Deno.writeTextFile(path, JSON.stringify(nb));
      const { notebook } = await executeNotebook(jupyter!, path, {
        outDir: join(dir, "out"),
      });
      assertEquals(notebookProblems(notebook), []);
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});
