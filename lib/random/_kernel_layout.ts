/**
 * The memory layout of the random kernel (`_philox_wat.ts`, instantiated by
 * `_wasm.ts`): byte addresses in its one exported memory `mem`. Both the
 * module text and the code that reads its results take them from here, so
 * they cannot disagree (`deno task wasm --check` catches a layout changed
 * without reassembling).
 *
 * | from byte    | contents                                                   |
 * | ------------ | ---------------------------------------------------------- |
 * | `0`          | the chunk: up to `CHUNK_BLOCKS` Philox blocks of 4 words   |
 * | `FLOAT_BASE` | results: a float32 per chunk word, or a float32 or float64 |
 * |              | per element of two words                                   |
 * | `K24_BASE`   | the 24-bit Ziggurat's `K` (512 int32)                      |
 * | `W24_BASE`   | the 24-bit Ziggurat's `W` (512 float64)                    |
 * | `K53_BASE`   | the 53-bit Ziggurat's `K` (512 float64)                    |
 * | `W53_BASE`   | the 53-bit Ziggurat's `W` (512 float64)                    |
 * | `SLOW_BASE`  | the slow list: `4t` per listed word or element `t`         |
 * | `EXTRA_BASE` | `extras`' output: one Philox block per listed element      |
 *
 * @module
 */

/** Blocks (of 4 words) in one chunk: the most one kernel call writes. */
export const CHUNK_BLOCKS = 4096;
/** Byte address of the results (64 KiB: a float32 per word of a full chunk, or a float64 per element of two words). */
export const FLOAT_BASE: number = CHUNK_BLOCKS * 16;
/** Byte address of the 24-bit Ziggurat's `K` table (512 int32). */
export const K24_BASE: number = FLOAT_BASE + CHUNK_BLOCKS * 16;
/** Byte address of the 24-bit Ziggurat's `W` table (512 float64). */
export const W24_BASE: number = K24_BASE + 512 * 4;
/** Byte address of the 53-bit Ziggurat's `K` table (512 float64: its entries reach 2^53). */
export const K53_BASE: number = W24_BASE + 512 * 8;
/** Byte address of the 53-bit Ziggurat's `W` table (512 float64). */
export const W53_BASE: number = K53_BASE + 512 * 8;
/** Byte address of the slow list (up to `4·CHUNK_BLOCKS` entries of 4 bytes). */
export const SLOW_BASE: number = W53_BASE + 512 * 8;
/** Byte address of `extras`' output (up to `4·CHUNK_BLOCKS` blocks of 16 bytes). */
export const EXTRA_BASE: number = SLOW_BASE + CHUNK_BLOCKS * 16;
/** The memory's size in 64 KiB pages. */
export const MEMORY_PAGES: number = Math.ceil(
  (EXTRA_BASE + CHUNK_BLOCKS * 64) / 65536,
);
