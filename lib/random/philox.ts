/**
 * Philox-4x32-10, the counter-based generator of Salmon, Moraes, Dror and
 * Shaw ("Parallel random numbers: as easy as 1, 2, 3", SC 2011; the
 * Random123 library), and the raw 32-bit words of a {@linkcode Draw}.
 *
 * Philox is a keyed bijection on 128-bit counters: the output for a counter
 * depends on nothing else, so word `i` of a stream can be computed without
 * words `0 … i − 1`, in any order, on any machine, with the same result.
 * It passes the TestU01 BigCrush battery (Salmon et al., Table 2).
 *
 * The bulk path runs in a small WebAssembly module assembled in
 * `_wasm.ts` (64-bit multiplies, SIMD where available); the single-block
 * function here is plain JavaScript. Both compute the same function.
 *
 * @module
 */
import { philoxInto } from "./_philox_js.ts";
import { CHUNK_BLOCKS, primaryBlocks } from "./_bits.ts";
import { checkDrawSpan, type Draw } from "./stream.ts";
import { checkUint32, typeError } from "../_validate.ts";

/**
 * Philox-4x32-10 of one 128-bit counter under a 64-bit key.
 *
 * Ten rounds of `(x0, x1, x2, x3) ← (hi(M1·x2) ⊕ x1 ⊕ k0, lo(M1·x2),
 * hi(M0·x0) ⊕ x3 ⊕ k1, lo(M0·x0))` with `M0 = 0xD2511F53`,
 * `M1 = 0xCD9E8D57`, the key bumped by `(0x9E3779B9, 0xBB67AE85)` between
 * rounds. Matches the Random123 known-answer vectors bit for bit.
 *
 * @param counter Four uint32 counter words.
 * @param key Two uint32 key words.
 * @returns The four uint32 output words.
 * @throws {RangeError} If a word is not an integer in [0, 2^32).
 *
 * @example Random123's known answer for counter 0, key 0
 * ```ts
 * import { philox4x32 } from "./philox.ts";
 * import { assertEquals } from "@std/assert";
 *
 * assertEquals(
 *   philox4x32([0, 0, 0, 0], [0, 0]),
 *   [0x6627e8d5, 0xe169c58d, 0xbc57ac4c, 0x9b00dbd8],
 * );
 * ```
 */
export function philox4x32(
  counter: readonly [number, number, number, number],
  key: readonly [number, number],
): [number, number, number, number] {
  const fn = "philox4x32";
  if (!Array.isArray(counter) || counter.length !== 4) {
    throw typeError(fn, "counter", "an array of 4 uint32 words", counter);
  }
  if (!Array.isArray(key) || key.length !== 2) {
    throw typeError(fn, "key", "an array of 2 uint32 words", key);
  }
  counter.forEach((w, i) => checkUint32(fn, `counter[${i}]`, w));
  key.forEach((w, i) => checkUint32(fn, `key[${i}]`, w));
  const out = new Uint32Array(4);
  philoxInto(
    out,
    0,
    counter[0],
    counter[1],
    counter[2],
    counter[3],
    key[0],
    key[1],
  );
  return [out[0], out[1], out[2], out[3]];
}

/**
 * The raw 32-bit words `offset … offset + n − 1` of a draw.
 *
 * Word `w` is word `w mod 4` of Philox-4x32-10 applied to the counter
 * `[⌊w/4⌋ mod 2^32, ⌊w/4⌋ / 2^32, draw.stream, 0]` under `draw.key`, so
 * `randomBits(n, draw, offset)` equals
 * `randomBits(offset + n, draw).subarray(offset)`. Each word is uniform on
 * [0, 2^32).
 *
 * @param n How many words, an integer ≥ 0.
 * @param draw The key and sub-stream (from `nextDraw`).
 * @param offset The index of the first word, an integer ≥ 0 (default 0),
 * with `offset + n ≤ 2^53`.
 * @returns A new `Uint32Array` of length `n`.
 * @throws {RangeError} If `n` or `offset` is not an integer in range.
 * @throws {TypeError} If `draw` is not a draw.
 *
 * @example
 * ```ts
 * import { randomBits } from "./philox.ts";
 * import { nextDraw } from "./stream.ts";
 * import { assertEquals } from "@std/assert";
 *
 * const draw = nextDraw(0);
 * const all = randomBits(10, draw);
 * assertEquals(randomBits(3, draw, 7), all.subarray(7));
 * ```
 */
export function randomBits(
  n: number,
  draw: Draw,
  offset: number = 0,
): Uint32Array {
  checkDrawSpan("randomBits", n, draw, offset);
  const out = new Uint32Array(n);
  const { k0, k1 } = draw.key;
  let i = 0;
  while (i < n) {
    const w = offset + i;
    const b0 = Math.floor(w / 4);
    const skip = w - 4 * b0;
    const nb = Math.min(CHUNK_BLOCKS, Math.ceil((n - i + skip) / 4));
    const words = primaryBlocks(k0, k1, draw.stream, b0, nb);
    const take = Math.min(n - i, 4 * nb - skip);
    out.set(words.subarray(skip, skip + take), i);
    i += take;
  }
  return out;
}
