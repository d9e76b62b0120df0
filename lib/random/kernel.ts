/**
 * Which code path generates the random numbers, for diagnostics
 * (`backendInfo().random`).
 *
 * Every path gives the same bits; they differ only in speed. The fastest
 * the runtime accepts is used: the WebAssembly kernel with fixed-width SIMD
 * (`"wasm-simd"`), without it (`"wasm"`), or plain JavaScript (`"js"`).
 * A variant the runtime rejects is not an error, but it is reported here
 * with the reason, never swallowed.
 *
 * @module
 */
import { activeVariant } from "./_bits.ts";
import { kernelChoice } from "./_wasm.ts";

/** What {@linkcode randomKernelInfo} reports. */
export interface RandomKernelInfo {
  /** The path in use: the WebAssembly kernel with SIMD, without it, or plain JavaScript. */
  variant: "wasm-simd" | "wasm" | "js";
  /** Why each faster path was not used, one line each (empty when the fastest is used). */
  failures: string[];
}

/**
 * The random generator's code path, and why any faster one was rejected.
 * The first call compiles the kernel if no draw has yet.
 *
 * @returns The variant in use and the failures of the ones tried before it.
 *
 * @example
 * ```ts
 * import { randomKernelInfo } from "./kernel.ts";
 * import { assert } from "@std/assert";
 *
 * const info = randomKernelInfo();
 * assert(["wasm-simd", "wasm", "js"].includes(info.variant));
 * // Whatever was rejected says why.
 * assert(info.failures.every((line) => line.length > 0));
 * ```
 */
export function randomKernelInfo(): RandomKernelInfo {
  const { failures } = kernelChoice();
  return { variant: activeVariant(), failures: [...failures] };
}
