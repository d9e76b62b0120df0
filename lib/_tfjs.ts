/**
 * The one copy of tfjs that the toolkit uses: the `@tensorflow/tfjs` umbrella
 * (tfjs-core with its gradients and chained methods registered, tfjs-layers,
 * the CPU backend) plus the WASM and WebGPU backends.
 *
 * Import `tf` from here (or from `mod.ts`), never a second copy of
 * `@tensorflow/tfjs-core`: two copies keep two backend registries, and a
 * tensor made by one cannot be used by the other.
 *
 * tfjs-core's Node build alone registers neither the gradients (training
 * fails with "gradient function not found for RealDiv") nor the chained
 * methods (`x.square()`); the umbrella's Node build registers both.
 *
 * Importing this module has two quiet side effects and no loud ones:
 * - tfjs-backend-cpu's "install tfjs-node" banner is switched off (it is
 *   printed on the first tensor write whenever tfjs detects a Node-like
 *   runtime, which includes Deno's npm compatibility layer);
 * - on WebGPU, a synchronous read that Deno cannot do (tfjs needs a 2-D
 *   canvas for it, and Deno's OffscreenCanvas has none) throws an error that says to use `await tensor.data()`,
 *   instead of a TypeError from deep inside tfjs.
 *
 * It does not pick a backend: import `lib/tf.ts`, which does.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import { MathBackendCPU } from "@tensorflow/tfjs-backend-cpu";
import "@tensorflow/tfjs-backend-wasm";
import { WebGPUBackend } from "@tensorflow/tfjs-backend-webgpu";

silenceCpuBanner();
clarifyWebGpuSyncReads();

/** The CPU backend prints its banner once, on the first write, when this flag is set. */
function silenceCpuBanner(): void {
  Object.defineProperty(MathBackendCPU.prototype, "firstUse", {
    configurable: true,
    get: () => false,
    set: () => {},
  });
}

/** Rewrites the TypeError tfjs throws for `dataSync()` on WebGPU without a canvas. */
function clarifyWebGpuSyncReads(): void {
  const proto = WebGPUBackend.prototype as unknown as {
    readSync(dataId: object): unknown;
  };
  const readSync = proto.readSync;
  proto.readSync = function (this: unknown, dataId: object) {
    try {
      return readSync.call(this, dataId);
    } catch (error) {
      if (!(error instanceof TypeError)) throw error;
      throw new Error(
        "Synchronous reads (dataSync, arraySync, print) are not available on " +
          "the WebGPU backend in this runtime: tfjs needs a 2-D canvas " +
          "for them. Use `await tensor.data()` or `await tensor.array()`, or " +
          'setBackend("wasm").',
        { cause: error },
      );
    }
  };
}

export { tf };
