/**
 * Reference statistics for the initializer tests: exact moments by numerical
 * integration, the normal CDF, and the Kolmogorov–Smirnov statistic.
 *
 * @module
 */
export { ksStatistic } from "../random/_helpers.ts";

/** The standard normal density. */
export function phi(x: number): number {
  return Math.exp(-0.5 * x * x) / Math.sqrt(2 * Math.PI);
}

/**
 * The standard normal CDF, via erfc with the Numerical Recipes Chebyshev fit
 * (relative error < 1.2e-7 everywhere), far below the KS critical values used.
 */
export function Phi(x: number): number {
  const z = Math.abs(x) / Math.SQRT2;
  const t = 1 / (1 + 0.5 * z);
  const erfc = t * Math.exp(
    -z * z - 1.26551223 +
      t * (1.00002368 +
          t * (0.37409196 +
              t * (0.09678418 +
                  t * (-0.18628806 +
                      t * (0.27886807 +
                          t * (-1.13520398 +
                              t *
                                (1.48851587 +
                                  t * (-0.82215223 + t * 0.17087277)))))))),
  );
  return x >= 0 ? 1 - erfc / 2 : erfc / 2;
}

/** ∫ f over [a, b] by composite Simpson with `n` (even) intervals. */
export function integrate(
  f: (x: number) => number,
  a: number,
  b: number,
  n = 20000,
): number {
  const h = (b - a) / n;
  let sum = f(a) + f(b);
  for (let i = 1; i < n; i++) sum += (i % 2 ? 4 : 2) * f(a + i * h);
  return (sum * h) / 3;
}

/** Mean, variance and fourth central moment of a density on [a, b]. */
export function momentsOf(
  pdf: (x: number) => number,
  a: number,
  b: number,
): { mean: number; variance: number; mu4: number } {
  const mass = integrate(pdf, a, b);
  const mean = integrate((x) => x * pdf(x), a, b) / mass;
  const variance = integrate((x) => (x - mean) ** 2 * pdf(x), a, b) / mass;
  const mu4 = integrate((x) => (x - mean) ** 4 * pdf(x), a, b) / mass;
  return { mean, variance, mu4 };
}

/** Sample mean and (unbiased) variance, accumulated in Float64. */
export function sampleMoments(
  values: ArrayLike<number>,
): { mean: number; variance: number } {
  let mean = 0;
  for (let i = 0; i < values.length; i++) mean += values[i];
  mean /= values.length;
  let ss = 0;
  for (let i = 0; i < values.length; i++) ss += (values[i] - mean) ** 2;
  return { mean, variance: ss / (values.length - 1) };
}

/**
 * Tolerances for the sample mean and variance of n draws: `k` standard errors,
 * SE(mean) = σ/√n and SE(s²) = √((μ₄ − σ⁴)/n). With k = 5 a correct
 * generator fails with probability about 6e-7 per check.
 */
export function tolerances(
  m: { variance: number; mu4: number },
  n: number,
  k = 5,
): { mean: number; variance: number } {
  return {
    mean: k * Math.sqrt(m.variance / n),
    variance: k * Math.sqrt((m.mu4 - m.variance ** 2) / n),
  };
}

/** The KS critical value at α = 0.001 (asymptotic: 1.949/√n). */
export function ksCritical(n: number): number {
  return 1.949 / Math.sqrt(n);
}
