/**
 * `display`: awaits a Promise, shows the value through Deno.jupyter.display
 * inside the kernel (a display_data output, never an execute_result), and
 * prints its text form outside.
 */
import { assertEquals, assertRejects, assertStringIncludes } from "@std/assert";
import { display, initializers, plotHistogram, tf } from "../../mod.ts";

import { executeCells, jupyter } from "../_jupyter.ts";
import { logged } from "../_scoped.ts";

/** Everything console.log printed while `fn` ran, argument by argument. */
async function printed(fn: () => Promise<void>): Promise<unknown[]> {
  return (await logged(fn)).flat();
}

Deno.test("display outside the kernel prints a figure's text form, and any value", async () => {
  const before = tf.memory().numTensors;
  const w = initializers.glorotUniform([32, 16], { seed: 2 });
  const figure = await plotHistogram(w, { title: "w" });
  const lines = await printed(async () => {
    await display(plotHistogram(w, { title: "w" })); // a Promise, awaited
    await display(42);
    await display({ a: [1, 2] });
  });
  assertEquals(lines, [figure.text, 42, { a: [1, 2] }]);
  assertStringIncludes(figure.text, "w");
  w.dispose();
  assertEquals(tf.memory().numTensors, before);
});

Deno.test("display checks its options", async () => {
  await assertRejects(
    () => display(1, { settle: -1 }),
    RangeError,
    "display: options.settle must be a finite number >= 0, received -1",
  );
  await assertRejects(
    () => display(1, { settle: "5" as never }),
    TypeError,
    "options.settle",
  );
  await assertRejects(
    () => display(1, { wait: 5 } as never),
    TypeError,
    "wait",
  );
  // 0 is a value: no wait, nothing else changes.
  const lines = await printed(() => display("x", { settle: 0 }));
  assertEquals(lines, ["x"]);
});

Deno.test({
  name: "display in the Deno kernel: one display_data output per call",
  ignore: !jupyter,
  fn: async () => {
    const notebook = await executeCells(
      [
        'import * as m from "../../../mod.ts";\nconst w = m.initializers.heNormal([64, 32], { seed: 1 });',
        "await m.display(m.plotHistogram(w));",
        'await m.display(m.varianceTable(["glorot_normal"], [20, 10]));',
        'await m.display(m.table([{ name: "<b>x</b>", n: 3 }]));',
        "await m.display(m.tf.tidy(() => w.mean()).data().then((v) => `mean ${v[0].toFixed(3)}`), { settle: 0 });",
      ],
      import.meta.dirname!,
      "display",
    );
    const kinds = notebook.cells.slice(1).map((c) =>
      (c.outputs ?? []).map((o) =>
        `${o.output_type}:${Object.keys(o.data ?? {}).sort().join(",")}`
      )
    );
    assertEquals(kinds, [
      ["display_data:image/svg+xml,text/html,text/plain"],
      ["display_data:text/html,text/plain"],
      ["display_data:text/html,text/plain"],
      ["display_data:text/plain"],
    ]);
    // A table's names arrive escaped.
    const html = String(notebook.cells[3].outputs![0].data!["text/html"]);
    assertStringIncludes(html, "&lt;b&gt;x&lt;/b&gt;");
    assertEquals(html.includes("<b>"), false);
  },
});
