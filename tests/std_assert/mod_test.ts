import {
  assert,
  assertAlmostEquals,
  assertArrayIncludes,
  assertEquals,
  assertExists,
  assertFalse,
  assertGreater,
  assertGreaterOrEqual,
  assertInstanceOf,
  AssertionError,
  assertLess,
  assertLessOrEqual,
  assertMatch,
  assertNotEquals,
  assertNotStrictEquals,
  assertRejects,
  assertStrictEquals,
  assertStringIncludes,
  assertThrows,
  fail,
  unreachable,
} from "@std/assert";

/** Asserts that `fn` fails with our AssertionError (not a stray TypeError). */
function fails(fn: () => unknown, includes = ""): void {
  let error: unknown;
  try {
    fn();
  } catch (e) {
    error = e;
  }
  if (!(error instanceof AssertionError)) {
    throw new Error(`expected an AssertionError, got ${error}`);
  }
  if (!error.message.includes(includes)) {
    throw new Error(
      `message ${JSON.stringify(error.message)} lacks ${includes}`,
    );
  }
}

Deno.test("assert and assertFalse", () => {
  assert(1);
  assertFalse(0);
  fails(() => assert(0, "custom"), "custom");
  fails(() => assertFalse("x"));
});

Deno.test("assertEquals compares deeply, typed arrays and Maps included", () => {
  assertEquals({ a: [1, { b: 2 }] }, { a: [1, { b: 2 }] });
  assertEquals(new Float32Array([1, 2]), new Float32Array([1, 2]));
  assertEquals(new Map([["k", 1]]), new Map([["k", 1]]));
  fails(() => assertEquals([1, 2], [1, 3]));
  fails(() =>
    assertEquals<unknown>(new Float32Array([1]), new Float64Array([1]))
  );
  fails(() => assertEquals(1, 2, "named"), "named");
  assertNotEquals([1], [2]);
  fails(() => assertNotEquals([1], [1]));
});

Deno.test("assertStrictEquals uses Object.is", () => {
  const o = {};
  assertStrictEquals(o, o);
  assertStrictEquals(NaN, NaN);
  fails(() => assertStrictEquals({}, {}));
  assertNotStrictEquals({}, {});
  fails(() => assertNotStrictEquals(o, o));
});

Deno.test("assertAlmostEquals: default tolerance is relative 1e-7", () => {
  assertAlmostEquals(1e10 + 1, 1e10);
  assertAlmostEquals(0.1 + 0.2, 0.3);
  assertAlmostEquals(NaN, NaN);
  assertAlmostEquals(Infinity, Infinity);
  fails(() => assertAlmostEquals(Infinity, -Infinity));
  fails(() => assertAlmostEquals(1.001, 1), "to be close to");
  assertAlmostEquals(1.001, 1, 1e-2);
  fails(() => assertAlmostEquals(1, 0));
});

Deno.test("ordering assertions", () => {
  assertGreater(2, 1);
  assertGreaterOrEqual(2, 2);
  assertLess(1, 2);
  assertLessOrEqual(2, 2);
  fails(() => assertGreater(1, 1));
  fails(() => assertGreaterOrEqual(1, 2));
  fails(() => assertLess(2, 2));
  fails(() => assertLessOrEqual(3, 2));
});

Deno.test("existence, instances, strings and arrays", () => {
  assertExists(0);
  fails(() => assertExists(null));
  fails(() => assertExists(undefined));
  assertInstanceOf(new RangeError("x"), Error);
  fails(() => assertInstanceOf({}, Map), '"Map"');
  assertStringIncludes("hello", "ell");
  fails(() => assertStringIncludes("hello", "z"));
  assertMatch("abc", /b/);
  fails(() => assertMatch("abc", /z/));
  assertArrayIncludes([1, [2], { a: 3 }], [[2], { a: 3 }]);
  fails(() => assertArrayIncludes([1, 2], [3]), "missing");
});

Deno.test("assertThrows checks the class and the message, and returns the error", () => {
  const e = assertThrows(
    () => {
      throw new RangeError("bad shape");
    },
    RangeError,
    "shape",
  );
  assertEquals(e.message, "bad shape");
  assertThrows(() => {
    throw new Error("x");
  });
  fails(() => assertThrows(() => {}), "Expected function to throw");
  fails(
    () =>
      assertThrows(() => {
        throw new TypeError("x");
      }, RangeError),
    '"RangeError"',
  );
  fails(
    () =>
      assertThrows(
        () => {
          throw new RangeError("abc");
        },
        RangeError,
        "xyz",
      ),
    "xyz",
  );
});

Deno.test("assertRejects checks async failures", async () => {
  const e = await assertRejects(
    () => Promise.reject(new TypeError("nope")),
    TypeError,
    "nope",
  );
  assertEquals(e.message, "nope");
  let caught: unknown;
  try {
    await assertRejects(() => Promise.resolve(1));
  } catch (error) {
    caught = error;
  }
  assertInstanceOf(caught, AssertionError);
  try {
    await assertRejects(() => Promise.reject(new Error("x")), TypeError);
    caught = undefined;
  } catch (error) {
    caught = error;
  }
  assertInstanceOf(caught, AssertionError);
});

Deno.test("fail and unreachable always throw", () => {
  fails(() => fail("because"), "because");
  fails(() => unreachable());
});
