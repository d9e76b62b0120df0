/**
 * The spectrum analysis on real trained weights: every tensor of rank ≥ 2
 * of the face-api models (`tests/_face_api.ts`; fetched with npm on first
 * use; a failed fetch fails these tests).
 *
 * @module
 */
import {
  assert,
  assertAlmostEquals,
  assertEquals,
  assertGreater,
  assertGreaterOrEqual,
  assertLess,
  assertLessOrEqual,
} from "@std/assert";
import {
  analyzeSpectrumSync,
  SPECTRUM_VERDICTS,
  type SpectrumAnalysis,
} from "../../lib/stats/analyze_spectrum.ts";
import { type FaceApiTensor, faceApiWeights } from "../_face_api.ts";
import { referenceFit } from "./_power_law_reference.ts";

const product = (xs: readonly number[]) => xs.reduce((a, b) => a * b, 1);

/**
 * The matrix a tensor is read as: a depthwise kernel [...spatial, C, 1]
 * (spatial size > 1) as C × spatial, its filters; any other rank ≥ 3 shape
 * as [all axes but the last, last]; a matrix as itself.
 */
function expectedMatrix(shape: number[]): [number, number] {
  const last = shape[shape.length - 1];
  const spatial = product(shape.slice(0, -2));
  if (shape.length >= 3 && last === 1 && spatial > 1) {
    return [shape[shape.length - 2], spatial];
  }
  return [product(shape.slice(0, -1)), last];
}

async function matrices(): Promise<FaceApiTensor[]> {
  const all = await faceApiWeights();
  return all.filter((w) => w.shape.length >= 2);
}

Deno.test("face-api: every tensor of rank ≥ 2 analyses; depthwise kernels read as [C, kh·kw]; at most a quarter spikes; zero tensors are 'zero'", async () => {
  const tensors = await matrices();
  assertGreater(tensors.length, 100);
  const counts: Record<string, number> = {};
  let depthwise = 0;
  let zeros = 0;
  let large = 0;
  let overHalf = 0;
  let rescaled = 0;
  let spikesTotal = 0;
  const start = performance.now();
  for (const w of tensors) {
    const what = `${w.model} ${w.name} [${w.shape}]`;
    const a = analyzeSpectrumSync({ values: w.values, shape: w.shape });
    const [rows, cols] = expectedMatrix(w.shape);
    assertEquals(a.matrixShape, [rows, cols], what);
    const isDepthwise = w.shape.length >= 3 && w.shape.at(-1) === 1 &&
      product(w.shape.slice(0, -2)) > 1;
    if (isDepthwise) depthwise++;
    const m = Math.min(rows, cols);
    assertEquals(a.singularValues.length, m, what);
    assertEquals(a.eigenvalues.length, m, what);
    for (let i = 0; i < m; i++) {
      assert(Number.isFinite(a.singularValues[i]), what);
      if (i > 0) assert(a.singularValues[i] <= a.singularValues[i - 1], what);
    }
    assert(SPECTRUM_VERDICTS.includes(a.verdict), what);
    // Spikes are capped at a quarter of the eigenvalues by design.
    assertLessOrEqual(
      4 * a.spikes,
      a.eigenvalues.length,
      `${what}: ${a.spikes} spikes`,
    );
    assertEquals(a.spikeIndices.length, a.spikes, what);
    const allZero = w.values.every((v) => v === 0);
    if (allZero) zeros++;
    assertEquals(a.verdict === "zero", allZero, `${what}: ${a.verdict}`);
    if (m >= 50) {
      large++;
      if (2 * a.spikes > a.eigenvalues.length) overHalf++;
    }
    if (a.rescaled) rescaled++;
    spikesTotal += a.spikes;
    counts[a.verdict] = (counts[a.verdict] ?? 0) + 1;
  }
  const ms = performance.now() - start;
  // face-api 1.7.15 has depthwise kernels in every model but the
  // recognition one, and two all-zero tensors (the tiny landmark model's
  // dense0/conv2): both branches are exercised.
  assertGreater(depthwise, 10);
  assertGreater(zeros, 0);
  assertEquals(overHalf, 0);
  console.log(
    `face-api: ${tensors.length} tensors of rank ≥ 2, verdicts ${
      SPECTRUM_VERDICTS.filter((v) => counts[v]).map((v) => `${v} ${counts[v]}`)
        .join(
          ", ",
        )
    }; ${depthwise} depthwise, ${zeros} all zero, ${rescaled} rescaled, ${spikesTotal} spikes in all; ${large} with min side ≥ 50, ${overHalf} of them with spikes > half the eigenvalues; ${
      (ms / 1000).toFixed(1)
    } s`,
  );
});

Deno.test("face-api: conv kernels as slices pool kh·kw matrices of [in, out]", async () => {
  const kernels = (await matrices()).filter((w) =>
    w.shape.length === 4 && w.shape[3] > 1 && w.shape[0] * w.shape[1] > 1
  );
  assertGreater(kernels.length, 10);
  for (const w of kernels) {
    const what = `${w.model} ${w.name} [${w.shape}]`;
    const [kh, kw, cin, cout] = w.shape;
    const a = analyzeSpectrumSync(
      { values: w.values, shape: w.shape },
      { conv: "slices" },
    );
    assertEquals(a.matrixShape, [cin, cout], what);
    assertEquals(a.slices, kh * kw, what);
    assertEquals(a.singularValues.length, kh * kw * Math.min(cin, cout), what);
    assertLessOrEqual(4 * a.spikes, a.eigenvalues.length, what);
    assert(SPECTRUM_VERDICTS.includes(a.verdict), what);
  }
});

Deno.test("face-api: power-law fits in analyzeSpectrum match the O(n²) references (default on σ²/N, weightwatcher on σ²)", async () => {
  const tensors = await matrices();
  // One tensor per size of the shorter side, from 32 to 1024.
  const picked = new Map<number, FaceApiTensor>();
  for (const w of tensors) {
    const m = Math.min(...expectedMatrix(w.shape));
    if ([32, 64, 128, 256, 512, 1024].includes(m) && !picked.has(m)) {
      if (w.values.some((v) => v !== 0)) picked.set(m, w);
    }
  }
  assertEquals(picked.size, 6);
  for (const w of picked.values()) {
    const what = `${w.model} ${w.name} [${w.shape}]`;
    const x = { values: w.values, shape: w.shape };
    const check = (
      a: SpectrumAnalysis,
      values: ArrayLike<number>,
      method: "default" | "weightwatcher",
    ) => {
      const ref = referenceFit(values, method);
      assert(a.powerLaw !== null && ref !== null, `${what} (${method})`);
      assertEquals(a.powerLaw.xmin, ref.xmin, `${what} (${method}): xmin`);
      assertEquals(a.powerLaw.tailSize, ref.tailSize, `${what} (${method})`);
      assertAlmostEquals(a.powerLaw.alpha, ref.alpha, 1e-9 * ref.alpha, what);
      assertAlmostEquals(a.powerLaw.ks, ref.ks, 1e-9, what);
    };
    const d = analyzeSpectrumSync(x);
    check(d, d.eigenvalues.subarray(0, d.rank), "default");
    const ww = analyzeSpectrumSync(x, { powerLaw: "weightwatcher" });
    check(ww, ww.singularValues.map((s) => s * s), "weightwatcher");
  }
});

Deno.test("face-api: with the uint8 grid's step, every quantised matrix's rank counts only singular values above the rounding floor", async () => {
  const quantised = (await matrices()).filter((w) =>
    w.quantization?.dtype === "uint8" && w.quantization.scale !== undefined &&
    w.shape.length === 2
  );
  assertGreater(quantised.length, 0);
  for (const w of quantised) {
    const what = `${w.model} ${w.name} [${w.shape}]`;
    const h = w.quantization!.scale!;
    const plain = analyzeSpectrumSync({ values: w.values, shape: w.shape });
    const a = analyzeSpectrumSync(
      { values: w.values, shape: w.shape },
      { quantizationStep: h },
    );
    const [rows, cols] = expectedMatrix(w.shape);
    const live = [rows - a.zeroRows, cols - a.zeroCols];
    const floor = (h / Math.sqrt(12)) *
      (Math.sqrt(live[0]) + Math.sqrt(live[1]));
    assertGreaterOrEqual(a.rankTolerance, floor, what);
    assertEquals(
      a.rank,
      a.singularValues.filter((s) => s > a.rankTolerance).length,
      what,
    );
    assertLessOrEqual(a.rank, plain.rank, what);
  }
  // The recognition net's last layer, fc [256, 128]: 47 of its 128 singular
  // values lie under the floor (notebook 07): rank about 80, not 128.
  const fc = quantised.find((w) =>
    w.model === "face_recognition_model" && w.name === "fc"
  )!;
  const a = analyzeSpectrumSync(
    { values: fc.values, shape: fc.shape },
    { quantizationStep: fc.quantization!.scale! },
  );
  assertLess(a.rank, 90);
  assertGreater(a.rank, 70);
  // Off square, the bulk's lower edge is far above the floor: structure.
  assertLess(a.expectedBelowTolerance!, 1);
  assertEquals([a.lowRank, a.verdict], [true, "low-rank"]);
  // A square 32 × 32 pointwise filter loses one singular value under the
  // floor, as a random matrix of that shape does (E ≈ 1): not low-rank.
  const square = (await matrices()).find((w) =>
    w.model === "face_expression_model" &&
    w.name === "dense0/conv3/pointwise_filter"
  )!;
  const s = analyzeSpectrumSync(
    { values: square.values, shape: square.shape },
    { quantizationStep: square.quantization!.scale! },
  );
  assertEquals(s.rank, 31);
  assertEquals([s.lowRank, s.verdict], [false, "random-like"]);
  assertGreater(s.expectedBelowTolerance!, 0.1);
  assertEquals(
    analyzeSpectrumSync({ values: fc.values, shape: fc.shape }).rank,
    128,
  );
});
