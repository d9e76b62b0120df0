/**
 * The laws of the initializers against theory, with fixed seeds and
 * tolerances derived from the sample size (see _stats.ts).
 */
import {
  assert,
  assertAlmostEquals,
  assertEquals,
  assertLessOrEqual,
} from "@std/assert";
import { initializers, tf } from "../../mod.ts";
import {
  ksCritical,
  ksStatistic,
  momentsOf,
  Phi,
  phi,
  sampleMoments,
  tolerances,
} from "./_stats.ts";

const I = initializers;
const N = 200_000;

async function values(t: tf.Tensor): Promise<Float32Array> {
  const v = (await t.data()) as Float32Array;
  t.dispose();
  return v;
}

/** Checks mean, variance, bounds and the KS statistic against a density on [a, b]. */
function checkLaw(
  label: string,
  v: Float32Array,
  pdf: (x: number) => number,
  cdf: (x: number) => number,
  a: number,
  b: number,
): void {
  const theory = momentsOf(pdf, a, b);
  const tol = tolerances(theory, v.length);
  const got = sampleMoments(v);
  assertAlmostEquals(got.mean, theory.mean, tol.mean, `${label}: mean`);
  assertAlmostEquals(
    got.variance,
    theory.variance,
    tol.variance,
    `${label}: variance`,
  );
  for (const x of v) {
    assert(x >= a && x <= b, `${label}: ${x} outside [${a}, ${b}]`);
  }
  const d = ksStatistic(v, cdf);
  assertLessOrEqual(d, ksCritical(v.length), `${label}: KS statistic`);
}

Deno.test("randomUniform: U(minval, maxval)", async () => {
  const [lo, hi] = [-0.3, 0.7];
  const v = await values(
    I.randomUniform([N], { minval: lo, maxval: hi, seed: 11 }),
  );
  checkLaw(
    "uniform",
    v,
    () => 1 / (hi - lo),
    (x) => (x - lo) / (hi - lo),
    lo,
    hi,
  );
});

Deno.test("randomNormal: N(mean, stddev²)", async () => {
  const [mean, std] = [1.5, 0.4];
  const v = await values(I.randomNormal([N], { mean, stddev: std, seed: 12 }));
  const pdf = (x: number) => phi((x - mean) / std) / std;
  checkLaw(
    "normal",
    v,
    pdf,
    (x) => Phi((x - mean) / std),
    mean - 9 * std,
    mean + 9 * std,
  );
});

Deno.test("truncatedNormal: N(mean, stddev²) on [mean + lower·sd, mean + upper·sd]", async () => {
  for (const [lower, upper] of [[-2, 2], [-1, 3], [0.5, 1.5], [3, 6]]) {
    const [mean, std] = [0.2, 0.5];
    const v = await values(
      I.truncatedNormal([N], { mean, stddev: std, lower, upper, seed: 13 }),
    );
    const z = Phi(upper) - Phi(lower);
    const pdf = (x: number) => phi((x - mean) / std) / std / z;
    const cdf = (x: number) => (Phi((x - mean) / std) - Phi(lower)) / z;
    checkLaw(
      `truncated [${lower}, ${upper}]`,
      v,
      pdf,
      cdf,
      mean + lower * std,
      mean + upper * std,
    );
  }
});

Deno.test("glorotNormal's variance is exactly 2/(fanIn + fanOut) (the 0.8796 correction)", async () => {
  const [fanIn, fanOut] = [300, 500];
  const v = await values(I.glorotNormal([fanIn, fanOut], { seed: 14 }));
  const target = 2 / (fanIn + fanOut);
  const s = Math.sqrt(target) / I.TRUNCATED_NORMAL_STD_FACTOR;
  const pdf = (x: number) => phi(x / s) / s;
  const theory = momentsOf(pdf, -2 * s, 2 * s);
  assertAlmostEquals(theory.variance, target, target * 1e-9);
  const tol = tolerances(theory, v.length);
  assertAlmostEquals(sampleMoments(v).variance, target, tol.variance);
  // tfjs's uncorrected draw would sit at 0.774 × target, over ten such tolerances away.
  assert(Math.abs(0.7737 * target - target) > 10 * tol.variance);
});

Deno.test("variance scaling: every mode and distribution hits gain²·scale/fan", async () => {
  const shape = [3, 3, 40, 60]; // fanIn 360, fanOut 540
  const fans = { fanIn: 360, fanOut: 540, fanAvg: 450 };
  for (const mode of ["fanIn", "fanOut", "fanAvg"] as const) {
    for (
      const distribution of ["uniform", "normal", "truncatedNormal"] as const
    ) {
      const v = await values(
        I.varianceScaling(shape, {
          scale: 2,
          mode,
          distribution,
          gain: 1.5,
          seed: 15,
        }),
      );
      const target = (1.5 ** 2 * 2) / fans[mode];
      const got = sampleMoments(v).variance;
      // Fourth moment at most 3σ⁴ for these laws, so SE(s²) ≤ √(2/n)·σ².
      const tol = 5 * Math.sqrt(2 / v.length) * target;
      assertAlmostEquals(got, target, tol, `${mode} ${distribution}`);
    }
  }
});

Deno.test("named forms: Glorot, He and LeCun variances side by side", async () => {
  const [fi, fo] = [200, 100];
  const expected: Record<string, number> = {
    glorotUniform: 2 / (fi + fo),
    glorotNormal: 2 / (fi + fo),
    heUniform: 2 / fi,
    heNormal: 2 / fi,
    lecunUniform: 1 / fi,
    lecunNormal: 1 / fi,
  };
  for (const [name, target] of Object.entries(expected)) {
    const init = I.getInitializer(name);
    const v = await values(init([fi, fo], { seed: 16 }));
    const tol = 5 * Math.sqrt(2 / v.length) * target;
    assertAlmostEquals(sampleMoments(v).variance, target, tol, name);
  }
});

Deno.test("binomial: the frequency of ones is p within 5 binomial standard errors", async () => {
  for (const p of [0.05, 0.5, 0.9]) {
    const v = await values(I.binomial([N], { probability: p, seed: 17 }));
    let ones = 0;
    for (const x of v) {
      assert(x === 0 || x === 1);
      ones += x;
    }
    const se = Math.sqrt((p * (1 - p)) / N);
    assertAlmostEquals(ones / N, p, 5 * se, `p = ${p}`);
  }
  assertEquals(
    await values(I.binomial([50], { probability: 1, seed: 1 })),
    new Float32Array(50).fill(1),
  );
});

/** max |WᵀW − gain²I| (or WWᵀ for wide W), accumulated in Float64. */
function orthogonalityError(
  w: Float32Array,
  rows: number,
  cols: number,
  gain: number,
): number {
  const tall = rows >= cols;
  const k = tall ? cols : rows;
  const len = tall ? rows : cols;
  const at = (i: number, t: number) => tall ? w[t * cols + i] : w[i * cols + t];
  let worst = 0;
  for (let i = 0; i < k; i++) {
    for (let j = i; j < k; j++) {
      let dot = 0;
      for (let t = 0; t < len; t++) dot += at(i, t) * at(j, t);
      worst = Math.max(worst, Math.abs(dot - (i === j ? gain * gain : 0)));
    }
  }
  return worst;
}

Deno.test("orthogonal: square, tall, wide and conv shapes are (semi-)orthogonal", async () => {
  for (
    const [shape, gain] of [[[64, 64], 1], [[100, 30], 2], [[20, 90], 1], [[
      3,
      3,
      4,
      8,
    ], 1]] as const
  ) {
    const v = await values(I.orthogonal([...shape], { gain, seed: 18 }));
    const cols = shape[shape.length - 1];
    const rows = v.length / cols;
    assertLessOrEqual(
      orthogonalityError(v, rows, cols, gain),
      1e-5 * gain * gain,
      `${shape}`,
    );
  }
});

Deno.test("orthogonal is Haar: entries have mean 0 and variance 1/n over many seeds (sign fix)", async () => {
  const n = 4;
  const seeds = 4000;
  const sum = new Float64Array(n * n);
  const sumSq = new Float64Array(n * n);
  for (let seed = 0; seed < seeds; seed++) {
    const v = await values(I.orthogonal([n, n], { seed }));
    for (let i = 0; i < n * n; i++) {
      sum[i] += v[i];
      sumSq[i] += v[i] * v[i];
    }
  }
  // Each entry is a coordinate x of a uniform unit vector in R^n:
  // E x = 0, E x² = 1/n, E x⁴ = 3/(n(n+2)).
  const seMean = Math.sqrt(1 / n / seeds);
  const seVar = Math.sqrt((3 / (n * (n + 2)) - 1 / n ** 2) / seeds);
  for (let i = 0; i < n * n; i++) {
    assertAlmostEquals(
      sum[i] / seeds,
      0,
      5 * seMean,
      `mean of Q[${i >> 2}][${i & 3}]`,
    );
    assertAlmostEquals(
      sumSq[i] / seeds,
      1 / n,
      5 * seVar,
      `E Q[${i >> 2}][${i & 3}]²`,
    );
  }
});

// (WebGPU's leg runs in tests/_webgpu_checks.ts, in a process of its own:
// a process that has used Mesa's adapter may abort at exit.)
Deno.test("the same seed gives bit-identical values on cpu and wasm", async () => {
  const { getBackend, setBackend } = await import("../../mod.ts");
  const previous = getBackend();
  const backends: string[] = ["cpu", "wasm"];
  const draws: Record<string, Float32Array[]> = {};
  try {
    for (const b of backends) {
      await setBackend(b as "cpu");
      draws[b] = [];
      for (
        const name of [
          "glorotNormal",
          "orthogonal",
          "randomUniform",
          "binomial",
          "truncatedNormal",
        ]
      ) {
        const t = I.getInitializer(name)([33, 17], { seed: 2024 });
        assertEquals(tf.getBackend(), b);
        draws[b].push(await values(t));
      }
    }
  } finally {
    await setBackend(previous);
  }
  for (const b of backends.slice(1)) {
    draws[b].forEach((v, i) => {
      assertEquals(
        new Uint32Array(v.buffer),
        new Uint32Array(draws.cpu[i].buffer),
        `${b} vs cpu, initializer ${i}`,
      );
    });
  }
});
