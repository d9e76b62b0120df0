/**
 * numpy files: `.npy` (versions 1 and 2, C and Fortran order) and `.npz`
 * (stored and deflated) made by numpy itself
 * (tests/io/fixtures/numpy/make_numpy_fixtures.py) load to numpy's values,
 * bit for bit; arrays numpy would need pickle for, structured, complex or
 * big-endian arrays, cut files and bad archives are refused by name.
 */
import {
  assertEquals,
  assertInstanceOf,
  assertRejects,
  assertStringIncludes,
} from "@std/assert";
import { join } from "node:path";
import { tf } from "../../mod.ts";
import {
  loadWeights,
  UnsupportedFormatError,
} from "../../lib/io/load_weights.ts";
import { withTempDir } from "../_scoped.ts";
import { HAVE_NUMPY } from "../_python.ts";
import { descriptorTest, fdsUnder, runPython } from "./_helpers.ts";
import { zipArchive } from "./_torch_helpers.ts";
import {
  checkLoads,
  checkRowsMatchRead,
  readExpectedTensors,
} from "./_fixture_checks.ts";

const FIXTURES = join(import.meta.dirname!, "fixtures", "numpy");

const formatOf = (file: string) => file.endsWith(".npz") ? "npz" : "npy";

Deno.test("numpy files (.npy v1 and v2, C and Fortran order; .npz stored and deflated) load to numpy's values, bit for bit", async () => {
  const expected = await readExpectedTensors(FIXTURES);
  assertEquals(Object.keys(expected).sort(), [
    "compressed.npz",
    "fortran.npy",
    "layer.npy",
    "version2.npy",
    "weights.npz",
  ]);
  await checkLoads(FIXTURES, expected, formatOf);
});

Deno.test({
  name:
    "numpy files made afresh by the generator load to its values (np.savez stamps the time, so bytes are not compared)",
  ignore: !HAVE_NUMPY,
  fn: () =>
    withTempDir(async (dir) => {
      await runPython([join(FIXTURES, "make_numpy_fixtures.py"), dir]);
      const fresh = await readExpectedTensors(dir);
      assertEquals(fresh, await readExpectedTensors(FIXTURES));
      await checkLoads(dir, fresh, formatOf);
    }),
});

Deno.test("numpy: readRows gives the rows of read, for C and Fortran order, stored and deflated", async () => {
  for (const file of ["weights.npz", "compressed.npz", "fortran.npy"]) {
    await checkRowsMatchRead(join(FIXTURES, file));
  }
});

descriptorTest(
  "numpy files that cannot be read are refused by name; no tensor or descriptor is left",
  async (dir) => {
    const start = tf.memory().numTensors;
    const bad = join(FIXTURES, "bad");
    const layer = await Deno.readFile(join(FIXTURES, "layer.npy"));
    const npz = await Deno.readFile(join(FIXTURES, "compressed.npz"));
    // A deflated member whose data is corrupted past its header.
    const corrupt = npz.slice();
    for (let i = 70; i < 100; i++) corrupt[i] ^= 0x5a;
    // A stored member's local header moved past the end of the file.
    const moved = (await Deno.readFile(join(FIXTURES, "weights.npz"))).slice();
    const view = new DataView(moved.buffer);
    for (let i = moved.length - 22; i >= 0; i--) {
      if (view.getUint32(i, true) === 0x02014b50) {
        // The central record of the last member: its offset, or its zip64 field.
        view.setUint32(i + 42, 0xfffffff0, true);
        break;
      }
    }
    const cases: [string, Uint8Array, string, boolean?][] = [
      [
        "object.npy",
        await Deno.readFile(join(bad, "object.npy")),
        "it is an object array: its elements are pickled Python objects, which are not read",
      ],
      [
        "big_endian.npy",
        await Deno.readFile(join(bad, "big_endian.npy")),
        `it is big-endian (">f4"); only little-endian arrays are read`,
      ],
      [
        "structured.npy",
        await Deno.readFile(join(bad, "structured.npy")),
        "it is a structured array (fields), which is not read",
      ],
      [
        "complex.npy",
        await Deno.readFile(join(bad, "complex.npy")),
        `its dtype "<c8" is not one tfjs can hold`,
      ],
      [
        "cut.npy",
        layer.subarray(0, layer.length - 4),
        "its shape [6, 5] needs 120 bytes of data, but 116 follow the header",
      ],
      [
        "other.npz",
        zipArchive([{ name: "notes.txt", data: "hello" }]),
        `it is a zip archive with "notes.txt", neither a PyTorch checkpoint (data.pkl) nor a numpy .npz (.npy members only)`,
        true,
      ],
      ["corrupt.npz", corrupt, "does not inflate"],
      [
        "moved.npz",
        moved,
        "it is not a readable zip archive: the local header of",
      ],
    ];
    for (const [name, bytes, message, unsupported] of cases) {
      const path = join(dir, name);
      await Deno.writeFile(path, bytes);
      const error = await assertRejects(async () => {
        const weights = await loadWeights(path);
        tf.dispose([...weights.values()]);
      }, Error);
      assertStringIncludes(error.message, path, name);
      assertStringIncludes(error.message, message, name);
      if (unsupported) assertInstanceOf(error, UnsupportedFormatError);
      assertEquals(fdsUnder(dir), 0, name);
    }
    assertEquals(tf.memory().numTensors, start);
  },
);
