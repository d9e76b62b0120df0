/**
 * Every plot helper displays inside a notebook executed through the real Deno
 * kernel: its cell produces image/svg+xml or text/html output. The helpers
 * that read tensors return Promises; their cells end in `await`, as a
 * notebook's would.
 */
import { assertEquals, assertStringIncludes } from "@std/assert";
import { type Notebook, notebookProblems } from "../../notebooks/run.ts";
import { executeCells, jupyter } from "../_jupyter.ts";

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

/**
 * Runs `cells` as a notebook named `name` in the Deno kernel (ignored where
 * there is no Jupyter); it must have no problems, and passes to `check`.
 */
function kernelTest(
  title: string,
  cells: string[],
  name: string,
  check: (notebook: Notebook) => void = () => {},
): void {
  Deno.test({
    name: title,
    ignore: !jupyter,
    fn: async () => {
      const notebook = await executeCells(cells, import.meta.dirname!, name);
      assertEquals(notebookProblems(notebook), []);
      check(notebook);
    },
  });
}

kernelTest(
  "every plot helper displays rich output in the Deno kernel",
  CELLS,
  "helpers",
);

/** A notebook whose cells train a small net under liveTraining. */
const LIVE_CELLS = [
  `import * as m from "../../../mod.ts";
const net = new m.Sequential([new m.Dense(24, { activation: "tanh" }), new m.Dense(4)], { inputShape: [8] });
const x = m.initializers.randomNormal([64, 8], { stddev: 1, seed: 1 });
const y = m.initializers.randomNormal([64, 4], { stddev: 1, seed: 2 });
const optimizer = m.tf.train.adam(0.01);
const step = () => optimizer.minimize(() => m.tf.losses.meanSquaredError(y, net.call(x)) as m.tf.Scalar, true, net.trainableVariables())!;`,
  // Redrawn at every update, the last step known from \`steps\`.
  `const live = m.liveTraining({ title: "every update", steps: 12, interval: 0 });
for (let i = 0; i < 12; i++) {
  const loss = step();
  await live.update({ step: i, loss, net });
  loss.dispose();
}`,
  // Throttled: only the first update draws, then finish() draws the last.
  `const quiet = m.liveTraining({ title: "throttled", interval: 600000 });
for (let i = 0; i < 10; i++) {
  const loss = step();
  await quiet.update({ step: i, loss: { train: loss, doubled: 2 * (await loss.data())[0] } });
  loss.dispose();
}
await quiet.finish();`,
];

kernelTest(
  "liveTraining in the Deno kernel: exactly one rich output per view, showing the last step",
  LIVE_CELLS,
  "live",
  (notebook) => {
    const expected = [
      ["every update", "step 11 of 12", "Parameters at step 11"],
      ["throttled", "step 9 ·", "doubled"],
    ];
    expected.forEach(([title, step, detail], i) => {
      const outputs = notebook.cells[i + 1].outputs ?? [];
      // Nothing but the one display: no execute_result, no second figure.
      assertEquals(
        outputs.map((o) => o.output_type),
        ["display_data"],
        title,
      );
      // nbformat stores multi-line strings as arrays of lines.
      const data = Object.fromEntries(
        Object.entries(outputs[0].data ?? {}).map(([k, v]) => [
          k,
          Array.isArray(v) ? v.join("") : String(v),
        ]),
      );
      assertEquals(Object.keys(data).sort(), [
        "image/svg+xml",
        "text/html",
        "text/plain",
      ]);
      const text = data["text/plain"];
      assertEquals(text.split("\n")[0], title);
      assertStringIncludes(text, step);
      assertStringIncludes(data["image/svg+xml"], step.replace(" ·", ""));
      assertStringIncludes(text + data["image/svg+xml"], detail);
    });
  },
);
