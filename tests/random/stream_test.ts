import {
  assert,
  assertEquals,
  assertNotEquals,
  assertStringIncludes,
  assertThrows,
} from "@std/assert";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { keyFromSeed, nextDraw, setSeed } from "../../lib/random/stream.ts";
import { standardNormal, uniform } from "../../lib/random/distributions.ts";
import { runSnippet } from "../_subprocess.ts";

const STREAM_URL = pathToFileURL(
  join(import.meta.dirname!, "../../lib/random/stream.ts"),
).href;
const DIST_URL = pathToFileURL(
  join(import.meta.dirname!, "../../lib/random/distributions.ts"),
).href;

Deno.test("keyFromSeed maps a seed to its low and high words", () => {
  assertEquals(keyFromSeed(0), { k0: 0, k1: 0 });
  assertEquals(keyFromSeed(1), { k0: 1, k1: 0 });
  assertEquals(keyFromSeed(2 ** 32 - 1), { k0: 2 ** 32 - 1, k1: 0 });
  assertEquals(keyFromSeed(2 ** 32 + 5), { k0: 5, k1: 1 });
  assertEquals(keyFromSeed(2 ** 53 - 1), { k0: 2 ** 32 - 1, k1: 2 ** 21 - 1 });
});

Deno.test("bad seeds throw, naming the argument and the value received", () => {
  const cases: [unknown, typeof RangeError, string][] = [
    [-1, RangeError, "-1"],
    [1.5, RangeError, "1.5"],
    [NaN, RangeError, "NaN"],
    [Infinity, RangeError, "Infinity"],
    [2 ** 53, RangeError, "9007199254740992"],
    [-0.5, RangeError, "-0.5"],
    ["5", TypeError, '"5"'],
    [5n, TypeError, "5n"],
    [null, TypeError, "null"],
    [{ seed: 1 }, TypeError, '{"seed":1}'],
    [true, TypeError, "true"],
  ];
  for (const [seed, errorClass, shown] of cases) {
    const error = assertThrows(
      () => keyFromSeed(seed as number),
      errorClass,
    ) as Error;
    assertStringIncludes(error.message, "seed");
    assertStringIncludes(error.message, `received ${shown}`);
  }
  assertThrows(() => keyFromSeed(-3, "initSeed"), RangeError, "initSeed");
  assertThrows(() => setSeed(-1), RangeError, "seed");
  assertThrows(() => nextDraw(0.25), RangeError, "received 0.25");
  // deno-lint-ignore no-explicit-any
  assertThrows(() => nextDraw(null as any), TypeError, "received null");
});

Deno.test("seed 0 is a real seed: reproducible, and different from seed 1", () => {
  const a = standardNormal(100, nextDraw(0));
  const b = standardNormal(100, nextDraw(0));
  const c = standardNormal(100, nextDraw(1));
  assertEquals(a, b);
  assertNotEquals(a, c);
  assert(a.some((v) => v !== 0));
});

Deno.test("setSeed: reproducible, each unseeded call gets the next sub-stream", () => {
  setSeed(2024);
  const d0 = nextDraw(), d1 = nextDraw(), d2 = nextDraw();
  assertEquals([d0.stream, d1.stream, d2.stream], [0, 1, 2]);
  assertEquals(d0.key, keyFromSeed(2024));
  setSeed(2024);
  const x0 = uniform(50, nextDraw()), x1 = uniform(50, nextDraw());
  setSeed(2024);
  assertEquals(uniform(50, nextDraw()), x0);
  assertEquals(uniform(50, nextDraw()), x1);
  assertNotEquals(x0, x1); // the stream advanced between calls
  // The first unseeded call after setSeed(s) equals the seeded call.
  setSeed(7);
  assertEquals(uniform(20, nextDraw()), uniform(20, nextDraw(7)));
});

Deno.test("a seeded call and a bad seed leave the global stream where it was", () => {
  setSeed(11);
  nextDraw();
  nextDraw(5); // seeded: does not advance
  assertThrows(() => nextDraw(-1), RangeError); // validated before advancing
  assertThrows(() => setSeed(1.5), RangeError); // leaves the key and counter
  assertEquals(nextDraw(), { key: keyFromSeed(11), stream: 1 });
});

Deno.test("without setSeed the global key is random per process; with it, fixed", async () => {
  const unseeded = `
import { nextDraw } from "${STREAM_URL}";
import { uniform } from "${DIST_URL}";
console.log(JSON.stringify(Array.from(uniform(4, nextDraw()))));`;
  const seeded = `
import { nextDraw, setSeed } from "${STREAM_URL}";
import { uniform } from "${DIST_URL}";
setSeed(31);
console.log(JSON.stringify(Array.from(uniform(4, nextDraw()))));`;
  const [a, b, c, d] = await Promise.all(
    [unseeded, unseeded, seeded, seeded].map((s) => runSnippet(s)),
  );
  for (const r of [a, b, c, d]) assertEquals(r.code, 0, r.stderr);
  assertNotEquals(a.stdout, b.stdout);
  assertEquals(c.stdout, d.stdout);
  setSeed(31);
  assertEquals(
    JSON.parse(c.stdout),
    Array.from(uniform(4, nextDraw())),
    "same values in another process",
  );
});
