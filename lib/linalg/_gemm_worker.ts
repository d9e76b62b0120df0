/**
 * A gemm worker thread (started by `_gemm_pool.ts`). Its first message, a
 * {@linkcode StartMessage}, brings the compiled kernel, the shared memory and
 * the control words; it instantiates the kernel on that memory, replies
 * `ready` (or `failed`, with the reason), and then, for every job the
 * calling thread posts, runs chunks of the chain with the calling thread
 * until none is left, until the command is `quit`.
 *
 * @module
 */
import {
  Command,
  Control,
  type Gemm,
  type StartMessage,
  takeChunks,
  type WorkerMessage,
} from "./_gemm_protocol.ts";

/** The worker's global scope, as far as this module uses it. */
const scope = globalThis as unknown as {
  onmessage: ((event: MessageEvent<StartMessage>) => void) | null;
  postMessage(message: WorkerMessage): void;
  close(): void;
};

/** Waits for jobs and runs them until the command is quit. */
function serve(c: Int32Array, gemm: Gemm): void {
  let seen = Atomics.load(c, Control.job);
  Atomics.add(c, Control.ready, 1);
  while (Atomics.load(c, Control.command) !== Command.quit) {
    Atomics.wait(c, Control.job, seen);
    seen = Atomics.load(c, Control.job);
    if (Atomics.load(c, Control.command) === Command.quit) break;
    try {
      takeChunks(c, gemm);
    } catch {
      // The calling thread throws for us once every thread is done.
      Atomics.store(c, Control.failed, 1);
    }
    Atomics.add(c, Control.done, 1);
    Atomics.notify(c, Control.done);
  }
}

scope.onmessage = (event) => {
  scope.onmessage = null;
  const { module, memory, control } = event.data;
  let gemm: Gemm;
  try {
    const instance = new WebAssembly.Instance(module, { env: { memory } });
    gemm = (instance.exports as { gemm: Gemm }).gemm;
  } catch (error) {
    scope.postMessage({
      type: "failed",
      message: error instanceof Error ? error.message : String(error),
    });
    scope.close();
    return;
  }
  scope.postMessage({ type: "ready" });
  serve(new Int32Array(control), gemm);
  scope.close();
};
