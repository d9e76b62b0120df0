/**
 * Reading and writing weights: safetensors (single files and Hugging Face
 * sharded checkpoints), tfjs model files and weights manifests, and reading
 * PyTorch checkpoints (`torch.save`). The `./io` export.
 *
 * @module
 */
export {
  iterateSafetensors,
  loadSafetensors,
  readSafetensorsHeader,
  type SafetensorsDType,
  SafetensorsError,
  type SafetensorsHeader,
  saveSafetensors,
  type TensorHeaderEntry,
} from "./safetensors.ts";
export type { NamedTensorsInput } from "./named_tensors.ts";
export {
  type StoragePrecision,
  storagePrecision,
} from "./storage_precision.ts";
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
} from "./load_weights.ts";
