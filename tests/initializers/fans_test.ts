import { assertAlmostEquals, assertEquals, assertThrows } from "@std/assert";
import { initializers } from "../../mod.ts";

const { computeFans, calculateGain } = initializers;

Deno.test("computeFans: dense kernels are [in, out]", () => {
  assertEquals(computeFans([784, 10]), {
    fanIn: 784,
    fanOut: 10,
    receptiveField: 1,
  });
});

Deno.test("computeFans: conv kernels are [...spatial, in, out] with the receptive field", () => {
  assertEquals(computeFans([5, 16, 32]), {
    fanIn: 80,
    fanOut: 160,
    receptiveField: 5,
  });
  assertEquals(computeFans([3, 3, 16, 32]), {
    fanIn: 144,
    fanOut: 288,
    receptiveField: 9,
  });
  assertEquals(computeFans([2, 3, 3, 4, 8]), {
    fanIn: 72,
    fanOut: 144,
    receptiveField: 18,
  });
});

Deno.test("computeFans: inAxis/outAxis cover PyTorch's [out, in, ...spatial]", () => {
  assertEquals(computeFans([32, 16, 3, 3], { inAxis: 1, outAxis: 0 }), {
    fanIn: 144,
    fanOut: 288,
    receptiveField: 9,
  });
  assertEquals(computeFans([10, 20], { inAxis: -1, outAxis: -2 }).fanIn, 20);
});

Deno.test("computeFans: rank < 2 and bad axes are errors", () => {
  assertThrows(
    () => computeFans([5]),
    RangeError,
    "computeFans: shape must be of rank >= 2, received [5]",
  );
  assertThrows(() => computeFans([]), RangeError, "rank >= 2");
  assertThrows(
    () => computeFans([3, 4], { inAxis: 2 }),
    RangeError,
    "computeFans: options.inAxis must be an integer in [-2, 1], received 2",
  );
  assertThrows(
    () => computeFans([3, 4], { inAxis: 0, outAxis: -2 }),
    RangeError,
    "computeFans: options.outAxis must be an axis other than options.inAxis (axis 0 of [3, 4]), received -2",
  );
  assertThrows(
    () => initializers.heNormal([3, 4], { inAxis: 5 }),
    RangeError,
    "heNormal: options.inAxis must be an integer in [-2, 1], received 5",
  );
  assertThrows(() => computeFans([3, -4]), RangeError, "shape[1]");
});

Deno.test("calculateGain follows PyTorch's table", () => {
  for (
    const name of [
      "linear",
      "identity",
      "conv1d",
      "conv2d",
      "conv3d",
      "conv_transpose2d",
      "sigmoid",
    ]
  ) {
    assertEquals(calculateGain(name), 1, name);
  }
  assertAlmostEquals(calculateGain("tanh"), 5 / 3);
  assertAlmostEquals(calculateGain("relu"), Math.SQRT2);
  assertAlmostEquals(calculateGain("selu"), 0.75);
  assertAlmostEquals(
    calculateGain("leaky_relu"),
    Math.sqrt(2 / (1 + 0.01 ** 2)),
  );
  assertAlmostEquals(calculateGain("leakyRelu", 0), Math.SQRT2, 1e-15);
  assertAlmostEquals(calculateGain("leaky_relu", 0.2), Math.sqrt(2 / 1.04));
  assertThrows(() => calculateGain("swish"), RangeError, '"swish"');
  assertThrows(
    () => calculateGain("leaky_relu", "x" as never),
    TypeError,
    "param",
  );
});
