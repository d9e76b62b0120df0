/**
 * The Kolmogorov–Smirnov test: the exact distribution against published
 * values, Stephens' asymptotic formula against the exact one, the statistic
 * with ties, far-tail p-values, and uniform p-values under the null.
 *
 * @module
 */
import {
  assert,
  assertAlmostEquals,
  assertEquals,
  assertLess,
  assertThrows,
} from "@std/assert";
import {
  kolmogorovPValue,
  ksStatistic,
  ksTest,
} from "../../lib/stats/kolmogorov_smirnov.ts";
import { kolmogorovCdfExact } from "../../lib/stats/_kolmogorov_exact.ts";
import { uniform } from "../../lib/random/distributions.ts";
import { nextDraw } from "../../lib/random/stream.ts";

Deno.test("exact: Marsaglia, Tsang and Wang's example and the closed form for n = 1", () => {
  // "Evaluating Kolmogorov's distribution" (2003): K(10, 0.274) = 0.6284796154565043.
  assertAlmostEquals(kolmogorovCdfExact(0.274, 10), 0.6284796154565043, 1e-13);
  // D₁ = max(U, 1 − U): P(D₁ ≥ d) = 2(1 − d) for d ≥ 1/2.
  for (const d of [0.55, 0.7, 0.9]) {
    assertAlmostEquals(kolmogorovPValue(d, 1).pValue, 2 * (1 - d), 1e-12);
  }
});

Deno.test("exact: the 5% and 1% critical values of Miller's (1956) table", () => {
  const table: [number, number, number][] = [
    [5, 0.05, 0.56328],
    [10, 0.05, 0.40925],
    [20, 0.05, 0.29408],
    [20, 0.01, 0.35241],
    [40, 0.05, 0.21012],
  ];
  for (const [n, alpha, d] of table) {
    const p = kolmogorovPValue(d, n);
    assertEquals(p.method, "exact");
    // Miller's critical values are to 5 decimals: p within 0.2% of α.
    assertLess(Math.abs(p.pValue / alpha - 1), 2e-3, `n = ${n}: ${p.pValue}`);
  }
});

Deno.test("asymptotic: Stephens' formula within 5% of the exact p-value for n ≥ 100, p in [1e-6, 0.5]", () => {
  for (const n of [100, 300, 500, 800]) {
    for (let d = 0.8 / Math.sqrt(n); d < 2.6 / Math.sqrt(n); d *= 1.12) {
      const exact = 1 - kolmogorovCdfExact(d, n);
      if (exact < 1e-6 || exact > 0.5) continue;
      const s = Math.sqrt(n);
      const lambda = (s + 0.12 + 0.11 / s) * d;
      let asymptotic = 0;
      for (let j = 1; j < 50; j++) {
        asymptotic += 2 * (j % 2 ? 1 : -1) *
          Math.exp(-2 * j * j * lambda * lambda);
      }
      assertLess(Math.abs(asymptotic / exact - 1), 0.05, `n = ${n}, d = ${d}`);
      if (n > 500) assertEquals(kolmogorovPValue(d, n).method, "asymptotic");
      else assertAlmostEquals(kolmogorovPValue(d, n).pValue, exact, 1e-12);
    }
  }
});

Deno.test("far tail: the p-value underflows, its log₁₀ does not", () => {
  const p = kolmogorovPValue(0.1, 65536);
  assertEquals(p.pValue, 0);
  const lambda = (256 + 0.12 + 0.11 / 256) * 0.1;
  assertAlmostEquals(
    p.log10PValue,
    (Math.LN2 - 2 * lambda * lambda) / Math.LN10,
    1e-9,
  );
  assertEquals(kolmogorovPValue(0, 10), {
    pValue: 1,
    log10PValue: 0,
    method: "exact",
  });
  assertEquals(kolmogorovPValue(1, 10).pValue < 1e-9, true);
});

Deno.test("statistic: steps at ties, the larger side of each step", () => {
  const cdf = (x: number) => Math.min(1, Math.max(0, x));
  assertEquals(ksStatistic([0.25, 0.75], cdf), 0.25);
  assertEquals(ksStatistic([0.5, 0.5], cdf), 0.5);
  assertEquals(ksStatistic([0.1, 0.1, 0.1, 0.9], cdf), 0.65);
  assertAlmostEquals(
    ksTest([0.9, 0.1, 0.5], cdf).d,
    1 / 3 - 0.1, // unsorted input: 1/3 − F(0.1) and F(0.9) − 2/3
    1e-15,
  );
});

Deno.test("null: p-values of uniform samples are uniform (exact and asymptotic)", () => {
  for (const n of [30, 2000]) {
    const draw = nextDraw(n);
    const ps = new Float64Array(600);
    for (let k = 0; k < ps.length; k++) {
      const u = uniform(n, draw, k * n, new Float64Array(n));
      ps[k] = ksTest(u, (x) => x).pValue;
    }
    const meta = ksTest(ps, (x) => x);
    assert(meta.pValue > 1e-3, `n = ${n}: p-values not uniform, D = ${meta.d}`);
  }
});

Deno.test("bad arguments", () => {
  assertThrows(
    () => kolmogorovPValue(1.5, 10),
    RangeError,
    "kolmogorovPValue: d must be a number in [0, 1], received 1.5",
  );
  assertThrows(
    () => kolmogorovPValue(0.1, 0),
    RangeError,
    "kolmogorovPValue: n must be a positive integer, received 0",
  );
  assertThrows(
    () => ksTest([], (x) => x),
    RangeError,
    "ksTest: values must be non-empty, received []",
  );
  assertThrows(() => ksTest([0.1, NaN], (x) => x), RangeError, "NaN");
});
