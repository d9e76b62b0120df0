/**
 * The standard normal density, tail probabilities and quantile function in
 * double precision: for the truncated normal (random), the laws and their
 * CDFs (stats), and the tests. A library-internal helper (lib/_normal.ts).
 *
 * - {@linkcode normalPdf}: `φ(x) = exp(−x²/2)/√(2π)`, with `x²` split so that
 *   the exponent is exact (relative error a few ulp even at x = 38).
 * - {@linkcode upperTail}: `Q(t) = P(Z > t)`. For `|t| < 0.75`,
 *   `Q(t) = 1/2 − φ(t)·Σ_{n≥0} t^(2n+1)/(2n+1)!!` (a series of positive
 *   terms); for `t ≥ 0.75`, `Q(t) = φ(t)·M(t)` with the Mills ratio as the
 *   continued fraction `M(t) = 1/(t + 1/(t + 2/(t + 3/(t + …))))`, evaluated
 *   backwards (all terms positive, so stably). Relative error below 1e-15
 *   for `t ≥ 0` (the tests compare with Python's `math.erfc`).
 * - {@linkcode normalQuantile}: `Φ⁻¹(p)` by Wichura's algorithm AS 241
 *   (PPND16, Applied Statistics 37(3), 1988), relative error about 1e-16;
 *   for `p > 1/2` it works from `1 − p`, so call it with the smaller tail.
 *
 * @module
 */

const INV_SQRT_2PI = 0.3989422804014327; // 1/√(2π)

/** `φ(x) = exp(−x²/2)/√(2π)`, with the exponent computed exactly. */
export function normalPdf(x: number): number {
  const t = Math.abs(x);
  if (t > 40) return 0; // φ(40) ≈ 1.5e-348 underflows anyway
  // t = h + l with h a multiple of 1/16: h² is exact, and
  // t² = h² + l·(t + h) with a tiny second term.
  const h = Math.round(t * 16) / 16;
  const l = t - h;
  return INV_SQRT_2PI * Math.exp(-0.5 * h * h) * Math.exp(-0.5 * l * (t + h));
}

/** Terms of the backward continued fraction for the Mills ratio at `t`. */
function cfTerms(t: number): number {
  // Enough for a truncation error below 1e-16 at t ≥ 0.75 (checked in the tests).
  return t < 1 ? 1600 : t < 2 ? 400 : t < 3 ? 200 : t < 5 ? 100 : 50;
}

/** `Q(t) = P(Z > t)` for a standard normal `Z`. */
export function upperTail(t: number): number {
  if (Number.isNaN(t)) return NaN;
  if (t === Infinity) return 0;
  if (t === -Infinity) return 1;
  if (t < 0) return 1 - upperTail(-t);
  if (t < 0.75) {
    // ∫₀ᵗ e^(−s²/2) ds = e^(−t²/2) · Σ t^(2n+1)/(2n+1)!!
    const t2 = t * t;
    let term = t, sum = t;
    for (let k = 3; term > 1e-18 * sum; k += 2) {
      term *= t2 / k;
      sum += term;
    }
    return 0.5 - normalPdf(t) * sum;
  }
  if (t > 38.5) return 0; // Q(38.5) ≈ 5e-325: below the smallest double
  let d = t;
  for (let k = cfTerms(t); k >= 1; k--) d = t + k / d;
  return normalPdf(t) / d;
}

/** `Φ(x) = P(Z ≤ x) = Q(−x)`. */
export function lowerTail(x: number): number {
  return upperTail(-x);
}

/**
 * `Φ⁻¹(p)`, the standard normal quantile, by AS 241 (PPND16; coefficients
 * from Wichura 1988, evaluated by Horner's rule). `p = 0` gives
 * `−Infinity`, `p = 1` gives `Infinity`, other values outside (0, 1) NaN.
 */
export function normalQuantile(p: number): number {
  if (!(p > 0 && p < 1)) {
    return p === 0 ? -Infinity : p === 1 ? Infinity : NaN;
  }
  const q = p - 0.5;
  if (Math.abs(q) <= 0.425) {
    const r = 0.180625 - q * q;
    return (q *
      (((((((2.5090809287301226727e+3 * r + 3.3430575583588128105e+4) * r +
                            6.7265770927008700853e+4) * r +
                        4.5921953931549871457e+4) * r +
                    1.3731693765509461125e+4) * r + 1.9715909503065514427e+3) *
              r +
            1.3314166789178437745e+2) * r + 3.3871328727963666080e0)) /
      (((((((5.2264952788528545610e+3 * r + 2.8729085735721942674e+4) * r +
                            3.9307895800092710610e+4) * r +
                        2.1213794301586595867e+4) * r +
                    5.3941960214247511077e+3) * r + 6.8718700749205790830e+2) *
              r +
            4.2313330701600911252e+1) * r + 1.0);
  }
  let r = Math.sqrt(-Math.log(q < 0 ? p : 1 - p));
  let x: number;
  if (r <= 5) {
    r -= 1.6;
    x = (((((((7.74545014278341407640e-4 * r + 2.27238449892691845833e-2) * r +
                          2.41780725177450611770e-1) * r +
                      1.27045825245236838258e0) * r +
                  3.64784832476320460504e0) * r + 5.76949722146069140550e0) *
            r +
          4.63033784615654529590e0) * r + 1.42343711074968357734e0) /
      (((((((1.05075007164441684324e-9 * r + 5.47593808499534494600e-4) * r +
                            1.51986665636164571966e-2) * r +
                        1.48103976427480074590e-1) * r +
                    6.89767334985100004550e-1) * r + 1.67638483018380384940e0) *
              r +
            2.05319162663775882187e0) * r + 1.0);
  } else {
    r -= 5;
    x = (((((((2.01033439929228813265e-7 * r + 2.71155556874348757815e-5) * r +
                          1.24266094738807843860e-3) * r +
                      2.65321895265761230930e-2) * r +
                  2.96560571828504891230e-1) * r + 1.78482653991729133580e0) *
            r +
          5.46378491116411436990e0) * r + 6.65790464350110377720e0) /
      (((((((2.04426310338993978564e-15 * r + 1.42151175831644588870e-7) * r +
                            1.84631831751005468180e-5) * r +
                        7.86869131145613259100e-4) * r +
                    1.48753612908506148525e-2) * r +
                1.36929880922735805310e-1) * r +
            5.99832206555887937690e-1) * r + 1.0);
  }
  return q < 0 ? -x : x;
}
