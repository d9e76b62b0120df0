import {
  assert,
  assertEquals,
  assertLess,
  assertNotEquals,
  assertStringIncludes,
  assertThrows,
} from "@std/assert";
import {
  bernoulli,
  scaledNormal,
  scaledUniform,
  standardNormal,
  truncatedStandardNormal,
  uniform,
} from "../../lib/random/distributions.ts";
import { type Draw, nextDraw } from "../../lib/random/stream.ts";
import { useKernel } from "../../lib/random/_bits.ts";
import { lowerTail, upperTail } from "../../lib/_normal.ts";
import { R, Z24 } from "../../lib/random/_ziggurat.ts";
import {
  drawWords,
  ksCritical,
  ksStatistic,
  moments,
  philoxBlock,
  truncatedMoments,
} from "./_helpers.ts";

/**
 * `n` values of `draw` into a Float32Array (seed `seed`) and into a
 * Float64Array (seed `seed + 1`), labelled.
 */
function inBothPrecisions(
  draw: (
    n: number,
    d: Draw,
    offset?: number,
    out?: Float64Array,
  ) => Float32Array | Float64Array,
  n: number,
  seed: number,
): [string, Float32Array | Float64Array][] {
  return [
    ["f32", draw(n, nextDraw(seed))],
    ["f64", draw(n, nextDraw(seed + 1), 0, new Float64Array(n))],
  ];
}

type Out = Float32Array | Float64Array | Int32Array | Uint8Array;
type Gen = (n: number, draw: Draw, offset: number) => Out;

/** Every distribution, in every output type, as `(n, draw, offset) → values`. */
const GENERATORS: [string, Gen][] = [
  ["uniform f32", (n, d, o) => uniform(n, d, o)],
  ["uniform f64", (n, d, o) => uniform(n, d, o, new Float64Array(n))],
  ["normal f32", (n, d, o) => standardNormal(n, d, o)],
  ["normal f64", (n, d, o) => standardNormal(n, d, o, new Float64Array(n))],
  ...([[-2, 2], [-1, Infinity], [5, 6], [0, Infinity], [-Infinity, -1], [
    30.5,
    31,
  ], [
    -Infinity,
    -35,
  ]] as const).flatMap(([a, b]): [string, Gen][] => [
    [
      `truncated [${a}, ${b}] f32`,
      (n, d, o) => truncatedStandardNormal(n, a, b, d, o),
    ],
    [
      `truncated [${a}, ${b}] f64`,
      (n, d, o) => truncatedStandardNormal(n, a, b, d, o, new Float64Array(n)),
    ],
  ]),
  ...([[-Infinity, Infinity], [-2, 2], [5, 6], [31, 32]] as const).flatMap((
    [a, b],
  ): [string, Gen][] => [
    [
      `scaledNormal [${a}, ${b}] f32`,
      (n, d, o) => scaledNormal(n, 0.5, 3, a, b, d, o),
    ],
    [
      `scaledNormal [${a}, ${b}] f64`,
      (n, d, o) => scaledNormal(n, 0.5, 3, a, b, d, o, new Float64Array(n)),
    ],
  ]),
  ["scaledUniform f32", (n, d, o) => scaledUniform(n, -2, 5, d, o)],
  [
    "scaledUniform f64",
    (n, d, o) => scaledUniform(n, -2, 5, d, o, new Float64Array(n)),
  ],
  ["bernoulli f32", (n, d, o) => bernoulli(n, 0.3, d, o)],
  ["bernoulli i32", (n, d, o) => bernoulli(n, 0.7, d, o, new Int32Array(n))],
  ["bernoulli u8", (n, d, o) => bernoulli(n, 0.5, d, o, new Uint8Array(n))],
];

/** Bit-exact equality of two typed arrays (NaN-safe, −0-aware). */
function assertSameBits(actual: Out, expected: Out, msg: string): void {
  assertEquals(actual.constructor, expected.constructor, msg);
  assertEquals(actual.length, expected.length, msg);
  const a = new Uint8Array(actual.buffer, actual.byteOffset, actual.byteLength);
  const e = new Uint8Array(
    expected.buffer,
    expected.byteOffset,
    expected.byteLength,
  );
  for (let i = 0; i < a.length; i++) {
    if (a[i] !== e[i]) {
      const k = Math.floor(i / actual.BYTES_PER_ELEMENT);
      throw new Error(
        `${msg}: element ${k} differs: ${actual[k]} vs ${expected[k]}`,
      );
    }
  }
}

Deno.test("every distribution: a slice at any offset equals the full run, bit for bit", () => {
  const draw = nextDraw(77);
  const n = 40003; // several chunks of 4096 blocks for 1 and 2 words per element
  const offsets = [1, 3, 5, 8191, 8193, 16383, 16385, 20001];
  for (const [name, gen] of GENERATORS) {
    const all = gen(n, draw, 0);
    for (const offset of offsets) {
      const part = gen(n - offset, draw, offset);
      assertSameBits(part, all.subarray(offset) as Out, `${name} @${offset}`);
    }
    assertSameBits(gen(1, draw, 40002), all.subarray(40002) as Out, name);
    assertEquals(gen(0, draw, 5).length, 0);
  }
});

Deno.test("every distribution: the kernel without SIMD and plain JavaScript give the same bits as the SIMD kernel", () => {
  const draw = nextDraw(78);
  const n = 20001;
  const was = useKernel("wasm-simd");
  try {
    const simd = GENERATORS.map(([, gen]) => gen(n, draw, 3));
    for (const variant of ["wasm", "js"] as const) {
      useKernel(variant);
      GENERATORS.forEach(([name, gen], i) => {
        assertSameBits(gen(n, draw, 3), simd[i], `${name} (${variant})`);
      });
    }
  } finally {
    useKernel(was);
  }
});

Deno.test("determinism: the same draw gives the same values, another stream others", () => {
  for (const [name, gen] of GENERATORS) {
    const a = gen(1000, nextDraw(5), 0);
    assertSameBits(gen(1000, nextDraw(5), 0), a, name);
    const other = gen(1000, { key: nextDraw(5).key, stream: 1 }, 0);
    assertNotEquals(Array.from(other), Array.from(a), name);
  }
});

Deno.test("float32 outputs are the documented values, correctly rounded", () => {
  const draw = nextDraw(8);
  const n = 50000;
  const words = drawWords(n, draw);
  const u = uniform(n, draw);
  const z = standardNormal(n, draw);
  let fast = 0;
  for (let i = 0; i < n; i++) {
    const w = words[i];
    assertEquals(u[i], (w >>> 8) * 2 ** -24);
    const s = w & 511, m = (w >>> 8) | 1;
    if (m < Z24.K[s]) {
      assertEquals(z[i], Math.fround(m * Z24.W[s]));
      fast++;
    }
  }
  assert(fast > 0.98 * n, `fast path taken for ${fast} of ${n}`);
  // The truncated normal computes the same double for either output type.
  for (const [a, b] of [[-2, 2], [5, 6], [-Infinity, 0.3]]) {
    const f64 = truncatedStandardNormal(n, a, b, draw, 0, new Float64Array(n));
    const f32 = truncatedStandardNormal(n, a, b, draw);
    assertEquals(f32, Float32Array.from(f64));
  }
});

// --- statistics --------------------------------------------------------------
// Tolerances are 5 standard errors (SE) for n draws:
//   SE(mean) = √(σ²/n),  SE(sample variance) = √((μ₄ − σ⁴)/n),
//   SE(count of ones) = √(n·p·(1 − p)) (binomial).
// The KS statistic is compared with 1.63/√n, the critical value at α ≈ 0.01.
// Seeds are fixed, so each test is deterministic.

function checkMoments(
  x: ArrayLike<number>,
  mean: number,
  variance: number,
  mu4: number,
  label: string,
): void {
  const n = x.length;
  const m = moments(x);
  const seMean = Math.sqrt(variance / n);
  const seVar = Math.sqrt((mu4 - variance * variance) / n);
  assertLess(
    Math.abs(m.mean - mean),
    5 * seMean,
    `${label}: mean ${m.mean} vs ${mean}`,
  );
  assertLess(
    Math.abs(m.m2 - variance),
    5 * seVar,
    `${label}: variance ${m.m2} vs ${variance}`,
  );
}

function checkKs(
  x: ArrayLike<number>,
  cdf: (v: number) => number,
  label: string,
): void {
  const d = ksStatistic(x, cdf);
  assertLess(d, ksCritical(x.length), `${label}: KS D = ${d}`);
}

Deno.test("standardNormal: mean, variance, KS against Φ, tail frequency", () => {
  const n = 400000;
  for (const [label, x] of inBothPrecisions(standardNormal, n, 1001)) {
    // N(0, 1): σ² = 1, μ₄ = 3.
    checkMoments(x, 0, 1, 3, `normal ${label}`);
    checkKs(x, lowerTail, `normal ${label}`);
    // The Ziggurat tail (|x| > R) has probability 2·Q(R).
    const p = 2 * upperTail(R);
    const tails = x.filter((v) => Math.abs(v) > R).length;
    assertLess(
      Math.abs(tails - n * p),
      5 * Math.sqrt(n * p * (1 - p)),
      `normal ${label}: ${tails} values beyond R`,
    );
    assert(x.every(Number.isFinite));
  }
});

Deno.test("standardNormal: the Ziggurat tail beyond R follows N(0, 1) conditioned on |x| > R", () => {
  // 1e7 draws give about 2600 values beyond R = 3.654 (probability 2·Q(R)).
  const n = 10_000_000;
  for (const [label, x] of inBothPrecisions(standardNormal, n, 1003)) {
    const tail = Array.from(x.filter((v) => Math.abs(v) > R), Math.abs);
    const qr = upperTail(R);
    checkKs(tail, (v) => 1 - upperTail(v) / qr, `normal ${label} tail`);
    // Mean excess E[|x| − R | |x| > R] = φ(R)/Q(R) − R; SE from the sample's spread.
    const { mean, m2 } = moments(tail.map((v) => v - R));
    const expected = Math.exp(-0.5 * R * R) / Math.sqrt(2 * Math.PI) / qr - R;
    assertLess(
      Math.abs(mean - expected),
      5 * Math.sqrt(m2 / tail.length),
      `normal ${label}: tail mean excess ${mean} vs ${expected}`,
    );
  }
});

Deno.test("uniform: mean, variance, KS against U[0, 1)", () => {
  const n = 400000;
  for (const [label, x] of inBothPrecisions(uniform, n, 2001)) {
    // U[0, 1): σ² = 1/12, μ₄ = 1/80.
    checkMoments(x, 0.5, 1 / 12, 1 / 80, `uniform ${label}`);
    checkKs(x, (v) => Math.min(Math.max(v, 0), 1), `uniform ${label}`);
    assert(x.every((v) => v >= 0 && v < 1));
  }
});

Deno.test("uniform: neighbours, sub-streams and adjacent seeds are uncorrelated", () => {
  // For independent pairs the sample correlation has SE ≈ 1/√n.
  const n = 400000;
  const corr = (x: ArrayLike<number>, y: ArrayLike<number>) => {
    const mx = moments(x), my = moments(y);
    let s = 0;
    for (let i = 0; i < x.length; i++) s += (x[i] - mx.mean) * (y[i] - my.mean);
    return s / x.length / Math.sqrt(mx.m2 * my.m2);
  };
  const key = nextDraw(2003).key;
  const a = uniform(n + 1, { key, stream: 0 }, 0, new Float64Array(n + 1));
  const b = uniform(n, { key, stream: 1 }, 0, new Float64Array(n));
  const c = uniform(n, nextDraw(2004), 0, new Float64Array(n));
  const limit = 5 / Math.sqrt(n);
  assertLess(Math.abs(corr(a.subarray(0, n), a.subarray(1))), limit, "lag 1");
  assertLess(Math.abs(corr(a.subarray(0, n), b)), limit, "stream 0 vs 1");
  assertLess(Math.abs(corr(a.subarray(0, n), c)), limit, "seed 2003 vs 2004");
});

/** The exact CDF of N(0, 1) truncated to [a, b], accurate in either tail. */
function truncatedCdf(a: number, b: number): (x: number) => number {
  if (a >= 0) {
    const qa = upperTail(a), z = qa - upperTail(b);
    return (x) => (qa - upperTail(x)) / z;
  }
  const pa = lowerTail(a);
  const z = b <= 0 ? lowerTail(b) - pa : 1 - pa - upperTail(b);
  return (x) => x <= 0 ? (lowerTail(x) - pa) / z : (1 - upperTail(x) - pa) / z;
}

Deno.test("truncatedStandardNormal: bounds, moments and KS on many intervals, far tails included", () => {
  const n = 100000;
  const intervals: [number, number][] = [
    [-2, 2], // mass 0.95: rejection from the Ziggurat
    [-1, Infinity], // mass 0.84: rejection
    [0, Infinity], // mass 0.5: inverse CDF from here on
    [-Infinity, -1],
    [1, 1.5],
    [-0.1, 3],
    [5, 6], // far tail, inverse CDF
    [8, Infinity],
    [-7.5, -7.4],
    [30.5, 31], // beyond 30: exact rejection, uniform proposal
    [35, Infinity], // exact rejection, exponential proposal
    [-Infinity, -36],
  ];
  intervals.forEach(([a, b], k) => {
    const label = `truncated [${a}, ${b}]`;
    for (const wide of [false, true]) {
      const draw = nextDraw(3000 + 2 * k + (wide ? 1 : 0));
      const x = wide
        ? truncatedStandardNormal(n, a, b, draw, 0, new Float64Array(n))
        : truncatedStandardNormal(n, a, b, draw);
      const lo = wide ? a : Math.fround(a), hi = wide ? b : Math.fround(b);
      assert(
        x.every((v) => Number.isFinite(v) && v >= lo && v <= hi),
        `${label}: a value out of bounds or not finite`,
      );
      const { mean, variance, mu4 } = truncatedMoments(a, b);
      checkMoments(x, mean, variance, mu4, `${label} ${wide ? "f64" : "f32"}`);
      if (wide) checkKs(x, truncatedCdf(a, b), label);
    }
  });
});

Deno.test("truncatedStandardNormal: narrow intervals stay inside; (−∞, ∞) is N(0, 1)", () => {
  const draw = nextDraw(4001);
  const x = truncatedStandardNormal(
    1000,
    1,
    1 + 1e-9,
    draw,
    0,
    new Float64Array(1000),
  );
  assert(x.every((v) => v >= 1 && v <= 1 + 1e-9));
  const z = truncatedStandardNormal(
    200000,
    -Infinity,
    Infinity,
    draw,
    0,
    new Float64Array(200000),
  );
  checkMoments(z, 0, 1, 3, "truncated (−∞, ∞)");
  checkKs(z, lowerTail, "truncated (−∞, ∞)");
});

Deno.test("bernoulli: frequency within 5 binomial standard errors; p = 0 and 1 exact", () => {
  const n = 400000;
  for (const [p, seed] of [[0.3, 1], [0.5, 2], [1e-3, 3], [0.999, 4]]) {
    const x = bernoulli(n, p, nextDraw(5000 + seed), 0, new Uint8Array(n));
    const ones = x.reduce((s, v) => s + v, 0);
    assertLess(
      Math.abs(ones - n * p),
      5 * Math.sqrt(n * p * (1 - p)),
      `p = ${p}: ${ones} ones of ${n}`,
    );
    assert(x.every((v) => v === 0 || v === 1));
  }
  for (
    const make of [
      (k: number) => new Float32Array(k),
      (k: number) => new Int32Array(k),
      (k: number) => new Uint8Array(k),
    ]
  ) {
    const n0 = bernoulli(100000, 0, nextDraw(6), 0, make(100000));
    const n1 = bernoulli(100000, 1, nextDraw(6), 0, make(100000));
    assert(n0.every((v) => v === 0), "p = 0 gives only 0");
    assert(n1.every((v) => v === 1), "p = 1 gives only 1");
  }
});

Deno.test("bernoulli resolves a tie on the first 32 bits with the element's extra words", () => {
  const draw = nextDraw(9);
  const j = 12345;
  const w = drawWords(1, draw, j)[0];
  const extra = philoxBlock(
    [j, 0, draw.stream, 1],
    [draw.key.k0, draw.key.k1],
  );
  // p's first 32 bits equal word j; the next 32 are 0x80000000, then zeros.
  const p = (w + 0.5) / 2 ** 32;
  const x = bernoulli(j + 10, p, draw);
  assertEquals(x[j], extra[0] < 0x80000000 ? 1 : 0);
  // p exactly w / 2^32: after the tie p has no more bits, so U ≥ p: a 0.
  assertEquals(bernoulli(1, w / 2 ** 32, draw, j)[0], 0);
  // Slices see the same tie.
  assertEquals(bernoulli(3, p, draw, j - 1), x.subarray(j - 1, j + 2));
});

Deno.test("scaledNormal and scaledUniform are mean + std·z and low + width·u of the Float64 values, rounded once", () => {
  const draw = nextDraw(31);
  const n = 20001;
  const f64 = () => new Float64Array(n);
  const intervals: [number, number][] = [
    [-Infinity, Infinity],
    [-2, 2], // rejection
    [0.5, 3], // inverse CDF
    [-40, -31], // far tail
  ];
  for (const [a, b] of intervals) {
    const z = a === -Infinity && b === Infinity
      ? standardNormal(n, draw, 7, f64())
      : truncatedStandardNormal(n, a, b, draw, 7, f64());
    const x = scaledNormal(n, -1.5, 0.2, a, b, draw, 7);
    assertSameBits(
      x,
      Float32Array.from(z, (v) => -1.5 + 0.2 * v),
      `[${a}, ${b}]`,
    );
    const y = scaledNormal(n, -1.5, 0.2, a, b, draw, 7, f64());
    assertSameBits(
      y,
      Float64Array.from(z, (v) => -1.5 + 0.2 * v),
      `[${a}, ${b}] f64`,
    );
  }
  const u = uniform(n, draw, 3, f64());
  assertSameBits(
    scaledUniform(n, 2, 2.5, draw, 3),
    Float32Array.from(u, (v) => 2 + 0.5 * v),
    "uniform",
  );
  assertSameBits(
    scaledUniform(n, 1, 1, draw, 3),
    new Float32Array(n).fill(1),
    "a point",
  );
  assertSameBits(
    scaledNormal(n, 4, 0, -Infinity, Infinity, draw),
    new Float32Array(n).fill(4),
    "std 0",
  );
});

Deno.test("bad arguments throw, naming the argument and the value", () => {
  const draw = nextDraw(1);
  for (const p of [-0.1, 1.5, NaN]) {
    const error = assertThrows(
      () => bernoulli(3, p, draw),
      RangeError,
    ) as Error;
    assertStringIncludes(error.message, "p must be");
    assertStringIncludes(error.message, String(p));
  }
  // deno-lint-ignore no-explicit-any
  assertThrows(() => bernoulli(3, "0.5" as any, draw), TypeError, '"0.5"');
  assertThrows(
    () => truncatedStandardNormal(3, 2, 1, draw),
    RangeError,
    "truncatedStandardNormal: lower must be < upper (1), received 2",
  );
  assertThrows(
    () => truncatedStandardNormal(3, 1, 1, draw),
    RangeError,
    "lower",
  );
  assertThrows(
    () => truncatedStandardNormal(3, NaN, 1, draw),
    RangeError,
    "lower",
  );
  assertThrows(
    // deno-lint-ignore no-explicit-any
    () => truncatedStandardNormal(3, 0, "1" as any, draw),
    TypeError,
    "upper",
  );
  assertThrows(
    () => uniform(-1, draw),
    RangeError,
    "uniform: n must be a non-negative integer, received -1",
  );
  const inf = Infinity;
  assertThrows(
    () => scaledNormal(3, NaN, 1, -inf, inf, draw),
    RangeError,
    "mean",
  );
  assertThrows(
    () => scaledNormal(3, 0, -1, -inf, inf, draw),
    RangeError,
    "scaledNormal: std must be a finite number >= 0, received -1",
  );
  assertThrows(
    () => scaledNormal(3, 0, inf, -inf, inf, draw),
    RangeError,
    "std",
  );
  assertThrows(
    () => scaledNormal(3, 0, 1, 1, 1, draw),
    RangeError,
    "scaledNormal: lower must be < upper (1), received 1",
  );
  assertThrows(
    () => scaledUniform(3, 1, 0, draw),
    RangeError,
    "scaledUniform: high must be a finite number >= low (1), received 0",
  );
  assertThrows(() => scaledUniform(3, -inf, 0, draw), RangeError, "low");
  // deno-lint-ignore no-explicit-any
  assertThrows(() => scaledUniform(3, 0, "1" as any, draw), TypeError, "high");
  assertThrows(() => standardNormal(2.5, draw), RangeError, "received 2.5");
  assertThrows(() => uniform(3, draw, 1.5), RangeError, "offset");
  assertThrows(
    () => uniform(3, draw, 0, new Float32Array(4)),
    RangeError,
    "length",
  );
  assertThrows(
    // deno-lint-ignore no-explicit-any
    () => uniform(3, draw, 0, new Int32Array(3) as any),
    TypeError,
    "out must be",
  );
  assertThrows(
    // deno-lint-ignore no-explicit-any
    () => standardNormal(3, { key: { k0: 1 } } as any),
    TypeError,
    "draw.key.k1",
  );
});
