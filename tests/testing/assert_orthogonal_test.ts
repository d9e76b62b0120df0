/**
 * `assertOrthogonal`: our orthogonal initializer passes at every shape (its
 * error stays below the float32 rounding bound 2u that the default
 * tolerance is chosen from); a random matrix, a scale error of 1% and a
 * wrong gain fail with the error, the tolerance and the worst entry.
 *
 * @module
 */
import {
  AssertionError,
  assertLess,
  assertRejects,
  assertStringIncludes,
} from "@std/assert";
import { initializers as I, tf } from "../../mod.ts";
import { assertOrthogonal, ORTHOGONAL_TOL } from "../../testing.ts";
import { gramDeviation } from "../../lib/linalg/gram_deviation.ts";
import { leakFreeTest, messageOf, numberAfter } from "./_helpers.ts";

/** Rounding an exactly orthogonal matrix to float32 moves WᵀW by at most 2u(1 + u). */
const ROUNDING_BOUND = 2 ** -23 * (1 + 2 ** -24);

leakFreeTest(
  "our orthogonal passes: tall, wide, square, conv kernels, gains",
  async () => {
    for (
      const [shape, gain] of [
        [[512, 256], 1],
        [[256, 512], 1],
        [[4096, 64], 1],
        [[64, 64], 2],
        [[3, 3, 16, 32], 1],
        [[3, 3, 16, 256], 0.5],
        [[1, 1], 1],
      ] as const
    ) {
      const q = I.orthogonal([...shape], { seed: 7, gain });
      await assertOrthogonal(q, { gain });
      const cols = shape[shape.length - 1];
      const values = await q.data() as Float32Array;
      const error = gramDeviation(values, values.length / cols, cols, gain).max;
      assertLess(error, ROUNDING_BOUND, `${shape}: ${error}`);
      assertLess(ROUNDING_BOUND * 50, ORTHOGONAL_TOL);
      q.dispose();
    }
  },
);

leakFreeTest("a random matrix fails", async () => {
  const w = I.randomNormal([64, 32], { stddev: 1 / 8, seed: 1 });
  const message = await messageOf(() => assertOrthogonal(w));
  w.dispose();
  assertStringIncludes(message, "not orthogonal: max |WᵀW − I| = ");
  assertStringIncludes(message, "> tol 1e-5; worst at WᵀW[");
  assertStringIncludes(message, "a 64 × 32 matrix, its columns compared");
});

leakFreeTest(
  "orthogonal times 1.01 fails by 2.01e-2, at a diagonal entry; passes with gain 1.01",
  async () => {
    for (const shape of [[128, 64], [64, 128]]) {
      const q = I.orthogonal(shape, { seed: 3 });
      const scaled = tf.tidy(() => q.mul(1.01));
      const message = await messageOf(() => assertOrthogonal(scaled));
      const error = numberAfter(message, "− I| = ");
      assertLess(Math.abs(error - 0.0201), 1e-6, message);
      const gram = shape[0] >= shape[1] ? "WᵀW" : "WWᵀ";
      assertStringIncludes(message, `worst at ${gram}[`);
      const [i, j] = /\[(\d+), (\d+)\] = /.exec(message)!.slice(1).map(Number);
      assertLess(Math.abs(i - j), 1, message); // on the diagonal
      await assertOrthogonal(scaled, { gain: 1.01 });
      await assertOrthogonal(scaled, { tol: 0.03 });
      tf.dispose([q, scaled]);
    }
  },
);

leakFreeTest(
  "a wrong gain fails, and the message says which gain",
  async () => {
    const q = I.orthogonal([3, 3, 8, 16], { seed: 2, gain: 2 });
    await assertRejects(
      () => assertOrthogonal(q, { gain: 1.5 }),
      AssertionError,
      "not orthogonal with gain 1.5: max |WᵀW/gain² − I| = ",
    );
    await assertRejects(
      () => assertOrthogonal(q),
      AssertionError,
      "shape [3, 3, 8, 16] read as a 72 × 16 matrix, its columns compared",
    );
    q.dispose();
  },
);

leakFreeTest("NaN fails; host values are read too", async () => {
  await assertRejects(
    () => assertOrthogonal({ values: [1, 0, 0, NaN], shape: [2, 2] }),
    AssertionError,
    "= NaN",
  );
  await assertOrthogonal({ values: [0.6, -0.8, 0.8, 0.6], shape: [2, 2] });
});

leakFreeTest("bad arguments name the argument and the value", async () => {
  const q = I.orthogonal([4, 4], { seed: 0 });
  const vector = tf.ones([4]);
  const empty = tf.zeros([0, 3]);
  /** Each call of assertOrthogonal(x, options) rejects with `error` and its message. */
  const rejectAll = async (
    error: typeof RangeError,
    cases: [x: tf.Tensor, options: object, message: string][],
  ) => {
    for (const [x, options, message] of cases) {
      await assertRejects(
        () => assertOrthogonal(x, options),
        error,
        `assertOrthogonal: ${message}`,
      );
    }
  };
  await rejectAll(RangeError, [
    [vector, {}, "x.shape must be of rank >= 2, received [4]"],
    [empty, {}, "x.shape must be a non-empty shape, received [0, 3]"],
    [q, { tol: -1 }, "options.tol must be a finite number >= 0, received -1"],
    [q, { gain: 0 }, "options.gain must be a finite number > 0, received 0"],
  ]);
  await rejectAll(TypeError, [
    [
      q,
      { gain: "2" },
      'options.gain must be a finite number > 0, received "2"',
    ],
    [
      q,
      { tolerance: 1 },
      'each key of options must be one of "gain", "tol", received "tolerance"',
    ],
  ]);
  tf.dispose([q, vector, empty]);
});
