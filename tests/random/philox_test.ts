import { assert, assertEquals, assertThrows } from "@std/assert";
import { philox4x32, randomBits } from "../../lib/random/philox.ts";
import { nextDraw } from "../../lib/random/stream.ts";
import { activeKernel, useKernel } from "../../lib/random/_bits.ts";
import { WASM } from "../../lib/random/_philox_wasm.ts";
import { HAVE_PYTHON, python } from "./_helpers.ts";

type Quad = [number, number, number, number];

/**
 * Random123's known-answer vectors for philox4x32_10 (tests/kat_vectors in
 * the Random123 distribution, also in DEShawResearch/Random123-Boost's
 * libs/random/test/test_philox.cpp): counter, key, expected output.
 */
const KAT: [Quad, [number, number], Quad][] = [
  [[0, 0, 0, 0], [0, 0], [0x6627e8d5, 0xe169c58d, 0xbc57ac4c, 0x9b00dbd8]],
  [
    [0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff],
    [0xffffffff, 0xffffffff],
    [0x408f276d, 0x41c83b0e, 0xa20bc7c6, 0x6d5451fd],
  ],
  [
    [0x243f6a88, 0x85a308d3, 0x13198a2e, 0x03707344],
    [0xa4093822, 0x299f31d0],
    [0xd16cfe09, 0x94fdcceb, 0x5001e420, 0x24126ea1],
  ],
];

/**
 * An independent Philox-4x32-10 in Python with big integers (the 64-bit
 * product is exact there), written from the paper's definition; it also
 * lays words out as documented in _bits.ts.
 */
const PY_PHILOX = `
import json, sys
MASK = 0xFFFFFFFF
def philox(ctr, key):
    x = list(ctr); k0, k1 = key
    for r in range(10):
        if r > 0:
            k0 = (k0 + 0x9E3779B9) & MASK
            k1 = (k1 + 0xBB67AE85) & MASK
        p0 = 0xD2511F53 * x[0]
        p1 = 0xCD9E8D57 * x[2]
        x = [(p1 >> 32) ^ x[1] ^ k0, p1 & MASK, (p0 >> 32) ^ x[3] ^ k1, p0 & MASK]
    return x
def word(key, stream, w):
    b = w // 4
    return philox([b & MASK, b >> 32, stream, 0], key)[w % 4]
q = json.load(sys.stdin)
print(json.dumps({
    "kat": [philox(c, k) for c, k in q["kat"]],
    "blocks": [philox(c, k) for c, k in q["blocks"]],
    "words": [[word(k, s, off + i) for i in range(n)] for k, s, off, n in q["words"]],
}))
`;

Deno.test("philox4x32 matches the Random123 known-answer vectors", () => {
  for (const [counter, key, expected] of KAT) {
    assertEquals(philox4x32(counter, key), expected);
  }
});

Deno.test("the WebAssembly kernel matches the known answers and the JS reference", () => {
  const kernel = activeKernel();
  if (kernel === null) throw new Error("expected the WebAssembly kernel here");
  for (const [counter, key, expected] of KAT) {
    kernel.blocks(0, ...counter, ...key, 1);
    assertEquals(Array.from(kernel.words.subarray(0, 4)), expected);
  }
  // SIMD against scalar on the same counters, across a carry-free run.
  if (kernel.blocks4 !== null) {
    kernel.blocks(0, 0xfffff000, 7, 9, 11, 0xdeadbeef, 0x12345678, 64);
    const scalar = kernel.words.slice(0, 256);
    kernel.blocks4(0, 0xfffff000, 7, 9, 11, 0xdeadbeef, 0x12345678, 64);
    assertEquals(kernel.words.slice(0, 256), scalar);
    for (let b = 0; b < 64; b += 13) {
      assertEquals(
        Array.from(scalar.subarray(4 * b, 4 * b + 4)),
        philox4x32([0xfffff000 + b, 7, 9, 11], [0xdeadbeef, 0x12345678]),
      );
    }
  }
});

Deno.test("the Ziggurat transforms: SIMD and scalar agree, floats and slow lists", () => {
  const kernel = activeKernel();
  if (kernel === null) throw new Error("expected the WebAssembly kernel here");
  if (kernel.normal32x4 === null) return; // nothing to compare against
  const n = 4 * 4096;
  for (const seed of [1, 2, 3]) {
    kernel.blocks(0, 0, 0, seed, 0, 0xabcdef, seed, n / 4);
    const words = kernel.words.slice(0, n);
    const scalarCount = kernel.normal32(n);
    const floats = kernel.floats.slice(0, n);
    const slow = kernel.slow.slice(0, scalarCount);
    assertEquals(kernel.words.slice(0, n), words, "words left as they were");
    const simdCount = kernel.normal32x4(n);
    assertEquals(simdCount, scalarCount);
    assertEquals(kernel.slow.slice(0, simdCount), slow);
    // Only the fast elements' floats are defined results.
    const fast = new Set(Array.from({ length: n }, (_, t) => t));
    for (const p of slow) fast.delete(p >>> 2);
    for (const t of fast) assertEquals(kernel.floats[t], floats[t], `t = ${t}`);
    assert(scalarCount > 0.005 * n && scalarCount < 0.03 * n);
  }
});

Deno.test("the assembled variants validate, with and without SIMD", () => {
  assertEquals(Object.keys(WASM).sort(), ["scalar", "simd"]);
  for (const bytes of Object.values(WASM)) {
    assertEquals(WebAssembly.validate(Uint8Array.fromBase64(bytes)), true);
  }
});

Deno.test({
  name:
    "philox4x32 and randomBits agree with an independent Python big-integer Philox",
  ignore: !HAVE_PYTHON,
  async fn() {
    let s = 12345;
    const next = () =>
      (s = (Math.imul(s, 1103515245) + 12345) >>> 0) ^ (s >>> 16);
    const blocks: [Quad, [number, number]][] = [];
    for (let i = 0; i < 200; i++) {
      blocks.push([
        [next() >>> 0, next() >>> 0, next() >>> 0, next() >>> 0],
        [next() >>> 0, next() >>> 0],
      ]);
    }
    // [key, stream, offset, n], with offsets across the 2^32-block carry.
    const words: [[number, number], number, number, number][] = [
      [[0, 0], 0, 0, 37],
      [[1, 0], 5, 3, 20],
      [[0xffffffff, 0xffffffff], 0xffffffff, 4 * 2 ** 32 - 9, 23],
      [[123, 456], 7, 2 ** 53 - 11, 11],
    ];
    const py = await python<{ kat: Quad[]; blocks: Quad[]; words: number[][] }>(
      PY_PHILOX,
      { kat: KAT.map(([c, k]) => [c, k]), blocks, words },
    );
    assertEquals(py.kat, KAT.map(([, , e]) => e), "Python vs Random123 KAT");
    assertEquals(blocks.map(([c, k]) => philox4x32(c, k)), py.blocks);
    for (const variant of ["wasm-simd", "wasm", "js"] as const) {
      const was = useKernel(variant);
      try {
        words.forEach(([[k0, k1], stream, offset, n], i) => {
          const got = randomBits(n, { key: { k0, k1 }, stream }, offset);
          assertEquals(
            Array.from(got),
            py.words[i],
            `words case ${i}, ${variant}`,
          );
        });
      } finally {
        useKernel(was);
      }
    }
  },
});

Deno.test("randomBits: slices equal the full run at any offset, on both paths", () => {
  const draw = nextDraw(99);
  const n = 70001; // more than one chunk (4·4096 words)
  const all = randomBits(n, draw);
  for (const offset of [0, 1, 2, 3, 5, 16383, 16385, 40001]) {
    assertEquals(randomBits(n - offset, draw, offset), all.subarray(offset));
  }
  assertEquals(randomBits(0, draw, 10), new Uint32Array(0));
  const was = useKernel("js");
  try {
    assertEquals(randomBits(n, draw), all);
    assertEquals(randomBits(7, draw, 16381), all.subarray(16381, 16388));
  } finally {
    useKernel(was);
  }
});

Deno.test("randomBits across the 2^32 block-counter boundary", () => {
  const draw = nextDraw(4);
  const start = 4 * 2 ** 32 - 6; // the carry into counter word 1 falls inside
  const words = randomBits(12, draw, start);
  for (let i = 0; i < 12; i++) {
    const w = start + i;
    const b = Math.floor(w / 4);
    const block = philox4x32(
      [b % 2 ** 32, Math.floor(b / 2 ** 32), 0, 0],
      [draw.key.k0, draw.key.k1],
    );
    assertEquals(words[i], block[w % 4]);
  }
});

Deno.test("philox4x32 and randomBits reject bad arguments, naming them", () => {
  assertThrows(
    () => philox4x32([0, 0, 0, -1], [0, 0]),
    RangeError,
    "counter[3]",
  );
  assertThrows(
    () => philox4x32([0, 0, 0, 0], [2 ** 32, 0]),
    RangeError,
    "key[0]",
  );
  assertThrows(
    // deno-lint-ignore no-explicit-any
    () => philox4x32([0, 0, 0] as any, [0, 0]),
    TypeError,
    "counter",
  );
  const draw = nextDraw(1);
  assertThrows(() => randomBits(-1, draw), RangeError, "n");
  assertThrows(() => randomBits(1.5, draw), RangeError, "received 1.5");
  assertThrows(() => randomBits(3, draw, -2), RangeError, "offset");
  assertThrows(() => randomBits(3, draw, 2 ** 53), RangeError, "offset");
  // deno-lint-ignore no-explicit-any
  assertThrows(() => randomBits(3, {} as any), TypeError, "draw");
  assertThrows(
    () => randomBits(3, { key: { k0: 0, k1: 0 }, stream: -1 }),
    RangeError,
    "draw.stream",
  );
});
