/**
 * Bulk Philox blocks for one draw, a chunk at a time, through the
 * WebAssembly kernel (or plain JavaScript where WebAssembly is missing).
 *
 * Counter layout (shared by every generator in `lib/random/`):
 *
 * - primary block `b` of a draw: counter `[b mod 2^32, ⌊b / 2^32⌋, stream, 0]`;
 *   word `w` of the draw is word `w mod 4` of block `⌊w / 4⌋`;
 * - extra block `c` of element `j` (the element-local draws of rejection
 *   steps): counter `[j mod 2^32, ⌊j / 2^32⌋, stream, 1 + c]`.
 *
 * The last counter word keeps the two apart, so extra draws never collide
 * with primary words, and both depend only on (key, stream, index).
 *
 * @module
 */
import { philoxInto } from "./_philox_js.ts";
import {
  CHUNK_BLOCKS,
  instantiateKernel,
  kernelChoice,
  type KernelVariantName,
  type PhiloxKernel,
  philoxKernel,
} from "./_wasm.ts";

export { CHUNK_BLOCKS };

const TWO_32 = 4294967296;

/** The code paths: the kernel with SIMD, the kernel without, plain JavaScript. */
export type KernelVariant = "wasm-simd" | "wasm" | "js";

const VARIANT_OF: Record<KernelVariantName, KernelVariant> = {
  simd: "wasm-simd",
  scalar: "wasm",
};

/** The path forced by {@linkcode useKernel}, or `null` for the automatic one. */
let forced: { variant: KernelVariant; kernel: PhiloxKernel | null } | null =
  null;
/** Instances made for {@linkcode useKernel}, one per variant. */
const instances = new Map<KernelVariantName, PhiloxKernel>();
/** The chunk area of the plain-JavaScript path, made on its first use. */
let jsWords: Uint32Array | null = null;

/**
 * The WebAssembly kernel in use (compiled on the first call), or `null` when
 * the plain-JavaScript path is (no usable WebAssembly, or forced by
 * {@linkcode useKernel}).
 */
export function activeKernel(): PhiloxKernel | null {
  return forced !== null ? forced.kernel : philoxKernel();
}

/** The path in use (compiling the kernel if it has not been yet). */
export function activeVariant(): KernelVariant {
  if (forced !== null) return forced.variant;
  const variant = kernelChoice().variant;
  return variant === null ? "js" : VARIANT_OF[variant];
}

/**
 * Forces a path (`"auto"`: the automatic choice again), for the tests that
 * compare the paths. Returns the setting it replaces, to restore it.
 *
 * @throws {Error} If the runtime rejects the forced variant.
 */
export function useKernel(
  variant: KernelVariant | "auto",
): KernelVariant | "auto" {
  const was = forced === null ? "auto" : forced.variant;
  if (variant === "auto") {
    forced = null;
  } else if (variant === "js") {
    forced = { variant, kernel: null };
  } else {
    const name = variant === "wasm-simd" ? "simd" : "scalar";
    let kernel = instances.get(name);
    if (kernel === undefined) {
      kernel = instantiateKernel(name);
      instances.set(name, kernel);
    }
    forced = { variant, kernel };
  }
  return was;
}

/** The chunk area of the path in use. */
function scratchWords(kernel: PhiloxKernel | null): Uint32Array {
  if (kernel !== null) return kernel.words;
  return jsWords ??= new Uint32Array(CHUNK_BLOCKS * 4);
}

/** Blocks `[c0, c0 + n)` with `c0 + n ≤ 2^32`, written from word `at`. */
function run(
  kernel: PhiloxKernel | null,
  scratch: Uint32Array,
  at: number,
  c0: number,
  c1: number,
  stream: number,
  tag: number,
  k0: number,
  k1: number,
  n: number,
): void {
  if (kernel === null) {
    for (let b = 0; b < n; b++) {
      philoxInto(scratch, at + 4 * b, c0 + b, c1, stream, tag, k0, k1);
    }
    return;
  }
  let done = 0;
  if (kernel.blocks4 !== null && n >= 4) {
    done = n & ~3;
    kernel.blocks4(4 * at, c0, c1, stream, tag, k0, k1, done);
  }
  if (done < n) {
    kernel.blocks(
      4 * (at + 4 * done),
      c0 + done,
      c1,
      stream,
      tag,
      k0,
      k1,
      n - done,
    );
  }
}

/**
 * Writes primary blocks `[b0, b0 + nb)` of `(k0, k1, stream)` to the scratch
 * area and returns it: block `b0 + t` is at words `4t … 4t + 3`. The area is
 * overwritten by the next call; `nb ≤ CHUNK_BLOCKS`, `b0 + nb ≤ 2^64`.
 */
function primaryBlocks(
  k0: number,
  k1: number,
  stream: number,
  b0: number,
  nb: number,
): Uint32Array {
  const c0 = b0 % TWO_32;
  const c1 = Math.floor(b0 / TWO_32);
  const first = Math.min(nb, TWO_32 - c0);
  const kernel = activeKernel();
  const scratch = scratchWords(kernel);
  run(kernel, scratch, 0, c0, c1, stream, 0, k0, k1, first);
  if (first < nb) {
    run(kernel, scratch, 4 * first, 0, c1 + 1, stream, 0, k0, k1, nb - first);
  }
  return scratch;
}

const NO_WORDS = new Uint32Array(0);

/**
 * The chunks of the primary words of elements `[offset, offset + n)`, with
 * `per` words per element: after each successful {@linkcode Chunks.next},
 * element `offset + i + t` (for `t < count`) reads `words[at + per·t …]`.
 */
export class Chunks {
  /** The scratch area holding the current chunk (set by {@linkcode Chunks.next}). */
  words: Uint32Array = NO_WORDS;
  /** Where the first element of the chunk starts in `words`. */
  at = 0;
  /** The chunk's first element, relative to `offset`. */
  i = 0;
  /** Elements in the chunk. */
  count = 0;
  /** Blocks generated for the chunk (`4·blocks` words in `words`). */
  blocks = 0;
  readonly #n: number;
  readonly #offset: number;
  readonly #per: number;
  readonly #k0: number;
  readonly #k1: number;
  readonly #stream: number;

  /** Plans the chunks; generates nothing yet. */
  constructor(
    n: number,
    k0: number,
    k1: number,
    stream: number,
    offset: number,
    per: 1 | 2,
  ) {
    this.#n = n;
    this.#offset = offset;
    this.#per = per;
    this.#k0 = k0;
    this.#k1 = k1;
    this.#stream = stream;
  }

  /** Generates the next chunk; `false` when all elements are done. */
  next(): boolean {
    this.i += this.count;
    if (this.i >= this.#n) return false;
    const perBlock = 4 / this.#per;
    const j = this.#offset + this.i;
    const b0 = Math.floor(j / perBlock);
    const skip = j - perBlock * b0;
    const nb = Math.min(
      CHUNK_BLOCKS,
      Math.ceil((this.#n - this.i + skip) / perBlock),
    );
    this.words = primaryBlocks(this.#k0, this.#k1, this.#stream, b0, nb);
    this.at = this.#per * skip;
    this.count = Math.min(this.#n - this.i, perBlock * nb - skip);
    this.blocks = nb;
    return true;
  }
}

/**
 * Element-local extra words: a reader over the extra blocks of one element,
 * handing out words in order (block 0's four words, then block 1's, …).
 */
export class ExtraWords {
  #k0 = 0;
  #k1 = 0;
  #stream = 0;
  #jLo = 0;
  #jHi = 0;
  #block = 0;
  #used = 4;
  readonly #buf = new Uint32Array(4);

  /** Starts reading the extra words of element `j` of `(k0, k1, stream)`. */
  reset(k0: number, k1: number, stream: number, j: number): void {
    this.#k0 = k0;
    this.#k1 = k1;
    this.#stream = stream;
    this.#jLo = j % TWO_32;
    this.#jHi = Math.floor(j / TWO_32);
    this.#block = 0;
    this.#used = 4;
  }

  /**
   * Like {@linkcode ExtraWords.reset}, with extra block 0 already computed
   * (by the kernel's `extras`) at `src[at … at + 3]`.
   */
  resetFrom(
    k0: number,
    k1: number,
    stream: number,
    j: number,
    src: Uint32Array,
    at: number,
  ): void {
    this.reset(k0, k1, stream, j);
    const buf = this.#buf;
    buf[0] = src[at];
    buf[1] = src[at + 1];
    buf[2] = src[at + 2];
    buf[3] = src[at + 3];
    this.#block = 1;
    this.#used = 0;
  }

  /** The next 32-bit word. */
  word(): number {
    if (this.#used === 4) {
      if (this.#block >= TWO_32 - 1) {
        throw new Error("random: an element used up its 2^32 extra blocks");
      }
      philoxInto(
        this.#buf,
        0,
        this.#jLo,
        this.#jHi,
        this.#stream,
        this.#block + 1,
        this.#k0,
        this.#k1,
      );
      this.#block++;
      this.#used = 0;
    }
    return this.#buf[this.#used++];
  }

  /** A uniform double `k · 2^-53`, `k` uniform in [0, 2^53), from two words. */
  uniform53(): number {
    const a = this.word() >>> 5, b = this.word() >>> 6;
    return (a * 67108864 + b) * 1.1102230246251565e-16;
  }
}
