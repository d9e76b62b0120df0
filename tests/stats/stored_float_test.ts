/**
 * The low-precision float formats (lib/stats/stored_float.ts): the spacing
 * of their numbers, checked against rounding to each format.
 */
import { assertEquals } from "@std/assert";
import {
  STORED_FLOATS,
  storedFloatSpacing,
  unitRoundoff,
} from "../../lib/stats/stored_float.ts";
import { ROUNDINGS } from "./_spectra.ts";
import { uniform } from "../../lib/random/distributions.ts";
import { nextDraw } from "../../lib/random/stream.ts";

Deno.test("storedFloatSpacing is the gap from each number of the format to the next, normal and subnormal", () => {
  assertEquals(ROUNDINGS.map(([f]) => f), [...STORED_FLOATS]);
  const u = uniform(2000, nextDraw(17), 0, new Float64Array(2000));
  for (const [format, round] of ROUNDINGS) {
    for (let i = 0; i < u.length; i++) {
      // Magnitudes from the subnormal range to 64 (the 8-bit floats' range
      // reaches 448), at random; the value rounded onto the format.
      const v = round(2 ** (-20 + 26 * u[i]));
      const s = storedFloatSpacing(format, v);
      const where = `${format} at ${v}`;
      assertEquals(round(v + s), v + s, `${where}: v + s is a number of it`);
      const mid = round(v + s / 2);
      assertEquals(mid === v || mid === v + s, true, `${where}: none between`);
      assertEquals(storedFloatSpacing(format, -v), s, `${where}: by magnitude`);
    }
    // Below the smallest normal number the spacing is constant: 2u times it.
    assertEquals(
      storedFloatSpacing(format, 0),
      storedFloatSpacing(format, Number.MIN_VALUE),
    );
    assertEquals(storedFloatSpacing(format, 1), 2 * unitRoundoff(format));
  }
});
