/**
 * The reading helpers: numerics on weights wherever they live, each reading
 * a tensor once, asynchronously.
 *
 * @module
 */
export { readWeights, type WeightsLike } from "./weights.ts";
export { singularValues } from "./singular_values.ts";
export { histogram } from "./histogram.ts";
export { analyzeSpectrum } from "./analyze_spectrum.ts";
export {
  isWeightCollection,
  type NamedWeight,
  namedWeights,
  type WeightCollection,
} from "./collection.ts";
