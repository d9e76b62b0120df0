/**
 * Philox-4x32-10 in plain JavaScript: the reference the WebAssembly kernel
 * (`_philox_wat.ts`) is tested against, the fallback where WebAssembly is missing, and the
 * generator of the few element-local extra blocks (Ziggurat wedges and
 * tails, Bernoulli ties).
 *
 * One round (Salmon et al. 2011, "Parallel random numbers: as easy as
 * 1, 2, 3", §4.2), with `mulhilo(M, x)` the high and low 32-bit halves of the
 * 64-bit product `M·x`:
 *
 *     (hi0, lo0) = mulhilo(M0, x0),  (hi1, lo1) = mulhilo(M1, x2)
 *     (x0, x1, x2, x3) ← (hi1 ⊕ x1 ⊕ k0, lo1, hi0 ⊕ x3 ⊕ k1, lo0)
 *
 * and between rounds the key is bumped: `k0 += W0`, `k1 += W1` (mod 2^32).
 * Philox-4x32-10 is ten rounds.
 *
 * @module
 */

/** First Philox-4x32 multiplier (Salmon et al. 2011, Table 2). */
export const PHILOX_M0 = 0xD2511F53;
/** Second Philox-4x32 multiplier. */
export const PHILOX_M1 = 0xCD9E8D57;
/** Key increment for key word 0 (the golden ratio, 2^32·(√5 − 1)/2). */
export const PHILOX_W0 = 0x9E3779B9;
/** Key increment for key word 1 (2^32·(√3 − 1)). */
export const PHILOX_W1 = 0xBB67AE85;

// The multipliers split into 16-bit halves, for the high product word.
const M0_HI = PHILOX_M0 >>> 16, M0_LO = PHILOX_M0 & 0xffff;
const M1_HI = PHILOX_M1 >>> 16, M1_LO = PHILOX_M1 & 0xffff;

/**
 * Writes Philox-4x32-10 of counter `(c0, c1, c2, c3)` under key `(k0, k1)`
 * to `out[at … at + 3]`. All inputs are uint32 (int32 bit patterns work too).
 *
 * The high word of `M·x` comes from 16-bit pieces: with `M = mh·2^16 + ml`
 * and `x = xh·2^16 + xl`, the four partial products are below 2^32 (exact
 * through `Math.imul`), and
 * `hi = mh·xh + ⌊ml·xh / 2^16⌋ + ⌊mh·xl / 2^16⌋ + ⌊mid / 2^16⌋` with
 * `mid = ⌊ml·xl / 2^16⌋ + (ml·xh mod 2^16) + (mh·xl mod 2^16)`, the carry
 * out of the middle 16-bit column.
 */
export function philoxInto(
  out: Uint32Array,
  at: number,
  c0: number,
  c1: number,
  c2: number,
  c3: number,
  k0: number,
  k1: number,
): void {
  let x0 = c0 | 0, x1 = c1 | 0, x2 = c2 | 0, x3 = c3 | 0;
  let kk0 = k0 | 0, kk1 = k1 | 0;
  for (let round = 0; round < 10; round++) {
    if (round > 0) {
      kk0 = (kk0 + PHILOX_W0) | 0;
      kk1 = (kk1 + PHILOX_W1) | 0;
    }
    const a0 = x0 & 0xffff, a1 = x0 >>> 16;
    const ll0 = Math.imul(M0_LO, a0) >>> 0;
    const lh0 = Math.imul(M0_LO, a1) >>> 0;
    const hl0 = Math.imul(M0_HI, a0) >>> 0;
    const hh0 = Math.imul(M0_HI, a1) >>> 0;
    const mid0 = (ll0 >>> 16) + (lh0 & 0xffff) + (hl0 & 0xffff);
    const hi0 = (hh0 + (lh0 >>> 16) + (hl0 >>> 16) + (mid0 >>> 16)) | 0;
    const lo0 = Math.imul(PHILOX_M0, x0);
    const b0 = x2 & 0xffff, b1 = x2 >>> 16;
    const ll1 = Math.imul(M1_LO, b0) >>> 0;
    const lh1 = Math.imul(M1_LO, b1) >>> 0;
    const hl1 = Math.imul(M1_HI, b0) >>> 0;
    const hh1 = Math.imul(M1_HI, b1) >>> 0;
    const mid1 = (ll1 >>> 16) + (lh1 & 0xffff) + (hl1 & 0xffff);
    const hi1 = (hh1 + (lh1 >>> 16) + (hl1 >>> 16) + (mid1 >>> 16)) | 0;
    const lo1 = Math.imul(PHILOX_M1, x2);
    x0 = hi1 ^ x1 ^ kk0;
    x1 = lo1;
    x2 = hi0 ^ x3 ^ kk1;
    x3 = lo0;
  }
  out[at] = x0;
  out[at + 1] = x1;
  out[at + 2] = x2;
  out[at + 3] = x3;
}
