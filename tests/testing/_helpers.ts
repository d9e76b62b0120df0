/**
 * Shared by the tests of `testing.ts`: a test that also checks it leaves
 * the tfjs engine's tensor count as it found it.
 *
 * @module
 */
import { assertEquals } from "@std/assert";
import { tf } from "../../mod.ts";

/** `Deno.test`, with `tf.memory().numTensors` unchanged at the end. */
export function leakFreeTest(
  name: string,
  fn: () => void | Promise<void>,
): void {
  Deno.test(name, async () => {
    const before = tf.memory().numTensors;
    await fn();
    assertEquals(tf.memory().numTensors, before, "tensors left behind");
  });
}

/** The message of an AssertionError (or any error) `fn` rejects with. */
export async function messageOf(fn: () => Promise<unknown>): Promise<string> {
  try {
    await fn();
  } catch (error) {
    return (error as Error).message;
  }
  throw new Error("expected a rejection");
}

/** The number after `label` in a message: `KS D = 0.0323` → 0.0323. */
export function numberAfter(message: string, label: string): number {
  const at = message.indexOf(label);
  if (at < 0) throw new Error(`"${label}" not in: ${message}`);
  const match = /^-?[0-9.]+(e-?[0-9]+)?/.exec(message.slice(at + label.length));
  if (match === null) {
    throw new Error(`no number after "${label}" in: ${message}`);
  }
  return Number(match[0]);
}
