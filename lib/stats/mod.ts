/**
 * Statistics on plain typed arrays (no tfjs): histograms, the spectrum
 * analysis, the Marchenko–Pastur law, power-law fits, the initializers' laws
 * and goodness-of-fit tests. The `./stats` export.
 *
 * @module
 */
export {
  freedmanDiaconisBins,
  type Histogram,
  type HistogramOptions,
  histogramSync,
} from "./histogram.ts";
export {
  type AnalyzeSpectrumOptions,
  analyzeSpectrumSync,
  type MarchenkoPasturBulk,
  type PowerLawSummary,
  type ShapedValues,
  SPECTRUM_VERDICTS,
  type SpectrumAnalysis,
  type SpectrumVerdict,
  storageMatrix,
} from "./analyze_spectrum.ts";
export {
  STORED_FLOATS,
  type StoredFloat,
  storedFloatSpacing,
  unitRoundoff,
} from "./stored_float.ts";
export {
  fitMarchenkoPastur,
  type MarchenkoPasturFit,
  type SpectralOptions,
  type SpectralStats,
  spectralStats,
} from "./spectral.ts";
export {
  fitPowerLaw,
  type PowerLawFit,
  type PowerLawMethod,
  type PowerLawOptions,
} from "./power_law.ts";
export {
  marchenkoPasturCdf,
  marchenkoPasturDensity,
  marchenkoPasturEdges,
  tracyWidomScale,
} from "./marchenko_pastur.ts";
export type { Density } from "./density.ts";
export { type Law, lawOf } from "./laws.ts";
export { continuousCdf } from "./law_cdf.ts";
export {
  type KolmogorovPValue,
  kolmogorovPValue,
  ksStatistic,
  ksTest,
  type KsTestResult,
} from "./kolmogorov_smirnov.ts";
export { binomialTest } from "./binomial_test.ts";
export {
  type Saturation,
  saturation,
  SATURATION_THRESHOLD,
  type SaturationKind,
  signalStd,
} from "./signal.ts";
