/**
 * `gramDeviation`: WᵀW for tall, WWᵀ for wide matrices, relative to gain²,
 * and where the worst entry is.
 *
 * @module
 */
import { assertAlmostEquals, assertEquals } from "@std/assert";
import { gramDeviation } from "../../lib/linalg/gram_deviation.ts";

Deno.test("tall compares columns, wide compares rows; the worst entry and its place", () => {
  // Rows of a 2×3 matrix: (1, 0, 0) and (0, 0.5, 0): WWᵀ = diag(1, 0.25).
  const wide = gramDeviation([1, 0, 0, 0, 0.5, 0], 2, 3, 1);
  assertEquals([wide.compared, wide.i, wide.j, wide.max, wide.value], [
    "rows",
    1,
    1,
    0.75,
    0.25,
  ]);
  // Its transpose, 3×2: the same Gram matrix, of the columns.
  const tall = gramDeviation([1, 0, 0, 0.5, 0, 0], 3, 2, 1);
  assertEquals([tall.compared, tall.i, tall.j, tall.max], [
    "columns",
    1,
    1,
    0.75,
  ]);
  // Off the diagonal: columns (1, 1)/√2 and (1, 0).
  const s = Math.SQRT1_2;
  const skew = gramDeviation([s, 1, s, 0], 2, 2, 1);
  assertEquals([skew.i, skew.j], [0, 1]);
  assertAlmostEquals(skew.max, s, 1e-15);
  // A rotation times 3 with gain 3.
  const r = gramDeviation([1.8, -2.4, 2.4, 1.8], 2, 2, 3);
  assertAlmostEquals(r.max, 0, 1e-15);
  assertEquals(gramDeviation([1, NaN, 0, 1], 2, 2, 1).max, NaN);
});
