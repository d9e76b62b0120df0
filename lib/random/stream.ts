/**
 * Seeds, keys and draws: where the random numbers of a call come from.
 *
 * Every random value in the toolkit is a pure function of a {@linkcode Draw}
 * (a Philox key and a sub-stream id) and the value's index, so that the same
 * seed gives the same numbers on every backend and in every run, and any
 * slice can be generated without the values before it.
 *
 * A call given a seed uses `{ key: keyFromSeed(seed), stream: 0 }`. A call
 * without one takes the next sub-stream of the global stream:
 * `{ key: globalKey, stream: k }` for `k = 0, 1, 2, …`. {@linkcode setSeed}
 * sets the global key and restarts `k` at 0; until it is called, the global
 * key comes from `crypto.getRandomValues`, so unseeded runs differ.
 *
 * @module
 */

import { checkCount, checkUint32, rangeError, typeError } from "../validate.ts";

/** A Philox-4x32 key: two 32-bit words. */
export interface RandomKey {
  /** Key word 0, an integer in [0, 2^32). */
  readonly k0: number;
  /** Key word 1, an integer in [0, 2^32). */
  readonly k1: number;
}

/** What one random call reads from: a key and a sub-stream of it. */
export interface Draw {
  /** The Philox key. */
  readonly key: RandomKey;
  /** The sub-stream id, an integer in [0, 2^32): counter word 2 of every block. */
  readonly stream: number;
}

const TWO_32 = 4294967296;

/**
 * Maps a seed to a Philox key: `k0` is the seed's low 32 bits and `k1` its
 * high 21 bits, so distinct seeds give distinct keys (and Philox makes the
 * streams of distinct keys look independent, adjacent seeds included).
 *
 * @param seed An integer in [0, 2^53 − 1]; `0` is a seed like any other.
 * @param fn The function the user called, for error messages (default
 * `"keyFromSeed"`).
 * @param arg The argument's path, for error messages (default `"seed"`).
 * @returns The key.
 * @throws {TypeError} If `seed` is not a number.
 * @throws {RangeError} If `seed` is NaN, not an integer, negative or above
 * 2^53 − 1.
 *
 * @example
 * ```ts
 * import { keyFromSeed } from "./stream.ts";
 * import { assertEquals, assertThrows } from "@std/assert";
 *
 * assertEquals(keyFromSeed(0), { k0: 0, k1: 0 });
 * assertEquals(keyFromSeed(2 ** 32 + 5), { k0: 5, k1: 1 });
 * assertThrows(
 *   () => keyFromSeed(1.5),
 *   RangeError,
 *   "keyFromSeed: seed must be a non-negative integer, received 1.5",
 * );
 * ```
 */
export function keyFromSeed(
  seed: number,
  fn: string = "keyFromSeed",
  arg: string = "seed",
): RandomKey {
  checkCount(fn, arg, seed);
  return { k0: seed % TWO_32, k1: Math.floor(seed / TWO_32) };
}

let globalKey: RandomKey | null = null;
let globalCounter = 0;

/** A key from the runtime's cryptographic generator, for unseeded runs. */
function entropyKey(): RandomKey {
  const words = new Uint32Array(2);
  crypto.getRandomValues(words);
  return { k0: words[0], k1: words[1] };
}

/**
 * Resets the global stream: later calls without a seed draw from
 * `keyFromSeed(seed)`, sub-streams 0, 1, 2, … in call order.
 *
 * @param seed An integer in [0, 2^53 − 1].
 * @throws {TypeError} If `seed` is not a number.
 * @throws {RangeError} If `seed` is not an integer in range (the global
 * stream is then left as it was).
 *
 * @example
 * ```ts
 * import { nextDraw, setSeed } from "./stream.ts";
 * import { assertEquals } from "@std/assert";
 *
 * setSeed(42);
 * const first = nextDraw();
 * const second = nextDraw();
 * assertEquals([first.stream, second.stream], [0, 1]);
 * setSeed(42);
 * assertEquals(nextDraw(), first);
 * ```
 */
export function setSeed(seed: number): void {
  const key = keyFromSeed(seed, "setSeed");
  globalKey = key;
  globalCounter = 0;
}

/**
 * The draw for one random call.
 *
 * - With a seed: `{ key: keyFromSeed(seed), stream: 0 }`; the global stream
 *   is not touched.
 * - Without one (`undefined`): the global key and the next sub-stream, which
 *   advances the global stream by one. Before any {@linkcode setSeed}, the
 *   global key comes from `crypto.getRandomValues`.
 *
 * A bad seed throws before anything advances. After 2^32 unseeded calls
 * since the last `setSeed` the sub-stream ids are used up, and this throws
 * rather than repeat one.
 *
 * @param seed An integer in [0, 2^53 − 1], or `undefined` for the global
 * stream.
 * @param fn The function the user called, for error messages (default
 * `"nextDraw"`).
 * @param arg The seed's path, for error messages (default `"seed"`).
 * @returns The key and sub-stream to generate from.
 * @throws {TypeError} If `seed` is given and is not a number.
 * @throws {RangeError} If `seed` is given and is not an integer in range.
 *
 * @example
 * ```ts
 * import { nextDraw } from "./stream.ts";
 * import { assertEquals } from "@std/assert";
 *
 * assertEquals(nextDraw(7), { key: { k0: 7, k1: 0 }, stream: 0 });
 * ```
 */
export function nextDraw(
  seed?: number,
  fn: string = "nextDraw",
  arg: string = "seed",
): Draw {
  if (seed !== undefined) return { key: keyFromSeed(seed, fn, arg), stream: 0 };
  globalKey ??= entropyKey();
  if (globalCounter >= TWO_32) {
    throw new RangeError(
      `${fn}: the global random stream has used all 2^32 sub-streams since the last setSeed(); call setSeed() again`,
    );
  }
  return { key: globalKey, stream: globalCounter++ };
}

/**
 * Checks a draw, `{ key: { k0, k1 }, stream }` with uint32 words, as the
 * argument `draw` of `fn`.
 */
export function checkDraw(fn: string, draw: unknown): asserts draw is Draw {
  const d = draw as Draw | null | undefined;
  if (
    typeof d !== "object" || d === null || typeof d.key !== "object" ||
    d.key === null
  ) {
    throw typeError(
      fn,
      "draw",
      "{ key: { k0, k1 }, stream } (from nextDraw)",
      draw,
    );
  }
  checkUint32(fn, "draw.key.k0", d.key.k0);
  checkUint32(fn, "draw.key.k1", d.key.k1);
  checkUint32(fn, "draw.stream", d.stream);
}

/**
 * Checks the arguments of a call that reads the values `offset … offset + n
 * − 1` of a draw: `n` a count, `draw` a draw, and `offset` an integer ≥ 0
 * with `offset + n ≤ 2^53`.
 */
export function checkDrawSpan(
  fn: string,
  n: unknown,
  draw: unknown,
  offset: unknown,
): void {
  const count = checkCount(fn, "n", n);
  checkDraw(fn, draw);
  const start = checkCount(fn, "offset", offset);
  if (start + count > 2 ** 53) {
    throw rangeError(fn, "offset + n", "at most 2^53", start + count);
  }
}
