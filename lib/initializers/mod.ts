/**
 * Initializers: the Ember ML set and the modern family, seeded and
 * reproducible on every backend. Exported from the package as the namespace
 * `initializers`.
 *
 * @module
 */
export {
  type BaseOptions,
  type Density,
  type InitDType,
  type InitRecord,
  initRecordOf,
} from "./_core.ts";
export { constant, type ConstantOptions, ones, zeros } from "./constant.ts";
export {
  randomNormal,
  type RandomNormalOptions,
  randomUniform,
  type RandomUniformOptions,
  truncatedNormal,
  type TruncatedNormalOptions,
} from "./random.ts";
export {
  type FanMode,
  glorotNormal,
  glorotUniform,
  heNormal,
  heUniform,
  lecunNormal,
  lecunUniform,
  type NamedVarianceOptions,
  TRUNCATED_NORMAL_STD_FACTOR,
  type VarianceDistribution,
  varianceScaling,
  type VarianceScalingOptions,
} from "./variance_scaling.ts";
export { orthogonal, type OrthogonalOptions } from "./orthogonal.ts";
export {
  deltaOrthogonal,
  dirac,
  type DiracOptions,
  type GainOptions,
  identity,
  sparse,
  type SparseOptions,
} from "./structured.ts";
export {
  binomial,
  type BinomialConfig,
  BinomialInitializer,
  type BinomialOptions,
} from "./binomial.ts";
export {
  getInitializer,
  type Initializer,
  INITIALIZER_NAMES,
  type InitializerConfig,
} from "./registry.ts";
export {
  calculateGain,
  computeFans,
  type FanOptions,
  type Fans,
  NONLINEARITIES,
} from "./fans.ts";
