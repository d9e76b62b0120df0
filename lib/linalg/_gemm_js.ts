/**
 * The gemm in plain JavaScript: the fallback where no WebAssembly SIMD
 * variant of `_gemm_wat.ts` runs (about 7× slower), and the reference the
 * tests hold the kernel to.
 *
 * @module
 */
import type { Gemm } from "./_gemm_protocol.ts";

/**
 * The same product as the WebAssembly kernel (`_gemm_wat.ts`), on `f`:
 * C += A·B with pointers and strides in bytes, accumulated over k ascending
 * in Float64 (a multiply, then an add).
 */
export function gemmJs(f: Float64Array): Gemm {
  return (M, N, K, ap, aps, ak, b, ldb, c, ldc) => {
    const [a0, as, ad, b0, bd, c0, cd] = [ap, aps, ak, b, ldb, c, ldc].map(
      (x) => x / 8,
    );
    for (let j = 0; j < N; j++) {
      const bj = b0 + j * bd;
      const cj = c0 + j * cd;
      for (let p = 0; p < M; p += 4) {
        let s0 = 0, s1 = 0, s2 = 0, s3 = 0;
        for (let k = 0, pa = a0 + (p >> 2) * as; k < K; k++, pa += ad) {
          const bk = f[bj + k];
          s0 += f[pa] * bk;
          s1 += f[pa + 1] * bk;
          s2 += f[pa + 2] * bk;
          s3 += f[pa + 3] * bk;
        }
        f[cj + p] += s0;
        f[cj + p + 1] += s1;
        f[cj + p + 2] += s2;
        f[cj + p + 3] += s3;
      }
    }
  };
}
