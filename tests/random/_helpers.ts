/**
 * Shared pieces of the random tests: running Python for independent
 * checks, and the statistics (moments, Kolmogorov–Smirnov).
 *
 * @module
 */

import { HAVE_PYTHON, runPythonWith } from "../_python.ts";
import { Chunks } from "../../lib/random/_bits.ts";
import { philoxInto } from "../../lib/random/_philox_js.ts";
import type { Draw } from "../../lib/random/stream.ts";

export { HAVE_PYTHON };

if (!HAVE_PYTHON) {
  console.warn(
    "random tests: python3 is not on PATH; the independent Python cross-checks are ignored.",
  );
}

/** Runs `script` with python3, `input` as JSON on stdin; returns its stdout parsed as JSON. */
export async function python<T>(script: string, input: unknown): Promise<T> {
  return JSON.parse(await runPythonWith(script, JSON.stringify(input))) as T;
}

/**
 * The raw words `offset … offset + n − 1` of a draw, read through
 * `Chunks` as the one-word-per-element distributions read them (word `w` is
 * word `w mod 4` of the block with counter `[⌊w/4⌋ mod 2^32, ⌊w/4⌋ / 2^32,
 * stream, 0]`).
 */
export function drawWords(
  n: number,
  draw: Draw,
  offset: number = 0,
): Uint32Array {
  const out = new Uint32Array(n);
  const c = new Chunks(n, draw.key.k0, draw.key.k1, draw.stream, offset, 1);
  while (c.next()) out.set(c.words.subarray(c.at, c.at + c.count), c.i);
  return out;
}

/** One Philox-4x32-10 block of the JavaScript implementation (`_philox_js.ts`). */
export function philoxBlock(
  counter: readonly number[],
  key: readonly number[],
): number[] {
  const out = new Uint32Array(4);
  philoxInto(
    out,
    0,
    counter[0],
    counter[1],
    counter[2],
    counter[3],
    ...key as [number, number],
  );
  return [...out];
}

/** Sample mean and the central moments of order 2 and 4. */
export function moments(
  x: ArrayLike<number>,
): { mean: number; m2: number; m4: number } {
  let sum = 0;
  for (let i = 0; i < x.length; i++) sum += x[i];
  const mean = sum / x.length;
  let s2 = 0, s4 = 0;
  for (let i = 0; i < x.length; i++) {
    const d = x[i] - mean;
    const d2 = d * d;
    s2 += d2;
    s4 += d2 * d2;
  }
  return { mean, m2: s2 / x.length, m4: s4 / x.length };
}

/**
 * The Kolmogorov–Smirnov statistic `D = sup |F_n(x) − F(x)|` of a sample
 * against a continuous CDF `F`: with the sample sorted,
 * `D = max_i max(F(x_(i)) − (i − 1)/n, i/n − F(x_(i)))`.
 */
export function ksStatistic(
  sample: ArrayLike<number>,
  cdf: (x: number) => number,
): number {
  const sorted = Float64Array.from(sample).sort();
  const n = sorted.length;
  let d = 0;
  for (let i = 0; i < n; i++) {
    const f = cdf(sorted[i]);
    d = Math.max(d, f - i / n, (i + 1) / n - f);
  }
  return d;
}

/**
 * The KS critical value for significance level α ≈ 0.01: `1.63/√n`
 * (the asymptotic Kolmogorov distribution has P(√n·D > 1.628) = 0.01).
 */
export function ksCritical(n: number): number {
  return 1.63 / Math.sqrt(n);
}

/**
 * Moments of the standard normal truncated to `[a, b]`: mean, variance and
 * fourth central moment, by Simpson's rule on the density relative to its
 * value at the bound nearest 0 (so nothing underflows, far tails included).
 */
export function truncatedMoments(
  a: number,
  b: number,
): { mean: number; variance: number; mu4: number } {
  const lo = Math.max(a, -40), hi = Math.min(b, 40);
  const ref = lo > 0 ? lo : hi < 0 ? hi : 0; // where the density peaks
  const density = (x: number) => Math.exp(-0.5 * (x - ref) * (x + ref));
  const steps = 200000;
  const h = (hi - lo) / steps;
  const integrate = (g: (x: number) => number) => {
    let s = g(lo) + g(hi);
    for (let k = 1; k < steps; k++) {
      s += (k % 2 ? 4 : 2) * g(lo + k * h);
    }
    return (s * h) / 3;
  };
  const z = integrate(density);
  const mean = integrate((x) => x * density(x)) / z;
  const variance = integrate((x) => (x - mean) ** 2 * density(x)) / z;
  const mu4 = integrate((x) => (x - mean) ** 4 * density(x)) / z;
  return { mean, variance, mu4 };
}
