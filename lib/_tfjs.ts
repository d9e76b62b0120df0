/**
 * The one copy of tfjs-core that the toolkit uses, with its CPU, WASM and
 * WebGPU backends registered.
 *
 * Import `tf` from here (or from `mod.ts`), never a second copy of
 * `@tensorflow/tfjs-core`: two copies keep two backend registries, and a
 * tensor made by one cannot be used by the other.
 *
 * Importing this module has three quiet side effects and no loud ones:
 * - tfjs's chained methods (`x.square().sum()`) are put on `tf.Tensor`, as
 *   the umbrella `@tensorflow/tfjs` package does;
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
import * as tf from "@tensorflow/tfjs-core";
import { MathBackendCPU } from "@tensorflow/tfjs-backend-cpu";
import "@tensorflow/tfjs-backend-wasm";
import { WebGPUBackend } from "@tensorflow/tfjs-backend-webgpu";
import { registerChainedOps } from "./_chained_ops.ts";

registerChainedOps();
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
