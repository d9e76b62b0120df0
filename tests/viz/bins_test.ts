/**
 * Histogram bins for values on a grid (viz/_bins.ts): quantised weights
 * binned k steps at a time with edges halfway between levels, so that the
 * histogram has no comb of 2- and 3-level bins.
 */
import {
  assert,
  assertAlmostEquals,
  assertEquals,
  assertRejects,
} from "@std/assert";
import { join } from "node:path";
import { buildFile, entry } from "../io/_helpers.ts";
import { withTempDir } from "../_scoped.ts";
import { gridStep, histogramBinning } from "../../viz/_bins.ts";
import { histogramSync } from "../../lib/stats/histogram.ts";
import { lowerTail } from "../../lib/_normal.ts";
import { bfloat16, float8, noise, onGrid } from "../stats/_spectra.ts";
import { loadWeights, plotHistogram, tf } from "../../mod.ts";
import { wallBins } from "../../viz/_rows.ts";
import { lawOf } from "../../lib/stats/laws.ts";

const N = 256 * 512;
const gauss = noise(256, 512, "gauss", 5);

/** The largest |count − expected| / √expected over the bins expecting more than 200. */
function worstDeviation(
  values: Float32Array,
  binning: { bins: number; range?: [number, number] },
): number {
  const h = histogramSync(values, binning);
  let worst = 0;
  for (let i = 0; i < h.counts.length; i++) {
    // Rounding to the nearest level puts in a bin exactly the unrounded
    // values between its edges, when the edges lie halfway between levels.
    const e = N * (lowerTail(h.edges[i + 1]) - lowerTail(h.edges[i]));
    if (e > 200) {
      worst = Math.max(worst, Math.abs(h.counts[i] - e) / Math.sqrt(e));
    }
  }
  return worst;
}

Deno.test("gridStep finds a uint8 grid's step, and no grid in continuous, few-valued or non-uniform data", () => {
  const { stored, step } = onGrid(gauss, 255);
  assertAlmostEquals(gridStep(stored)!, step, step * 1e-6);
  assertEquals(gridStep(Float32Array.from(gauss)), null);
  assertEquals(gridStep(Float32Array.from(gauss, (v) => Math.sign(v))), null);
  // bfloat16 has a few thousand values here, but their spacing doubles
  // from one power of two to the next: not a uniform grid.
  assertEquals(gridStep(Float32Array.from(gauss, bfloat16)), null);
});

Deno.test("on a uint8 grid, bins a whole number of steps wide follow the law; equal-width bins over [min, max] make a comb", () => {
  const { stored, step } = onGrid(gauss, 255);
  const binning = histogramBinning(stored);
  const [low, high] = binning.range!;
  const k = (high - low) / binning.bins / step;
  assertAlmostEquals(k, Math.round(k), 1e-6, "bins are whole steps");
  // Edges halfway between levels: no value within a quarter step of one.
  const edges = histogramSync(stored, binning).edges;
  for (const v of stored.subarray(0, 5000)) {
    const nearest = edges.reduce(
      (d, e) => Math.min(d, Math.abs(e - v)),
      Infinity,
    );
    assert(nearest > step / 4, `${v} is ${nearest} from an edge`);
  }
  assert(worstDeviation(stored, binning) < 5, "aligned bins follow the law");
  // The same number of bins, equal width over [min, max]: 2 or 3 levels in
  // turn, counts off by far more than sampling explains.
  assert(worstDeviation(stored, { bins: binning.bins }) > 10, "the comb");
  // A given step is used as is; a caller's bins are kept.
  const given = histogramBinning(stored, { step });
  assertEquals(given.bins, binning.bins);
  given.range!.forEach((e, i) =>
    assertAlmostEquals(e, binning.range![i], step * 1e-4)
  );
  assertEquals(histogramBinning(stored, { bins: 7 }), { bins: 7 });
  assertEquals(histogramBinning(Float32Array.from(gauss)).range, undefined);
});

Deno.test("plotHistogram of quantised weights draws the aligned bins", async () => {
  const { stored } = onGrid(gauss, 255);
  const fig = await plotHistogram({ values: stored, shape: [256, 512] });
  assert(fig.text.includes(`${histogramBinning(stored).bins} bins`), fig.text);
});

/** Every finite float8_e4m3fn number, ascending (each byte's value, {@linkcode float8Byte}). */
const E4M3 = [
  ...new Set(
    Array.from({ length: 256 }, (_, b) => float8Byte(b)).filter(
      Number.isFinite,
    ),
  ),
].sort((a, b) => a - b);

Deno.test("8-bit floats: power-of-two bins aligned to the format hold whole steps and follow the law; equal-width bins make a comb", () => {
  const sigma = 40; // scaled toward the format's range, as FP8 checkpoints are
  const stored = Float32Array.from(
    gauss,
    (v) => float8(sigma * v, "float8_e4m3fn"),
  );
  const binning = histogramBinning(stored, { format: "float8_e4m3fn" });
  const h = histogramSync(stored, binning);
  const width = h.edges[1] - h.edges[0];
  assertEquals(Math.log2(width) % 1, 0, "a power of two");
  // No number of the format on an edge; a bin holds as many as its
  // neighbour when both lie between the same powers of two.
  const inside = (i: number) =>
    E4M3.filter((v) => v >= h.edges[i] && v < h.edges[i + 1]);
  for (let i = 0; i < h.counts.length; i++) {
    assert(!E4M3.includes(h.edges[i]), `edge ${h.edges[i]}`);
    const here = inside(i);
    const next = i + 1 < h.counts.length ? inside(i + 1) : [];
    const binade = (v: number) => Math.floor(Math.log2(Math.abs(v)));
    if (
      here.length && next.length && here.every((v) => v > 0) &&
      binade(here[0]) === binade(next[next.length - 1])
    ) assertEquals(here.length, next.length, `bins ${i}, ${i + 1}`);
  }
  // The law of the rounded values: a bin gets the unrounded values between
  // the rounding boundaries (midpoints of adjacent numbers) at its edges.
  const boundary = (e: number) => {
    const next = E4M3.findIndex((v) => v >= e);
    return next <= 0
      ? (next === 0 ? -Infinity : Infinity)
      : (E4M3[next - 1] + E4M3[next]) / 2;
  };
  const deviation = (
    g: { edges: Float64Array; counts: Float64Array },
    exact: boolean,
  ) => {
    let worst = 0;
    for (let i = 0; i < g.counts.length; i++) {
      const [a, b] = exact
        ? [boundary(g.edges[i]), boundary(g.edges[i + 1])]
        : [g.edges[i], g.edges[i + 1]];
      const e = N * (lowerTail(b / sigma) - lowerTail(a / sigma));
      if (e > 200) {
        worst = Math.max(worst, Math.abs(g.counts[i] - e) / Math.sqrt(e));
      }
    }
    return worst;
  };
  assert(deviation(h, true) < 5, "aligned bins follow the law");
  const plain = histogramSync(stored, { bins: histogramBinning(stored).bins });
  assert(
    deviation(plain, false) > 10,
    "equal-width bins over [min, max]: a comb",
  );
});

Deno.test("plotHistogram compare of two weights on one grid: aligned bins for both", async () => {
  const { stored } = onGrid(gauss, 255);
  const shuffled = stored.slice().reverse();
  const fig = await plotHistogram({ values: stored, shape: [256, 512] }, {
    compare: { x: { values: shuffled, shape: [256, 512] } },
    expected: null,
  });
  const both = new Float64Array([...stored, ...shuffled]);
  assert(fig.text.includes(`${histogramBinning(both).bins} bins`), fig.text);
});

Deno.test("plotHistogram takes storedDtype and quantizationStep, and a WeightMap's own for each weight", async () => {
  const stored = Float32Array.from(
    gauss,
    (v) => float8(40 * v, "float8_e4m3fn"),
  );
  const x = { values: stored, shape: [256, 512] };
  const aligned = histogramBinning(stored, { format: "float8_e4m3fn" }).bins;
  assert(aligned !== histogramBinning(stored).bins, "a different binning");
  const fig = await plotHistogram(x, { storedDtype: "float8_e4m3fn" });
  assert(fig.text.includes(`${aligned} bins`), fig.text);
  await assertRejects(
    () => plotHistogram(x, { storedDtype: "float8" as never }),
    RangeError,
    'plotHistogram: options.storedDtype must be one of "float16", "bfloat16", "float8_e4m3fn", "float8_e5m2", received "float8"',
  );
  await assertRejects(
    () => plotHistogram(x, { quantizationStep: 0 }),
    RangeError,
    "plotHistogram: options.quantizationStep must be",
  );
  // The same values in an F8_E4M3 safetensors file, through loadWeights.
  const byte = new Map<number, number>();
  for (let b = 0; b < 256; b++) {
    const v = float8Byte(b);
    if (!byte.has(v)) byte.set(v, b);
  }
  await withTempDir(async (dir) => {
    const path = join(dir, "fp8.safetensors");
    await Deno.writeFile(
      path,
      buildFile(
        { w: entry("F8_E4M3", [256, 512], 0, N) },
        Uint8Array.from(stored, (v) => Object.is(v, 0) ? 0 : byte.get(v)!),
      ),
    );
    const weights = await loadWeights(path);
    try {
      const figure = await plotHistogram(weights);
      assert(figure.text.includes(`${aligned} bins`), figure.text);
    } finally {
      tf.dispose([...weights.values()]);
    }
  });
});

/** The value of an E4M3 byte (sign, 4 exponent bits with bias 7, 3 mantissa bits; 0x7f/0xff NaN). */
function float8Byte(b: number): number {
  const sign = b & 0x80 ? -1 : 1;
  const e = (b >> 3) & 15;
  const m = b & 7;
  if (e === 15 && m === 7) return NaN;
  return sign * (e === 0 ? (m / 8) * 2 ** -6 : (1 + m / 8) * 2 ** (e - 7));
}

Deno.test("shared rows: a law with walls gets a whole number of bins between them; a normal keeps the shared bins", () => {
  const range: [number, number] = [-0.108, 0.108];
  const uniform = lawOf({ kind: "uniform", low: -0.05, high: 0.05 });
  const b = wallBins(uniform, range, 40);
  const width = (b.range[1] - b.range[0]) / b.bins;
  const edge = (x: number) =>
    Math.abs((x - b.range[0]) / width - Math.round((x - b.range[0]) / width));
  assert(edge(-0.05) < 1e-9 && edge(0.05) < 1e-9, "both walls are edges");
  assert(
    b.range[0] <= range[0] && b.range[1] >= range[1],
    "covers the shared range",
  );
  assert(
    Math.abs(width / (0.216 / 40) - 1) < 0.1,
    `width ${width} near the shared one`,
  );
  // A truncated normal has walls too; a normal fades out and keeps the bins.
  const truncated = lawOf({
    kind: "truncatedNormal",
    mean: 0,
    std: 0.05,
    low: -0.1,
    high: 0.1,
  });
  assert(wallBins(truncated, range, 40).range[0] !== range[0]);
  const normal = lawOf({ kind: "normal", mean: 0, std: 0.03 });
  assertEquals(wallBins(normal, range, 40), { bins: 40, range });
  assertEquals(wallBins(null, range, 40), { bins: 40, range });
});
