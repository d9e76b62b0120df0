/**
 * `assertNoTensorLeak`: sync functions are checked synchronously, async ones
 * through the returned Promise; a leak reports its count, bytes and the
 * counts before and after; an error thrown by the function is rethrown as it
 * is.
 *
 * @module
 */
import {
  assert,
  assertEquals,
  AssertionError,
  assertRejects,
  assertStrictEquals,
  assertThrows,
} from "@std/assert";
import { tf } from "../../mod.ts";
import { assertNoTensorLeak } from "../../testing.ts";
import { leakFreeTest } from "./_helpers.ts";

leakFreeTest(
  "sync: passes without a leak, synchronously, returning nothing",
  () => {
    const result = assertNoTensorLeak(() => {
      tf.tidy(() => tf.ones([3, 3]).matMul(tf.ones([3, 3]))).dispose();
    });
    assertStrictEquals(result, undefined);
  },
);

leakFreeTest(
  "sync: a leak fails with the count, the bytes and the counts before and after",
  () => {
    let kept: tf.Tensor[] = [];
    const before = tf.memory().numTensors;
    const error = assertThrows(
      () =>
        assertNoTensorLeak(() => {
          kept = [tf.ones([4, 4]), tf.zeros([2], "int32")];
        }),
      AssertionError,
    );
    assertEquals(
      error.message,
      `2 tensors leaked (72 B): tf.memory().numTensors was ${before} before and ${
        before + 2
      } after`,
    );
    tf.dispose(kept);
  },
);

leakFreeTest(
  "async: returns a Promise; passes, or fails after the function settles",
  async () => {
    const ok = assertNoTensorLeak(async () => {
      const t = tf.ones([2]);
      await t.data();
      t.dispose();
    });
    assert(ok instanceof Promise);
    await ok;
    let kept: tf.Tensor | undefined;
    await assertRejects(
      () =>
        assertNoTensorLeak(async () => {
          await new Promise((resolve) => setTimeout(resolve, 1));
          kept = tf.ones([256, 256]);
        }),
      AssertionError,
      "1 tensor leaked (256 KiB): tf.memory().numTensors was",
    );
    kept!.dispose();
  },
);

leakFreeTest("sync: tf.tidy's returned tensor, kept, is a leak", () => {
  let kept: tf.Tensor | undefined;
  assertThrows(
    () =>
      assertNoTensorLeak(() => {
        kept = tf.tidy(() => tf.ones([3, 3]).matMul(tf.ones([3, 3])));
      }),
    AssertionError,
    "1 tensor leaked (36 B)",
  );
  kept!.dispose();
});

leakFreeTest("disposing tensors that existed before is not a leak", () => {
  const old = tf.ones([3]);
  assertNoTensorLeak(() => old.dispose());
});

leakFreeTest(
  "an error from the function is rethrown as it is, sync and async",
  async () => {
    const boom = new Error("boom");
    let kept: tf.Tensor | undefined;
    const sync = assertThrows(() =>
      assertNoTensorLeak(() => {
        kept = tf.ones([1]);
        throw boom;
      })
    );
    assertStrictEquals(sync, boom);
    kept!.dispose();
    const async = await assertRejects(() =>
      assertNoTensorLeak(async () => {
        await Promise.resolve();
        kept = tf.ones([1]);
        throw boom;
      })
    );
    assertStrictEquals(async, boom);
    kept!.dispose();
  },
);

Deno.test("not a function: TypeError naming it", () => {
  assertThrows(
    () => assertNoTensorLeak(42 as never),
    TypeError,
    "assertNoTensorLeak: fn must be a function, received 42",
  );
});
