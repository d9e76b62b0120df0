import { assert, assertStringIncludes } from "@std/assert";
import * as Plot from "@observablehq/plot";
import { createDocument } from "../../viz/dom.ts";

Deno.test("Plot renders an SVG with axes into the server-side document", () => {
  const data = Array.from(
    { length: 50 },
    (_, i) => ({ x: i, y: Math.sin(i / 5) }),
  );
  const svg = Plot.plot({
    // deno-lint-ignore no-explicit-any
    document: createDocument() as any,
    marks: [Plot.line(data, { x: "x", y: "y" }), Plot.ruleY([0])],
  });
  const html = svg.outerHTML;
  assert(html.startsWith("<svg"), html.slice(0, 80));
  assertStringIncludes(html, "<path");
  assertStringIncludes(html, 'aria-label="y-axis tick label"');
});
