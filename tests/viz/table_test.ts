/**
 * `table`: rows of values as an escaped HTML table and aligned text.
 */
import {
  assert,
  assertEquals,
  assertStringIncludes,
  assertThrows,
} from "@std/assert";
import { table } from "../../mod.ts";
import { JUPYTER_DISPLAY } from "../../lib/jupyter.ts";

Deno.test("table: columns are every key in the order first seen; a missing key leaves the cell empty", () => {
  const t = table([{ a: 1, b: "x" }, { c: true, a: 2 }]);
  assertEquals(t.columns.map((c) => c.head), ["a", "b", "c"]);
  assertEquals(t.cells, [["1", "x", ""], ["2", "", "true"]]);
  const picked = table([{ a: 1, b: 2, c: 3 }], { columns: ["c", "a", "z"] });
  assertEquals(picked.cells, [["3", "1", ""]]);
  assertEquals(picked.columns.map((c) => c.head), ["c", "a", "z"]);
  // No rows: the headings given, no body.
  const empty = table([], { columns: ["name"] });
  assertEquals(empty.cells, []);
  assertEquals(String(empty), "name\n----");
});

Deno.test("table: integers exact, other numbers to 4 significant digits, arrays as [a, b], null empty", () => {
  const t = table([{
    n: 123456789,
    x: Math.PI,
    tiny: 2.5e-7,
    big: 1e20,
    nan: NaN,
    shape: [256, 128],
    none: null,
    id: 12n,
    nested: { k: 1 },
  }]);
  assertEquals(t.cells[0], [
    "123456789",
    "3.142",
    "2.500e-7",
    "1.000e+20",
    "NaN",
    "[256, 128]",
    "",
    "12",
    "{ k: 1 }",
  ]);
});

Deno.test("table: numeric columns are right-aligned, others left; nulls do not decide", () => {
  const t = table([
    { name: "w", n: 12, mixed: 1, gap: null },
    { name: "bias", n: 3, mixed: "x", gap: 5 },
  ]);
  assertEquals(t.columns.map((c) => c.align), [
    "left",
    "right",
    "left",
    "right",
  ]);
  assertEquals(
    String(t),
    [
      "name   n  mixed  gap",
      "----  --  -----  ---",
      "w     12  1",
      "bias   3  x        5",
    ].join("\n"),
  );
  assertStringIncludes(t.html, "text-align:right");
});

Deno.test("table: hostile names are escaped in HTML and made visible in text", () => {
  const evil = "<img src=x onerror=alert(1)>\u001b[2J\u202e";
  const t = table([{ [evil]: evil }], { caption: evil });
  assert(!t.html.includes("<img"));
  assertEquals(t.html.split("&lt;img src=x onerror=alert(1)&gt;").length, 4);
  const text = String(t);
  assert(!text.includes("\u001b") && !text.includes("\u202e"));
  assertStringIncludes(text, "<img src=x onerror=alert(1)>?[2J?");
  // console.log (Deno's inspector) prints the same text.
  assertEquals(Deno.inspect(t), text);
  const bundle = t[JUPYTER_DISPLAY]();
  assertEquals(bundle["text/html"], t.html);
  assertEquals(bundle["text/plain"], text);
});

Deno.test("table: bad input names the argument", () => {
  assertThrows(
    () => table("rows" as never),
    TypeError,
    'table: rows must be an array of objects, received "rows"',
  );
  assertThrows(
    () => table([{ a: 1 }, 7 as never]),
    TypeError,
    "table: rows[1] must be an object, received 7",
  );
  assertThrows(
    () => table([[1, 2] as never]),
    TypeError,
    "table: rows[0] must be an object",
  );
  assertThrows(
    () => table([{ a: 1 }], { columns: ["a", 2 as never] }),
    TypeError,
    "table: options.columns must be an array of strings",
  );
  assertThrows(
    () => table([{ a: 1 }], { caption: 3 as never }),
    TypeError,
    "table: options.caption must be a string, received 3",
  );
  assertThrows(
    () => table([{ a: 1 }], { column: ["a"] } as never),
    TypeError,
    'table: each key of options must be one of "columns", "caption", received "column"',
  );
});
