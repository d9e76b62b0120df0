/**
 * Puts tfjs's chained operations (`x.square().sum()`) on `tf.Tensor`.
 *
 * The umbrella `@tensorflow/tfjs` package registers them; `@tensorflow/tfjs-core`
 * alone does not in its Node build, and its ESM registration file cannot be
 * loaded by Deno (its imports have no file extensions). So we register them
 * here, each as `op(this, ...args)` like tfjs does, and take the types from
 * tfjs-core's own declarations.
 *
 * @module
 */
import type {} from "@tensorflow/tfjs-core/dist/public/chained_ops/register_all_chained_ops";
import * as tf from "@tensorflow/tfjs-core";

/** Methods that are `tf[name](this, ...args)`. */
const DIRECT = `abs acos acosh add all any argMax argMin asin asinh atan atan2
  atanh avgPool batchToSpaceND batchNorm broadcastTo cast ceil clipByValue conv1d
  conv2d conv2dTranspose cos cosh cumprod cumsum depthToSpace depthwiseConv2d
  dilation2d div divNoNan dot elu equal erf euclideanNorm exp expandDims expm1 fft
  floor floorDiv gather greater greaterEqual ifft irfft isFinite isInf isNaN
  leakyRelu less lessEqual localResponseNormalization log log1p logSigmoid
  logSoftmax logSumExp logicalAnd logicalNot logicalOr logicalXor matMul max
  maxPool maximum mean min minimum mirrorPad mod mul neg norm notEqual oneHot
  onesLike pad pool pow prelu prod reciprocal relu relu6 reshape resizeBilinear
  resizeNearestNeighbor reverse rfft round rsqrt selu separableConv2d sigmoid sign
  sin sinh slice softmax softplus spaceToBatchND split sqrt square
  squaredDifference squeeze step stridedSlice sub sum tan tanh tile topk transpose
  unique unsortedSegmentSum unstack zerosLike`.split(/\s+/);

type Fn = (this: tf.Tensor, ...args: never[]) => unknown;
const reshape = (t: tf.Tensor, shape: number[]) => tf.reshape(t, shape);

/** Methods whose tfjs definition is not a direct call. */
const SPECIAL: Record<string, Fn> = {
  as1D(this: tf.Tensor) {
    return reshape(this, [this.size]);
  },
  as2D(this: tf.Tensor, ...s: number[]) {
    return reshape(this, s);
  },
  as3D(this: tf.Tensor, ...s: number[]) {
    return reshape(this, s);
  },
  as4D(this: tf.Tensor, ...s: number[]) {
    return reshape(this, s);
  },
  as5D(this: tf.Tensor, ...s: number[]) {
    return reshape(this, s);
  },
  asScalar(this: tf.Tensor) {
    tf.util.assert(
      this.size === 1,
      () => "The array must have only 1 element.",
    );
    return reshape(this, []);
  },
  asType(this: tf.Tensor, dtype: tf.DataType) {
    return tf.cast(this, dtype);
  },
  concat(this: tf.Tensor, x: tf.Tensor | tf.Tensor[], axis?: number) {
    return tf.concat([this, ...(x instanceof tf.Tensor ? [x] : x)], axis);
  },
  flatten(this: tf.Tensor) {
    return reshape(this, [this.size]);
  },
  reshapeAs(this: tf.Tensor, x: tf.Tensor) {
    return reshape(this, x.shape);
  },
  stack(this: tf.Tensor, x: tf.Tensor | tf.Tensor[], axis?: number) {
    return tf.stack([this, ...(x instanceof tf.Tensor ? [x] : x)], axis);
  },
  toBool(this: tf.Tensor) {
    return tf.cast(this, "bool");
  },
  toFloat(this: tf.Tensor) {
    return tf.cast(this, "float32");
  },
  toInt(this: tf.Tensor) {
    return tf.cast(this, "int32");
  },
  where(this: tf.Tensor, condition: tf.Tensor, x: tf.Tensor) {
    return tf.where(condition, this, x);
  },
};

/** Installs the chained methods once; a second call (or tfjs's own registration) is left alone. */
export function registerChainedOps(): void {
  const proto = tf.Tensor.prototype as unknown as Record<string, unknown>;
  const ops = tf as unknown as Record<string, (...args: unknown[]) => unknown>;
  for (const name of DIRECT) {
    if (proto[name] !== undefined) continue;
    const op = ops[name];
    proto[name] = function (this: tf.Tensor, ...args: unknown[]) {
      this.throwIfDisposed();
      return op(this, ...args);
    };
  }
  for (const [name, fn] of Object.entries(SPECIAL)) {
    if (proto[name] !== undefined) continue;
    proto[name] = function (this: tf.Tensor, ...args: never[]) {
      this.throwIfDisposed();
      return fn.apply(this, args);
    };
  }
}
