/**
 * Tests of the blocked Householder QR: orthogonality and reconstruction for
 * square, tall and wide shapes (up to 2048×2048), rank-deficient and zero
 * input, empty shapes, argument checks, the internal code paths (recursion
 * depths, the JavaScript fallback, worker threads), and R's diagonal against
 * numpy's.
 *
 * Inputs come from a fixed linear congruential generator, so every run sees
 * the same matrices.
 *
 * Where `python3` with numpy is missing, the numpy comparison is ignored
 * with a message.
 */
import {
  assert,
  assertAlmostEquals,
  assertEquals,
  assertLessOrEqual,
  assertThrows,
} from "@std/assert";
import {
  householderQr,
  orthogonalityError,
  reconstructionError,
} from "../../lib/linalg/householder_qr.ts";
import { blockedQr } from "../../lib/linalg/_blocked_qr.ts";
import { matmul } from "../../lib/linalg/_matmul.ts";
import { gemmJs } from "../../lib/linalg/_gemm_js.ts";
import { WASM } from "../../lib/linalg/_gemm_wasm.ts";
import { HAVE_NUMPY, runPythonWith } from "../_python.ts";
import { lcgMatrix } from "./_matrices.ts";

/** Largest |entry| below the diagonal of the k×n row-major R (must be exactly 0). */
function belowDiagonal(r: Float64Array, k: number, n: number): number {
  let worst = 0;
  for (let i = 0; i < k; i++) {
    for (let j = 0; j < Math.min(i, n); j++) {
      worst = Math.max(worst, Math.abs(r[i * n + j]));
    }
  }
  return worst;
}

/** Asserts Q orthonormal, R upper triangular, QR = A, nothing NaN, and A unchanged. */
function checkQr(
  a: Float64Array,
  m: number,
  n: number,
  tolerance = 1e-13,
): { q: Float64Array; r: Float64Array; k: number } {
  const copy = a.slice();
  const { q, r, k, m: mm, n: nn } = householderQr(a, m, n);
  const label = `${m}×${n}`;
  assertEquals([mm, nn, k], [m, n, Math.min(m, n)], label);
  assertEquals(q.length, m * k, `${label}: q.length`);
  assertEquals(r.length, k * n, `${label}: r.length`);
  assertEquals(a, copy, `${label}: householderQr modified its input`);
  assert(q.every(Number.isFinite), `${label}: q has a non-finite entry`);
  assert(r.every(Number.isFinite), `${label}: r has a non-finite entry`);
  assertEquals(
    belowDiagonal(r, k, n),
    0,
    `${label}: R is not upper triangular`,
  );
  assertLessOrEqual(
    orthogonalityError(q, m, k),
    tolerance,
    `${label}: QᵀQ ≠ I`,
  );
  assertLessOrEqual(
    reconstructionError(a, q, r, m, n),
    tolerance,
    `${label}: QR ≠ A`,
  );
  return { q, r, k };
}

/** Max |QᵀQ − I| by a plain triple loop, to check the kernel-based helper. */
function naiveOrthogonality(q: Float64Array, m: number, k: number): number {
  let worst = 0;
  for (let i = 0; i < k; i++) {
    for (let j = 0; j < k; j++) {
      let s = 0;
      for (let l = 0; l < m; l++) s += q[l * k + i] * q[l * k + j];
      worst = Math.max(worst, Math.abs(s - (i === j ? 1 : 0)));
    }
  }
  return worst;
}

Deno.test("small shapes: square, tall and wide, across block boundaries", () => {
  const shapes = [
    [1, 1],
    [2, 2],
    [3, 2],
    [2, 3],
    [1, 7],
    [7, 1],
    [5, 5],
    [8, 8],
    [9, 7],
    [7, 9],
    [31, 31],
    [32, 32],
    [33, 33],
    [65, 40],
    [40, 65],
    [100, 37],
    [37, 100],
    [129, 129],
  ];
  for (const [m, n] of shapes) checkQr(lcgMatrix(m, n, m * 1000 + n), m, n);
});

Deno.test("large shapes: 2048×2048, 2048×512 and 512×2048, in Float64 and rounded to float32", () => {
  for (const [m, n] of [[2048, 2048], [2048, 512], [512, 2048]]) {
    const a = lcgMatrix(m, n, 7);
    const { q, k } = checkQr(a, m, n, 1e-13);
    const q32 = new Float64Array(new Float32Array(q));
    assertLessOrEqual(
      orthogonalityError(q32, m, k),
      1e-5,
      `${m}×${n} in float32`,
    );
  }
});

Deno.test("orthogonalityError and reconstructionError agree with plain loops", () => {
  const m = 45, n = 30;
  const a = lcgMatrix(m, n, 3);
  const { q, r, k } = householderQr(a, m, n);
  assertAlmostEquals(
    orthogonalityError(q, m, k),
    naiveOrthogonality(q, m, k),
    1e-15,
  );
  const bent = q.slice();
  bent[0] += 1e-3;
  assertAlmostEquals(
    orthogonalityError(bent, m, k),
    naiveOrthogonality(bent, m, k),
    1e-12,
  );
  assert(orthogonalityError(bent, m, k) > 1e-4);
  const far = a.slice();
  far[5] += 0.25;
  const scale = Math.max(...far.map(Math.abs));
  assertAlmostEquals(reconstructionError(far, q, r, m, n), 0.25 / scale, 1e-12);
  const c = matmul(a, m, n, lcgMatrix(n, 11, 5), 11);
  const b = lcgMatrix(n, 11, 5);
  assertAlmostEquals(
    c[3 * 11 + 4],
    a.subarray(3 * n, 4 * n).reduce((s, x, l) => s + x * b[l * 11 + 4], 0),
    1e-14,
  );
});

Deno.test("rank-deficient input: rank 1, repeated and zero columns give no NaN", () => {
  const m = 60, n = 40;
  // Rank 1: a = u vᵀ.
  const u = lcgMatrix(m, 1, 11), v = lcgMatrix(1, n, 12);
  const rank1 = new Float64Array(m * n);
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < n; j++) rank1[i * n + j] = u[i] * v[j];
  }
  const { r } = checkQr(rank1, m, n);
  for (let i = 1; i < n; i++) {
    assertLessOrEqual(
      Math.abs(r[i * n + i]),
      1e-14,
      `R[${i}, ${i}] of a rank-1 matrix`,
    );
  }
  // Repeated columns and zero columns (first, middle, last).
  const a = lcgMatrix(m, n, 13);
  for (let i = 0; i < m; i++) {
    a[i * n + 5] = a[i * n + 4];
    a[i * n + 0] = 0;
    a[i * n + 20] = 0;
    a[i * n + n - 1] = 0;
  }
  const out = checkQr(a, m, n);
  assertEquals(out.r[0], 0, "R[0, 0] of a zero first column");
  // Wide with zero rows, tall with zero rows.
  const wide = lcgMatrix(10, 50, 14);
  wide.fill(0, 3 * 50, 6 * 50);
  checkQr(wide, 10, 50);
  const tall = lcgMatrix(70, 9, 15);
  tall.fill(0, 0, 9 * 40);
  checkQr(tall, 70, 9);
});

Deno.test("a NaN or ±Infinity entry gives non-finite R and Q, below the diagonal too", () => {
  // Narrow (factored column by column only) and blocked; the bad entry on,
  // below and above the diagonal.
  for (const [m, n, i, j] of [[20, 6, 3, 0], [20, 6, 0, 0], [40, 20, 10, 2]]) {
    for (const bad of [NaN, Infinity, -Infinity]) {
      const a = lcgMatrix(m, n, 16);
      a[i * n + j] = bad;
      const { q, r } = householderQr(a, m, n);
      const label = `${m}×${n}, ${bad} at (${i}, ${j})`;
      assert(!Number.isFinite(r[j * n + j]), `${label}: R[${j}, ${j}]`);
      assert(!q.every(Number.isFinite), `${label}: Q is all finite`);
    }
  }
});

Deno.test("a zero matrix gives R = 0 and Q = the first columns of I", () => {
  for (const [m, n] of [[6, 4], [4, 6], [50, 50]]) {
    const { q, r, k } = checkQr(new Float64Array(m * n), m, n);
    assert(r.every((x) => x === 0), "R is zero");
    for (let i = 0; i < m; i++) {
      for (let j = 0; j < k; j++) assertEquals(q[i * k + j], i === j ? 1 : 0);
    }
  }
});

Deno.test("empty shapes return empty arrays", () => {
  for (const [m, n] of [[0, 0], [0, 5], [5, 0]]) {
    const result = householderQr(new Float64Array(0), m, n);
    assertEquals(result.k, 0);
    assertEquals([result.m, result.n], [m, n]);
    assertEquals(result.q.length, 0);
    assertEquals(result.r.length, 0);
    assertEquals(orthogonalityError(result.q, m, 0), 0);
    assertEquals(
      reconstructionError(new Float64Array(0), result.q, result.r, m, n),
      0,
    );
  }
});

Deno.test("bad arguments throw, naming the argument and the value", () => {
  const a = new Float64Array(6);
  // As JavaScript callers may call it.
  const untyped = householderQr as (
    a: unknown,
    m: unknown,
    n: unknown,
  ) => unknown;
  const cases: [() => unknown, ErrorConstructor, string][] = [
    [
      () => householderQr(a, -1, 6),
      RangeError,
      "householderQr: m must be a non-negative integer, received -1",
    ],
    [
      () => householderQr(a, 2, -3),
      RangeError,
      "householderQr: n must be a non-negative integer, received -3",
    ],
    [
      () => householderQr(a, 2.5, 3),
      RangeError,
      "householderQr: m must be a non-negative integer, received 2.5",
    ],
    [
      () => householderQr(a, NaN, 3),
      RangeError,
      "householderQr: m must be a non-negative integer, received NaN",
    ],
    [
      () => householderQr(a, 2, Infinity),
      RangeError,
      "householderQr: n must be a non-negative integer, received Infinity",
    ],
    [
      () => untyped(a, "2", 3),
      TypeError,
      'householderQr: m must be a non-negative integer, received "2"',
    ],
    [
      () => householderQr(a, 2, 4),
      RangeError,
      "householderQr: a.length must be 2×4 = 8, received 6",
    ],
    [
      () => householderQr(a, 4, 2),
      RangeError,
      "householderQr: a.length must be 4×2 = 8, received 6",
    ],
    [
      () => untyped(new Float32Array(6), 2, 3),
      TypeError,
      "householderQr: a must be a Float64Array, received a Float32Array of length 6",
    ],
    [
      () => untyped([1, 2, 3, 4, 5, 6], 2, 3),
      TypeError,
      "householderQr: a must be a Float64Array, received [1, 2, 3, 4, 5, 6]",
    ],
    [
      () => untyped(null, 2, 3),
      TypeError,
      "householderQr: a must be a Float64Array, received null",
    ],
    [
      () => orthogonalityError(a, 2, 2),
      RangeError,
      "orthogonalityError: q.length must be 2×2 = 4, received 6",
    ],
    [
      () => orthogonalityError(a, 3, -2),
      RangeError,
      "orthogonalityError: k must be a non-negative integer, received -2",
    ],
    [
      () =>
        reconstructionError(a, new Float64Array(4), new Float64Array(5), 2, 3),
      RangeError,
      "reconstructionError: r.length must be 2×3 = 6, received 5",
    ],
    [
      () => reconstructionError(a, new Float64Array(5), a, 2, 3),
      RangeError,
      "reconstructionError: q.length must be 2×2 = 4, received 5",
    ],
  ];
  for (const [fn, type, message] of cases) assertThrows(fn, type, message);
});

Deno.test("internal paths: recursion depths, odd block sizes and the JavaScript fallback agree", () => {
  const m = 150, n = 97;
  const a = lcgMatrix(m, n, 21);
  const reference = blockedQr(a, m, n);
  assert(reference.kind !== "js", "WebAssembly SIMD should run here");
  const variants = [
    { block: 4, base: 4 },
    { block: 12, base: 4 },
    { block: 20, base: 8 },
    { block: 64, base: 8 },
    { block: 96, base: 16 },
    { block: 32, base: 1 },
    { js: true },
    { js: true, block: 24, base: 4 },
  ];
  for (const options of variants) {
    const label = JSON.stringify(options);
    for (const [mm, nn] of [[m, n], [n, m]]) {
      const x = lcgMatrix(mm, nn, 21);
      const { q, r, kind } = blockedQr(x, mm, nn, options);
      assertEquals(kind === "js", options.js === true, label);
      const k = Math.min(mm, nn);
      assertLessOrEqual(orthogonalityError(q, mm, k), 1e-13, label);
      assertLessOrEqual(reconstructionError(x, q, r, mm, nn), 1e-13, label);
      assertEquals(belowDiagonal(r, k, nn), 0, label);
    }
    // Same reflectors, same convention: the same factors up to rounding.
    const { q, r } = blockedQr(a, m, n, options);
    for (let i = 0; i < q.length; i++) {
      assertAlmostEquals(q[i], reference.q[i], 1e-12, label);
    }
    for (let i = 0; i < r.length; i++) {
      assertAlmostEquals(r[i], reference.r[i], 1e-12, label);
    }
  }
});

Deno.test("the SIMD kernel, every variant, matches the plain product on packed and column-major A", () => {
  const [M, N, K] = [12, 13, 7]; // N = 6 + 6 + 1 exercises every tile width
  for (const variant of Object.keys(WASM) as (keyof typeof WASM)[]) {
    const memory = new WebAssembly.Memory({
      initial: 1,
      maximum: 65536,
      shared: variant.endsWith("_shared"),
    });
    const module = new WebAssembly.Module(Uint8Array.fromBase64(WASM[variant]));
    const { gemm } = new WebAssembly.Instance(module, { env: { memory } })
      .exports as { gemm: (...args: number[]) => void };
    const f = new Float64Array(memory.buffer);
    const source = lcgMatrix(1, 2000, 41);
    for (const packed of [true, false]) {
      // A at 0 (packed: aps = 32K, ak = 32; column-major with ld 16: aps = 32, ak = 128).
      const [aps, ak] = packed ? [32 * K, 32] : [32, 16 * 8];
      const [b, ldb, c, ldc] = [400, 9, 600, 14]; // in elements
      f.set(source.subarray(0, 800));
      f.fill(0.5, c, c + ldc * N);
      const expected = f.slice();
      gemmJs(expected)(M, N, K, 0, aps, ak, b * 8, ldb * 8, c * 8, ldc * 8);
      gemm(M, N, K, 0, aps, ak, b * 8, ldb * 8, c * 8, ldc * 8);
      // Everything but C's first M rows is untouched; C matches to rounding
      // (exactly where the multiply and add are not fused).
      for (let i = 0; i < 1000; i++) {
        const label = `${variant}, packed ${packed}, element ${i}`;
        if (variant.startsWith("plain")) assertEquals(f[i], expected[i], label);
        else assertAlmostEquals(f[i], expected[i], 1e-14, label);
      }
    }
  }
});

Deno.test("worker threads give bit-for-bit the single-threaded result", () => {
  const n = 1024;
  const a = lcgMatrix(n, n, 31);
  const threaded = blockedQr(a, n, n, { threads: true });
  const single = blockedQr(a, n, n, { threads: false });
  assertEquals(single.workers, 0);
  if ((navigator.hardwareConcurrency ?? 1) > 1) {
    assert(threaded.workers > 0, "a 1024×1024 QR should start a worker");
  }
  assert(threaded.q.every((x, i) => x === single.q[i]), "Q differs");
  assert(threaded.r.every((x, i) => x === single.r[i]), "R differs");
});

const numpy = HAVE_NUMPY;
if (!numpy) {
  console.warn(
    "householder_qr_test: python3 with numpy not found; the numpy comparison is ignored (pip install numpy to run it).",
  );
}

/** |diag(R)| of numpy.linalg.qr on the row-major m×n `a`, sent as raw Float64. */
async function numpyAbsDiagonal(
  a: Float64Array,
  m: number,
  n: number,
): Promise<number[]> {
  const script = [
    "import sys, json, numpy as np",
    `a = np.frombuffer(sys.stdin.buffer.read(), dtype='<f8').reshape(${m}, ${n})`,
    "r = np.linalg.qr(a, mode='r')",
    "print(json.dumps(np.abs(np.diag(r)).tolist()))",
  ].join("\n");
  const bytes = new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
  return JSON.parse(await runPythonWith(script, bytes));
}

Deno.test({
  name: "R's |diagonal| matches numpy.linalg.qr",
  ignore: !numpy,
  fn: async () => {
    for (const [m, n] of [[300, 300], [400, 150], [150, 400], [1, 5], [5, 1]]) {
      const a = lcgMatrix(m, n, m + n);
      const { r, k } = householderQr(a, m, n);
      const expected = await numpyAbsDiagonal(a, m, n);
      assertEquals(expected.length, k);
      for (let i = 0; i < k; i++) {
        assertAlmostEquals(
          Math.abs(r[i * n + i]),
          expected[i],
          1e-12 * Math.max(1, expected[i]),
          `${m}×${n}: |R[${i}, ${i}]|`,
        );
      }
    }
  },
});
