/**
 * `assertSpectrum`: does `analyzeSpectrum` find the verdict, spikes and rank
 * a test expects?
 *
 * @module
 */
import { AssertionError } from "@std/assert";
import { checkCount, rangeError, typeError } from "../validate.ts";
import { readWeights, type WeightsLike } from "../read/weights.ts";
import {
  analyzeSpectrumAs,
  type AnalyzeSpectrumOptions,
  SPECTRUM_VERDICTS,
  type SpectrumAnalysis,
  type SpectrumVerdict,
} from "../stats/analyze_spectrum.ts";
import { num, shapeText } from "./_format.ts";

/** What {@linkcode assertSpectrum} expects, and the analysis's own options. */
export interface AssertSpectrumOptions extends AnalyzeSpectrumOptions {
  /** The verdict, or the verdicts accepted. */
  verdict?: SpectrumVerdict | readonly SpectrumVerdict[];
  /** The number of spikes (eigenvalues separated above the Marchenko–Pastur bulk). */
  spikes?: number;
  /** The numerical rank. */
  rank?: number;
}

const FN = "assertSpectrum";

function checkVerdicts(value: unknown): readonly SpectrumVerdict[] {
  const list = Array.isArray(value) ? value : [value];
  const what = `one of ${
    SPECTRUM_VERDICTS.map((s) => JSON.stringify(s)).join(", ")
  }, or a non-empty array of them`;
  if (list.length === 0) {
    throw rangeError(FN, "options.verdict", what, value);
  }
  for (const v of list) {
    if (!SPECTRUM_VERDICTS.includes(v as SpectrumVerdict)) {
      throw (typeof v === "string" ? rangeError : typeError)(
        FN,
        "options.verdict",
        what,
        value,
      );
    }
  }
  return list as SpectrumVerdict[];
}

function found(a: SpectrumAnalysis): string {
  const mp = a.marchenkoPastur;
  const bulk = mp === null
    ? "no Marchenko–Pastur bulk"
    : `bulk edge λ+ = ${num(mp.lambdaPlus)} (σ² = ${num(mp.sigma2)}, ${
      mp.fitted ? "fitted" : "given"
    })`;
  const largest = a.eigenvalues.length > 0
    ? `, largest eigenvalue ${num(a.eigenvalues[0])}`
    : "";
  return `analyzeSpectrum found verdict "${a.verdict}", ${a.spikes} spike${
    a.spikes === 1 ? "" : "s"
  }, rank ${a.rank} of ${
    Math.min(...a.matrixShape)
  }, ${bulk}${largest} (${a.summary})`;
}

/**
 * Asserts what {@linkcode analyzeSpectrum} finds in `x`'s singular-value
 * spectrum: each expectation given is checked, and at least one must be.
 *
 * - `verdict`: the verdict (`"random-like"`, `"spiked"`, `"low-rank"`,
 *   `"heavy-tailed"`, `"flat"`, `"binary"`, `"zero"`), or an array of the
 *   verdicts accepted.
 * - `spikes`: the exact number of spikes, eigenvalues separated above the
 *   Marchenko–Pastur bulk (designed for a false-alarm rate of 10⁻³ per
 *   matrix of iid noise, see `SpectrumAnalysis.spikes`).
 * - `rank`: the exact numerical rank.
 *
 * The analysis's own options (`conv`, `powerLaw`, `sigma2`) pass through.
 * The values are read once with `await tensor.data()`.
 *
 * @param x A tensor, Parameter, LayerVariable or `{ values, shape }` of rank ≥ 2.
 * @param options The expectations, and the analysis's options.
 * @returns The analysis, for further checks.
 * @throws {AssertionError} When an expectation fails: the message lists each
 * failed expectation against what was found, then the verdict, spikes, rank,
 * bulk edge and summary of the analysis.
 * @throws {TypeError} When no expectation is given, for an unknown option,
 * a non-number count or an `x` that is not weights.
 * @throws {RangeError} For an unknown verdict, a count that is not a
 * non-negative integer, or what `analyzeSpectrum` refuses (rank < 2, an
 * empty input, NaN or ±Inf entries).
 *
 * @example A planted rank-3 signal is three spikes; pure noise is random-like
 * ```ts
 * import { initializers, tf } from "../../mod.ts";
 * import { assertSpectrum } from "../../testing.ts";
 * import { AssertionError, assertRejects } from "@std/assert";
 *
 * const noise = initializers.randomNormal([400, 200], { stddev: 1, seed: 1 });
 * await assertSpectrum(noise, { verdict: "random-like", spikes: 0 });
 * const u = initializers.randomNormal([400, 3], { stddev: 1, seed: 2 });
 * const v = initializers.randomNormal([3, 200], { stddev: 1, seed: 3 });
 * const signal = tf.tidy(() => noise.add(tf.matMul(u, v).mul(0.3)));
 * await assertSpectrum(signal, { verdict: "spiked", spikes: 3 });
 * await assertRejects(() => assertSpectrum(noise, { spikes: 3 }), AssertionError, "expected 3 spikes");
 * tf.dispose([noise, u, v, signal]);
 * ```
 */
export async function assertSpectrum(
  x: WeightsLike,
  options: AssertSpectrumOptions,
): Promise<SpectrumAnalysis> {
  const what = "an object with at least one of verdict, spikes or rank";
  if (
    options === null || typeof options !== "object" || Array.isArray(options)
  ) {
    throw typeError(FN, "options", what, options);
  }
  const { verdict, spikes, rank, ...analysisOptions } = options;
  if (verdict === undefined && spikes === undefined && rank === undefined) {
    throw typeError(FN, "options", what, options);
  }
  const verdicts = verdict === undefined ? null : checkVerdicts(verdict);
  const wantSpikes = spikes === undefined
    ? null
    : checkCount(FN, "options.spikes", spikes);
  const wantRank = rank === undefined
    ? null
    : checkCount(FN, "options.rank", rank);
  const a = analyzeSpectrumAs(
    FN,
    await readWeights(x, FN),
    analysisOptions,
  );
  const failures: string[] = [];
  if (verdicts !== null && !verdicts.includes(a.verdict)) {
    const expected = verdicts.map((v) => `"${v}"`).join(" or ");
    failures.push(`expected verdict ${expected}, found "${a.verdict}"`);
  }
  if (wantSpikes !== null && a.spikes !== wantSpikes) {
    failures.push(
      `expected ${wantSpikes} spike${
        wantSpikes === 1 ? "" : "s"
      }, found ${a.spikes}`,
    );
  }
  if (wantRank !== null && a.rank !== wantRank) {
    failures.push(`expected rank ${wantRank}, found ${a.rank}`);
  }
  if (failures.length > 0) {
    throw new AssertionError(
      `spectrum of shape ${shapeText(a.shape)} does not match: ${
        failures.join("; ")
      }. ${found(a)}`,
    );
  }
  return a;
}
