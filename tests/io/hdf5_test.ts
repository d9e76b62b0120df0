/**
 * Keras weights in HDF5 (Keras 2 `.h5`, Keras 3 `.weights.h5` and `.keras`),
 * laid out as Keras writes them by h5py
 * (tests/io/fixtures/hdf5/make_hdf5_fixtures.py), load to h5py's values, bit
 * for bit; readRows agrees with read; unreadable files are refused by name.
 */
import { assertEquals, assertRejects, assertStringIncludes } from "@std/assert";
import { join } from "node:path";
import { tf } from "../../mod.ts";
import { loadWeights, openWeights } from "../../lib/io/load_weights.ts";
import { withTempDir } from "../_scoped.ts";
import {
  checkLoads,
  checkRowsMatchRead,
  readExpectedTensors,
} from "./_fixture_checks.ts";
import { zipArchive } from "./_torch_helpers.ts";

const FIXTURES = join(import.meta.dirname!, "fixtures", "hdf5");
const formatOf = (file: string) => file.endsWith(".keras") ? "keras" : "hdf5";

Deno.test("Keras HDF5 files (Keras 2 .h5 with a gzip-chunked kernel; Keras 3 .weights.h5 and .keras; float16, big-endian, small ints) load to h5py's values, bit for bit", async () => {
  const expected = await readExpectedTensors(FIXTURES);
  assertEquals(Object.keys(expected).sort(), [
    "keras2.h5",
    "model.keras",
    "model.weights.h5",
    "types.h5",
  ]);
  await checkLoads(FIXTURES, expected, formatOf);
});

Deno.test("HDF5: readRows gives the rows of read (a matrix by row ranges, a conv kernel whole)", async () => {
  for (const file of ["keras2.h5", "model.keras", "types.h5"]) {
    await checkRowsMatchRead(join(FIXTURES, file));
  }
});

Deno.test({
  name:
    "HDF5 files made afresh by h5py load to its values (HDF5 stamps times, so bytes are not compared)",
  ignore: !(await new Deno.Command("/usr/bin/python3", {
    args: ["-c", "import h5py"],
    stderr: "null",
  }).output().then((o) => o.success, () => false)),
  fn: () =>
    withTempDir(async (dir) => {
      const out = await new Deno.Command("/usr/bin/python3", {
        args: [join(FIXTURES, "make_hdf5_fixtures.py"), dir],
      }).output();
      assertEquals(out.code, 0, new TextDecoder().decode(out.stderr));
      const fresh = await readExpectedTensors(dir);
      assertEquals(fresh, await readExpectedTensors(FIXTURES));
      await checkLoads(dir, fresh, formatOf);
    }),
});

Deno.test("HDF5: a .keras archive's temporary copy is removed on close and on error; bad files are refused by name", async () => {
  await withTempDir(async (dir) => {
    const temps = () =>
      [...Deno.readDirSync(Deno.env.get("TMPDIR") ?? "/tmp")]
        .filter((e) => e.name.endsWith(".weights.h5")).length;
    const before = temps();
    const file = await openWeights(join(FIXTURES, "model.keras"));
    assertEquals(temps(), before + 1);
    file.close();
    assertEquals(temps(), before);

    const start = tf.memory().numTensors;
    const good = await Deno.readFile(join(FIXTURES, "keras2.h5"));
    const cases: [string, Uint8Array, string][] = [
      [
        "cut.h5",
        good.subarray(0, 2048),
        "h5wasm cannot open it as HDF5: truncated file: eof = 2048",
      ],
      [
        "broken.keras",
        zipArchive([{ name: "model.weights.h5", data: good.subarray(0, 100) }]),
        "h5wasm cannot open it as HDF5",
      ],
    ];
    for (const [name, bytes, message] of cases) {
      const path = join(dir, name);
      await Deno.writeFile(path, bytes);
      const error = await assertRejects(() => loadWeights(path), Error);
      assertStringIncludes(error.message, `${path}: ${message}`);
    }
    assertEquals(temps(), before);
    assertEquals(tf.memory().numTensors, start);
  });
});
