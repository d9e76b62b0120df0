import {
  assert,
  assertAlmostEquals,
  assertEquals,
  assertGreater,
  assertLess,
  assertThrows,
} from "@std/assert";
import {
  marchenkoPasturDensity,
  marchenkoPasturEdges,
} from "../../lib/stats/marchenko_pastur.ts";
import {
  fitMarchenkoPastur,
  fitPowerLaw,
  spectralStats,
} from "../../lib/stats/spectral.ts";
import { lawOf } from "../../lib/stats/laws.ts";
import { integrate } from "../initializers/_stats.ts";

Deno.test("the Marchenko–Pastur density integrates to 1 and has mean σ²", () => {
  for (const q of [1.5, 2, 4, 16]) {
    for (const s2 of [0.5, 1, 3]) {
      const [lo, hi] = marchenkoPasturEdges(q, s2);
      // Substitute λ = lo + (hi − lo)·sin²θ to remove the square-root edges.
      const mass = integrate(
        (t) => {
          const s = Math.sin(t);
          const lambda = lo + (hi - lo) * s * s;
          return marchenkoPasturDensity(lambda, q, s2) * (hi - lo) * 2 * s *
            Math.cos(t);
        },
        0,
        Math.PI / 2,
        4000,
      );
      assertAlmostEquals(mass, 1, 1e-6, `q ${q}, σ² ${s2}`);
      const mean = integrate(
        (t) => {
          const s = Math.sin(t);
          const lambda = lo + (hi - lo) * s * s;
          return lambda * marchenkoPasturDensity(lambda, q, s2) * (hi - lo) *
            2 * s * Math.cos(t);
        },
        0,
        Math.PI / 2,
        4000,
      );
      assertAlmostEquals(mean, s2, 1e-6 * s2);
    }
  }
  assertThrows(
    () => marchenkoPasturEdges(0.5, 1),
    RangeError,
    "marchenkoPasturEdges: q must be a finite number >= 1 (rows / cols, with rows >= cols), received 0.5",
  );
  assertThrows(
    () => marchenkoPasturEdges(2, 0),
    RangeError,
    "marchenkoPasturEdges: sigma2 must be a finite number > 0, received 0",
  );
});

Deno.test("spectral statistics follow their formulas", () => {
  const sigma = new Float64Array([4, 2, 1, 0]);
  const s = spectralStats(sigma, [6, 4]);
  assertEquals(s.spectralNorm, 4);
  assertAlmostEquals(s.frobeniusNorm, Math.sqrt(21));
  assertAlmostEquals(s.stableRank, 21 / 16);
  assertEquals(s.conditionNumber, Infinity);
  assertEquals(s.numericalRank, 3);
  const p = [4 / 7, 2 / 7, 1 / 7];
  assertAlmostEquals(
    s.effectiveRank,
    Math.exp(-p.reduce((a, x) => a + x * Math.log(x), 0)),
  );
  assertAlmostEquals(s.eigenvalues[0], 16 / 6);
  assertThrows(
    () => spectralStats(sigma, [3, 5]),
    RangeError,
    "spectralStats: singularValues.length must be min(rows, cols) = 3 > 0 for shape [3, 5], received 4",
  );
});

Deno.test("Marchenko–Pastur fit: theory σ² is kept; a planted spike is found; none in a flat spectrum", () => {
  // Quantiles of MP(Q = 4, σ² = 1) as a 'perfect' bulk of 400 eigenvalues, plus one spike.
  const q = 4;
  const m = 400;
  const n = q * m;
  const [lo, hi] = marchenkoPasturEdges(q, 1);
  const eig: number[] = [];
  let acc = 0;
  const grid = 200000;
  let k = 0;
  for (let i = 0; i < grid && k < m; i++) {
    const x = lo + ((hi - lo) * (i + 0.5)) / grid;
    acc += marchenkoPasturDensity(x, q, 1) * ((hi - lo) / grid);
    while (k < m && acc >= (k + 0.5) / m) {
      eig.push(x);
      k++;
    }
  }
  while (eig.length < m) eig.push(hi * 0.999);
  const sigma = Float64Array.from(eig.map((e) => Math.sqrt(e * n))).sort()
    .reverse();
  const bulk = spectralStats(sigma, [n, m], { sigma2: 1 });
  assertEquals(bulk.marchenkoPastur.spikes, 0);
  assertEquals(bulk.marchenkoPastur.fitted, false);
  const fitted = spectralStats(sigma, [n, m]);
  assertAlmostEquals(fitted.marchenkoPastur.sigma2, 1, 0.01);
  const spiked = sigma.slice();
  spiked[0] = Math.sqrt(3 * hi * n);
  const s = spectralStats(spiked, [n, m]);
  assertEquals(s.marchenkoPastur.spikes, 1);
  assertLess(Math.abs(s.marchenkoPastur.sigma2 - 1), 0.02);
});

Deno.test("power-law fit recovers α from Pareto quantiles", () => {
  for (const alpha of [2.5, 4]) {
    const n = 2000;
    const xs = Array.from(
      { length: n },
      (_, i) => Math.pow(1 - (i + 0.5) / n, -1 / (alpha - 1)),
    );
    const fit = fitPowerLaw(xs)!;
    assertAlmostEquals(fit.alpha, alpha, 0.1 * alpha);
    assertLess(fit.ks, 0.05);
  }
  assertEquals(fitPowerLaw([1, 2, 3]), null);
});

Deno.test("laws: moments by integration match the closed forms", () => {
  const cases = [
    lawOf({ kind: "uniform", low: -0.3, high: 0.5 }),
    lawOf({ kind: "normal", mean: 0.2, std: 0.7 }),
    lawOf({ kind: "truncatedNormal", mean: 0, std: 1, low: -2, high: 2 }),
    lawOf({ kind: "truncatedNormal", mean: 1, std: 0.5, low: 1.5, high: 4 }),
    lawOf({ kind: "orthogonal", dim: 5, gain: 1 }),
    lawOf({ kind: "orthogonal", dim: 64, gain: 2 }),
  ];
  for (const law of cases) {
    const [a, b] = law.support;
    const pdf = law.pdf!;
    const mass = integrate(pdf, a, b, 40000);
    const mean = integrate((x) => x * pdf(x), a, b, 40000);
    const variance = integrate((x) => (x - mean) ** 2 * pdf(x), a, b, 40000);
    assertAlmostEquals(mass, 1, 1e-4, law.label);
    assertAlmostEquals(mean, law.mean, 1e-4, law.label);
    assertAlmostEquals(Math.sqrt(variance), law.std, 1e-3 * law.std, law.label);
  }
  // 0.87962566103423978 is the std of N(0,1) truncated to ±2.
  assertAlmostEquals(cases[2].std, 0.87962566103423978, 1e-12);
  const sparse = lawOf({ kind: "sparse", zeros: 0.3, std: 1 });
  assertEquals(sparse.atoms, [{ x: 0, p: 0.3 }]);
  assertAlmostEquals(sparse.std, Math.sqrt(0.7));
  const b = lawOf({ kind: "bernoulli", p: 0.25 });
  assertAlmostEquals(b.std, Math.sqrt(0.25 * 0.75));
  assert(b.pdf === null);
  assertGreater(lawOf({ kind: "orthogonal", dim: 2, gain: 1 }).pdf!(0.5), 0);
});

Deno.test("spectralStats refuses negative, NaN, infinite and unsorted singular values by name", () => {
  assertThrows(
    () => spectralStats(new Float64Array([3, -1]), [4, 2]),
    RangeError,
    "spectralStats: singularValues[1] must be a finite number >= 0, received -1",
  );
  assertThrows(
    () => spectralStats(new Float64Array([NaN, 1]), [4, 2]),
    RangeError,
    "spectralStats: singularValues[0] must be a finite number >= 0, received NaN",
  );
  assertThrows(
    () => spectralStats(new Float64Array([Infinity, 1]), [4, 2]),
    RangeError,
    "received Infinity",
  );
  assertThrows(
    () => spectralStats(new Float64Array([1, 2]), [4, 2]),
    RangeError,
    "spectralStats: singularValues[1] must be <= singularValues[0] = 1 (descending order), received 2",
  );
});

Deno.test("spectralStats and fitMarchenkoPastur check their options and arguments", () => {
  const sigma = new Float64Array([4, 2, 1]);
  assertThrows(
    () => spectralStats(sigma, [6, 3], { sigma: 1 } as never),
    TypeError,
    'spectralStats: each key of options must be one of "sigma2", received "sigma"',
  );
  assertThrows(
    () => spectralStats(sigma, [6, 3], { sigma2: -1 }),
    RangeError,
    "spectralStats: options.sigma2 must be a finite number > 0, received -1",
  );
  assertThrows(
    () => fitMarchenkoPastur([1, 2, 3], 10, 5, { sigma2: 1 } as never),
    TypeError,
    "fitMarchenkoPastur: sigma2 must be",
  );
  assertThrows(
    () => fitMarchenkoPastur([1, 2, 3], 0, 5),
    RangeError,
    "fitMarchenkoPastur: rows must be",
  );
});
