/**
 * The CDFs of the initializer laws against the integral of `lawOf`'s density
 * (Simpson's rule), and their limits.
 *
 * @module
 */
import { assert, assertAlmostEquals, assertEquals } from "@std/assert";
import type { Density } from "../../lib/initializers/_core.ts";
import { continuousCdf } from "../../lib/stats/law_cdf.ts";
import { lawOf } from "../../lib/stats/laws.ts";
import { integrate } from "../initializers/_stats.ts";

const DENSITIES: Density[] = [
  { kind: "uniform", low: -0.3, high: 0.7 },
  { kind: "normal", mean: 1, std: 0.5 },
  { kind: "truncatedNormal", mean: 0, std: 2, low: -4, high: 4 },
  { kind: "truncatedNormal", mean: 1, std: 1, low: 0, high: Infinity },
  { kind: "truncatedNormal", mean: 0, std: 1, low: 3, high: 6 },
  { kind: "orthogonal", dim: 2, gain: 1 },
  { kind: "orthogonal", dim: 3, gain: 2 },
  { kind: "orthogonal", dim: 10, gain: 1 },
  { kind: "orthogonal", dim: 1000, gain: 0.5 },
  { kind: "sparse", zeros: 0.3, std: 0.1 },
];

Deno.test("each CDF is the integral of the law's density over its continuous mass", () => {
  for (const density of DENSITIES) {
    const law = lawOf(density);
    const cdf = continuousCdf(density)!;
    const [lo, hi] = law.support;
    // Orthogonal laws from 0: the density at ±gain is infinite (dim 2) or cut (dim 3).
    const from = density.kind === "orthogonal" ? 0 : lo;
    const base = cdf(from); // the normal's support is ±5σ: mass lies beyond
    for (let k = 1; k <= 9; k++) {
      const x = from + ((hi - from) * k) / 10;
      const integral = integrate(law.pdf!, from, x, 4000) / law.continuous;
      const tol = density.kind === "orthogonal" && density.dim === 2
        ? 1e-4
        : 1e-9;
      assertAlmostEquals(
        cdf(x) - base,
        integral,
        tol,
        `${JSON.stringify(density)} at ${x}`,
      );
    }
    assertEquals(cdf(-Infinity), 0);
    assertEquals(cdf(Infinity), 1);
  }
});

Deno.test("limits and symmetry", () => {
  const arcsine = continuousCdf({ kind: "orthogonal", dim: 2, gain: 1 })!;
  for (const t of [0.1, 0.5, 0.9]) {
    assertAlmostEquals(arcsine(t), 0.5 + Math.asin(t) / Math.PI, 1e-12);
  }
  const entry = continuousCdf({ kind: "orthogonal", dim: 500, gain: 1 })!;
  for (const t of [0.01, 0.05, 0.1]) {
    assertAlmostEquals(entry(t) + entry(-t), 1, 1e-13);
  }
  // A coordinate of a uniform unit vector in R^d is nearly N(0, 1/d) for large d.
  const d = 4096;
  const big = continuousCdf({ kind: "orthogonal", dim: d, gain: 1 })!;
  const normal = continuousCdf({
    kind: "normal",
    mean: 0,
    std: 1 / Math.sqrt(d),
  })!;
  assertAlmostEquals(big(1 / Math.sqrt(d)), normal(1 / Math.sqrt(d)), 1e-4);
  // The far truncated tail keeps its precision.
  const tail = continuousCdf({
    kind: "truncatedNormal",
    mean: 0,
    std: 1,
    low: 8,
    high: Infinity,
  })!;
  assert(tail(8.1) > 0.5 && tail(8.1) < 0.6);
});

Deno.test("atomic laws have no continuous part", () => {
  const atomic: Density[] = [
    { kind: "constant", value: 1 },
    { kind: "bernoulli", p: 0.3 },
    { kind: "pointMass", gain: 1, ones: 3, size: 9 },
    { kind: "uniform", low: 2, high: 2 },
    { kind: "normal", mean: 0, std: 0 },
    { kind: "orthogonal", dim: 1, gain: 1 },
    { kind: "orthogonal", dim: 5, gain: 0 },
    { kind: "sparse", zeros: 1, std: 1 },
  ];
  for (const density of atomic) assertEquals(continuousCdf(density), null);
});
