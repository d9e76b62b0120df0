/**
 * The table renderers of lib/text.ts that every table of the toolkit goes
 * through (`Module.summary()`, `varianceTable`, `table()`, the figures'
 * statistics): section headings, escaping, alignment.
 */
import { assertEquals, assertStringIncludes } from "@std/assert";
import { htmlTable, type TableColumn, textTable } from "../lib/text.ts";
import { AutoNCP, NCP, plotModule, tf } from "../mod.ts";

const COLUMNS: readonly TableColumn[] = [
  { head: "name", align: "left" },
  { head: "n", align: "right" },
];

Deno.test("textTable and htmlTable: a section heading spans the table, escaped, its width not counted", () => {
  const rows = [
    ["w", "12"],
    { section: "Masks <fixed>" },
    ["bias", "3"],
  ];
  assertEquals(
    textTable(COLUMNS, rows),
    "name   n\n----  --\nw     12\nMasks <fixed>\nbias   3",
  );
  const html = htmlTable(COLUMNS, rows);
  assertStringIncludes(
    html,
    '<tr><th colspan="2" style="text-align:left;padding:3px 10px;white-space:nowrap">Masks &lt;fixed&gt;</th></tr>',
  );
  assertEquals(html.match(/<tr>/g)?.length, 4, "a heading row and 3 rows");
});

Deno.test("plotModule of an NCP: its masks under their own heading in the table", async () => {
  const before = tf.memory().numTensors;
  const ncp = new NCP(new AutoNCP(8, 2, { seed: 3 }));
  const x = tf.ones([1, 3, 4]);
  ncp.call(x).dispose();
  x.dispose();
  const fig = await plotModule(ncp);
  const html = fig.html;
  const heading = html.indexOf(
    '<th colspan="10" style="text-align:left;padding:3px 10px;white-space:nowrap">Masks (not trainable: fixed wiring, not learned)</th>',
  );
  const firstMask = html.indexOf(">_inputMask</td>");
  assertEquals(
    heading > 0 && firstMask > heading,
    true,
    "heading before the masks",
  );
  ncp.dispose();
  assertEquals(tf.memory().numTensors, before);
});
