/**
 * A network as the analyses see it: a list of layers to apply one after
 * another (our Sequential, a tf.Sequential, or a tf.LayersModel whose layers
 * form a chain), or one function from inputs to outputs.
 *
 * @module
 */
import { tf } from "../tf.ts";
import { Module } from "./module.ts";
import { Sequential } from "./sequential.ts";
import { Dense } from "./dense.ts";
import { show } from "../validate.ts";

type TfLayer = tf.LayersModel["layers"][number];

/** One layer of a chain. */
export interface LayerStep {
  /** `layers.3` for a Sequential; the tfjs layer's name for a tfjs model. */
  name: string;
  /** The activation's name (`"tanh"`, `"relu"`, `"linear"`, …); `""` when the layer does not say. */
  activation: string;
  /** The layer's output for an input (a new tensor, in inference mode). */
  apply(h: tf.Tensor): tf.Tensor;
}

/** What the analyses of a chain of layers take. */
export type LayerChain = Sequential | tf.LayersModel;

/** What the analyses of a whole network take. */
export type NetworkLike =
  | Module
  | tf.LayersModel
  | ((x: tf.Tensor) => tf.Tensor);

function tfActivation(layer: TfLayer): string {
  const activation = (layer.getConfig() as { activation?: unknown }).activation;
  return typeof activation === "string" ? activation : "";
}

/** A tfjs model's layers, in order, if they form a chain (one input each, from the layer before). */
function tfChain(model: tf.LayersModel, fn: string): TfLayer[] {
  const layers = model.layers.filter((l) => l.getClassName() !== "InputLayer");
  // No layers: layerSteps says so (a RangeError), not "with branches ()".
  if (model instanceof tf.Sequential || layers.length === 0) return layers;
  const chain = model.inputs.length === 1 && model.outputs.length === 1 &&
    layers.every((layer, i) => {
      const nodes = layer.inboundNodes;
      if (nodes.length !== 1 || nodes[0].inboundLayers.length !== 1) {
        return false;
      }
      const from = nodes[0].inboundLayers[0];
      return i === 0
        ? from.getClassName() === "InputLayer"
        : from === layers[i - 1];
    });
  if (!chain) {
    throw new TypeError(
      `${fn}: net must be a chain of layers (a Sequential, a tf.Sequential, or a tf.LayersModel whose layers each take the previous one's output), received a tf.LayersModel with branches (${
        layers.map((l) => l.name).join(", ")
      })`,
    );
  }
  return layers;
}

/**
 * The layers of a chain, each with its name and activation.
 *
 * @throws {TypeError} For anything but a Sequential or a chain-shaped tfjs model.
 * @throws {RangeError} For a chain with no layers.
 */
export function layerSteps(net: unknown, fn: string): LayerStep[] {
  let steps: LayerStep[];
  if (net instanceof Sequential) {
    steps = net.layers.map((layer, i) => ({
      name: `layers.${i}`,
      activation: layer instanceof Dense ? layer.activationName : "",
      apply: (h) => layer.call(h),
    }));
  } else if (net instanceof tf.LayersModel) {
    steps = tfChain(net, fn).map((layer) => ({
      name: layer.name,
      activation: tfActivation(layer),
      apply: (h) => layer.apply(h) as tf.Tensor,
    }));
  } else {
    throw new TypeError(
      `${fn}: net must be a Sequential, a tf.Sequential or a chain-shaped tf.LayersModel, received ${
        net instanceof Module ? `a ${net.constructor.name}` : show(net)
      }`,
    );
  }
  if (steps.length === 0) {
    throw new RangeError(`${fn}: net must have layers, received none`);
  }
  return steps;
}

/**
 * The function x ↦ net(x) of a Module (built for `inputShape` first, if it
 * is not yet), a tf.LayersModel, or a function.
 *
 * @throws {TypeError} For anything else.
 */
export function forwardOf(
  net: unknown,
  inputShape: number[],
  fn: string,
): (x: tf.Tensor) => tf.Tensor {
  if (net instanceof Module) {
    if (!net.built) net.build(inputShape);
    return (x) => net.call(x);
  }
  if (net instanceof tf.LayersModel) {
    return (x) => {
      const y = net.apply(x);
      if (!(y instanceof tf.Tensor)) {
        throw new TypeError(
          `${fn}: net must have one output, received a model with ${net.outputs.length}`,
        );
      }
      return y;
    };
  }
  if (typeof net === "function") {
    return (x) => {
      const y = (net as (x: tf.Tensor) => unknown)(x);
      if (!(y instanceof tf.Tensor)) {
        throw new TypeError(
          `${fn}: net must return a tf.Tensor, received ${show(y)}`,
        );
      }
      return y;
    };
  }
  throw new TypeError(
    `${fn}: net must be a Module, a tf.LayersModel or a function of a tensor, received ${
      show(net)
    }`,
  );
}

/**
 * Checks an input batch: a live float32 tf.Tensor of rank `rank` (at least
 * when `atLeast`), with at least one example.
 *
 * @throws {TypeError} For something else, or a disposed tensor.
 * @throws {RangeError} For the wrong rank or dtype, or an empty batch.
 */
export function checkBatch(
  x: unknown,
  fn: string,
  rank: number,
  atLeast = false,
): tf.Tensor {
  if (!(x instanceof tf.Tensor)) {
    throw new TypeError(
      `${fn}: x must be a tf.Tensor (a batch of inputs), received ${show(x)}`,
    );
  }
  if (x.isDisposed) throw new TypeError(`${fn}: x must not be disposed`);
  if (atLeast ? x.rank < rank : x.rank !== rank) {
    throw new RangeError(
      `${fn}: x must have rank ${
        atLeast ? ">= " : ""
      }${rank} ([batch, features]), received shape ${show(x.shape)}`,
    );
  }
  if (x.dtype !== "float32") {
    throw new RangeError(
      `${fn}: x must be float32, received dtype ${x.dtype}`,
    );
  }
  if (x.size === 0) {
    throw new RangeError(
      `${fn}: x must hold at least one example, received shape ${
        show(x.shape)
      }`,
    );
  }
  return x;
}
