/**
 * `assertNoTensorLeak`: does a function leave tensors behind?
 *
 * @module
 */
import { AssertionError } from "@std/assert";
import { tf } from "../tf.ts";
import { typeError } from "../validate.ts";
import { bytes } from "./_format.ts";

const FN = "assertNoTensorLeak";

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return value !== null &&
    (typeof value === "object" || typeof value === "function") &&
    typeof (value as { then?: unknown }).then === "function";
}

type MemoryInfo = ReturnType<typeof tf.memory>;

function check(before: MemoryInfo, after: MemoryInfo): void {
  const leaked = after.numTensors - before.numTensors;
  if (leaked > 0) {
    throw new AssertionError(
      `${leaked} tensor${leaked === 1 ? "" : "s"} leaked (${
        bytes(after.numBytes - before.numBytes)
      }): tf.memory().numTensors was ${before.numTensors} before and ${after.numTensors} after`,
    );
  }
}

/**
 * Asserts that `fn` leaves no tensor behind: `tf.memory().numTensors` after
 * it returns (or after its Promise settles) is not above the count before.
 * Tensors `fn` disposes that existed before it make the count lower, which
 * is not a leak.
 *
 * A synchronous `fn` is checked synchronously and nothing is returned; for
 * an `fn` that returns a Promise, a Promise is returned that resolves after
 * the check (await it). If `fn` throws or its Promise rejects, that error is
 * rethrown as it is and nothing is checked.
 *
 * The count is the whole tfjs engine's, so other work running at the same
 * time (another test awaiting in the same file, a timer) is counted too.
 *
 * @param fn The code to check: sync or async.
 * @throws {AssertionError} When tensors leaked: how many, their bytes, and
 * the counts before and after.
 * @throws {TypeError} When `fn` is not a function.
 *
 * @example
 * ```ts
 * import { tf } from "../../mod.ts";
 * import { assertNoTensorLeak } from "../../testing.ts";
 * import { AssertionError, assertRejects, assertThrows } from "@std/assert";
 *
 * assertNoTensorLeak(() => tf.tidy(() => tf.ones([2, 2]).add(1)).dispose());
 * let kept: tf.Tensor | undefined;
 * assertThrows(() => assertNoTensorLeak(() => { kept = tf.ones([2, 2]); }), AssertionError, "1 tensor leaked (16 B)");
 * await assertRejects(
 *   () => assertNoTensorLeak(async () => { await tf.nextFrame(); tf.scalar(1); }),
 *   AssertionError,
 *   "1 tensor leaked",
 * );
 * kept!.dispose();
 * ```
 */
export function assertNoTensorLeak(fn: () => Promise<unknown>): Promise<void>;
/**
 * Asserts that a synchronous `fn` leaves no tensor behind (see the
 * asynchronous form).
 *
 * @param fn The code to check.
 * @throws {AssertionError} When tensors leaked.
 */
export function assertNoTensorLeak(fn: () => unknown): void;
export function assertNoTensorLeak(
  fn: () => unknown,
): void | Promise<void> {
  if (typeof fn !== "function") {
    throw typeError(FN, "fn", "a function", fn);
  }
  const before = tf.memory();
  const result = fn();
  if (isThenable(result)) {
    return Promise.resolve(result).then(() => check(before, tf.memory()));
  }
  check(before, tf.memory());
}
