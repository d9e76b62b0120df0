/**
 * The regularized incomplete beta function, for the CDFs of the orthogonal
 * initializer's entries and the binomial test.
 *
 * @module
 */
import { logGamma } from "./laws.ts";

/** ln B(a, b). */
function logBeta(a: number, b: number): number {
  return logGamma(a) + logGamma(b) - logGamma(a + b);
}

const TINY = 1e-300;

/**
 * The continued fraction of I_x(a, b) (modified Lentz), valid and fast for
 * x < (a + 1)/(a + b + 2): 1/(1 + d₁/(1 + d₂/(1 + …))) with
 * d₂ₘ₊₁ = −(a + m)(a + b + m)x / ((a + 2m)(a + 2m + 1)) and
 * d₂ₘ = m(b − m)x / ((a + 2m − 1)(a + 2m)). It converges in O(√max(a, b))
 * terms.
 */
function fraction(a: number, b: number, x: number): number {
  let c = 1;
  let d = 1 - ((a + b) * x) / (a + 1);
  if (Math.abs(d) < TINY) d = TINY;
  d = 1 / d;
  let f = d;
  for (let m = 1; m <= 100_000; m++) {
    const m2 = 2 * m;
    // Even step.
    let num = (m * (b - m) * x) / ((a + m2 - 1) * (a + m2));
    d = 1 + num * d;
    if (Math.abs(d) < TINY) d = TINY;
    c = 1 + num / c;
    if (Math.abs(c) < TINY) c = TINY;
    d = 1 / d;
    f *= d * c;
    // Odd step.
    num = -((a + m) * (a + b + m) * x) / ((a + m2) * (a + m2 + 1));
    d = 1 + num * d;
    if (Math.abs(d) < TINY) d = TINY;
    c = 1 + num / c;
    if (Math.abs(c) < TINY) c = TINY;
    d = 1 / d;
    const step = d * c;
    f *= step;
    if (Math.abs(step - 1) < 1e-15) return f;
  }
  return f;
}

/**
 * I_x(a, b) = B(x; a, b)/B(a, b), the CDF at x of Beta(a, b), for a, b > 0:
 * the continued fraction where it converges fast, else 1 − I_{1−x}(b, a).
 * Relative error about 1e-13 (ln B from the Lanczos ln Γ limits it for large
 * a, b).
 *
 * @param a First shape, > 0.
 * @param b Second shape, > 0.
 * @param x Where, clamped to [0, 1].
 * @returns I_x(a, b).
 */
export function betaRegularized(a: number, b: number, x: number): number {
  if (!(x > 0)) return 0;
  if (!(x < 1)) return 1;
  const logFront = a * Math.log(x) + b * Math.log1p(-x) - logBeta(a, b);
  if (x < (a + 1) / (a + b + 2)) {
    return (Math.exp(logFront) * fraction(a, b, x)) / a;
  }
  return 1 - (Math.exp(logFront) * fraction(b, a, 1 - x)) / b;
}
