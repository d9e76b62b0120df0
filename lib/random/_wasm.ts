/**
 * The random kernel: instantiates the assembled Philox/Ziggurat module
 * (source `_philox_wat.ts`, assembled by `deno task wasm` into
 * `_philox_wasm.ts`), writes the Ziggurat tables into its memory, and hands
 * out its functions with views of its memory.
 *
 * Nothing is compiled at import: {@linkcode philoxKernel} compiles on its
 * first call. It takes the `simd` variant where the runtime validates and
 * instantiates it, else the `scalar` one, else none (plain JavaScript, in
 * `_bits.ts`), and records why each faster choice was rejected
 * ({@linkcode kernelChoice}).
 *
 * @module
 */
import { WASM } from "./_philox_wasm.ts";
import {
  CHUNK_BLOCKS,
  EXTRA_BASE,
  FLOAT_BASE,
  K24_BASE,
  K53_BASE,
  SLOW_BASE,
  W24_BASE,
  W53_BASE,
} from "./_kernel_layout.ts";
import { Z24, Z53 } from "./_ziggurat.ts";

export { CHUNK_BLOCKS };

/** The signature of `blocks` and `blocks4`. */
export type BlocksFunction = (
  ptr: number,
  c0: number,
  c1: number,
  c2: number,
  c3: number,
  k0: number,
  k1: number,
  n: number,
) => void;

/** The signature of `normal53` and `normal53f64`. */
export type Normal53Function = (
  n: number,
  lower: number,
  upper: number,
  mean: number,
  std: number,
) => number;

/** The signature of `uniform53` and `uniform53f64`. */
export type Uniform53Function = (n: number, low: number, width: number) => void;

/** A compiled kernel: views of its memory, and its functions. */
export interface PhiloxKernel {
  /** The chunk as words: a call with `ptr` writes block `b` to `words[ptr/4 + 4b …]`. */
  readonly words: Uint32Array;
  /** The results as float32: that of chunk word `t`, or of element `e` (words `2e`, `2e + 1`), at `floats[t]`, `floats[e]`. */
  readonly floats: Float32Array;
  /** The results as float64: that of element `e` at `floats64[e]` (the same memory as `floats`). */
  readonly floats64: Float64Array;
  /** The slow list: entry `q` is the byte address `4t` of a chunk word `t`. */
  readonly slow: Uint32Array;
  /** Where `extras` writes: block `q` at `extraWords[4q …]`. */
  readonly extraWords: Uint32Array;
  /**
   * Philox blocks `[c0 + b, c1, c2, c3]`, `b < n`, under the key `(k0, k1)`,
   * from byte address `ptr`; `c0 + n ≤ 2^32`.
   */
  readonly blocks: BlocksFunction;
  /** `blocks` four blocks per step in SIMD (`n` a multiple of 4), or `null`. */
  readonly blocks4: BlocksFunction | null;
  /**
   * The Ziggurat's fast path over words `0 … n − 1` with the 24-bit tables:
   * `floats[t]` becomes the float32 `m·W[s]` for word `w = words[t]`
   * (`s = w & 511`, `m = (w >>> 8) | 1`); the words with `m ≥ K[s]` also go
   * on the slow list (their floats are to be overwritten). Returns the
   * list's length.
   */
  readonly normal32: (n: number) => number;
  /** `normal32` four words at a time in SIMD (`n` a multiple of 4), or `null`. */
  readonly normal32x4: ((n: number) => number) | null;
  /** `floats[t] = (words[t] >>> 8) · 2^−24` for `t < n` (SIMD), or `null`. */
  readonly uniform32: ((n: number) => void) | null;
  /**
   * The 53-bit Ziggurat's fast path over elements `e < n` (words `2e`,
   * `2e + 1`; `s = a & 511`, `m = (a >>> 9)·2^30 + ((b >>> 2) | 1)`,
   * `x = m·W[s]`): where `m < K[s]` and `lower ≤ x ≤ upper`, `floats[e]`
   * becomes the float32 of `mean + std·x`; the other elements go on the
   * slow list (entry `4e`). Returns the list's length.
   *
   * In the SIMD variant this is `normal53x4`, four elements per step: it
   * treats `n` rounded up to a multiple of 4, so the results and slow-list
   * entries of up to 3 elements past `n` (from whatever words are there)
   * are for the caller to ignore.
   */
  readonly normal53: Normal53Function;
  /** `normal53` with float64 results, to `floats64[e]`. */
  readonly normal53f64: Normal53Function;
  /**
   * `floats[e]` = the float32 of `low + width·u` for elements `e < n`, with
   * the 53-bit uniform `u = ((a >>> 5)·2^26 + (b >>> 6))·2^−53` of words
   * `a = 2e`, `b = 2e + 1`. (SIMD variant: `uniform53x4`, `n` rounded up to
   * a multiple of 4, as for `normal53`.)
   */
  readonly uniform53: Uniform53Function;
  /** `uniform53` with float64 results, to `floats64[e]`. */
  readonly uniform53f64: Uniform53Function;
  /**
   * Extra block 0 of element `jb + t` for each of the first `count` entries
   * `4t` on the slow list (`jb = jbHi·2^32 + jbLo`), to `extraWords`.
   */
  readonly extras: (
    count: number,
    jbLo: number,
    jbHi: number,
    stream: number,
    k0: number,
    k1: number,
  ) => void;
}

/** An assembled variant: with fixed-width SIMD, or without. */
export type KernelVariantName = keyof typeof WASM;

/** The variants in the order {@linkcode philoxKernel} tries them: fastest first. */
const KERNEL_VARIANTS: readonly KernelVariantName[] = ["simd", "scalar"];

/** How the kernel was chosen: the variant in use and why others were not. */
export interface KernelChoice {
  /** The variant in use, or `null` when none could be used. */
  readonly variant: KernelVariantName | null;
  /** One line per rejected variant (or a missing WebAssembly), in the order tried. */
  readonly failures: readonly string[];
}

interface KernelExports {
  mem: WebAssembly.Memory;
  blocks: BlocksFunction;
  normal32: (n: number) => number;
  normal53: Normal53Function;
  normal53f64: Normal53Function;
  uniform53: Uniform53Function;
  uniform53f64: Uniform53Function;
  extras: PhiloxKernel["extras"];
  blocks4?: BlocksFunction;
  normal32x4?: (n: number) => number;
  uniform32?: (n: number) => void;
  normal53x4?: Normal53Function;
  normal53x4f64?: Normal53Function;
  uniform53x4?: Uniform53Function;
  uniform53x4f64?: Uniform53Function;
}

/**
 * Compiles and instantiates one variant and writes its tables. Throws
 * (with the runtime's message) where the runtime rejects it.
 */
export function instantiateKernel(variant: KernelVariantName): PhiloxKernel {
  const bytes = Uint8Array.fromBase64(WASM[variant]);
  if (!WebAssembly.validate(bytes)) {
    throw new Error(
      variant === "simd"
        ? "WebAssembly.validate rejected it (no fixed-width SIMD in this runtime)"
        : "WebAssembly.validate rejected it",
    );
  }
  const instance = new WebAssembly.Instance(new WebAssembly.Module(bytes));
  const ex = instance.exports as unknown as KernelExports;
  const buffer = ex.mem.buffer;
  new Int32Array(buffer, K24_BASE, 512).set(Z24.K);
  new Float64Array(buffer, W24_BASE, 512).set(Z24.W);
  new Float64Array(buffer, K53_BASE, 512).set(Z53.K);
  new Float64Array(buffer, W53_BASE, 512).set(Z53.W);
  return {
    words: new Uint32Array(buffer, 0, CHUNK_BLOCKS * 4),
    floats: new Float32Array(buffer, FLOAT_BASE, CHUNK_BLOCKS * 4),
    floats64: new Float64Array(buffer, FLOAT_BASE, CHUNK_BLOCKS * 2),
    slow: new Uint32Array(buffer, SLOW_BASE, CHUNK_BLOCKS * 4),
    extraWords: new Uint32Array(buffer, EXTRA_BASE, CHUNK_BLOCKS * 16),
    blocks: ex.blocks,
    blocks4: ex.blocks4 ?? null,
    normal32: ex.normal32,
    normal32x4: ex.normal32x4 ?? null,
    uniform32: ex.uniform32 ?? null,
    normal53: ex.normal53x4 ?? ex.normal53,
    normal53f64: ex.normal53x4f64 ?? ex.normal53f64,
    uniform53: ex.uniform53x4 ?? ex.uniform53,
    uniform53f64: ex.uniform53x4f64 ?? ex.uniform53f64,
    extras: ex.extras,
  };
}

let chosen: { kernel: PhiloxKernel | null; choice: KernelChoice } | undefined;

function choose(): { kernel: PhiloxKernel | null; choice: KernelChoice } {
  const failures: string[] = [];
  if (typeof WebAssembly !== "object") {
    failures.push("WebAssembly is not available in this runtime");
    return { kernel: null, choice: { variant: null, failures } };
  }
  for (const variant of KERNEL_VARIANTS) {
    try {
      return {
        kernel: instantiateKernel(variant),
        choice: { variant, failures },
      };
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      failures.push(`${variant}: ${message}`);
    }
  }
  return { kernel: null, choice: { variant: null, failures } };
}

/**
 * The kernel: the fastest variant this runtime accepts, compiled on the
 * first call (synchronously; the module is small), or `null` where none
 * is accepted.
 */
export function philoxKernel(): PhiloxKernel | null {
  chosen ??= choose();
  return chosen.kernel;
}

/** Which variant {@linkcode philoxKernel} chose, and why the others were rejected. */
export function kernelChoice(): KernelChoice {
  chosen ??= choose();
  return chosen.choice;
}
