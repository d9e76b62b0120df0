/**
 * Tables for the Ziggurat method of Marsaglia and Tsang ("The Ziggurat
 * method for generating random variables", J. Stat. Software 5(8), 2000),
 * with 256 layers, for the standard normal.
 *
 * With `f(x) = exp(−x²/2)`, the region under `f` on `x ≥ 0` is covered by
 * 256 layers of equal area `V`:
 *
 * - layer 0 is the rectangle `[0, R] × [0, f(R)]` plus the tail `x > R`;
 *   it is sampled as `x = U·X[0]` with the virtual width `X[0] = V / f(R)`,
 *   and `x ≥ R` means "sample the tail";
 * - layer `i ≥ 1` is the rectangle `[0, X[i]] × [f(X[i]), f(X[i+1])]`, with
 *   `X[1] = R`, `f(X[i+1]) = f(X[i]) + V / X[i]`, and `X[256] = 0`.
 *
 * `R` is the root of "the top layer closes at `f = 1`", found with 50-digit
 * arithmetic (mpmath bisection) as 3.65415288536100877…; `V = R·f(R) +
 * √(π/2)·erfc(R/√2)`. In doubles the recursion closes to within 2.3e-15 of
 * 1, so the top layer's area differs from `V` by under 1e-12 relative: the
 * sampled density is N(0, 1) to that relative accuracy inside layer 255, and
 * exactly elsewhere (up to the resolution of the uniform).
 *
 * Tables are indexed by 9 random bits: bits 0–7 pick the layer, bit 8 the
 * sign, so that the fast path needs no branch on the sign.
 *
 * @module
 */

/** Layers. */
export const LAYERS = 256;
/** Start of the tail: `x > R` in layer 0. */
export const R = 3.654152885361009;
/** The area of each layer, `R·f(R) + ∫_R^∞ f`. */
export const V = 0.004928673233974655;

/** Right edges `X[0..256]` (`X[0]` the base layer's virtual width, `X[256] = 0`). */
export const X: Float64Array = new Float64Array(LAYERS + 1);
/** `F[i] = f(X[i])` for `i ≥ 1`; `F[256] = 1`. */
export const F: Float64Array = new Float64Array(LAYERS + 1);

X[0] = V / Math.exp(-0.5 * R * R);
X[1] = R;
F[1] = Math.exp(-0.5 * R * R);
for (let i = 1; i < LAYERS - 1; i++) {
  F[i + 1] = F[i] + V / X[i];
  X[i + 1] = Math.sqrt(-2 * Math.log(F[i + 1]));
}
X[LAYERS] = 0;
F[LAYERS] = 1;

/**
 * Tables for one uniform resolution: an odd numerator `m < 2^bits` stands
 * for the uniform `m / 2^bits` (the midpoint of one of `2^(bits−1)` cells),
 * and `x = m · W[s]` with `s = layer + 256·sign`.
 */
export interface ZigguratTables {
  /** `W[s] = ±X[layer] · 2^−bits` (negative for sign bit 1). */
  readonly W: Float64Array;
  /** The smallest integer `K[s]` with `fl(K[s]·|W[s]|) ≥ X[layer+1]`: `m < K[s]` ⇔ `|x| < X[layer+1]`, accept at once. */
  readonly K: Float64Array;
}

function tables(bits: number): ZigguratTables {
  const scale = 2 ** -bits;
  const W = new Float64Array(2 * LAYERS);
  const K = new Float64Array(2 * LAYERS);
  for (let i = 0; i < LAYERS; i++) {
    const w = X[i] * scale;
    // K is the smallest integer with fl(K·w) ≥ X[i+1], so that the test
    // m < K is exactly "the computed x lies inside the next layer's width"
    // (the ratio alone can be one off at 53 bits).
    const edge = X[i + 1];
    let k = Math.floor(2 ** bits * (edge / X[i]));
    while (k > 0 && (k - 1) * w >= edge) k--;
    while (k * w < edge) k++;
    W[i] = w;
    W[i + LAYERS] = -w;
    K[i] = K[i + LAYERS] = k;
  }
  return { W, K };
}

/** For Float32 output: 24-bit numerators (23 random bits and a final 1). */
export const Z24: ZigguratTables = tables(24);
/** For Float64 output: 53-bit numerators (52 random bits and a final 1). */
export const Z53: ZigguratTables = tables(53);
