/**
 * Assertions for your own `deno test`, in the `@std/assert` style: each
 * throws an `AssertionError` whose message says what failed and by how much.
 *
 * - {@linkcode assertFollowsInit}: the values follow the exact law an
 *   initializer draws from for their shape (Kolmogorov–Smirnov, binomial or
 *   exact checks).
 * - {@linkcode assertOrthogonal}: WᵀW (or WWᵀ) is gain²·I, within a
 *   tolerance.
 * - {@linkcode assertNoTensorLeak}: a function, sync or async, leaves no
 *   tensor behind.
 * - {@linkcode assertSpectrum}: `analyzeSpectrum` finds the verdict, spikes
 *   or rank expected.
 *
 * The assertions that read tensors are async (`await` them): values are read
 * with `await tensor.data()`, so tensors on the WebGPU backend work.
 *
 * @example
 * ```ts
 * import { initializers, tf } from "./mod.ts";
 * import {
 *   assertFollowsInit,
 *   assertNoTensorLeak,
 *   assertOrthogonal,
 *   assertSpectrum,
 * } from "./testing.ts";
 *
 * const w = initializers.heNormal([128, 64], { seed: 0 });
 * await assertFollowsInit(w, "he_normal");
 * await assertSpectrum(w, { verdict: "random-like" });
 * const q = initializers.orthogonal([128, 64], { seed: 0 });
 * await assertOrthogonal(q);
 * assertNoTensorLeak(() => tf.tidy(() => w.matMul(q, true)).dispose());
 * tf.dispose([w, q]);
 * ```
 *
 * @module
 */
export {
  assertFollowsInit,
  type AssertFollowsInitOptions,
} from "./lib/testing/assert_follows_init.ts";
export {
  assertOrthogonal,
  type AssertOrthogonalOptions,
  ORTHOGONAL_TOL,
} from "./lib/testing/assert_orthogonal.ts";
export { assertNoTensorLeak } from "./lib/testing/assert_no_tensor_leak.ts";
export {
  assertSpectrum,
  type AssertSpectrumOptions,
} from "./lib/testing/assert_spectrum.ts";
export { SPECTRUM_VERDICTS } from "./lib/stats/analyze_spectrum.ts";
export type { InitializerConfig } from "./lib/initializers/registry.ts";
export type { WeightsLike } from "./lib/read/weights.ts";
export type {
  AnalyzeSpectrumOptions,
  SpectrumAnalysis,
  SpectrumVerdict,
} from "./lib/stats/analyze_spectrum.ts";
