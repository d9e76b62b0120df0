import { assert, assertEquals } from "@std/assert";
import { nextDraw } from "../../lib/random/stream.ts";
import { activeKernel, useKernel } from "../../lib/random/_bits.ts";
import { instantiateKernel } from "../../lib/random/_wasm.ts";
import { WASM } from "../../lib/random/_philox_wasm.ts";
import { drawWords, HAVE_PYTHON, philoxBlock, python } from "./_helpers.ts";

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

Deno.test("the JavaScript Philox matches the Random123 known-answer vectors", () => {
  for (const [counter, key, expected] of KAT) {
    assertEquals(philoxBlock(counter, key), expected);
  }
});

Deno.test("both kernel variants match the known answers, in blocks and in blocks4", () => {
  for (const variant of ["simd", "scalar"] as const) {
    const kernel = instantiateKernel(variant);
    for (const [counter, key, expected] of KAT) {
      kernel.blocks(0, ...counter, ...key, 1);
      assertEquals([...kernel.words.subarray(0, 4)], expected, variant);
      if (kernel.blocks4 === null) continue;
      // Four blocks from a start keeping c0 + 4 ≤ 2^32; the known one is lane j.
      const start = Math.min(counter[0], 2 ** 32 - 4);
      const j = counter[0] - start;
      kernel.blocks4(0, start, counter[1], counter[2], counter[3], ...key, 4);
      assertEquals([...kernel.words.subarray(4 * j, 4 * j + 4)], expected);
    }
    assertEquals(kernel.blocks4 !== null, variant === "simd");
  }
});

Deno.test("the kernels agree with the JavaScript Philox on runs of blocks", () => {
  const simd = instantiateKernel("simd"), scalar = instantiateKernel("scalar");
  const args = [0xfffff000, 7, 9, 11, 0xdeadbeef, 0x12345678] as const;
  scalar.blocks(0, ...args, 64);
  simd.blocks4!(0, ...args, 64);
  assertEquals(simd.words.slice(0, 256), scalar.words.slice(0, 256));
  for (let b = 0; b < 64; b++) {
    assertEquals(
      [...scalar.words.subarray(4 * b, 4 * b + 4)],
      philoxBlock([0xfffff000 + b, 7, 9, 11], [0xdeadbeef, 0x12345678]),
    );
  }
});

Deno.test("the Ziggurat transforms: SIMD and scalar agree, floats and slow lists", () => {
  const kernel = activeKernel();
  if (kernel?.normal32x4 == null) throw new Error("expected the SIMD kernel");
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

Deno.test("the 53-bit transforms: the SIMD and scalar variants agree (results and slow lists)", () => {
  const simd = instantiateKernel("simd"), scalar = instantiateKernel("scalar");
  const bounds: [number, number, number, number][] = [
    [-Infinity, Infinity, 0, 1],
    [-2, 2, 0.25, 3],
    [-0.5, 1.5, -1, 0.01],
  ];
  for (const n of [8192, 8190, 5]) {
    for (const k of [simd, scalar]) k.blocks(0, 0, 0, 3, 0, 0xabc, 17, 4096);
    for (const [lower, upper, mean, std] of bounds) {
      for (const wide of [false, true]) {
        const run = (k: typeof simd) => {
          const f = wide ? k.normal53f64 : k.normal53;
          const count = f(n, lower, upper, mean, std);
          const slow = [...k.slow.subarray(0, count)].map((e4) => e4 >>> 2)
            .filter((e) => e < n);
          const values = [...(wide ? k.floats64 : k.floats).subarray(0, n)];
          return { slow, values };
        };
        const a = run(simd), b = run(scalar);
        assertEquals(a.slow, b.slow);
        const done = new Set(a.slow);
        for (let e = 0; e < n; e++) {
          if (!done.has(e)) assertEquals(a.values[e], b.values[e], `e = ${e}`);
        }
        if (n === 8192 && lower === -Infinity) {
          assert(a.slow.length > 0.005 * n && a.slow.length < 0.03 * n);
        }
      }
    }
    for (const wide of [false, true]) {
      (wide ? simd.uniform53f64 : simd.uniform53)(n, -3, 7);
      (wide ? scalar.uniform53f64 : scalar.uniform53)(n, -3, 7);
      const view = (k: typeof simd) =>
        (wide ? k.floats64 : k.floats).slice(0, n);
      assertEquals(view(simd), view(scalar));
    }
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
    "the JavaScript Philox and every path's words agree with an independent Python big-integer Philox",
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
    assertEquals(blocks.map(([c, k]) => philoxBlock(c, k)), py.blocks);
    for (const variant of ["wasm-simd", "wasm", "js"] as const) {
      const was = useKernel(variant);
      try {
        words.forEach(([[k0, k1], stream, offset, n], i) => {
          const got = drawWords(n, { key: { k0, k1 }, stream }, offset);
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

Deno.test("words: slices equal the full run at any offset, on every path", () => {
  const draw = nextDraw(99);
  const n = 70001; // more than one chunk (4·4096 words)
  const all = drawWords(n, draw);
  for (const offset of [0, 1, 2, 3, 5, 16383, 16385, 40001]) {
    assertEquals(drawWords(n - offset, draw, offset), all.subarray(offset));
  }
  assertEquals(drawWords(0, draw, 10), new Uint32Array(0));
  for (const variant of ["wasm", "js"] as const) {
    const was = useKernel(variant);
    try {
      assertEquals(drawWords(n, draw), all, variant);
      assertEquals(drawWords(7, draw, 16381), all.subarray(16381, 16388));
    } finally {
      useKernel(was);
    }
  }
});

Deno.test("words across the 2^32 block-counter boundary", () => {
  const draw = nextDraw(4);
  const start = 4 * 2 ** 32 - 6; // the carry into counter word 1 falls inside
  const words = drawWords(12, draw, start);
  for (let i = 0; i < 12; i++) {
    const w = start + i;
    const b = Math.floor(w / 4);
    const block = philoxBlock(
      [b % 2 ** 32, Math.floor(b / 2 ** 32), 0, 0],
      [draw.key.k0, draw.key.k1],
    );
    assertEquals(words[i], block[w % 4]);
  }
});
