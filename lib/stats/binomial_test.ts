/**
 * The exact binomial test: is a count of successes consistent with a
 * probability?
 *
 * @module
 */
import { betaRegularized } from "./_beta.ts";
import { checkCount, checkInteger, checkProbability } from "../validate.ts";

/**
 * The two-sided p-value of `k` successes in `n` independent trials of
 * probability `p`: twice the smaller tail, P(X ≤ k) or P(X ≥ k), capped at 1
 * (the "doubling" rule). The tails are incomplete beta functions,
 * P(X ≥ k) = I_p(k, n − k + 1) and P(X ≤ k) = I_{1−p}(n − k, k + 1), so
 * this is exact up to rounding (relative error about 1e-13) for any n.
 * With p = 0 or 1 a count other than 0 or n has p-value 0.
 *
 * @param k Successes, an integer in [0, n].
 * @param n Trials, a non-negative integer.
 * @param p The probability of a success, in [0, 1].
 * @returns The p-value, in [0, 1].
 * @throws {RangeError} For a bad k, n or p.
 *
 * @example
 * ```ts
 * import { binomialTest } from "./binomial_test.ts";
 * import { assertAlmostEquals } from "@std/assert";
 *
 * // 9 heads in 10 fair tosses: 2·(10 + 1)/1024.
 * assertAlmostEquals(binomialTest(9, 10, 0.5), 22 / 1024, 1e-12);
 * ```
 */
export function binomialTest(k: number, n: number, p: number): number {
  checkCount("binomialTest", "n", n);
  checkInteger("binomialTest", "k", k, 0, n);
  checkProbability("binomialTest", "p", p);
  if (p === 0) return k === 0 ? 1 : 0;
  if (p === 1) return k === n ? 1 : 0;
  const upper = k === 0 ? 1 : betaRegularized(k, n - k + 1, p);
  const lower = k === n ? 1 : betaRegularized(n - k, k + 1, 1 - p);
  return Math.min(1, 2 * Math.min(upper, lower));
}
