import {
  assert,
  assertAlmostEquals,
  assertEquals,
  assertGreater,
  assertGreaterOrEqual,
  assertLess,
  assertLessOrEqual,
  assertRejects,
  assertStringIncludes,
  assertThrows,
} from "@std/assert";
import {
  analyzeSpectrumSync,
  type SpectrumAnalysis,
  storageMatrix,
} from "../../lib/stats/analyze_spectrum.ts";
import { singularValuesSync } from "../../lib/linalg/singular_values.ts";
import { analyzeSpectrum } from "../../lib/read/analyze_spectrum.ts";
import { Parameter } from "../../lib/nn/parameter.ts";
import { tf } from "../../lib/tf.ts";
import { householderQr } from "../../lib/linalg/householder_qr.ts";
import { uniform } from "../../lib/random/distributions.ts";
import { nextDraw } from "../../lib/random/stream.ts";
import {
  bfloat16,
  type Noise,
  noise,
  onGrid,
  orthonormal,
  plant,
  rankR,
  ROUNDINGS,
} from "./_spectra.ts";
import { referenceFit } from "./_power_law_reference.ts";

// Seeds: every matrix gets its own seed below 1e6 (noise() derives the row
// and column profiles from seed + 1e6 and seed + 2e6, plant() its vectors
// from seed + 5e6 and seed + 6e6). Matrices of different shapes never share
// a seed, since one seed's stream would give them the same first entries.

/** `k` spikes `strength` times the BBP threshold above unit-variance noise of `kind`, all from `seed`. */
function spiked(
  rows: number,
  cols: number,
  kind: Noise,
  k: number,
  strength: number,
  seed: number,
): Float64Array {
  return plant(noise(rows, cols, kind, seed), rows, cols, k, strength, 1, seed);
}

const CALIBRATION_SHAPES: [number, number][] = [
  [200, 100],
  [300, 300],
  [150, 450],
  [400, 200],
];

function analyze(
  values: ArrayLike<number>,
  shape: number[],
  options = {},
): SpectrumAnalysis {
  return analyzeSpectrumSync({ values, shape }, options);
}

/** The relative scatter of a variance estimated from `count` Gaussian entries: √(2/count). */
function varianceError(count: number): number {
  return Math.sqrt(2 / count);
}

/**
 * The analyses of `perShape` noise matrices of each kind and shape, the
 * seeds `base` + 1000·(kind's index) + 100·(shape's index) + 0, 1, …
 */
function* analysedNoise(
  kinds: Noise[],
  shapes: [number, number][],
  perShape: number,
  base: number,
) {
  for (const [k, kind] of kinds.entries()) {
    for (const [j, [rows, cols]] of shapes.entries()) {
      for (let s = 0; s < perShape; s++) {
        const seed = base + 1000 * k + 100 * j + s;
        const a = analyze(noise(rows, cols, kind, seed), [rows, cols]);
        const what = `${kind} ${rows}×${cols} seed ${seed}`;
        yield { a, kind, j, rows, cols, what };
      }
    }
  }
}

Deno.test("calibration: 160 iid Gaussian and uniform matrices, spikes at the design rate 1e-3 at most, verdict random-like", () => {
  const perShape = 20;
  let matrices = 0;
  const spiked: string[] = [];
  const notRandom: string[] = [];
  const kinds: Noise[] = ["gauss", "uniform"];
  const analyses = analysedNoise(kinds, CALIBRATION_SHAPES, perShape, 10_000);
  for (const { a, rows, cols, what } of analyses) {
    matrices++;
    if (a.spikes > 0) spiked.push(`${what}: ${a.spikes}`);
    if (a.verdict !== "random-like") {
      notRandom.push(`${what}: ${a.verdict}`);
    }
    // The entries have unit mean square; the fitted σ² scatters by about
    // 1.2–1.7/√(NM) (measured, 20 matrices per shape): 8/√(NM) is ≥ 4.7
    // of its standard deviations.
    assertAlmostEquals(
      a.marchenkoPastur!.sigma2,
      1,
      8 / Math.sqrt(rows * cols),
      `${what}: σ²`,
    );
    assertEquals(a.meanOutlier, false, what);
    assertEquals(a.rank, Math.min(rows, cols), what);
  }
  assertEquals(matrices, 160);
  // Binomial reasoning: at the design rate p = 1e-3 per matrix, the number
  // of the 160 matrices with spikes is Binomial(160, 1e-3), mean 0.16, and
  // P(≥ 3) = 6.6e-4; so ≤ 2 holds unless the rate is well above the design
  // (at p = 0.02, P(≤ 2) = 0.38; at p = 0.05, 0.014). Measured on more
  // matrices: 0 of 3000 Gaussian and 0 of 3000 uniform 200×100, 1 of 3000
  // Gaussian 100×100, 1 of 1000 Gaussian 400×200.
  assertLessOrEqual(spiked.length, 2, spiked.join("; "));
  // A matrix is random-like unless it is one of those spiked ones (not
  // heavy-tailed, not low-rank).
  assertLessOrEqual(notRandom.length, spiked.length, notRandom.join("; "));
  for (const line of notRandom) assertStringIncludes(line, "spiked");
  console.log(
    `calibration: ${spiked.length} of ${matrices} iid matrices with spikes` +
      (spiked.length ? ` (${spiked.join("; ")})` : ""),
  );
});

Deno.test("calibration: unequal row (and column) variances make no spikes and no heavy tail", () => {
  // "rows": row standard deviations uniform in [0.5, 2]; "rowcol": rows and
  // columns uniform in [0.7, 1.4]. The small shapes are where a test of
  // equal scales tuned for large matrices would miss the profile, and the
  // wider-than-MP bulk would read as a heavy tail.
  const shapes: [number, number][] = [
    ...CALIBRATION_SHAPES,
    [100, 50],
    [64, 64],
  ];
  const perShape = 6;
  let matrices = 0;
  let rescaled = 0;
  const analyses = analysedNoise(["rows", "rowcol"], shapes, perShape, 20_000);
  for (const { a, kind, j, what } of analyses) {
    matrices++;
    // At the design rate, P(any of these 72 matrices has a spike) is
    // 7%; measured, 1 in 1000 for each kind at 200×100. With these
    // fixed seeds there is none.
    assertEquals(a.spikes, 0, `${what}: spikes`);
    assertEquals(a.heavyTailed, false, `${what}: heavy tail`);
    assertEquals(a.verdict, "random-like", what);
    if (a.rescaled) rescaled++;
    // Rows spread over [0.5, 2] push a tail past the MP edge from 300
    // rows or columns up (measured 20 in 20 at each of these shapes);
    // the analysis must then have measured on the equalised matrix.
    if (kind === "rows" && j >= 1 && j <= 3) {
      assert(a.rescaled, `${what}: not rescaled`);
    }
  }
  assertEquals(matrices, 72);
  console.log(`unequal variances: ${matrices} matrices, ${rescaled} rescaled`);
});

Deno.test("recall: exactly k planted spikes in 1000×500 Gaussian noise, k = 1…10, at 1.5 and 3 times the BBP threshold", () => {
  const [rows, cols] = [1000, 500];
  const seeds = 4;
  const table: string[] = [];
  let exactAll = 0;
  let total = 0;
  let ms = 0;
  for (const [t, strength] of [1.5, 3].entries()) {
    let exact = 0;
    const cells: string[] = [];
    for (let k = 1; k <= 10; k++) {
      let hits = 0;
      for (let s = 0; s < seeds; s++) {
        const seed = 30_000 + 1000 * t + 10 * k + s;
        const x = spiked(rows, cols, "gauss", k, strength, seed);
        const start = performance.now();
        const a = analyze(x, [rows, cols]);
        ms += performance.now() - start;
        const what = `k ${k}, ${strength}×BBP, seed ${seed}`;
        assertEquals(a.verdict, "spiked", what);
        assertEquals(a.meanOutlier, false, what);
        // The spikes are the largest eigenvalues.
        assertEquals(
          a.spikeIndices,
          Array.from({ length: a.spikes }, (_, i) => i),
          what,
        );
        if (a.spikes === k) hits++;
      }
      exact += hits;
      cells.push(`k${k} ${hits}/${seeds}`);
    }
    const n = 10 * seeds;
    table.push(`${strength}×BBP: ${exact}/${n} exact (${cells.join(", ")})`);
    // ≥ 95% per strength: at most 2 misses in 40.
    assertGreaterOrEqual(exact, Math.ceil(0.95 * n), table.at(-1));
    exactAll += exact;
    total += n;
  }
  assertGreaterOrEqual(exactAll, Math.ceil(0.95 * total), table.join("; "));
  console.log(`recall, ${rows}×${cols} Gaussian: ${table.join("; ")}`);
  console.log(
    `recall: ${(ms / total).toFixed(0)} ms per ${rows}×${cols} analysis`,
  );
});

Deno.test("recall: exactly k spikes at 2 times the BBP threshold on noise with unequal row and column variances", () => {
  const [rows, cols] = [1000, 500];
  const found: string[] = [];
  let ms = 0;
  let count = 0;
  for (const [i, kind] of (["rows", "rowcol"] as Noise[]).entries()) {
    for (const k of [1, 3, 5, 8]) {
      for (let s = 0; s < 2; s++) {
        const seed = 40_000 + 1000 * i + 10 * k + s;
        const x = spiked(rows, cols, kind, k, 2, seed);
        const start = performance.now();
        const a = analyze(x, [rows, cols]);
        ms += performance.now() - start;
        count++;
        const what = `${kind}, k ${k}, seed ${seed}`;
        assertEquals(a.spikes, k, what);
        assertEquals(a.verdict, "spiked", what);
        found.push(
          `${kind} k${k}: ${a.spikes}${a.rescaled ? " (rescaled)" : ""}`,
        );
      }
    }
  }
  console.log(
    `recall, unequal variances: ${found.join(", ")}; ${
      (ms / count).toFixed(0)
    } ms per analysis`,
  );
});

Deno.test("heavy-tailed entries (t2, Pareto 1.5) give a heavy-tailed verdict, spikes under a quarter", () => {
  for (const [k, kind] of (["t2", "pareto1.5"] as const).entries()) {
    for (let s = 0; s < 3; s++) {
      const seed = 50_000 + 1000 * k + s;
      const a = analyze(noise(400, 200, kind, seed), [400, 200]);
      const what = `${kind} seed ${seed}`;
      assertEquals(a.verdict, "heavy-tailed", what);
      assert(a.heavyTailed, what);
      assertLess(a.spikes, a.eigenvalues.length / 4, what);
    }
  }
});

Deno.test("a Bernoulli(0.2) mask is binary, with the mean's outlier, no spikes and σ² ≈ p(1 − p)", () => {
  const [rows, cols, p] = [300, 200, 0.2];
  const u = uniform(
    rows * cols,
    nextDraw(60_001),
    0,
    new Float64Array(rows * cols),
  );
  const mask = u.map((v) => (v < p ? 1 : 0));
  const a = analyze(mask, [rows, cols]);
  assert(a.binary);
  assertEquals(a.verdict, "binary");
  assert(a.meanOutlier);
  assertEquals(a.meanOutlierIndex, 0);
  assertEquals(a.spikes, 0);
  assertAlmostEquals(a.mean, p, 5 * Math.sqrt(p * (1 - p) / (rows * cols)));
  // The fitted σ² scatters by about 1.2–1.7/√(NM) relative for Gaussian
  // entries, and the entries' own variance by √((κ − 1)/(NM)) ≈ 1.5/√(NM)
  // (κ = 3.25 for Bernoulli(0.2)): 5√2/√(NM) is ≥ 3 standard deviations.
  const s2 = p * (1 - p);
  assertAlmostEquals(
    a.marchenkoPastur!.sigma2,
    s2,
    s2 * 5 * varianceError(rows * cols),
  );
  assertAlmostEquals(a.variance, s2, s2 * 5 * varianceError(rows * cols));
});

Deno.test("Gaussian noise plus a constant 3: the mean's outlier, no spikes, random-like, variance 1", () => {
  const [rows, cols] = [300, 200];
  const x = noise(rows, cols, "gauss", 60_002).map((v) => v + 3);
  const a = analyze(x, [rows, cols]);
  assert(a.meanOutlier);
  assertEquals(a.meanOutlierIndex, 0);
  assertEquals(a.spikes, 0);
  assertEquals(a.spikeIndices, []);
  assertEquals(a.verdict, "random-like");
  const size = rows * cols;
  assertAlmostEquals(a.mean, 3, 5 / Math.sqrt(size));
  assertAlmostEquals(a.variance, 1, 5 * varianceError(size));
  // The outlier sits where the BBP formula puts it: s² = μ²M, γ = M/N,
  // λ = (s² + σ²)(s² + γσ²)/s².
  const s2 = 9 * cols;
  const predicted = ((s2 + 1) * (s2 + cols / rows)) / s2;
  assertAlmostEquals(a.eigenvalues[0], predicted, 0.01 * predicted);
  assertAlmostEquals(
    a.marchenkoPastur!.sigma2,
    1,
    8 / Math.sqrt(size),
  );
});

Deno.test("an orthogonal matrix times a gain, stored in Float32, is flat", () => {
  const gain = 0.7;
  const tall = householderQr(noise(300, 200, "gauss", 60_003), 300, 200).q;
  const square = householderQr(noise(128, 128, "gauss", 60_004), 128, 128).q;
  // 200 orthonormal rows of length 300.
  const rows = orthonormal(300, 200, 60_005);
  const wide = new Float64Array(200 * 300);
  rows.forEach((r, i) => wide.set(r, i * 300));
  const cases: [string, Float64Array, [number, number]][] = [
    ["Householder Q 300×200", tall, [300, 200]],
    ["Householder Q 128×128", square, [128, 128]],
    ["orthonormal rows 200×300", wide, [200, 300]],
  ];
  for (const [name, q, shape] of cases) {
    for (
      const values of [
        q.map((v) => gain * v),
        Float32Array.from(q, (v) => gain * v),
      ]
    ) {
      const what = `${name} (${values.constructor.name})`;
      const a = analyze(values, shape);
      assert(a.flat, what);
      assertEquals(a.verdict, "flat", what);
      assertEquals(a.rank, Math.min(...shape), what);
      assertEquals(a.spikes, 0, what);
      assertEquals(a.marchenkoPastur, null, what);
      // Rounding to Float32 moves each singular value by at most
      // ‖E‖₂ ≤ ‖E‖_F ≈ 2⁻²⁴·‖W‖_F.
      for (const s of a.singularValues) assertAlmostEquals(s, gain, 1e-5, what);
    }
  }
});

Deno.test("zero rows and columns are counted and set aside: rank 170 of 200, low-rank, no spikes", () => {
  const [rows, cols] = [300, 200];
  const x = noise(rows, cols, "gauss", 60_006);
  for (let i = 0; i < 40; i++) x.fill(0, 7 * i * cols, (7 * i + 1) * cols);
  for (let j = 0; j < 30; j++) {
    for (let i = 0; i < rows; i++) x[i * cols + 6 * j + 1] = 0;
  }
  const a = analyze(x, [rows, cols]);
  assertEquals([a.zeroRows, a.zeroCols], [40, 30]);
  assertEquals(a.rank, 170);
  assertEquals(a.spikes, 0);
  assertEquals(a.verdict, "low-rank");
  // The bulk is that of the 260×170 live matrix, eigenvalues σ²/260.
  const mp = a.marchenkoPastur!;
  assertAlmostEquals(mp.q, 260 / 170, 1e-12);
  assertAlmostEquals(a.eigenvalues[0], a.singularValues[0] ** 2 / 260, 1e-12);
  assertAlmostEquals(mp.sigma2, 1, 8 / Math.sqrt(260 * 170));
});

/** The m × n product of Gaussian m × r and r × n matrices (seeds `seed`, `seed + 1`), in Float64. */
function rankProduct(
  m: number,
  r: number,
  n: number,
  seed: number,
): Float64Array {
  const a = noise(m, r, "gauss", seed);
  const b = noise(r, n, "gauss", seed + 1);
  const product = new Float64Array(m * n);
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < n; j++) {
      let s = 0;
      for (let k = 0; k < r; k++) s += a[i * r + k] * b[k * n + j];
      product[i * n + j] = s;
    }
  }
  return product;
}

Deno.test("a rank-5 product computed in Float32 has rank 5, no spikes, verdict low-rank", () => {
  const [m, n] = [200, 150];
  const product = Float32Array.from(rankProduct(m, 5, n, 60_007));
  const x = analyze(product, [m, n]);
  assertEquals(x.rank, 5);
  assertGreater(x.singularValues[4], x.rankTolerance);
  assertLess(x.singularValues[5], x.rankTolerance);
  assertEquals(x.spikes, 0);
  assertEquals(x.verdict, "low-rank");
});

Deno.test("quantizationStep: a rank-5 matrix stored on a uint8 grid has rank 5 above the rounding floor, full rank without it", () => {
  const [m, r, n] = [300, 5, 200];
  const exact = rankProduct(m, r, n, 60_011);
  // tfjs's uint8 quantisation: 256 levels q·h + min from the smallest entry
  // to the largest.
  const { stored, step: h } = onGrid(exact, 255);
  const plain = analyze(stored, [m, n]);
  assertEquals(plain.rank, n, "rounding noise counts as rank without the step");
  const floor = (h / Math.sqrt(12)) * (Math.sqrt(m) + Math.sqrt(n));
  const x = analyzeSpectrumSync(
    { values: stored, shape: [m, n] },
    { quantizationStep: h },
  );
  assertAlmostEquals(x.rankTolerance, floor, floor * 1e-12);
  assertEquals(x.rank, r);
  assertEquals(x.verdict, "low-rank");
  // The floor is what rounding really leaves: the largest singular value of
  // the rounding errors lies within 10% of it (Bai–Yin, at this size).
  const errors = Float64Array.from(stored, (v, i) => v - exact[i]);
  const e1 = singularValuesSync({ values: errors, shape: [m, n] })[0];
  assertLess(Math.abs(e1 / floor - 1), 0.1);
  // Conv slices get the same floor, per slice.
  const slices = analyzeSpectrumSync(
    { values: stored, shape: [3, 100, n] },
    { conv: "slices", quantizationStep: h },
  );
  const sliceFloor = (h / Math.sqrt(12)) * (Math.sqrt(100) + Math.sqrt(n));
  assertGreaterOrEqual(slices.rankTolerance, sliceFloor);
  // Rank 5 per slice, of 3 × 100 in all.
  assertEquals(
    slices.summary,
    "3 slices of 100×200: rank 15 of 300, no spikes",
  );
  assertThrows(
    () =>
      analyzeSpectrumSync({ values: stored, shape: [m, n] }, {
        quantizationStep: 0,
      }),
    RangeError,
    "options.quantizationStep",
  );
});

Deno.test("quantizationStep: the equalised-rows re-test also leaves out what lies under the rounding floor", () => {
  // W = X·Qᵀ, [256, 128] of rank 40: X Gaussian [256, 40] with row standard
  // deviations from 1 to 8 (so the first fit sees a tail and the rows are
  // equalised), Q orthonormal [128, 40]; stored on a uint8 grid.
  const [m, r, n] = [256, 40, 128];
  const exact = rankR(m, n, r, 60_101, (i) => 8 ** (i / (m - 1)));
  const { stored, step: h } = onGrid(exact, 255);
  const reference = analyze(Float32Array.from(exact), [m, n]);
  const a = analyzeSpectrumSync(
    { values: stored, shape: [m, n] },
    { quantizationStep: h },
  );
  assert(reference.rescaled && a.rescaled, "the re-test ran");
  assertEquals([a.rank, reference.rank], [r, r]);
  // Scaling rows keeps the rank: the re-test fits the 40 values above the
  // floor, not the 88 rounding-noise values that would make the 40 a tail.
  assertEquals([a.verdict, a.heavyTailed], [reference.verdict, false]);
  assertEquals(a.verdict, "low-rank");
});

Deno.test("storedDtype: a rank-5 matrix stored as float16, bfloat16 or an 8-bit float has rank 5 above the rounding floor, full rank without it", () => {
  const [m, r, n] = [300, 5, 200];
  const exact = rankProduct(m, r, n, 60_021);
  for (const [format, round] of ROUNDINGS) {
    const stored = Float32Array.from(exact, round);
    const plain = analyze(stored, [m, n]);
    assertEquals(plain.rank, n, `${format}: rounding counts as rank`);
    const a = analyzeSpectrumSync(
      { values: stored, shape: [m, n] },
      { storedDtype: format },
    );
    assertEquals([a.rank, a.verdict], [r, "low-rank"], format);
    // The floor bounds what rounding really leaves, and not loosely: the
    // rounding errors' largest singular value is 1/3 to 1 times it (the
    // bound takes each error's largest standard deviation, u·|w|/√3).
    const errors = Float64Array.from(stored, (v, i) => v - exact[i]);
    const e1 = singularValuesSync({ values: errors, shape: [m, n] })[0];
    assertLess(e1, a.rankTolerance, format);
    assertGreater(e1, a.rankTolerance / 3, format);
  }
  // A random square matrix in bfloat16 loses about one singular value
  // under the floor, as the MP law predicts: random-like.
  const g = noise(256, 256, "gauss", 70_356);
  const b = analyzeSpectrumSync(
    { values: Float32Array.from(g, bfloat16), shape: [256, 256] },
    { storedDtype: "bfloat16" },
  );
  assertGreaterOrEqual(b.rank, 253);
  assertEquals([b.lowRank, b.verdict], [false, "random-like"]);
  assertThrows(
    () =>
      analyzeSpectrumSync({ values: g, shape: [256, 256] }, {
        storedDtype: "float8" as never,
      }),
    RangeError,
    'analyzeSpectrumSync: options.storedDtype must be one of "float16", "bfloat16", "float8_e4m3fn", "float8_e5m2", received "float8"',
  );
});

Deno.test("quantizationStep: a random square matrix on a grid is random-like: the few singular values under the floor are what the MP law puts there", () => {
  // At N = M the Marchenko–Pastur law reaches down to 0, so a grid hides a
  // few singular values of any random matrix (measured on 400 Gaussian and
  // uniform matrices, 128² to 300 × 256: deficiency − E within −2.2 … +2.5).
  for (const [levels, seed] of [[255, 70_001], [255, 70_002], [31, 70_003]]) {
    const { stored, step } = onGrid(noise(256, 256, "gauss", seed), levels);
    const a = analyzeSpectrumSync(
      { values: stored, shape: [256, 256] },
      { quantizationStep: step },
    );
    const what = `${levels} levels, seed ${seed}`;
    assertLess(a.rank, 256, what);
    assertEquals([a.verdict, a.lowRank], ["random-like", false], what);
    assertAlmostEquals(a.expectedBelowTolerance!, 256 - a.rank, 4, what);
    assertAlmostEquals(a.marchenkoPastur!.q, 1, 1e-12, what);
    assertAlmostEquals(a.marchenkoPastur!.sigma2, 1, 0.05, what);
    assertStringIncludes(a.summary, `rank ${a.rank} of 256 (≈ `);
    assertStringIncludes(a.summary, " for a random matrix)");
  }
  // The same per slice of a kernel.
  const { stored, step } = onGrid(noise(3 * 128, 128, "gauss", 70_004), 31);
  const slices = analyzeSpectrumSync(
    { values: stored, shape: [3, 128, 128] },
    { conv: "slices", quantizationStep: step },
  );
  assertLess(slices.rank, 3 * 128);
  assertEquals([slices.verdict, slices.lowRank], ["random-like", false]);
  // The full rank of 3 slices is 3 × 128.
  assertStringIncludes(slices.summary, `rank ${slices.rank} of 384 (≈ `);
  assertAlmostEquals(slices.expectedBelowTolerance!, 3 * 128 - slices.rank, 5);
});

Deno.test("quantizationStep: a rank deficiency beyond what rounding explains is low-rank", () => {
  // Rank 236 of 256 on a uint8 grid: about 3 values under the floor are
  // rounding, 20 are not.
  const square = onGrid(rankR(256, 256, 236, 70_011), 255);
  const a = analyzeSpectrumSync(
    { values: square.stored, shape: [256, 256] },
    { quantizationStep: square.step },
  );
  assert(a.expectedBelowTolerance! < 10);
  assertEquals([a.lowRank, a.verdict], [true, "low-rank"]);
  // Off square the law has a soft lower edge far above the floor: E ≈ 0,
  // and 2 missing singular values are structure.
  const tall = onGrid(rankR(512, 256, 254, 70_012), 255);
  const b = analyzeSpectrumSync(
    { values: tall.stored, shape: [512, 256] },
    { quantizationStep: tall.step },
  );
  assertEquals(b.rank, 254);
  assertLess(b.expectedBelowTolerance!, 1e-6);
  assertEquals([b.lowRank, b.verdict], [true, "low-rank"]);
  // Float storage: E is tiny, and one exactly repeated column is a rank.
  const g = Float32Array.from(noise(256, 256, "gauss", 70_013));
  for (let i = 0; i < 256; i++) g[i * 256 + 255] = g[i * 256];
  const c = analyze(g, [256, 256]);
  assertEquals(c.rank, 255);
  assertLess(c.expectedBelowTolerance!, 1e-3);
  assertEquals([c.lowRank, c.verdict], [true, "low-rank"]);
  const full = analyze(Float32Array.from(noise(300, 200, "gauss", 70_014)), [
    300,
    200,
  ]);
  assertEquals([full.lowRank, full.expectedBelowTolerance], [false, 0]);
});

Deno.test("all zeros: verdict zero, rank 0, no fits", () => {
  const a = analyze(new Float32Array(20 * 30), [20, 30]);
  assertEquals(a.verdict, "zero");
  assert(a.zero);
  assertEquals([a.rank, a.spikes, a.zeroRows, a.zeroCols], [0, 0, 20, 30]);
  assertEquals(a.marchenkoPastur, null);
  assertEquals(a.powerLaw, null);
});

Deno.test("1×N and N×1 matrices: rank 1, no spikes", () => {
  const v = noise(1, 60, "gauss", 60_009);
  for (const shape of [[1, 60], [60, 1]]) {
    const a = analyze(v, shape);
    assertEquals(a.matrixShape, shape);
    assertEquals(a.rank, 1);
    assertEquals(a.spikes, 0);
    assertEquals(a.singularValues.length, 1);
    assertAlmostEquals(a.singularValues[0], Math.hypot(...v), 1e-12);
  }
});

Deno.test("a depthwise kernel [3, 3, 32, 1] is the 32×9 matrix of its filters", () => {
  const [kh, kw, c] = [3, 3, 32];
  const values = noise(1, kh * kw * c, "gauss", 60_010);
  // Two channels with all-zero filters: zero rows of the C × 9 matrix.
  for (const channel of [4, 17]) {
    for (let s = 0; s < kh * kw; s++) values[s * c + channel] = 0;
  }
  const a = analyze(values, [kh, kw, c, 1]);
  assertEquals(a.matrixShape, [c, kh * kw]);
  assertEquals([a.zeroRows, a.zeroCols], [2, 0]);
  // The same singular values as the explicit filter matrix W[c][s].
  const filters = new Float64Array(c * kh * kw);
  for (let s = 0; s < kh * kw; s++) {
    for (let ch = 0; ch < c; ch++) {
      filters[ch * kh * kw + s] = values[s * c + ch];
    }
  }
  const b = analyze(filters, [c, kh * kw]);
  assertEquals(b.zeroRows, 2);
  assertEquals(a.singularValues.length, kh * kw);
  a.singularValues.forEach((s, i) =>
    assertAlmostEquals(s, b.singularValues[i], 1e-12 * b.singularValues[0])
  );
});

Deno.test("a conv kernel [3, 3, 16, 32]: reshape is one 144×32 matrix, slices pool nine 16×32 ones", () => {
  const shape = [3, 3, 16, 32];
  const values = noise(1, 3 * 3 * 16 * 32, "gauss", 60_011);
  const r = analyze(values, shape);
  assertEquals(r.matrixShape, [144, 32]);
  assertEquals(r.slices, 1);
  assertEquals(r.singularValues.length, 32);
  const s = analyze(values, shape, { conv: "slices" });
  assertEquals(s.matrixShape, [16, 32]);
  assertEquals(s.slices, 9);
  assertEquals(s.singularValues.length, 9 * 16);
  // The pooled singular values are those of the nine slices.
  const each: number[] = [];
  for (let p = 0; p < 9; p++) {
    const slice = values.subarray(p * 512, (p + 1) * 512);
    each.push(...analyze(slice, [16, 32]).singularValues);
  }
  each.sort((x, y) => y - x);
  s.singularValues.forEach((v, i) => assertAlmostEquals(v, each[i], 1e-12));
  // Both readings of a Gaussian kernel are random-like.
  assertEquals([r.verdict, s.verdict], ["random-like", "random-like"]);
});

Deno.test("powerLaw: the default fits σ²/N over the numerical rank; weightwatcher fits σ² itself", () => {
  const [rows, cols] = [400, 200];
  // Student-t(2) entries (a heavy tail) scaled so that the largest σ²/N is
  // half the weightwatcher floor 1e-5: fitted on σ²/N there would be no
  // fit, while σ² = N·σ²/N stays above the floor for most eigenvalues.
  const t2 = noise(rows, cols, "t2", 60_012);
  const top = analyze(t2, [rows, cols]).eigenvalues[0];
  const x = t2.map((v) => v * Math.sqrt(0.5e-5 / top));
  const ww = analyze(x, [rows, cols], { powerLaw: "weightwatcher" });
  const squares = ww.singularValues.map((s) => s * s);
  const ref = referenceFit(squares, "weightwatcher")!;
  assert(ww.powerLaw !== null, "weightwatcher fit on σ²");
  assertEquals(ww.powerLaw.xmin, ref.xmin);
  assertEquals(ww.powerLaw.tailSize, ref.tailSize);
  assertAlmostEquals(ww.powerLaw.alpha, ref.alpha, 1e-9 * ref.alpha);
  assertAlmostEquals(ww.powerLaw.ks, ref.ks, 1e-9);
  assertGreater(ref.tailSize, 10);
  // On σ²/N every eigenvalue is under the floor: there would be no fit.
  assertLess(ww.eigenvalues[0], 1e-5);
  assertEquals(referenceFit(ww.eigenvalues, "weightwatcher"), null);
  const d = analyze(x, [rows, cols]);
  const refD = referenceFit(d.eigenvalues.subarray(0, d.rank), "default")!;
  assertEquals(d.powerLaw!.xmin, refD.xmin);
  assertAlmostEquals(d.powerLaw!.alpha, refD.alpha, 1e-9 * refD.alpha);
  assertAlmostEquals(d.powerLaw!.ks, refD.ks, 1e-9);
});

Deno.test("bad input: NaN and ±Inf counted, unknown options listed, rank-1 shapes and bad conv refused", () => {
  const x = noise(10, 10, "gauss", 60_013);
  x[3] = NaN;
  x[4] = NaN;
  x[5] = Infinity;
  x[6] = Infinity;
  x[7] = Infinity;
  x[8] = -Infinity;
  const e = assertThrows(() => analyze(x, [10, 10]), RangeError) as Error;
  assertStringIncludes(
    e.message,
    "analyzeSpectrumSync: x.values must be finite",
  );
  assertStringIncludes(e.message, "2 NaN");
  assertStringIncludes(e.message, "3 +Infinity");
  assertStringIncludes(e.message, "1 −Infinity");
  const ok = noise(10, 10, "gauss", 60_014);
  assertThrows(
    () => analyze(ok, [10, 10], { bins: 3 }),
    TypeError,
    'analyzeSpectrumSync: each key of options must be one of "conv", "powerLaw", "sigma2", "singularValues", "quantizationStep", "storedDtype", received "bins"',
  );
  assertThrows(
    () => analyze(ok, [100]),
    RangeError,
    "analyzeSpectrumSync: x.shape must be of rank >= 2 (a matrix), received [100]",
  );
  assertThrows(
    () => analyze(ok, [1, 1, 10, 10], { conv: "patches" }),
    RangeError,
    'analyzeSpectrumSync: options.conv must be one of "reshape", "slices", received "patches"',
  );
  assertThrows(() => analyze(ok, [10, 10], { powerLaw: "mle" }), RangeError);
  assertThrows(
    () => analyze(ok, [10, 10], { sigma2: -1 }),
    RangeError,
    "analyzeSpectrumSync: options.sigma2 must be a finite number > 0, received -1",
  );
  assertThrows(
    () => analyze(ok, [10, 9]),
    RangeError,
    "analyzeSpectrumSync: x.shape must be a shape of 100 elements (the length of x.values), received [10, 9]",
  );
  assertThrows(
    () => analyze([], [0, 5]),
    RangeError,
    "analyzeSpectrumSync: x.shape must be a non-empty shape, received [0, 5]",
  );
  assertThrows(
    () => analyzeSpectrumSync("x" as never),
    TypeError,
    'analyzeSpectrumSync: x must be host data { values, shape }, received "x"',
  );
});

Deno.test("analyzeSpectrum reads a tensor or Parameter and gives analyzeSpectrumSync's analysis", async () => {
  const values = noise(40, 30, "gauss", 60_015);
  const f32 = Float32Array.from(values);
  const expected = analyzeSpectrumSync({ values: f32, shape: [40, 30] });
  const t = tf.tensor2d(f32, [40, 30]);
  const p = new Parameter(t.clone());
  try {
    assertEquals(await analyzeSpectrum(t), expected);
    assertEquals(await analyzeSpectrum(p), expected);
    assertEquals(
      await analyzeSpectrum({ values: f32, shape: [40, 30] }),
      expected,
    );
    assertEquals(
      await analyzeSpectrum(t, { powerLaw: "weightwatcher" }),
      analyzeSpectrumSync({ values: f32, shape: [40, 30] }, {
        powerLaw: "weightwatcher",
      }),
    );
    // Errors are rejections, with the same classes and messages.
    await assertRejects(
      () => analyzeSpectrum(t, { bins: 3 } as never),
      TypeError,
      'analyzeSpectrum: each key of options must be one of "conv", "powerLaw", "sigma2", "singularValues", "quantizationStep", "storedDtype", received "bins"',
    );
    const v = tf.ones([10]);
    try {
      await assertRejects(
        () => analyzeSpectrum(v),
        RangeError,
        "analyzeSpectrum: x.shape must be of rank >= 2",
      );
    } finally {
      v.dispose();
    }
  } finally {
    t.dispose();
    p.dispose();
  }
});

Deno.test("singular values computed elsewhere (a worker) give the same analysis; a wrong length or slices are refused", () => {
  const values = noise(60, 40, "gauss", 60_016);
  const dw = noise(9, 12, "gauss", 60_017);
  for (
    const [x, shape] of [[values, [60, 40]], [dw, [3, 3, 12, 1]]] as [
      Float64Array,
      number[],
    ][]
  ) {
    const [rows, cols] = storageMatrix(shape);
    const sigma = singularValuesSync({ values: x, shape: [rows, cols] });
    assertEquals(
      analyzeSpectrumSync({ values: x, shape }, { singularValues: sigma }),
      analyzeSpectrumSync({ values: x, shape }),
    );
  }
  assertEquals(storageMatrix([3, 3, 12, 1]), [9, 12]);
  assertThrows(
    () =>
      analyzeSpectrumSync({ values, shape: [60, 40] }, {
        singularValues: new Float64Array(39),
      }),
    TypeError,
    "min(rows, cols) = 40",
  );
  assertThrows(
    () =>
      analyzeSpectrumSync({ values, shape: [2, 30, 40] }, {
        conv: "slices",
        singularValues: new Float64Array(40),
      }),
    TypeError,
    'conv "slices"',
  );
});
