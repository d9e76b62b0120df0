/**
 * Checks shared by the tests of files written by an independent tool (Python's
 * pickle and zipfile, numpy): every fixture loads to the values the tool
 * computed, bit for bit, and `readRows` agrees with `read`.
 *
 * @module
 */
import { assertEquals } from "@std/assert";
import { join } from "node:path";
import { tf } from "../../mod.ts";
import { loadWeights, openWeights } from "../../lib/io/load_weights.ts";
import { bitsOf } from "./_helpers.ts";

/** One tensor as the independent tool computed it (a fixture's expected.json). */
export interface ExpectedTensor {
  name: string;
  shape: number[];
  storedDtype: string;
  dtype: "float32" | "int32" | "bool";
  /** float32 bit patterns, hex, for floats. */
  bits?: string;
  /** The values, for integers and bools. */
  values?: number[];
}

/** A fixture folder's expected.json, by file. */
export async function readExpectedTensors(
  dir: string,
): Promise<Record<string, ExpectedTensor[]>> {
  return JSON.parse(await Deno.readTextFile(join(dir, "expected.json")));
}

/**
 * Loads every file of `expected` from `dir` with `loadWeights` and checks
 * its format, names, shapes, dtypes and values (bit for bit), and that no
 * tensor is left.
 */
export async function checkLoads(
  dir: string,
  expected: Record<string, ExpectedTensor[]>,
  formatOf: (file: string) => string,
): Promise<void> {
  const start = tf.memory().numTensors;
  for (const [file, tensors] of Object.entries(expected)) {
    const weights = await loadWeights(join(dir, file));
    try {
      assertEquals(weights.format, formatOf(file), file);
      assertEquals([...weights.keys()], tensors.map((t) => t.name), file);
      for (const want of tensors) {
        const t = weights.get(want.name)!;
        assertEquals(
          [t.shape, t.dtype, weights.stored.get(want.name)!.storedDtype],
          [want.shape, want.dtype, want.storedDtype],
          `${file} ${want.name}`,
        );
        assertEquals(
          want.bits !== undefined
            ? await bitsOf(t)
            : Array.from(await t.data()),
          want.bits ?? want.values,
          `${file} ${want.name}`,
        );
      }
    } finally {
      tf.dispose([...weights.values()]);
    }
  }
  assertEquals(tf.memory().numTensors, start);
}

/**
 * Checks that `readRows` of every weight of the file gives the rows of
 * `read`: every row backwards, then the first again.
 */
export async function checkRowsMatchRead(path: string): Promise<void> {
  const opened = await openWeights(path);
  try {
    for (const weight of opened.weights) {
      const t = await opened.read(weight);
      const all = await t.data();
      t.dispose();
      const cols = weight.shape.at(-1) ?? 1;
      const count = weight.shape.length === 0 ? 1 : all.length / cols;
      const rows = [...Array(count).keys()].reverse().concat([0]);
      const want = new Float64Array(rows.length * cols);
      rows.forEach((r, i) =>
        want.set(
          Array.from(all.subarray(r * cols, (r + 1) * cols), Number),
          i * cols,
        )
      );
      assertEquals(
        await opened.readRows(weight, rows),
        want,
        `${path} ${weight.name}`,
      );
    }
  } finally {
    opened.close();
  }
}
