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
export * from "./lib/nn/mod.ts";
export {
  iterateSafetensors,
  loadSafetensors,
  readSafetensorsHeader,
  type SafetensorsDType,
  SafetensorsError,
  type SafetensorsHeader,
  saveSafetensors,
  type TensorHeaderEntry,
} from "./lib/io/safetensors.ts";
export {
  iterateWeights,
  loadWeights,
  type LoadWeightsOptions,
  openWeights,
  type Quantization,
  type StoredWeight,
  tensorLimit,
  UnsupportedFormatError,
  WEIGHT_FORMATS,
  type WeightFile,
  type WeightFormat,
  WeightMap,
} from "./lib/io/load_weights.ts";
export type {
  BaseOptions,
  Density,
  InitDType,
  Initializer,
  InitializerConfig,
  InitRecord,
} from "./lib/initializers/mod.ts";
export {
  freedmanDiaconisBins,
  type Histogram,
  type HistogramOptions,
  histogramSync,
} from "./lib/stats/histogram.ts";
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
export {
  fitMarchenkoPastur,
  type MarchenkoPasturFit,
  type SpectralOptions,
  type SpectralStats,
  spectralStats,
} from "./lib/stats/spectral.ts";
export {
  fitPowerLaw,
  type PowerLawFit,
  type PowerLawMethod,
  type PowerLawOptions,
} from "./lib/stats/power_law.ts";
export {
  type AnalyzeSpectrumOptions,
  analyzeSpectrumSync,
  type MarchenkoPasturBulk,
  type PowerLawSummary,
  type ShapedValues,
  type SpectrumAnalysis,
  type SpectrumVerdict,
  storageMatrix,
} from "./lib/stats/analyze_spectrum.ts";
export {
  marchenkoPasturCdf,
  marchenkoPasturDensity,
  marchenkoPasturEdges,
  tracyWidomScale,
} from "./lib/stats/marchenko_pastur.ts";
export { type Law, lawOf } from "./lib/stats/laws.ts";
export {
  Figure,
  type FigureSpec,
  type Label,
  type Panel,
} from "./viz/figure.ts";
export { plotHistogram, type PlotHistogramOptions } from "./viz/histogram.ts";
export {
  Plot,
  plotFigure,
  type PlotFigureOptions,
  type PlotOptions,
} from "./viz/plot.ts";
export { plotWiring, type PlotWiringOptions } from "./viz/wiring.ts";
export { plotSpectrum, type PlotSpectrumOptions } from "./viz/spectrum.ts";
export { plotModule, type PlotModuleOptions } from "./viz/module.ts";
export { compareInitializers, type CompareOptions } from "./viz/compare.ts";
export {
  plotTraining,
  type PlotTrainingOptions,
  snapshotWeights,
  type TrainingSnapshot,
} from "./viz/training.ts";
export {
  type SingularValuesOptions,
  singularValuesSync,
} from "./lib/linalg/singular_values.ts";
export { householderQr, type QrResult } from "./lib/linalg/householder_qr.ts";
