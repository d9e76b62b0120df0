/**
 * The server-side document that Observable Plot renders into, so plots can
 * be made without a browser (in `deno test`, in the Deno Jupyter kernel, in
 * the report CLI).
 *
 * @module
 */
import { parseHTML } from "linkedom";

/**
 * A fresh linkedom document for Plot's `document` option.
 *
 * @returns An empty HTML document.
 *
 * @example
 * ```ts
 * import * as Plot from "@observablehq/plot";
 * import { createDocument } from "./dom.ts";
 * import { assert } from "@std/assert";
 *
 * // deno-lint-ignore no-explicit-any
 * const document = createDocument() as any;
 * const svg = Plot.dot([[1, 2], [3, 4]]).plot({ document });
 * assert(svg.outerHTML.startsWith("<svg"));
 * ```
 */
export function createDocument(): ServerDocument {
  const window = parseHTML(
    "<!DOCTYPE html><html><head></head><body></body></html>",
  ) as unknown as { document: ServerDocument };
  return window.document;
}

/**
 * The parts of a DOM document that the toolkit touches. Deno has no DOM types
 * of its own and linkedom's are loose, so this names what is used.
 */
export interface ServerDocument {
  /** The `<body>` element. */
  readonly body: unknown;
  /** Creates an HTML element. */
  createElement(tagName: string): unknown;
  /** Creates an element in a namespace (SVG). */
  createElementNS(namespace: string, qualifiedName: string): unknown;
}
