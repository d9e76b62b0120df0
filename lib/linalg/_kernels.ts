/**
 * The engine behind `householderQr` and `singularValues`: the gemm kernel of
 * `_gemm_wat.ts` (register-blocked Float64 products on `f64x2` WebAssembly
 * SIMD), compiled once, on first use, in the best variant this runtime runs
 * (`_kernel_probe.ts`); the memory it works in; and, for large problems, the
 * worker threads of `_gemm_pool.ts`, which take chunks of columns of the
 * products so that the calling code stays synchronous. Where no WebAssembly
 * SIMD variant runs, the products run in plain JavaScript (`_gemm_js.ts`);
 * why, and why there are no worker threads when there are none, is
 * recorded and reported by {@linkcode kernelInfo}.
 *
 * @module
 */
import { WASM } from "./_gemm_wasm.ts";
import { gemmJs } from "./_gemm_js.ts";
import {
  type Candidate,
  chooseVariant,
  kernelFailures,
  reportFailure,
} from "./_kernel_probe.ts";
import { Pool, workerObstacle } from "./_gemm_pool.ts";
import {
  Control,
  CONTROL_WORDS,
  type Gemm,
  MAX_CHAIN,
  postChain,
  type Product,
  takeChunks,
} from "./_gemm_protocol.ts";

export { type Gemm, MAX_CHAIN, type Product } from "./_gemm_protocol.ts";

/** The kernels, their memory, and the threads that share the products. */
export interface Engine {
  /** A view of the whole memory, valid until {@linkcode Engine.close}. */
  readonly f: Float64Array;
  /** `C += A·B` on the calling thread. */
  readonly gemm: Gemm;
  /**
   * Runs `products` (at most {@linkcode MAX_CHAIN}) over the columns
   * `0 .. N-1`, in chunks of at most `chunk` columns: for each chunk, each
   * product in turn on the chunk's columns of its B and C. A product may
   * read the C of an earlier one, since a chunk's products run in order on
   * one thread; chunks are shared with the worker threads when the chain is
   * large.
   */
  chain(N: number, products: readonly Product[], chunk: number): void;
  /** `"wasm-simd-fma"`, `"wasm-simd"` or `"js"`: what runs the products. */
  readonly kind: EngineKind;
  /** Worker threads started (each joins the products once it is ready). */
  readonly workers: number;
  /** Stops the workers, and lets the memory go if it is large. */
  close(): void;
}

/** What runs the products: WebAssembly SIMD with or without fused multiply-add, or plain JavaScript. */
export type EngineKind = "wasm-simd-fma" | "wasm-simd" | "js";

/** Memory up to this size is kept for the next call; larger memory is let go. */
export const KEEP_BYTES = 64 * 1024 * 1024;
/** Problems of at least this many flops start worker threads (n ≈ 800 for a square matrix). */
export const THREAD_FLOPS = 1.5e9;
/** Products of at least this many flops are split between threads. */
export const SPLIT_FLOPS = 2e6;
/** At most this many worker threads. */
export const MAX_WORKERS = 3;

const PAGE = 65536;
const MAX_PAGES = 65536; // 4 GiB, all that 32-bit addresses reach

interface Compiled {
  module: WebAssembly.Module;
  kind: "wasm-simd-fma" | "wasm-simd";
  shared: boolean;
}

let compiled: Compiled | null | undefined;
let spare: WebAssembly.Memory | null = null;
/** Set once a worker failed to start: no more pools are tried. */
let workersFailed = false;

function newMemory(shared: boolean, pages: number): WebAssembly.Memory {
  return new WebAssembly.Memory({
    initial: pages,
    maximum: MAX_PAGES,
    shared,
  });
}

/** A variant of the kernel, and what it is. */
interface Variant extends Candidate<keyof typeof WASM> {
  kind: Compiled["kind"];
  shared: boolean;
}

/**
 * The variants in order of preference: fused multiply-add where the runtime
 * has relaxed SIMD, on shared memory where it has threads.
 */
const VARIANTS: readonly Variant[] = ([
  ["fused_shared", "wasm-simd-fma", true],
  ["plain_shared", "wasm-simd", true],
  ["fused", "wasm-simd-fma", false],
  ["plain", "wasm-simd", false],
] as const).map(([name, kind, shared]) => ({
  name,
  kind,
  shared,
  base64: WASM[name],
  memory: () => newMemory(shared, 1),
  obstacle: () =>
    shared && typeof SharedArrayBuffer !== "function"
      ? "this runtime has no SharedArrayBuffer"
      : null,
}));

/**
 * Compiles the kernel once, in the first variant that runs here; `null`
 * when none does (the reasons are in {@linkcode kernelInfo}).
 */
function compile(): Compiled | null {
  if (compiled === undefined) {
    const chosen = chooseVariant("gemm", VARIANTS);
    compiled = chosen && {
      module: chosen.module,
      kind: chosen.candidate.kind,
      shared: chosen.candidate.shared,
    };
  }
  return compiled;
}

/** Runs a chain on the calling thread alone (`c`: scratch control words). */
function runLocal(
  c: Int32Array,
  gemm: Gemm,
  N: number,
  products: readonly Product[],
  chunk: number,
): void {
  postChain(c, N, products, Math.max(1, chunk));
  c[Control.nextColumn] = 0;
  takeChunks(c, gemm);
}

/** Worker threads for a large problem: one per further core, at most {@linkcode MAX_WORKERS}. */
function workerCount(): number {
  const cores = globalThis.navigator?.hardwareConcurrency ?? 1;
  return Math.max(0, Math.min(MAX_WORKERS, cores - 1));
}

/**
 * Why no worker threads can start with `wasm`, or `null` when they can. A
 * reason found here is recorded with the failures; the others (no
 * shared-memory variant, a worker that failed) were recorded when found.
 */
function threadObstacle(wasm: Compiled | null): string | null {
  if (wasm === null || !wasm.shared) return "no shared-memory kernel";
  if (workersFailed) return "a worker failed to start";
  const obstacle = workerObstacle();
  if (obstacle !== null) reportFailure(obstacle);
  return obstacle;
}

/** Options of {@linkcode openEngine}. */
export interface EngineOptions {
  /** Use the plain JavaScript product even where WebAssembly SIMD runs (for tests). */
  js?: boolean;
  /** Allow worker threads. Default true. */
  threads?: boolean;
  /** The public function the work is for, named in errors. Default `"householderQr"`. */
  fn?: string;
}

/**
 * The kernels with at least `bytes` of memory, and worker threads when the
 * problem has at least {@linkcode THREAD_FLOPS} flops. Call
 * {@linkcode Engine.close} when done.
 */
export function openEngine(
  bytes: number,
  flops: number,
  options: EngineOptions = {},
): Engine {
  const { js = false, threads = true, fn = "householderQr" } = options;
  const pages = Math.ceil(bytes / PAGE);
  if (pages > MAX_PAGES) {
    throw new RangeError(
      `${fn}: the matrix needs ${bytes} bytes of working memory, more than the 4 GiB WebAssembly can address`,
    );
  }
  const wasm = js ? null : compile();
  if (wasm === null) {
    const f = new Float64Array(pages * PAGE / 8);
    const gemm = gemmJs(f);
    const local = new Int32Array(CONTROL_WORDS);
    return {
      f,
      gemm,
      chain: (N, products, chunk) => runLocal(local, gemm, N, products, chunk),
      kind: "js",
      workers: 0,
      close() {},
    };
  }
  const { module, kind, shared } = wasm;
  let memory = spare;
  spare = null;
  if (memory !== null) {
    const have = memory.buffer.byteLength / PAGE;
    if (have < pages) memory.grow(pages - have);
  }
  memory ??= newMemory(shared, pages);
  const instance = new WebAssembly.Instance(module, { env: { memory } });
  const kernel = (instance.exports as { gemm: Gemm }).gemm;
  const count = workerCount();
  let pool: Pool | null = null;
  if (
    threads && count > 0 && flops >= THREAD_FLOPS &&
    threadObstacle(wasm) === null
  ) {
    pool = startPool(module, memory, count);
  }
  const local = new Int32Array(CONTROL_WORDS);
  const chain = (N: number, products: readonly Product[], chunk: number) => {
    if (products.length > MAX_CHAIN) {
      throw new RangeError(`chain: at most ${MAX_CHAIN} products`);
    }
    let flops = 0;
    for (const [M, K] of products) flops += 2 * M * N * K;
    if (pool !== null && flops >= SPLIT_FLOPS && N >= 12 && pool.ready()) {
      // Chunks small enough to share the columns out evenly.
      const parts = 4 * (count + 1);
      const even = 6 * Math.max(1, Math.ceil(N / (6 * parts)));
      pool.run(kernel, N, products, Math.min(chunk, even));
    } else {
      runLocal(local, kernel, N, products, chunk);
    }
  };
  const keep = memory;
  return {
    f: new Float64Array(memory.buffer),
    gemm: kernel,
    chain,
    kind,
    workers: pool === null ? 0 : count,
    close(): void {
      pool?.close();
      pool = null;
      if (keep.buffer.byteLength <= KEEP_BYTES) spare = keep;
    },
  };
}

/** A pool of `count` workers, or `null` (with the reason recorded) when none can be created. */
function startPool(
  module: WebAssembly.Module,
  memory: WebAssembly.Memory,
  count: number,
): Pool | null {
  try {
    return new Pool(module, memory, count, (message) => {
      workersFailed = true;
      reportFailure(message);
    });
  } catch (error) {
    workersFailed = true;
    reportFailure(
      `worker threads: ${error instanceof Error ? error.message : error}`,
    );
    return null;
  }
}

/** What runs the linear algebra's products here, and what could not. */
export interface KernelInfo {
  /** What runs the products. */
  kernel: EngineKind;
  /** Whether the kernel works on shared memory (needed for worker threads). */
  sharedMemory: boolean;
  /** Worker threads a large problem starts besides the calling thread. */
  threads: number;
  /** Why a better variant, or the worker threads, could not be used, in the order found. */
  failures: string[];
}

/**
 * The variant chosen (compiling it now if no product has run yet), the
 * worker threads a large problem would start, and every failure recorded
 * so far. A worker that fails to start is only known once one has been
 * tried: see {@linkcode probeKernels}.
 */
export function kernelInfo(): KernelInfo {
  const wasm = compile();
  const threads = workerCount() > 0 && threadObstacle(wasm) === null
    ? workerCount()
    : 0;
  return {
    kernel: wasm?.kind ?? "js",
    sharedMemory: wasm?.shared ?? false,
    threads,
    failures: kernelFailures(),
  };
}

let workerProbe: Promise<void> | undefined;

/** How long {@linkcode probeKernels} waits for the workers to start. */
const PROBE_MS = 10_000;

/**
 * {@linkcode kernelInfo}, after starting the worker threads once (on a
 * small memory, then stopping them) to see that they do start.
 */
export async function probeKernels(): Promise<KernelInfo> {
  const wasm = compile();
  const count = workerCount();
  if (wasm !== null && count > 0 && threadObstacle(wasm) === null) {
    workerProbe ??= (async () => {
      const pool = startPool(wasm.module, newMemory(true, 1), count);
      if (pool === null) return;
      let timer: ReturnType<typeof setTimeout> | undefined;
      try {
        await Promise.race([
          pool.started(),
          new Promise<void>((resolve) => {
            timer = setTimeout(() => {
              reportFailure(
                `worker threads: not ready after ${PROBE_MS / 1000} s`,
              );
              resolve();
            }, PROBE_MS);
          }),
        ]);
      } catch {
        // The pool has recorded why.
      } finally {
        clearTimeout(timer);
        pool.close();
      }
    })();
    await workerProbe;
  }
  return kernelInfo();
}
