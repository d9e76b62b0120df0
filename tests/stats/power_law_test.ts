import {
  assert,
  assertAlmostEquals,
  assertEquals,
  assertLess,
  assertThrows,
} from "@std/assert";
import { fitPowerLaw, type PowerLawFit } from "../../lib/stats/power_law.ts";
import { mpQuantiles } from "../../lib/stats/_mp_quantile.ts";
import { analyzeSpectrumSync } from "../../lib/stats/analyze_spectrum.ts";
import { uniform } from "../../lib/random/distributions.ts";
import { nextDraw } from "../../lib/random/stream.ts";
import { noise } from "./_spectra.ts";
import { referenceFit } from "./_power_law_reference.ts";

const METHODS = ["default", "weightwatcher"] as const;

/** n samples of the Pareto law with density ∝ x^−α on x ≥ 1. */
function paretoSample(n: number, alpha: number, seed: number): Float64Array {
  const u = uniform(n, nextDraw(seed), 0, new Float64Array(n));
  return u.map((v) => (1 - v) ** (-1 / (alpha - 1)));
}

/** The n quantiles at levels (i + ½)/n of the same law. */
function paretoQuantiles(n: number, alpha: number): Float64Array {
  return Float64Array.from(
    { length: n },
    (_, i) => (1 - (i + 0.5) / n) ** (-1 / (alpha - 1)),
  );
}

/** Asserts that the pruned fit is the exhaustive search's, to 1e-9. */
function assertSameFit(
  fit: PowerLawFit | null,
  ref: ReturnType<typeof referenceFit>,
  what: string,
): void {
  if (ref === null || fit === null) {
    assertEquals(fit, ref, what);
    return;
  }
  assertEquals(fit.xmin, ref.xmin, `${what}: xmin`);
  assertEquals(fit.tailSize, ref.tailSize, `${what}: tail size`);
  assertAlmostEquals(fit.alpha, ref.alpha, 1e-9 * ref.alpha, `${what}: α`);
  assertAlmostEquals(fit.ks, ref.ks, 1e-9, `${what}: KS distance`);
}

Deno.test("fitPowerLaw finds the exhaustive search's minimiser (Pareto samples, MP spectra, ties), both methods", () => {
  const inputs: [string, ArrayLike<number>][] = [];
  for (const n of [50, 400, 2000]) {
    for (const alpha of [1.5, 2.5, 4]) {
      inputs.push([
        `Pareto α ${alpha}, n ${n}`,
        paretoSample(n, alpha, 100 * n + 10 * alpha),
      ]);
    }
  }
  // Ties: Pareto values rounded to 0.1, many equal.
  inputs.push([
    "rounded Pareto",
    paretoSample(1500, 2.2, 7).map((v) => Math.round(10 * v) / 10),
  ]);
  // MP-like spectra: eigenvalues of noise matrices (Gaussian; Student-t with
  // 3 degrees of freedom, which has a few localized outliers), and the MP
  // law's own quantiles.
  for (const [kind, seed] of [["gauss", 1], ["t3", 2]] as const) {
    const a = analyzeSpectrumSync({
      values: noise(400, 200, kind, seed),
      shape: [400, 200],
    });
    inputs.push([`${kind} 400×200 eigenvalues`, a.eigenvalues]);
    inputs.push([
      `${kind} 400×200 σ²`,
      a.singularValues.map((s) => s * s),
    ]);
  }
  const levels = Float64Array.from(
    { length: 1000 },
    (_, i) => (i + 0.5) / 1000,
  );
  inputs.push(["MP(4) quantiles", mpQuantiles(4, levels)]);
  inputs.push(["MP(1) quantiles", mpQuantiles(1, levels)]);
  // Values the fits must drop: non-positive, non-finite, and (WeightWatcher)
  // those ≤ 1e-5.
  inputs.push([
    "with values to drop",
    [
      ...paretoSample(60, 3, 11),
      0,
      -2,
      NaN,
      Infinity,
      -Infinity,
      1e-6,
      5e-6,
      1e-5,
    ],
  ]);
  for (const [name, values] of inputs) {
    for (const method of METHODS) {
      assertSameFit(
        fitPowerLaw(values, { method }),
        referenceFit(values, method),
        `${name} (${method})`,
      );
    }
  }
});

Deno.test("fitPowerLaw recovers α from Pareto quantiles, both methods", () => {
  const n = 2000;
  for (const alpha of [1.8, 2.5, 3, 4.5]) {
    for (const method of METHODS) {
      const fit = fitPowerLaw(paretoQuantiles(n, alpha), { method })!;
      assert(fit !== null);
      // Exact quantiles of a power law: the KS choice keeps most of them,
      // and α is within the maximum-likelihood standard error
      // (α − 1)/√tail of the truth (quantiles carry no sampling noise, so
      // this is generous).
      assert(
        fit.tailSize >= n / 2,
        `α ${alpha} (${method}): tail of ${fit.tailSize}`,
      );
      assertAlmostEquals(
        fit.alpha,
        alpha,
        (alpha - 1) / Math.sqrt(fit.tailSize),
        `α ${alpha} (${method})`,
      );
    }
  }
});

Deno.test("fitPowerLaw returns null with too few values or all equal", () => {
  const nine = [1, 2, 3, 4, 5, 6, 7, 8, 9];
  // Default: 10 positive finite values at least; the others do not count.
  assertEquals(fitPowerLaw(nine), null);
  assertEquals(fitPowerLaw([...nine, 0, -1, NaN, Infinity, -Infinity]), null);
  assert(fitPowerLaw([...nine, 10]) !== null);
  assertEquals(fitPowerLaw(new Float64Array(20).fill(2)), null);
  assertEquals(fitPowerLaw([]), null);
  // WeightWatcher: 2 values above 1e-5 at least.
  const ww = { method: "weightwatcher" } as const;
  assertEquals(fitPowerLaw([3], ww), null);
  assertEquals(fitPowerLaw([1e-6, 1e-5, 3], ww), null);
  assertEquals(fitPowerLaw([2, 2, 2], ww), null);
  const two = fitPowerLaw([2, 3], ww)!;
  assertEquals([two.xmin, two.tailSize], [2, 2]);
  assertAlmostEquals(two.alpha, 1 + 2 / Math.log(3 / 2), 1e-12);
});

Deno.test("fitPowerLaw refuses unknown options and methods", () => {
  assertThrows(
    // deno-lint-ignore no-explicit-any
    () => fitPowerLaw([1, 2, 3], { mthod: "default" } as any),
    TypeError,
    'fitPowerLaw: each key of options must be one of "method", received "mthod"',
  );
  assertThrows(
    // deno-lint-ignore no-explicit-any
    () => fitPowerLaw([1, 2, 3], { method: "ww" } as any),
    RangeError,
    'fitPowerLaw: options.method must be one of "default", "weightwatcher", received "ww"',
  );
});

Deno.test("fitPowerLaw on 1e5 eigenvalues takes under 5 s (power-law and MP-like)", () => {
  const n = 100_000;
  const levels = Float64Array.from({ length: n }, (_, i) => (i + 0.5) / n);
  // A genuine power law is the hard case for the pruned search: many
  // candidates fit almost equally well (a search pruned only on evenly
  // spaced points took 5–9 s on these two).
  const inputs: [string, Float64Array][] = [
    ["Pareto α 1.5 sample", paretoSample(n, 1.5, 5)],
    ["Pareto α 2.5 sample", paretoSample(n, 2.5, 5)],
    ["MP(2) quantiles", mpQuantiles(2, levels)],
  ];
  const times: string[] = [];
  for (const [name, values] of inputs) {
    for (const method of METHODS) {
      const t = performance.now();
      const fit = fitPowerLaw(values, { method });
      const ms = performance.now() - t;
      assert(fit !== null);
      assertLess(ms, 5000, `${name} (${method}): ${ms.toFixed(0)} ms`);
      times.push(`${name} ${method} ${ms.toFixed(0)} ms`);
    }
  }
  console.log(`fitPowerLaw, 1e5 eigenvalues: ${times.join("; ")}`);
});
