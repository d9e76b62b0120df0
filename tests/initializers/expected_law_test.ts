/**
 * The law `assertFollowsInit` expects is worked out without drawing; it must
 * be exactly the density each initializer records for a real draw, refuse
 * what the initializer refuses with the same error, and leave the global
 * stream alone.
 *
 * @module
 */
import { assertEquals, assertThrows } from "@std/assert";
import { initializers, setSeed, tf } from "../../mod.ts";
import { expectedLaw } from "../../lib/initializers/expected_law.ts";
import { leakFreeTest } from "../testing/_helpers.ts";

const I = initializers;

type Config = Parameters<typeof I.getInitializer>[0];

const CASES: [Config, number[]][] = [
  ["zeros", [3, 4]],
  [{ name: "ones", dtype: "int32" }, [5]],
  [{ name: "constant", value: 0.1 }, [2, 2]],
  [{ name: "constant", value: 2.5, dtype: "bool" }, [3]],
  ["randomUniform", [10]],
  [{ name: "randomUniform", minval: -3, maxval: 7 }, [4, 4]],
  [{ name: "randomNormal", mean: 2, stddev: 0.3 }, [10]],
  ["truncatedNormal", [6]],
  [
    { name: "truncatedNormal", mean: 1, stddev: 2, lower: -1, upper: Infinity },
    [6],
  ],
  ["varianceScaling", [7, 9]],
  [{
    name: "varianceScaling",
    scale: 3,
    mode: "fanAvg",
    distribution: "uniform",
    gain: 2,
  }, [3, 3, 4, 5]],
  [{
    class_name: "VarianceScaling",
    config: { mode: "fan_out", distribution: "untruncated_normal" },
  }, [5, 6]],
  ["glorotUniform", [10, 20]],
  ["glorotNormal", [256, 256]],
  ["heUniform", [3, 3, 8, 16]],
  [{ name: "heNormal", inAxis: 1, outAxis: 0 }, [32, 16, 3, 3]],
  ["lecunUniform", [30, 5]],
  [{ name: "lecun_normal", gain: 0.5 }, [2, 3, 4]],
  ["orthogonal", [20, 7]],
  [{ name: "orthogonal", gain: 3 }, [7, 20]],
  ["orthogonal", [3, 3, 4, 8]],
  ["orthogonal", [1, 1]],
  ["orthogonal", [0, 5]],
  ["identity", [3, 5]],
  [{ name: "identity", gain: -2 }, [4, 4]],
  ["dirac", [3, 4, 4]],
  [{ name: "dirac", groups: 2, gain: 3 }, [3, 3, 4, 8]],
  ["deltaOrthogonal", [3, 3, 4, 8]],
  [{ name: "deltaOrthogonal", gain: 0.5 }, [5, 2, 2]],
  [{ name: "sparse", sparsity: 0.3 }, [10, 4]],
  [{ name: "sparse", sparsity: 0.25, stddev: 1 }, [7, 3]],
  ["binomial", [10]],
  [{ name: "bernoulli", probability: 0.2, dtype: "bool" }, [5, 5]],
];

leakFreeTest("the expected density is the one each initializer records", () => {
  const covered = new Set<string>();
  for (const [config, shape] of CASES) {
    const t = I.getInitializer(config)(shape, { seed: 1 });
    const record = I.initRecordOf(t)!;
    t.dispose();
    const law = expectedLaw(config, shape, "test");
    const what = `${JSON.stringify(config)} ${JSON.stringify(shape)}`;
    assertEquals(law.density, record.density, what);
    assertEquals(law.name, record.name, what);
    assertEquals(law.shape, record.shape, what);
    assertEquals(law.dtype, record.dtype, what);
    covered.add(law.name);
  }
  assertEquals([...covered].sort(), [...I.INITIALIZER_NAMES].sort());
});

leakFreeTest(
  "what the initializer refuses, the expected law refuses with the same error",
  () => {
    const refused: [Config, number[]][] = [
      ["glorotNormal", [5]],
      [{ name: "randomNormal", stddev: -1 }, [3]],
      [{ name: "randomUniform", minval: 1, maxval: 0 }, [3]],
      [{ name: "truncatedNormal", lower: 2, upper: 1 }, [3]],
      [{ name: "varianceScaling", mode: "fan_sideways" }, [3, 3]],
      [{ name: "heNormal", scale: 3 }, [3, 3]],
      [{ name: "sparse" }, [3, 3]],
      [{ name: "sparse", sparsity: 0.5 }, [3, 3, 3]],
      [{ name: "dirac", groups: 3 }, [3, 4, 4]],
      ["deltaOrthogonal", [3, 8, 4]],
      ["identity", [2, 2, 2]],
      [{ name: "binomial", probability: 2 }, [3]],
      [{ name: "constant" }, [3]],
      [{ name: "constant", value: 0.5, dtype: "int32" }, [3]],
      [{ name: "orthogonal", gain: -1 }, [3, 3]],
      [{ name: "zeros", dtype: "float64" }, [3]],
      [{ name: "randomNormal", dtype: "int32" }, [3]],
      ["randomNormal", [-1]],
    ];
    for (const [config, shape] of refused) {
      const fromInit = assertThrows(() =>
        I.getInitializer(config)(shape, { seed: 1 })
      ) as Error;
      const fromLaw = assertThrows(() =>
        expectedLaw(config, shape, "test")
      ) as Error;
      const what = `${JSON.stringify(config)} ${JSON.stringify(shape)}`;
      assertEquals(fromLaw.constructor, fromInit.constructor, what);
      assertEquals(fromLaw.message, fromInit.message, what);
    }
  },
);

leakFreeTest(
  "working out the law draws nothing: the global stream is where it was",
  async () => {
    setSeed(42);
    const a = I.glorotNormal([4, 4]);
    setSeed(42);
    expectedLaw("glorotNormal", [256, 256], "test");
    expectedLaw("orthogonal", [512, 512], "test");
    const b = I.glorotNormal([4, 4]);
    assertEquals(await a.data(), await b.data());
    tf.dispose([a, b]);
  },
);
