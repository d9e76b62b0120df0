/**
 * Linear algebra on plain typed arrays (no tfjs): singular values, Householder
 * QR and the Gram-matrix deviation from the identity, and what runs them
 * here. The `./linalg` export.
 *
 * @module
 */
export {
  type SingularValuesOptions,
  singularValuesSync,
} from "./singular_values.ts";
export { householderQr, type QrResult } from "./householder_qr.ts";
export { type GramDeviation, gramDeviation } from "./gram_deviation.ts";
export { type LinalgKernelInfo, linalgKernelInfo } from "./kernel_info.ts";
