/**
 * signalStd and saturation on host values: divergence kept, the thresholds
 * exactly where they are documented, dead units defined over the batch.
 */
import { assertAlmostEquals, assertEquals, assertThrows } from "@std/assert";
import { saturation, SATURATION_THRESHOLD, signalStd } from "../../mod.ts";

Deno.test("signalStd: the population std in Float64; Inf kept as Infinity, NaN as NaN", () => {
  assertEquals(signalStd([2, 4, 4, 4, 5, 5, 7, 9]), 2);
  // Float32 values near the top of their range: squares do not overflow.
  const big = new Float32Array([3e38, -3e38]);
  assertAlmostEquals(signalStd(big) / 3e38, 1, 1e-6);
  assertEquals(signalStd([1, 2, Infinity]), Infinity);
  assertEquals(signalStd([1, -Infinity]), Infinity);
  assertEquals(signalStd([Infinity, NaN]), NaN);
  assertEquals(signalStd(new Float64Array([5])), 0);
});

Deno.test("saturation: tanh beyond ±0.99, sigmoid's matching tails, ReLU units dead on every example", () => {
  assertEquals(SATURATION_THRESHOLD, 0.99);
  // Exactly 0.99 is not beyond it.
  assertEquals(saturation([0.99, -0.99, 0.995, -1], 2, "tanh"), {
    fraction: 0.5,
    kind: "saturated",
  });
  // sigmoid(a) = (1 + tanh(a/2))/2: tails h < 0.005 and h > 0.995.
  assertEquals(saturation([0.004, 0.996, 0.5, 0.006], 4, "sigmoid"), {
    fraction: 0.5,
    kind: "saturated",
  });
  // Names as tfjs and Keras write them.
  assertEquals(saturation([1], 1, "Tanh")?.kind, "saturated");
  // 3 examples × 4 units: unit 0 is ≤ 0 everywhere (dead), unit 1 is alive
  // on one example only (alive), unit 3 is exactly 0 everywhere (dead).
  const h = [
    0,
    0,
    1,
    0,
    -1,
    0,
    2,
    0,
    0,
    5,
    3,
    0,
  ];
  assertEquals(saturation(h, 4, "relu"), { fraction: 0.5, kind: "dead" });
  assertEquals(saturation(h, 4, "relu6"), { fraction: 0.5, kind: "dead" });
  // A NaN keeps its unit from being counted dead.
  assertEquals(saturation([0, NaN, 0, 0], 2, "relu")?.fraction, 0.5);
  for (const name of ["linear", "elu", "softplus", "", "leaky_relu"]) {
    assertEquals(saturation([0.999, 1], 2, name), null, name);
  }
});

Deno.test("signalStd and saturation: bad input is an error naming the function", () => {
  assertThrows(
    () => signalStd([]),
    RangeError,
    "signalStd: values must not be empty",
  );
  assertThrows(
    () => signalStd("12" as unknown as number[]),
    TypeError,
    "signalStd: values must be",
  );
  assertThrows(() => saturation([1, 2, 3], 2, "tanh"), RangeError, "units");
  assertThrows(() => saturation([1, 2], 0, "tanh"), RangeError, "units");
  assertThrows(
    () => saturation([1, 2], 2, 3 as unknown as string),
    TypeError,
    "activation must be a name",
  );
});
