/**
 * The double-precision normal functions behind the truncated normal and the
 * Ziggurat tables, checked against Python's libm `math.erfc` (an
 * independent implementation).
 */
import { assert, assertEquals, assertLess } from "@std/assert";
import {
  lowerTail,
  normalPdf,
  normalQuantile,
  upperTail,
} from "../../lib/_normal.ts";
import { F, LAYERS, R, V, X, Z24, Z53 } from "../../lib/random/_ziggurat.ts";
import { HAVE_PYTHON, python } from "./_helpers.ts";

const PY_ERFC = `
import json, math, sys
q = json.load(sys.stdin)
r = q["r"]
print(json.dumps({
    "Q": [0.5 * math.erfc(t / math.sqrt(2)) for t in q["t"]],
    "pdf": [math.exp(-t * t / 2) / math.sqrt(2 * math.pi) for t in q["t"]],
    "roundtrip": [0.5 * math.erfc(-x / math.sqrt(2)) for x in q["x"]],
    "V": r * math.exp(-r * r / 2) + math.sqrt(math.pi / 2) * math.erfc(r / math.sqrt(2)),
}))
`;

Deno.test({
  name: "upperTail, normalPdf and normalQuantile agree with Python's math.erfc",
  ignore: !HAVE_PYTHON,
  async fn() {
    const t: number[] = [];
    for (let v = -6; v <= 37.5; v += 0.0731) t.push(v);
    t.push(0, 0.7499999, 0.75, 1, 2, 3, 5, 30, 37);
    const p: number[] = [];
    for (let e = -300; e < -0.31; e += 0.77) p.push(10 ** e);
    for (let v = 0.01; v <= 0.5; v += 0.0123) p.push(v);
    const x = p.map(normalQuantile);
    const py = await python<
      { Q: number[]; pdf: number[]; roundtrip: number[]; V: number }
    >(PY_ERFC, { t, x, r: R });
    t.forEach((v, i) => {
      // Ours is within ~6e-16 relative (see _normal.ts); the reference
      // erfc(t/√2) carries the rounding of t/√2, amplified by t²: about
      // t²·2^-52 relative, plus libm's own ulp.
      const q = upperTail(v);
      assertLess(
        Math.abs(q - py.Q[i]) / py.Q[i],
        1.5e-15 + v * v * 2 ** -52,
        `Q(${v}) = ${q}, Python ${py.Q[i]}`,
      );
      // Python's exp(-t²/2) loses up to |t²/2|·2^-53 relative: our split is the more accurate.
      const tol = 2e-15 + (v * v / 2) * 2 ** -52;
      assertLess(
        Math.abs(normalPdf(v) - py.pdf[i]) / py.pdf[i],
        tol,
        `φ(${v})`,
      );
    });
    p.forEach((pv, i) => {
      // Φ(Φ⁻¹(p)) = p up to the conditioning of Φ at x: δp/p ≈ |x|·φ(x)/p·δx,
      // which for a relative error of 1e-15 in x is at most ~ (1 + x²)·1e-15.
      const tol = 2e-15 * (1 + x[i] * x[i]);
      assertLess(
        Math.abs(py.roundtrip[i] - pv) / pv,
        tol,
        `Φ(Φ⁻¹(${pv})) = ${py.roundtrip[i]}`,
      );
    });
    assertLess(Math.abs(V - py.V) / py.V, 1e-15, "the Ziggurat layer area V");
  },
});

Deno.test("tails are symmetric and monotone; the quantile inverts them", () => {
  for (let v = -8; v <= 8; v += 0.37) {
    assertEquals(lowerTail(v), upperTail(-v));
  }
  let prev = 1;
  for (let v = -10; v <= 38; v += 0.01) {
    const q = upperTail(v);
    assert(q <= prev, `Q not monotone at ${v}`);
    prev = q;
  }
  for (const p of [1e-300, 1e-20, 1e-5, 0.01, 0.3, 0.5]) {
    const x = normalQuantile(p);
    assertLess(Math.abs(lowerTail(x) - p) / p, 2e-15 * (1 + x * x));
  }
  assertEquals(normalQuantile(0), -Infinity);
  assertEquals(normalQuantile(1), Infinity);
  assertEquals(normalQuantile(0.5), 0);
});

Deno.test("Ziggurat tables: equal-area layers that close at the top", () => {
  const f = (x: number) => Math.exp(-0.5 * x * x);
  assertEquals(X[1], R);
  assertEquals(X[LAYERS], 0);
  assertLess(Math.abs(X[0] * f(R) - V) / V, 1e-15, "base layer area");
  for (let i = 1; i < LAYERS - 1; i++) {
    assert(X[i + 1] < X[i], `X decreasing at ${i}`);
    const area = X[i] * (F[i + 1] - F[i]);
    assertLess(Math.abs(area - V) / V, 1e-12, `layer ${i} area`);
  }
  // The top layer, [0, X[255]] × [f(X[255]), 1], closes to within 1e-12.
  const top = X[LAYERS - 1] * (1 - F[LAYERS - 1]);
  assertLess(Math.abs(top - V) / V, 1e-12, `top layer area ${top}`);
  // Fast-path bounds: m < K means m·2^-bits·X[i] < X[i+1].
  for (const [z, bits] of [[Z24, 24], [Z53, 53]] as const) {
    for (let s = 0; s < 2 * LAYERS; s++) {
      const i = s & 255;
      const k = z.K[s], w = Math.abs(z.W[s]);
      assert(k * w >= X[i + 1], `K[${s}] for ${bits} bits is too small`);
      assert(k === 0 || (k - 1) * w < X[i + 1], `K[${s}] for ${bits} bits`);
      assertEquals(z.W[s], (s < LAYERS ? 1 : -1) * X[i] * 2 ** -bits);
    }
  }
});
