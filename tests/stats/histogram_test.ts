import {
  assertAlmostEquals,
  assertEquals,
  assertRejects,
  assertThrows,
} from "@std/assert";
import { histogramSync } from "../../lib/stats/histogram.ts";
import { histogram } from "../../lib/read/histogram.ts";
import { Parameter } from "../../lib/nn/parameter.ts";
import { tf } from "../../lib/tf.ts";
import { spyReads } from "../_reads.ts";

Deno.test("histogram counts every element: binned + outside + NaN + ±Inf = size", () => {
  const values = new Float64Array(10007);
  for (let i = 0; i < values.length; i++) values[i] = Math.sin(i * 12.9898) * 3;
  values[5] = NaN;
  values[6] = Infinity;
  values[7] = -Infinity;
  values[8] = 100; // outside the range below
  const h = histogramSync(values, { bins: 37, range: [-3, 3] });
  const binned = h.counts.reduce((a, b) => a + b, 0);
  assertEquals(binned + h.outside + h.nan + h.posInf + h.negInf, h.size);
  assertEquals([h.nan, h.posInf, h.negInf, h.outside], [1, 1, 1, 1]);
  assertEquals(h.edges.length, 38);
});

Deno.test("values on the edges go to the right bins; the max goes to the last bin", () => {
  const h = histogramSync(new Float64Array([0, 0.25, 0.5, 0.75, 1]), {
    bins: 4,
  });
  assertEquals(Array.from(h.counts), [1, 1, 1, 2]);
  const t = histogramSync(new Float64Array([0, 1, 2, 3, 10]), {
    thresholds: [0, 1, 5, 10],
  });
  assertEquals(Array.from(t.counts), [1, 3, 1]);
});

Deno.test("moments are the finite values' mean and population std, in Float64", () => {
  const h = histogramSync(new Float64Array([1, 2, 3, 4, NaN]));
  assertAlmostEquals(h.mean, 2.5);
  assertAlmostEquals(h.std, Math.sqrt(1.25));
  assertEquals([h.min, h.max], [1, 4]);
});

Deno.test("histogram reads a tensor and a Parameter of any shape", async () => {
  const t = tf.tensor2d([[1, 2], [3, 4]]);
  const p = new Parameter(tf.tensor3d([[[1, 2]], [[3, 4]]]));
  try {
    assertEquals(Array.from((await histogram(t, { bins: 2 })).counts), [2, 2]);
    const h = await histogram(p, { bins: 2 });
    assertEquals(Array.from(h.counts), [2, 2]);
    assertEquals(h.size, 4);
    const host = await histogram(new Float64Array([1, 2, 3, 4]), { bins: 2 });
    assertEquals(
      host,
      histogramSync(new Float64Array([1, 2, 3, 4]), { bins: 2 }),
    );
  } finally {
    t.dispose();
    p.dispose();
  }
});

Deno.test("bad input: empty, bad bins, range and thresholds", () => {
  assertThrows(
    () => histogramSync(new Float64Array(0)),
    RangeError,
    "histogramSync: x must be non-empty, received a Float64Array of length 0",
  );
  assertThrows(
    () => histogramSync(new Float64Array([1]), { bins: 0 }),
    RangeError,
    "histogramSync: options.bins must be a positive integer, received 0",
  );
  assertThrows(
    () => histogramSync(new Float64Array([1]), { range: [1, 0] }),
    RangeError,
    "histogramSync: options.range must be two finite numbers [low, high] with low < high, received [1, 0]",
  );
  assertThrows(
    () => histogramSync(new Float64Array([1]), { thresholds: [0, 0] }),
    RangeError,
    "histogramSync: options.thresholds must be at least two finite, strictly increasing edges, received [0, 0]",
  );
  assertThrows(
    () => histogramSync("x" as never),
    TypeError,
    'histogramSync: x must be host data ({ values, shape } or a Float32Array/Float64Array), received "x"',
  );
});

Deno.test("all-NaN input still reports", () => {
  const h = histogramSync(new Float64Array([NaN, NaN]));
  assertEquals(h.nan, 2);
  assertEquals(h.counts.reduce((a, b) => a + b, 0), 0);
});

Deno.test("histogram reads the tensor once, asynchronously, and never synchronously", async () => {
  const t = tf.tensor1d([1, 2, 3, 4]);
  const spy = spyReads(t);
  try {
    await histogram(t, { bins: 2 });
    assertEquals(spy.data, [1]);
    await histogram(t, { bins: 3 });
    assertEquals(spy.data, [2], "one read per call");
    assertEquals(spy.sync, 0, "no dataSync or arraySync");
  } finally {
    spy.restore();
    t.dispose();
  }
});

Deno.test("histogram's errors are rejections", async () => {
  await assertRejects(
    () => histogram(new Float64Array(0)),
    RangeError,
    "empty",
  );
  await assertRejects(
    () => histogram(new Float64Array([1]), { bins: 0 }),
    RangeError,
    "bins",
  );
  await assertRejects(() => histogram("x" as never), TypeError, "histogram");
});
