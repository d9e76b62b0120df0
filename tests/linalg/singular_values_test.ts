/**
 * Tests of `singularValuesSync` (and of `singularValues`, which reads a
 * tensor or Parameter and calls it): accuracy against numpy (LAPACK, float64) on
 * committed fixtures (random, wide, rank-deficient, condition number 1e6,
 * Hilbert) and on a 512×512 matrix made by numpy at test time; closed forms
 * (diagonal, orthogonal times diagonal, zero, 1×n, n×1); the internal paths
 * (one-stage, two-stage at several bandwidths, the tall QR in row blocks,
 * the JavaScript product, no threads) against each other; the input forms
 * and the errors.
 *
 * Accuracy criteria (the issue's): max |σᵢ − σᵢʳᵉᶠ| / σ₁ ≤ 1e-12, and
 * relative error ≤ 1e-6 for every σᵢʳᵉᶠ ≥ 1e-6·σ₁.
 *
 * Where `python3` with numpy is missing, the 512×512 comparison is ignored
 * with a message. A 2048×2048 comparison runs with SVD_TEST_LARGE=1 (and in
 * `deno task bench svd`).
 */
import {
  assert,
  assertAlmostEquals,
  assertEquals,
  assertLessOrEqual,
  assertStringIncludes,
  assertThrows,
} from "@std/assert";
import { singularValuesSync } from "../../lib/linalg/singular_values.ts";
import { singularValues } from "../../lib/read/singular_values.ts";
import { singularValuesWith } from "../../lib/linalg/_svd.ts";
import {
  bidiagonalSingularValues,
  singularValues2x2,
} from "../../lib/linalg/_svd_bidiagonal.ts";
import { householderQr } from "../../lib/linalg/householder_qr.ts";
import { tf } from "../../lib/tf.ts";
import { Parameter } from "../../lib/nn/parameter.ts";
import { HAVE_NUMPY } from "../_python.ts";
import { lcgMatrix } from "./_matrices.ts";

const FIXTURES = new URL("./fixtures/", import.meta.url);

interface FixtureCase {
  name: string;
  shape: [number, number];
  offset: number | null;
  reference: number;
}

const manifest: { cases: FixtureCase[] } = JSON.parse(
  await Deno.readTextFile(new URL("svd_fixtures.json", FIXTURES)),
);
const matrices = new Float32Array(
  (await Deno.readFile(new URL("svd_matrices.f32", FIXTURES))).buffer,
);
const references = new Float64Array(
  (await Deno.readFile(new URL("svd_references.f64", FIXTURES))).buffer,
);

/** The n×n Hilbert matrix 1/(i + j + 1), in Float64 (as numpy computes it). */
function hilbert(n: number): Float64Array {
  const h = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) h[i * n + j] = 1 / (i + j + 1);
  }
  return h;
}

/** The largest absolute error over σ₁, and the largest relative error over σᵢ ≥ 1e-6·σ₁. */
function errors(
  s: Float64Array,
  ref: ArrayLike<number>,
): { abs: number; rel: number } {
  assertEquals(s.length, ref.length);
  const top = ref[0];
  let abs = 0;
  let rel = 0;
  for (let i = 0; i < ref.length; i++) {
    const d = Math.abs(s[i] - ref[i]);
    if (!(d <= abs)) abs = d; // NaN wins
    if (ref[i] >= 1e-6 * top) {
      const r = d / ref[i];
      if (!(r <= rel)) rel = r;
    }
  }
  return { abs: top > 0 ? abs / top : abs, rel };
}

/** Asserts the accuracy criteria, and that s is sorted and non-negative. */
function assertAccurate(
  s: Float64Array,
  ref: ArrayLike<number>,
  label: string,
): void {
  const { abs, rel } = errors(s, ref);
  assertLessOrEqual(abs, 1e-12, `${label}: max |σ − σref| / σ₁ = ${abs}`);
  assertLessOrEqual(rel, 1e-6, `${label}: max relative error = ${rel}`);
  for (let i = 0; i < s.length; i++) {
    assert(s[i] >= 0, `${label}: σ[${i}] = ${s[i]} is negative`);
    if (i > 0) assert(s[i] <= s[i - 1], `${label}: not descending at ${i}`);
  }
}

/** The fixture's matrix (as { values, shape }) and reference. */
function fixture(c: FixtureCase): {
  x: { values: Float32Array | Float64Array; shape: number[] };
  ref: Float64Array;
} {
  const [m, n] = c.shape;
  const values = c.offset === null
    ? hilbert(n)
    : matrices.subarray(c.offset, c.offset + m * n);
  const ref = references.subarray(c.reference, c.reference + Math.min(m, n));
  return { x: { values, shape: [m, n] }, ref };
}

Deno.test("matches numpy on the committed fixtures", () => {
  assertEquals(manifest.cases.length, 8);
  for (const c of manifest.cases) {
    const { x, ref } = fixture(c);
    assertAccurate(singularValuesSync(x), ref, c.name);
  }
});

Deno.test("the one-stage and two-stage paths both match numpy on the fixtures", () => {
  for (const c of manifest.cases) {
    const { x, ref } = fixture(c);
    assertAccurate(
      singularValuesWith(x, undefined, { unblocked: true }),
      ref,
      `${c.name}, one-stage`,
    );
    for (const band of [4, 8, 12, 16, 32]) {
      // The two-stage path at any size (forceBlocked), at several bandwidths.
      const s = singularValuesWith(x, undefined, {
        band,
        forceBlocked: true,
      });
      assertAccurate(s, ref, `${c.name}, two-stage, band ${band}`);
    }
  }
});

Deno.test("a tall matrix reduced to R in row blocks matches the direct reduction", () => {
  const m = 700;
  const n = 60;
  const a = lcgMatrix(m, n, 7);
  const x = { values: a, shape: [m, n] };
  const direct = singularValuesWith(x, undefined, { unblocked: true });
  for (const rowBlock of [60, 97, 256, 10000]) {
    const s = singularValuesWith(x, undefined, {
      forceBlocked: true,
      rowBlock,
    });
    const { abs } = errors(s, direct);
    assertLessOrEqual(abs, 1e-13, `row block ${rowBlock}: ${abs}`);
  }
  // Not reduced to R first (qrRatio above m/n): the same values.
  const square = singularValuesWith(x, undefined, {
    forceBlocked: true,
    qrRatio: 100,
  });
  assertLessOrEqual(errors(square, direct).abs, 1e-13);
});

Deno.test("plain JavaScript (products and chase) gives the same values as WebAssembly", () => {
  const m = 150;
  const n = 130;
  const x = { values: lcgMatrix(m, n, 3), shape: [m, n] };
  const wasm = singularValuesWith(x, undefined, { forceBlocked: true });
  const js = singularValuesWith(x, undefined, { forceBlocked: true, js: true });
  const single = singularValuesWith(x, undefined, {
    forceBlocked: true,
    threads: false,
  });
  assertLessOrEqual(errors(js, wasm).abs, 1e-14);
  assertLessOrEqual(errors(single, wasm).abs, 1e-14);
});

Deno.test("worker threads (900×900, above the threads' threshold) change no bit", () => {
  const n = 900;
  const x = { values: lcgMatrix(n, n, 4), shape: [n, n] };
  const threaded = singularValuesSync(x);
  const single = singularValuesWith(x, undefined, { threads: false });
  assertEquals(threaded, single);
});

Deno.test("closed forms: diagonal, orthogonal × diagonal, zero, 1×n, n×1", () => {
  // A diagonal matrix: σ = sorted |dᵢ|.
  const d = [3, -7, 0.5, 0, 2, -2, 1e-3];
  const n = d.length;
  const diag = new Float64Array(n * n);
  d.forEach((v, i) => (diag[i * n + i] = v));
  const sorted = d.map(Math.abs).sort((a, b) => b - a);
  assertEquals(
    Array.from(singularValuesSync({ values: diag, shape: [n, n] })),
    sorted,
  );

  // Q·diag(σ) with Q orthogonal (a 200×200 QR): σ back to rounding.
  for (const size of [40, 200]) {
    const { q } = householderQr(lcgMatrix(size, size, size), size, size);
    const sigma = Array.from(
      { length: size },
      (_, i) => 10 ** (-6 * i / (size - 1)),
    );
    const a = new Float64Array(size * size);
    for (let i = 0; i < size; i++) {
      for (let j = 0; j < size; j++) {
        a[i * size + j] = q[i * size + j] * sigma[j];
      }
    }
    assertAccurate(
      singularValuesSync({ values: a, shape: [size, size] }),
      sigma,
      `Q·diag, ${size}`,
    );
  }

  // Zero matrices of several shapes.
  for (const [m, k] of [[1, 1], [5, 3], [3, 5], [300, 200]]) {
    const s = singularValuesSync({
      values: new Float32Array(m * k),
      shape: [m, k],
    });
    assertEquals(Array.from(s), new Array(Math.min(m, k)).fill(0));
  }

  // 1×n and n×1: the single singular value is the vector's norm (also
  // through the two-stage path, and long enough for its row blocks).
  for (const len of [5, 300, 70000]) {
    const v = lcgMatrix(1, len, len + 1);
    let norm = 0;
    for (const x of v) norm += x * x;
    norm = Math.sqrt(norm);
    for (const shape of [[1, len], [len, 1]]) {
      const s = singularValuesWith({ values: v, shape }, undefined, {
        forceBlocked: true,
        rowBlock: 4096,
      });
      assertAlmostEquals(s[0], norm, 1e-14 * norm, `blocked, shape ${shape}`);
    }
  }

  // 1×n and n×1: the single singular value is the vector's norm.
  for (const len of [1, 2, 17, 1000]) {
    const v = lcgMatrix(1, len, len);
    let norm = 0;
    for (const x of v) norm += x * x;
    norm = Math.sqrt(norm);
    for (const shape of [[1, len], [len, 1]]) {
      const s = singularValuesSync({ values: v, shape });
      assertEquals(s.length, 1);
      assertAlmostEquals(s[0], norm, 1e-15 * norm, `shape ${shape}`);
    }
  }
});

Deno.test("a wide matrix and its transpose have the same singular values", () => {
  const m = 90;
  const n = 140;
  const a = lcgMatrix(m, n, 11);
  const t = new Float64Array(m * n);
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < n; j++) t[j * m + i] = a[i * n + j];
  }
  const wide = singularValuesSync({ values: a, shape: [m, n] });
  const tall = singularValuesSync({ values: t, shape: [n, m] });
  assertLessOrEqual(errors(wide, tall).abs, 1e-14);
});

Deno.test("scaling by powers of two is exact, and extreme magnitudes do not overflow", () => {
  const m = 30;
  const n = 20;
  const a = lcgMatrix(m, n, 5);
  const base = singularValuesSync({ values: a, shape: [m, n] });
  for (const e of [-1000, -300, 300, 1000]) {
    const scaled = a.map((v) => v * 2 ** e);
    const s = singularValuesSync({ values: scaled, shape: [m, n] });
    for (let i = 0; i < n; i++) {
      assertEquals(s[i], base[i] * 2 ** e, `2^${e}, σ${i}`);
    }
  }
  // Subnormal entries: scaled up exactly (2^1074 itself would overflow).
  const tiny = singularValuesSync({
    values: [5e-324, 0, 0, 1e-323],
    shape: [2, 2],
  });
  assertEquals(Array.from(tiny), [1e-323, 5e-324]);
  const big = singularValuesSync({
    values: [1e308, 1e308, 1e308, 1e308],
    shape: [2, 2],
  });
  assertAlmostEquals(big[0], 2e308, 1e293);
  assertEquals(big[1], 0);
});

Deno.test("input forms: tensor, Parameter, number[], Int32Array, Uint8Array, higher rank", async () => {
  const values = [1, 2, 3, 4, 5, 6];
  const expected = singularValuesSync({
    values: new Float64Array(values),
    shape: [2, 3],
  });
  const t = tf.tensor2d(values, [2, 3]);
  const p = new Parameter(t.clone());
  try {
    assertEquals(await singularValues(t), expected);
    assertEquals(await singularValues(p), expected);
    assertEquals(await singularValues({ values, shape: [2, 3] }), expected);
  } finally {
    t.dispose();
    p.dispose();
  }
  assertEquals(singularValuesSync({ values, shape: [2, 3] }), expected);
  assertEquals(
    singularValuesSync({ values: Int32Array.from(values), shape: [2, 3] }),
    expected,
  );
  assertEquals(
    singularValuesSync({ values: Uint8Array.from(values), shape: [2, 3] }),
    expected,
  );
  // [2, 3, 4] is read as 6×4; a conv kernel [3, 3, 2, 5] as 18×5.
  const a = lcgMatrix(6, 4, 9);
  assertEquals(
    singularValuesSync({ values: a, shape: [2, 3, 4] }),
    singularValuesSync({ values: a, shape: [6, 4] }),
  );
  const k = lcgMatrix(18, 5, 10);
  const conv = tf.tensor4d(new Float32Array(k), [3, 3, 2, 5]);
  try {
    assertEquals(
      await singularValues(conv),
      singularValuesSync({ values: new Float32Array(k), shape: [18, 5] }),
    );
  } finally {
    conv.dispose();
  }
});

Deno.test("errors: 1-D, scalar, empty, NaN/Inf, bad options, not weights", () => {
  const oneD = assertThrows(
    () => singularValuesSync(new Float32Array([1, 2, 3])),
    RangeError,
  );
  assertStringIncludes(oneD.message, "histogram");
  assertStringIncludes(oneD.message, "plotHistogram");
  assertStringIncludes(oneD.message, "[3]");
  assertThrows(
    () => singularValuesSync({ values: [1, 2], shape: [2] }),
    RangeError,
    "plotHistogram",
  );
  assertThrows(
    () => singularValuesSync({ values: [1], shape: [] }),
    RangeError,
    "singularValuesSync: x.shape must be of rank >= 2 (a matrix), received []",
  );
  for (const shape of [[0, 3], [3, 0], [0, 0], [2, 0, 3]]) {
    assertThrows(
      () => singularValuesSync({ values: [], shape }),
      RangeError,
      `singularValuesSync: x.shape must be a non-empty shape, received [${
        shape.join(", ")
      }]`,
    );
  }
  const bad = assertThrows(
    () =>
      singularValuesSync({
        values: [NaN, 1, Infinity, -Infinity, NaN, 2],
        shape: [2, 3],
      }),
    RangeError,
  );
  assertStringIncludes(bad.message, "4 non-finite values");
  assertStringIncludes(bad.message, "2 NaN, 1 +Infinity, 1 −Infinity");
  const one = assertThrows(
    () => singularValuesSync({ values: [1, 2, 3, NaN], shape: [2, 2] }),
    RangeError,
  );
  assertStringIncludes(one.message, "1 non-finite value ");
  const x = { values: [1, 2, 3, 4], shape: [2, 2] };
  for (const maxSide of [0, -1, 1.5, NaN]) {
    assertThrows(
      () => singularValuesSync(x, { maxSide }),
      RangeError,
      `singularValuesSync: options.maxSide must be a positive integer or Infinity, received ${maxSide}`,
    );
  }
  assertThrows(
    // deno-lint-ignore no-explicit-any
    () => singularValuesSync(x, { maxSide: "4096" as any }),
    TypeError,
    'options.maxSide must be a positive integer or Infinity, received "4096"',
  );
  assertThrows(
    // deno-lint-ignore no-explicit-any
    () => singularValuesSync(x, { maxside: 10 } as any),
    TypeError,
    'singularValuesSync: each key of options must be one of "maxSide", "threads", received "maxside"',
  );
  // deno-lint-ignore no-explicit-any
  assertThrows(() => singularValuesSync(x, 5 as any), TypeError, "options");
  // deno-lint-ignore no-explicit-any
  assertThrows(() => singularValuesSync([1, 2, 3] as any), TypeError);
  assertThrows(
    () => singularValuesSync({ values: [1, 2, 3], shape: [2, 2] }),
    RangeError,
    "singularValuesSync: x.shape must be a shape of 3 elements (the length of x.values), received [2, 2]",
  );
});

Deno.test("above maxSide: a warning with the time, and the exact values anyway", () => {
  const n = 12;
  const x = { values: hilbert(n), shape: [n, n] };
  const expected = singularValuesSync(x);
  const warnings: string[] = [];
  const warn = console.warn;
  console.warn = (message: string) => warnings.push(message);
  try {
    const s = singularValuesSync(x, { maxSide: 8 });
    assertEquals(s, expected);
    assertEquals(singularValuesSync(x, { maxSide: 12 }), expected);
    assertEquals(singularValuesSync(x, { maxSide: Infinity }), expected);
  } finally {
    console.warn = warn;
  }
  assertEquals(warnings.length, 1);
  assertStringIncludes(warnings[0], "maxSide 8");
  assertStringIncludes(warnings[0], "exactly");
  // A long side above maxSide alone is no reason to warn.
  console.warn = (message: string) => warnings.push(message);
  try {
    singularValuesSync({ values: lcgMatrix(50, 3), shape: [50, 3] }, {
      maxSide: 8,
    });
  } finally {
    console.warn = warn;
  }
  assertEquals(warnings.length, 1);
});

Deno.test("the bidiagonal solver: 2×2 formula, zero diagonals, graded and Wilkinson matrices", () => {
  // [[f, g], [0, h]]: σ₁σ₂ = |f·h| and σ₁² + σ₂² = f² + g² + h².
  for (
    const [f, g, h] of [[3, 4, 0], [1, 1e-20, 1], [1e-300, 1, 1e-300], [
      2,
      -3,
      5,
    ]]
  ) {
    const [s1, s2] = singularValues2x2(f, g, h);
    assertAlmostEquals(
      s1 * s2,
      Math.abs(f * h),
      1e-15 * Math.max(1e-300, Math.abs(f * h)),
    );
    if (Math.abs(f) > 1e-100) {
      assertAlmostEquals(
        s1 * s1 + s2 * s2,
        f * f + g * g + h * h,
        1e-14 * (f * f + g * g + h * h),
      );
    }
  }
  // Zero diagonal entries (a singular bidiagonal), at the top, middle and bottom.
  const n = 9;
  const d = new Float64Array(n).map((_, i) => (i % 4 === 0 ? 0 : i + 1));
  const e = new Float64Array(n - 1).fill(1);
  const s = bidiagonalSingularValues(d, e);
  // With every eᵢ ≠ 0 the rank is n − 1 (rows 0…n−2 × columns 1…n−1 are
  // triangular with diagonal e): one exact zero, and Σσᵢ² = Σdᵢ² + Σeᵢ².
  assertEquals(Array.from(s).filter((v) => v === 0).length, 1);
  assertEquals(s[n - 1], 0);
  let frob = 0;
  for (const v of s) frob += v * v;
  assertAlmostEquals(frob, d.reduce((a, v) => a + v * v, 0) + (n - 1), 1e-12);
  // Wilkinson-like |50 − i| with unit superdiagonal: converges, rank n − 1.
  const w = new Float64Array(101).map((_, i) => Math.abs(50 - i));
  const sw = bidiagonalSingularValues(w, new Float64Array(100).fill(1));
  assertEquals(sw[100], 0);
  assert(sw[99] > 0.1);
  // Graded: absolute accuracy against the product of the diagonal (det = Πdᵢ = Πσᵢ).
  const g = new Float64Array(40).map((_, i) => 2 ** -i);
  const sg = bidiagonalSingularValues(
    g,
    new Float64Array(39).map((_, i) => 2 ** -i),
  );
  let logDet = 0;
  for (const v of sg) logDet += Math.log2(v);
  assertAlmostEquals(logDet, -(39 * 40) / 2, 1e-9);
});

const numpy = HAVE_NUMPY;
if (!numpy) {
  console.warn(
    "singular_values_test: python3 with numpy not found; the 512×512 numpy comparison is ignored (pip install numpy to run it).",
  );
}

/**
 * A seeded standard normal n×n float32 matrix from numpy, and numpy's
 * singular values of it in float64.
 */
async function numpyCase(
  kind: "normal" | "cond",
  n: number,
): Promise<{ a: Float32Array; ref: Float64Array }> {
  const dir = await Deno.makeTempDir({ prefix: "svd_test_" });
  try {
    const script = [
      "import sys, numpy as np",
      `rng = np.random.default_rng(${n})`,
      kind === "normal"
        ? `a = rng.standard_normal((${n}, ${n})).astype(np.float32)`
        : [
          `u, _ = np.linalg.qr(rng.standard_normal((${n}, ${n})))`,
          `v, _ = np.linalg.qr(rng.standard_normal((${n}, ${n})))`,
          `a = ((u * np.logspace(0, -6, ${n})) @ v.T).astype(np.float32)`,
        ].join("\n"),
      "a.astype('<f4').tofile(sys.argv[1] + '/a.f32')",
      "np.linalg.svd(a.astype(np.float64), compute_uv=False).astype('<f8').tofile(sys.argv[1] + '/s.f64')",
    ].join("\n");
    const out = await new Deno.Command("python3", {
      args: ["-c", script, dir],
      stdout: "piped",
      stderr: "piped",
    }).output();
    assert(out.success, new TextDecoder().decode(out.stderr));
    return {
      a: new Float32Array((await Deno.readFile(`${dir}/a.f32`)).buffer),
      ref: new Float64Array((await Deno.readFile(`${dir}/s.f64`)).buffer),
    };
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

/** Ours against numpy on its n×n normal and condition-1e6 matrices. */
async function matchesNumpy(n: number): Promise<void> {
  for (const kind of ["normal", "cond"] as const) {
    const { a, ref } = await numpyCase(kind, n);
    assertAccurate(
      singularValuesSync({ values: a, shape: [n, n] }),
      ref,
      `${n} ${kind}`,
    );
  }
}

Deno.test({
  name:
    "matches numpy on a 512×512 normal matrix and a 512×512 condition-1e6 one",
  ignore: !numpy,
  fn: () => matchesNumpy(512),
});

Deno.test({
  name: "matches numpy on a 2048×2048 matrix (SVD_TEST_LARGE=1)",
  ignore: !numpy || Deno.env.get("SVD_TEST_LARGE") !== "1",
  fn: () => matchesNumpy(2048),
});

Deno.test("singularValues: options.threads false gives the same bits; a non-boolean is a TypeError", () => {
  const n = 300;
  const values = Float64Array.from(
    { length: n * n },
    (_, i) => Math.sin(i * 0.37) + Math.cos(i * 1.3),
  );
  const x = { values, shape: [n, n] };
  assertEquals(
    singularValuesSync(x, { threads: false }),
    singularValuesSync(x, { threads: true }),
  );
  assertThrows(
    // deno-lint-ignore no-explicit-any
    () => singularValuesSync(x, { threads: "no" as any }),
    TypeError,
    "singularValuesSync: options.threads must be",
  );
});
