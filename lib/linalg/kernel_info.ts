/**
 * What runs the linear algebra's matrix products in this runtime, and why
 * nothing faster does.
 *
 * @module
 */
import { probeKernels } from "./_kernels.ts";
import { chaseModule } from "./_svd_chase_kernels.ts";

/** What {@linkcode linalgKernelInfo} reports. */
export interface LinalgKernelInfo {
  /**
   * What runs the products of `householderQr` and `singularValues`:
   * `"wasm-simd-fma"` (WebAssembly SIMD with relaxed SIMD's fused
   * multiply-add), `"wasm-simd"` (WebAssembly SIMD, a multiply then an
   * add) or `"js"` (plain JavaScript, about 7× slower).
   */
  kernel: "wasm-simd-fma" | "wasm-simd" | "js";
  /** Whether the kernel works on a shared memory, which worker threads need. */
  sharedMemory: boolean;
  /**
   * Worker threads a large problem (from about 800×800) starts besides the
   * calling thread: one per further core, at most 3; 0 where they cannot
   * start (see `failures`) or on a single core.
   */
  threads: number;
  /**
   * Why a better kernel variant, or the worker threads, could not be used
   * here, one line each in the order found (for example
   * `"gemm fused_shared: WebAssembly.validate rejects it (…)"` or
   * `"worker threads: loading … needs --allow-read (read permission prompt)"`);
   * empty when everything runs.
   */
  failures: string[];
  /** The above in a few words, for example `"wasm-simd-fma, shared memory, 1 worker thread"`. */
  summary: string;
}

/**
 * Reports which WebAssembly kernel variant runs the linear algebra here
 * (compiling it if nothing has run yet), how many worker threads a large
 * problem starts (starting them once, on first call, to see that they do),
 * and every reason a faster variant or the threads could not be used.
 *
 * The kernels are chosen once per process, on first use: fused
 * multiply-add where the runtime has relaxed SIMD, shared memory and worker
 * threads where it has `SharedArrayBuffer`, `Atomics.wait` and (in Deno)
 * read permission for the worker's module, else the plainer variants, and
 * plain JavaScript where no WebAssembly SIMD runs. Every variant gives the
 * same results on a given machine up to rounding; none is silent about
 * being skipped.
 *
 * @returns The kernel, shared memory, worker threads and failures.
 *
 * @example
 * ```ts
 * import { linalgKernelInfo } from "./kernel_info.ts";
 * import { assert } from "@std/assert";
 *
 * const info = await linalgKernelInfo();
 * assert(["wasm-simd-fma", "wasm-simd", "js"].includes(info.kernel));
 * console.log(info.summary, info.failures);
 * ```
 */
export async function linalgKernelInfo(): Promise<LinalgKernelInfo> {
  chaseModule();
  const { kernel, sharedMemory, threads, failures } = await probeKernels();
  const summary = [
    kernel,
    ...(kernel === "js"
      ? []
      : [sharedMemory ? "shared memory" : "unshared memory"]),
    threads === 0
      ? "no worker threads"
      : `${threads} worker thread${threads === 1 ? "" : "s"}`,
  ].join(", ");
  return { kernel, sharedMemory, threads, failures, summary };
}
