/**
 * The band-to-bidiagonal chase's WebAssembly SIMD kernels (`_svd_chase.wat`,
 * assembled by `deno task wasm`): one Householder reflector applied to a
 * block of band storage from the right or the left, on `f64x2` (plain
 * multiply and add, so the rounding is the same everywhere). Compiled once,
 * on first use; `null` where they do not run, with the reason recorded for
 * `linalgKernelInfo`.
 *
 * @module
 */
import { WASM } from "./_svd_chase_wasm.ts";
import { chooseVariant } from "./_kernel_probe.ts";

/**
 * `right(base, stride, rows, len, v, w, tau)`: with C the rows×len block
 * whose column j starts at `base + j·stride` (bytes; each column's rows
 * contiguous), computes w = C·v (rows doubles at `w`) and then
 * C −= τ·w·vᵀ: the reflector I − τ·v·vᵀ applied from the right.
 */
export type RightKernel = (
  base: number,
  stride: number,
  rows: number,
  len: number,
  v: number,
  w: number,
  tau: number,
) => void;

/**
 * `left(base, stride, len, cols, v, tau)`: for each of `cols` columns
 * c (len contiguous doubles at `base + q·stride`), c −= τ·(vᵀc)·v: the
 * reflector applied from the left.
 */
export type LeftKernel = (
  base: number,
  stride: number,
  len: number,
  cols: number,
  v: number,
  tau: number,
) => void;

const PAGE = 65536;
const MAX_PAGES = 65536;

let compiled: WebAssembly.Module | null | undefined;

/**
 * The kernels' module, compiled on first use; `null` where it does not run
 * (the reason is recorded).
 */
export function chaseModule(): WebAssembly.Module | null {
  if (compiled === undefined) {
    compiled = chooseVariant("svd chase", [{
      name: "default",
      base64: WASM.default,
      memory: () => new WebAssembly.Memory({ initial: 1, maximum: MAX_PAGES }),
    }])?.module ?? null;
  }
  return compiled;
}

/** The kernels on a fresh memory of at least `bytes` bytes. */
export interface ChaseKernels {
  /** A view of the whole memory. */
  f: Float64Array;
  right: RightKernel;
  left: LeftKernel;
}

/** The chase kernels on a memory of at least `bytes`, or `null` without WebAssembly SIMD. */
export function chaseKernels(bytes: number): ChaseKernels | null {
  const module = chaseModule();
  if (module === null) return null;
  const pages = Math.max(1, Math.ceil(bytes / PAGE));
  if (pages > MAX_PAGES) return null;
  const memory = new WebAssembly.Memory({ initial: pages, maximum: MAX_PAGES });
  const instance = new WebAssembly.Instance(module, { env: { memory } });
  const exports = instance.exports as { right: RightKernel; left: LeftKernel };
  return {
    f: new Float64Array(memory.buffer),
    right: exports.right,
    left: exports.left,
  };
}
