/**
 * Householder QR in Float64 (draft).
 *
 * @module
 */
import { blockedQr } from "./_blocked_qr.ts";

/** Result of {@linkcode householderQr}: row-major Float64Arrays. */
export interface QrResult {
  /** Q, m×k with orthonormal columns, row-major. */
  q: Float64Array;
  /** R, k×n upper triangular (trapezoidal when n > m), row-major. */
  r: Float64Array;
  /** Rows of A. */
  m: number;
  /** Columns of A. */
  n: number;
  /** min(m, n). */
  k: number;
}

/** Reduced QR of the m×n row-major `a`. */
export function householderQr(a: Float64Array, m: number, n: number): QrResult {
  const k = Math.min(m, n);
  if (k === 0) return { q: new Float64Array(m * k), r: new Float64Array(k * n), m, n, k };
  const { q, r } = blockedQr(a, m, n);
  return { q, r, m, n, k };
}
