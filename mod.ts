/**
 * Ember for notebooks: seeded neural-network initializers, a Parameter and
 * Module system, and plots of weights, on tfjs.
 *
 * @example
 * ```ts
 * import { getBackend, tf } from "./mod.ts";
 *
 * console.log(getBackend(), tf.ones([2, 2]).shape);
 * ```
 *
 * @module
 */
export { tf } from "./lib/tf.ts";
export {
  BACKEND_CHOICES,
  type BackendChoice,
  type BackendInfo,
  backendInfo,
  type BackendName,
  getBackend,
  setBackend,
} from "./lib/backend.ts";
export * as initializers from "./lib/initializers/mod.ts";
export { setSeed } from "./lib/random/stream.ts";
export type { RandomKernelInfo } from "./lib/random/kernel.ts";
export * from "./lib/nn/mod.ts";
export * from "./lib/io/mod.ts";
export type {
  BaseOptions,
  Density,
  InitDType,
  Initializer,
  InitializerConfig,
  InitRecord,
} from "./lib/initializers/mod.ts";
export {
  type AnalyzeSpectrumOptions,
  analyzeSpectrumSync,
  fitMarchenkoPastur,
  fitPowerLaw,
  freedmanDiaconisBins,
  type Histogram,
  type HistogramOptions,
  histogramSync,
  type Law,
  lawOf,
  type MarchenkoPasturBulk,
  marchenkoPasturCdf,
  marchenkoPasturDensity,
  marchenkoPasturEdges,
  type MarchenkoPasturFit,
  type PowerLawFit,
  type PowerLawMethod,
  type PowerLawOptions,
  type PowerLawSummary,
  type Saturation,
  saturation,
  SATURATION_THRESHOLD,
  type SaturationKind,
  type ShapedValues,
  signalStd,
  type SpectralOptions,
  type SpectralStats,
  spectralStats,
  type SpectrumAnalysis,
  type SpectrumVerdict,
  storageMatrix,
  type StoredFloat,
  tracyWidomScale,
} from "./lib/stats/mod.ts";
export {
  analyzeSpectrum,
  histogram,
  isWeightCollection,
  type NamedWeight,
  namedWeights,
  singularValues,
  type WeightCollection,
  type WeightsLike,
} from "./lib/read/mod.ts";
export type {
  HostValues,
  HostWeights,
  ShapedArray,
  Weights,
} from "./lib/host.ts";
export * from "./viz/mod.ts";
export {
  type SingularValuesOptions,
  singularValuesSync,
} from "./lib/linalg/singular_values.ts";
export { householderQr, type QrResult } from "./lib/linalg/householder_qr.ts";
export {
  type LinalgKernelInfo,
  linalgKernelInfo,
} from "./lib/linalg/kernel_info.ts";
