/**
 * Worker threads that share a large chain of products with the calling
 * thread: each runs `_gemm_worker.ts` on the same shared memory, and they
 * all take chunks of columns through the control words of
 * `_gemm_protocol.ts`. The calling thread blocks in `Atomics.wait` until a
 * chain is done, so the API stays synchronous.
 *
 * @module
 */
import {
  Command,
  Control,
  CONTROL_WORDS,
  type Gemm,
  postChain,
  type Product,
  type StartMessage,
  takeChunks,
  type WorkerMessage,
} from "./_gemm_protocol.ts";

const WORKER_URL = new URL("./_gemm_worker.ts", import.meta.url);

/** Whether this thread may block in `Atomics.wait` (a browser's main thread may not). */
function canBlock(): boolean {
  try {
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 1, 0);
    return true;
  } catch {
    return false;
  }
}

/**
 * Why worker threads cannot start here, or `null` when they may: no
 * `Worker`, no `SharedArrayBuffer`, a thread that may not block, or (in
 * Deno) no permission to read the worker's module.
 */
export function workerObstacle(): string | null {
  if (typeof Worker !== "function") {
    return "worker threads: this runtime has no Worker";
  }
  if (typeof SharedArrayBuffer !== "function") {
    return "worker threads: this runtime has no SharedArrayBuffer";
  }
  if (!canBlock()) {
    return "worker threads: this thread may not block in Atomics.wait";
  }
  // Deno loads a worker's local module only with read permission: without
  // it, creating the worker fails later or prompts. Other URLs are tried.
  if (typeof Deno === "undefined" || WORKER_URL.protocol !== "file:") {
    return null;
  }
  const { state } = Deno.permissions.querySync({
    name: "read",
    path: WORKER_URL,
  });
  if (state === "granted") return null;
  return `worker threads: loading ${WORKER_URL.href} needs --allow-read (read permission ${state})`;
}

/**
 * Worker threads for one problem. They start at once and join the chains
 * when they are ready; until then, and after any of them failed to start,
 * {@linkcode Pool.ready} is false and the calling thread runs the chains
 * alone.
 */
export class Pool {
  private readonly c = new Int32Array(
    new SharedArrayBuffer(CONTROL_WORDS * 4),
  );
  private readonly threads: Worker[] = [];
  private readonly startup: Promise<void>;
  private broken = false;

  /**
   * Starts `count` workers on `module` (a shared-memory variant of the
   * kernel) and `memory`; `onFailure` hears why a worker could not start.
   * Throws when a worker cannot even be created.
   */
  constructor(
    module: WebAssembly.Module,
    memory: WebAssembly.Memory,
    count: number,
    onFailure: (message: string) => void,
  ) {
    const started: Promise<void>[] = [];
    const fail = (message: string) => {
      if (!this.broken) onFailure(message);
      this.broken = true;
    };
    try {
      for (let i = 0; i < count; i++) {
        const worker = new Worker(WORKER_URL, { type: "module" });
        this.threads.push(worker);
        started.push(
          new Promise((resolve, reject) => {
            worker.onmessage = (event: MessageEvent<WorkerMessage>) => {
              const reply = event.data;
              if (reply.type === "ready") resolve();
              else {
                fail(`worker threads: a worker failed: ${reply.message}`);
                reject(new Error(reply.message));
              }
            };
            worker.onerror = (event) => {
              // Reported here and through onFailure, not as an uncaught error.
              event.preventDefault();
              fail(
                `worker threads: a worker failed to start: ${event.message}`,
              );
              reject(new Error(event.message));
            };
          }),
        );
        const start: StartMessage = { module, memory, control: this.c.buffer };
        worker.postMessage(start);
      }
    } catch (error) {
      this.close();
      throw error;
    }
    this.startup = Promise.all(started).then(() => {});
    this.startup.catch(() => {}); // Seen through onFailure and started().
  }

  /** Resolves when every worker is ready; rejects when one failed to start. */
  started(): Promise<void> {
    return this.startup;
  }

  /** Whether every worker is up (until then, chains run on the calling thread alone). */
  ready(): boolean {
    return !this.broken &&
      Atomics.load(this.c, Control.ready) === this.threads.length;
  }

  /** Runs one chain, in chunks of columns taken by whichever thread is free. */
  run(
    gemm: Gemm,
    N: number,
    products: readonly Product[],
    chunk: number,
  ): void {
    const c = this.c;
    postChain(c, N, products, chunk);
    Atomics.store(c, Control.nextColumn, 0);
    Atomics.store(c, Control.done, 0);
    Atomics.store(c, Control.command, Command.run);
    Atomics.add(c, Control.job, 1);
    Atomics.notify(c, Control.job);
    takeChunks(c, gemm);
    const n = this.threads.length;
    for (
      let done = Atomics.load(c, Control.done);
      done < n;
      done = Atomics.load(c, Control.done)
    ) {
      Atomics.wait(c, Control.done, done);
    }
    if (Atomics.load(c, Control.failed) !== 0) {
      throw new Error(
        "linear algebra: a worker thread failed in a matrix product",
      );
    }
  }

  /** Tells the workers to finish, and ends them. */
  close(): void {
    Atomics.store(this.c, Control.command, Command.quit);
    Atomics.add(this.c, Control.job, 1);
    Atomics.notify(this.c, Control.job);
    for (const worker of this.threads) worker.terminate();
  }
}
