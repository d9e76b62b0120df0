/**
 * The symbol the Deno Jupyter kernel looks for: an object with a
 * `[Symbol.for("Jupyter.display")]()` method is displayed as the MIME bundle
 * that method returns. Internal (not exported from `mod.ts`), shared by the
 * tables of lib/ and the figures of viz/.
 *
 * @module
 */

/** `Symbol.for("Jupyter.display")`, typed so classes can declare the method. */
export const JUPYTER_DISPLAY: unique symbol = Symbol.for(
  "Jupyter.display",
) as never;
