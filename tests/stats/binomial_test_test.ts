/**
 * The exact two-sided binomial test against direct sums of the binomial
 * probabilities.
 *
 * @module
 */
import { assertAlmostEquals, assertEquals, assertThrows } from "@std/assert";
import { binomialTest } from "../../lib/stats/binomial_test.ts";

/** P(X = k) for X ~ Binomial(n, p), by the recurrence. */
function pmf(n: number, p: number): number[] {
  const out = [(1 - p) ** n];
  for (let k = 1; k <= n; k++) {
    out.push((out[k - 1] * (n - k + 1) * p) / (k * (1 - p)));
  }
  return out;
}

Deno.test("twice the smaller tail, against direct sums", () => {
  for (
    const [n, p] of [[10, 0.5], [30, 0.2], [50, 0.9], [200, 0.37]] as const
  ) {
    const f = pmf(n, p);
    for (let k = 0; k <= n; k += Math.max(1, Math.floor(n / 15))) {
      const lower = f.slice(0, k + 1).reduce((a, b) => a + b, 0);
      const upper = f.slice(k).reduce((a, b) => a + b, 0);
      const expected = Math.min(1, 2 * Math.min(lower, upper));
      const got = binomialTest(k, n, p);
      assertAlmostEquals(
        got,
        expected,
        1e-12 + 1e-10 * expected,
        `k = ${k}, n = ${n}, p = ${p}`,
      );
    }
  }
});

Deno.test("large n: a 4σ excess is about 6e-5, two-sided", () => {
  const n = 65536;
  const k = n / 2 + 4 * Math.sqrt(n / 4);
  const p = binomialTest(k, n, 0.5);
  // 2·P(Z ≥ 4 − continuity) ≈ 6.3e-5.
  assertEquals(p > 5e-5 && p < 8e-5, true, `${p}`);
});

Deno.test("p = 0 and p = 1, and bad arguments", () => {
  assertEquals(binomialTest(0, 10, 0), 1);
  assertEquals(binomialTest(1, 10, 0), 0);
  assertEquals(binomialTest(10, 10, 1), 1);
  assertEquals(binomialTest(9, 10, 1), 0);
  assertEquals(binomialTest(0, 0, 0.5), 1);
  assertThrows(
    () => binomialTest(11, 10, 0.5),
    RangeError,
    "binomialTest: k must be an integer in [0, 10], received 11",
  );
  assertThrows(
    () => binomialTest(1, -1, 0.5),
    RangeError,
    "binomialTest: n must be a non-negative integer, received -1",
  );
  assertThrows(
    () => binomialTest(1, 10, 1.5),
    RangeError,
    "binomialTest: p must be a number in [0, 1], received 1.5",
  );
});
