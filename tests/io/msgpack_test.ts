/**
 * Flax msgpack checkpoints, laid out as flax.serialization.to_bytes writes
 * them by the msgpack package (tests/io/fixtures/msgpack/
 * make_msgpack_fixtures.py), load to numpy's values, bit for bit: arrays,
 * numpy scalars, bfloat16, a chunked array; readRows agrees with read; bad
 * files are refused by name.
 */
import { assertEquals, assertRejects, assertStringIncludes } from "@std/assert";
import { join } from "node:path";
import { loadWeights } from "../../lib/io/load_weights.ts";
import { withTempDir } from "../_scoped.ts";
import {
  checkLoads,
  checkRowsMatchRead,
  readExpectedTensors,
} from "./_fixture_checks.ts";

const FIXTURES = join(import.meta.dirname!, "fixtures", "msgpack");
const formatOf = () => "flax-msgpack";

Deno.test("Flax msgpack checkpoints (arrays, a numpy scalar, bfloat16, a chunked array) load to numpy's values, bit for bit", async () => {
  const expected = await readExpectedTensors(FIXTURES);
  assertEquals(Object.keys(expected).sort(), [
    "chunked.msgpack",
    "flax_model.msgpack",
  ]);
  await checkLoads(FIXTURES, expected, formatOf);
});

Deno.test("Flax msgpack: readRows gives the rows of read, across a chunked array's chunks", async () => {
  for (const file of ["flax_model.msgpack", "chunked.msgpack"]) {
    await checkRowsMatchRead(join(FIXTURES, file));
  }
});

Deno.test({
  name:
    "Flax msgpack files made afresh by the generator are the committed ones, byte for byte",
  ignore: !(await new Deno.Command("/usr/bin/python3", {
    args: ["-c", "import msgpack, numpy"],
    stderr: "null",
  }).output().then((o) => o.success, () => false)),
  fn: () =>
    withTempDir(async (dir) => {
      const out = await new Deno.Command("/usr/bin/python3", {
        args: [join(FIXTURES, "make_msgpack_fixtures.py"), dir],
      }).output();
      assertEquals(out.code, 0, new TextDecoder().decode(out.stderr));
      for (const file of ["flax_model.msgpack", "chunked.msgpack"]) {
        assertEquals(
          await Deno.readFile(join(dir, file)),
          await Deno.readFile(join(FIXTURES, file)),
          file,
        );
      }
      assertEquals(
        await readExpectedTensors(dir),
        await readExpectedTensors(FIXTURES),
      );
    }),
});

Deno.test("Flax msgpack: a cut file, a complex array and an unknown dtype are refused by name", async () => {
  await withTempDir(async (dir) => {
    const good = await Deno.readFile(join(FIXTURES, "flax_model.msgpack"));
    // {"w": ExtType(2, …)}: a complex number.
    const complex = Uint8Array.of(0x81, 0xa1, 0x77, 0xd4, 0x02, 0x00);
    // {"w": ExtType(1, ([1], "complex64", 8 bytes))}.
    const payload = [
      0x93,
      0x91,
      0x01,
      0xa9,
      ...new TextEncoder().encode("complex64"),
      0xc4,
      0x08,
      0,
      0,
      0,
      0,
      0,
      0,
      0,
      0,
    ];
    const unknown = Uint8Array.of(
      0x81,
      0xa1,
      0x77,
      0xc7,
      payload.length,
      0x01,
      ...payload,
    );
    const cases: [string, Uint8Array, string][] = [
      ["cut.msgpack", good.subarray(0, good.length - 10), "it is not msgpack"],
      ["complex.msgpack", complex, "it holds a complex number"],
      [
        "unknown.msgpack",
        unknown,
        `an array's dtype "complex64" is not one tfjs can hold`,
      ],
    ];
    for (const [name, bytes, message] of cases) {
      const path = join(dir, name);
      await Deno.writeFile(path, bytes);
      const error = await assertRejects(() => loadWeights(path), Error);
      assertStringIncludes(error.message, `${path}: ${message}`);
    }
  });
});
