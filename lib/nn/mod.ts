/**
 * Parameters, Modules and layers.
 *
 * @module
 */
export {
  type InitializerSpec,
  type NestedNumbers,
  Parameter,
  type ParameterData,
  type ParameterOptions,
} from "./parameter.ts";
export { type LoadOptions, type LoadResult, Module } from "./module.ts";
export { Summary, type SummaryRow } from "./_summary.ts";
export { type Activation, ACTIVATIONS, getActivation } from "./activations.ts";
export { Dense, type DenseOptions } from "./dense.ts";
export { Sequential, type SequentialOptions } from "./sequential.ts";
export {
  AutoNCP,
  type AutoNCPOptions,
  FullyConnectedMap,
  type FullyConnectedMapOptions,
  NCPMap,
  type NCPMapOptions,
  type NeuronGroup,
  NeuronMap,
  RandomMap,
  type RandomMapOptions,
} from "./ncp/neuron_maps.ts";
export { NCP, type NCPOptions } from "./ncp/ncp.ts";
export {
  type PropagationRow,
  tracePropagation,
  type TracePropagationOptions,
} from "./propagation.ts";
export {
  type JacobianSpectrum,
  jacobianSpectrum,
  type JacobianSpectrumOptions,
} from "./jacobian.ts";
export type { LayerChain, NetworkLike } from "./_layers.ts";
