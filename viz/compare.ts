/**
 * `compareInitializers`: small multiples of initializers on one shape.
 *
 * @module
 */
import type { Figure } from "./figure.ts";
import { readItems, rowsFigure } from "./_rows.ts";
import {
  type InitializerConfig,
  initializerFor,
} from "../lib/initializers/registry.ts";
import { checkOptions, checkShape, typeError } from "../lib/validate.ts";
import { tf } from "../lib/tf.ts";

/** Options for {@linkcode compareInitializers}. */
export interface CompareOptions {
  /** Seed for every draw. Default 0. */
  seed?: number;
  /** Width in pixels. Default 960. */
  width?: number;
  /** Histogram bins. Default 40. */
  bins?: number;
  /** Title. */
  title?: string;
}

/**
 * The teaching plot: each initializer drawn on the same shape, one row each:
 * the histogram with its exact density, the ESD with the Marchenko–Pastur
 * law for the shape, and the singular values.
 *
 * @param names Initializer names or configs (as `getInitializer` takes).
 * @param shape A shape of rank ≥ 2.
 * @param options `seed` (0), `width`, `bins`, `title`.
 * @returns A Figure.
 *
 * @example
 * ```ts
 * import { compareInitializers } from "../mod.ts";
 * import { assert } from "@std/assert";
 *
 * const fig = await compareInitializers(["glorot_uniform", "he_normal", "orthogonal"], [128, 64]);
 * assert(fig.text.includes("he_normal"));
 * ```
 */
export async function compareInitializers(
  names: readonly (string | InitializerConfig)[],
  shape: readonly number[],
  options: CompareOptions = {},
): Promise<Figure> {
  const fn = "compareInitializers";
  checkOptions(fn, options, ["seed", "width", "bins", "title"]);
  if (!Array.isArray(names) || names.length === 0) {
    throw typeError(
      fn,
      "names",
      "a non-empty array of initializer names or configs",
      names,
    );
  }
  const dims = checkShape(fn, shape);
  const inits = names.map((n, i) => initializerFor(n, fn, `names[${i}]`));
  const tensors: tf.Tensor[] = [];
  try {
    for (const init of inits) {
      tensors.push(init(dims, { seed: options.seed ?? 0 }));
    }
    const items = await readItems(
      tensors.map((t, i) => ({
        name: typeof names[i] === "string"
          ? names[i] as string
          : JSON.stringify(names[i]),
        x: t,
      })),
      "compareInitializers",
    );
    return rowsFigure(
      options.title ?? `Initializers on [${dims.join(", ")}]`,
      `every row drawn with seed ${
        options.seed ?? 0
      }, on shared axes per column · histogram with exact density | ESD with Marchenko–Pastur | singular values`,
      items,
      {
        width: options.width,
        bins: options.bins,
        share: true,
        fn: "compareInitializers",
      },
    ).figure;
  } finally {
    tf.dispose(tensors);
  }
}
