/**
 * The house's one validator (lib/validate.ts): the message form
 * `fn: arg must be …, received …`, TypeError for a wrong kind of value and
 * RangeError for a bad value of the right kind, 0 accepted where it is a
 * value, and values shown by the one formatter (strings escaped and quoted
 * by JSON.stringify, so no value can forge or break a message).
 */
import {
  assert,
  assertEquals,
  assertInstanceOf,
  assertStrictEquals,
  assertThrows,
} from "@std/assert";
import {
  checkBoolean,
  checkBound,
  checkChoice,
  checkCount,
  checkFinite,
  checkInteger,
  checkNonEmptyString,
  checkNonNegative,
  checkNumber,
  checkOptions,
  checkOutput,
  checkPositive,
  checkProbability,
  checkRank,
  checkShape,
  checkUint32,
  checkValuesShape,
  disposedError,
  message,
  rangeError,
  show,
  typeError,
} from "../lib/validate.ts";

/** Asserts that `fn` throws exactly `Type` with exactly `text`. */
function throwsExactly(
  fn: () => unknown,
  Type: typeof TypeError | typeof RangeError,
  text: string,
): void {
  const error = assertThrows(fn) as Error;
  assertStrictEquals(error.constructor, Type, error.message);
  assertEquals(error.message, text);
}

Deno.test("show: one line for any value", () => {
  assertEquals(show("seed"), '"seed"');
  assertEquals(show(""), '""');
  assertEquals(show(0), "0");
  assertEquals(show(-0), "-0");
  assertEquals(show(NaN), "NaN");
  assertEquals(show(-Infinity), "-Infinity");
  assertEquals(show(5n), "5n");
  assertEquals(show(true), "true");
  assertEquals(show(null), "null");
  assertEquals(show(undefined), "undefined");
  assertEquals(show(Symbol("s")), "Symbol(s)");
  assertEquals(show(() => 1), "a function");
  assertEquals(show([2, -0, NaN, "x"]), '[2, -0, NaN, "x"]');
  assertEquals(show([[1, [2, [3]]]]), "[[1, an array of length 2]]");
  assertEquals(
    show(Array.from({ length: 20 }, (_, i) => i)),
    "[0, 1, 2, 3, 4, 5, 6, 7, … (20 items)]",
  );
  assertEquals(show(new Float32Array(3)), "a Float32Array of length 3");
  assertEquals(
    show(new DataView(new ArrayBuffer(4))),
    "a DataView of length 4",
  );
  assertEquals(show(new Map()), "a Map");
  assertEquals(show(new (class Tensor {})()), "a Tensor");
  assertEquals(show(Object.create(null)), "{}");
  assertEquals(show({ seed: 1 }), '{"seed":1}');
  assertEquals(
    show({ v: new Int32Array(2), n: 3n, f: () => 0, d: new Map() }),
    '{"v":"an Int32Array of length 2","n":"3n","f":"a function","d":"a Map"}',
  );
  const cycle: Record<string, unknown> = {};
  cycle.self = cycle;
  assertEquals(show(cycle), "[object Object]");
  const hostile = new Proxy({}, {
    getPrototypeOf() {
      throw new Error("no");
    },
  });
  assertEquals(show(hostile), "a value that cannot be shown");
});

Deno.test("show: hostile strings are escaped and quoted by JSON.stringify, and long ones cut short", () => {
  const hostile = 'a"\n\u001b[31mred\u0000\\, received 0';
  assertEquals(show(hostile), JSON.stringify(hostile));
  assertEquals(
    show(hostile),
    '"a\\"\\n\\u001b[31mred\\u0000\\\\, received 0"',
  );
  // The whole message stays on one line, the value inside its quotes.
  const text = message("f", "options.name", "a short name", hostile);
  assertEquals(text.split("\n").length, 1);
  assertEquals(
    text,
    `f: options.name must be a short name, received ${JSON.stringify(hostile)}`,
  );
  const long = "x".repeat(1000);
  assertEquals(show(long), JSON.stringify(`${"x".repeat(200)}…`));
  assertEquals(show({ k: long }).length, 201);
  assertEquals(show([hostile]), `[${JSON.stringify(hostile)}]`);
  assertEquals(show({ [hostile]: 1 }), `{${JSON.stringify(hostile)}:1}`);
});

Deno.test("message, typeError and rangeError: fn: arg must be …, received …", () => {
  assertEquals(
    message("glorotNormal", "options.seed", "a non-negative integer", -1),
    "glorotNormal: options.seed must be a non-negative integer, received -1",
  );
  const t = typeError("f", "x", "a number", "1");
  assertInstanceOf(t, TypeError);
  assertEquals(t.message, 'f: x must be a number, received "1"');
  const r = rangeError("f", "x", "positive", -2);
  assertInstanceOf(r, RangeError);
  assertEquals(r.message, "f: x must be positive, received -2");
  const d = disposedError("f", "x");
  assertInstanceOf(d, TypeError);
  assertEquals(
    d.message,
    "f: x must be a tensor that is not disposed, received a disposed tensor",
  );
});

Deno.test("numbers: TypeError for another kind, RangeError out of range, 0 accepted", () => {
  assertEquals(checkNumber("f", "x", NaN), NaN);
  throwsExactly(
    () => checkNumber("f", "x", "1"),
    TypeError,
    'f: x must be a number, received "1"',
  );
  assertEquals(checkFinite("f", "x", 0), 0);
  assertEquals(checkFinite("f", "x", -3.5), -3.5);
  throwsExactly(
    () => checkFinite("f", "x", Infinity),
    RangeError,
    "f: x must be a finite number, received Infinity",
  );
  throwsExactly(
    () => checkFinite("f", "x", null),
    TypeError,
    "f: x must be a finite number, received null",
  );
  assertEquals(checkNonNegative("f", "x", 0), 0);
  throwsExactly(
    () => checkNonNegative("f", "x", -1e-9),
    RangeError,
    "f: x must be a finite number >= 0, received -1e-9",
  );
  throwsExactly(
    () => checkNonNegative("f", "x", NaN),
    RangeError,
    "f: x must be a finite number >= 0, received NaN",
  );
  throwsExactly(
    () => checkPositive("f", "x", 0),
    RangeError,
    "f: x must be a finite number > 0, received 0",
  );
  assertEquals(checkPositive("f", "x", 1e-300), 1e-300);
  assertEquals(checkProbability("f", "p", 0), 0);
  assertEquals(checkProbability("f", "p", 1), 1);
  throwsExactly(
    () => checkProbability("f", "p", 1.5),
    RangeError,
    "f: p must be a number in [0, 1], received 1.5",
  );
  throwsExactly(
    () => checkProbability("f", "p", NaN),
    RangeError,
    "f: p must be a number in [0, 1], received NaN",
  );
  throwsExactly(
    () => checkProbability("f", "p", 0n),
    TypeError,
    "f: p must be a number in [0, 1], received 0n",
  );
  assertEquals(checkBound("f", "lower", -Infinity), -Infinity);
  assertEquals(checkBound("f", "lower", 0), 0);
  throwsExactly(
    () => checkBound("f", "lower", NaN),
    RangeError,
    "f: lower must be a number other than NaN (±Infinity allowed), received NaN",
  );
});

Deno.test("integers and counts: 0 is a count, the bound broken is named", () => {
  assertEquals(checkCount("f", "n", 0), 0);
  assertStrictEquals(checkCount("f", "n", -0), 0);
  assertEquals(checkCount("f", "n", Number.MAX_SAFE_INTEGER), 2 ** 53 - 1);
  throwsExactly(
    () => checkCount("f", "options.seed", -1),
    RangeError,
    "f: options.seed must be a non-negative integer, received -1",
  );
  throwsExactly(
    () => checkCount("f", "n", 2.5),
    RangeError,
    "f: n must be a non-negative integer, received 2.5",
  );
  throwsExactly(
    () => checkCount("f", "n", 2 ** 53),
    RangeError,
    "f: n must be a non-negative integer <= 2^53 - 1, received 9007199254740992",
  );
  throwsExactly(
    () => checkCount("f", "n", "3"),
    TypeError,
    'f: n must be a non-negative integer, received "3"',
  );
  throwsExactly(
    () => checkCount("f", "units", 0, 1),
    RangeError,
    "f: units must be a positive integer, received 0",
  );
  throwsExactly(
    () => checkCount("f", "k", 2, 3),
    RangeError,
    "f: k must be an integer >= 3, received 2",
  );
  assertEquals(checkInteger("f", "axis", -2, -2, 1), -2);
  throwsExactly(
    () => checkInteger("f", "axis", 2, -2, 1),
    RangeError,
    "f: axis must be an integer in [-2, 1], received 2",
  );
  assertEquals(checkUint32("f", "w", 0), 0);
  assertEquals(checkUint32("f", "w", 2 ** 32 - 1), 2 ** 32 - 1);
  throwsExactly(
    () => checkUint32("f", "key[0]", 2 ** 32),
    RangeError,
    "f: key[0] must be an integer in [0, 2^32 - 1], received 4294967296",
  );
});

Deno.test("booleans, strings and choices", () => {
  assertEquals(checkBoolean("f", "flag", false), false);
  throwsExactly(
    () => checkBoolean("f", "flag", 0),
    TypeError,
    "f: flag must be a boolean, received 0",
  );
  assertEquals(checkNonEmptyString("f", "path", "a"), "a");
  throwsExactly(
    () => checkNonEmptyString("f", "path", ""),
    RangeError,
    'f: path must be a non-empty string, received ""',
  );
  throwsExactly(
    () => checkNonEmptyString("f", "path", 3),
    TypeError,
    "f: path must be a non-empty string, received 3",
  );
  const modes = ["fanIn", "fanOut"] as const;
  assertEquals(checkChoice("f", "options.mode", "fanIn", modes), "fanIn");
  throwsExactly(
    () => checkChoice("f", "options.mode", "fan_in", modes),
    RangeError,
    'f: options.mode must be one of "fanIn", "fanOut", received "fan_in"',
  );
  throwsExactly(
    () => checkChoice("f", "options.mode", 1, modes),
    TypeError,
    'f: options.mode must be one of "fanIn", "fanOut", received 1',
  );
});

Deno.test("checkOptions: an object of known keys; a misspelt key is a TypeError", () => {
  assertEquals(checkOptions("f", undefined, ["a"]), {});
  const options = { a: 0 };
  assertStrictEquals(checkOptions("f", options, ["a", "b"]), options);
  throwsExactly(
    () => checkOptions("f", null as never, ["a"]),
    TypeError,
    "f: options must be an object, received null",
  );
  throwsExactly(
    () => checkOptions("f", [1] as never, ["a"]),
    TypeError,
    "f: options must be an object, received [1]",
  );
  throwsExactly(
    () => checkOptions("f", { b: 1, "x\ny": 2 }, ["b"]),
    TypeError,
    'f: each key of options must be one of "b", received "x\\ny"',
  );
  throwsExactly(
    () => checkOptions("f", { c: 1 }, ["b"], "config"),
    TypeError,
    'f: each key of config must be one of "b", received "c"',
  );
});

Deno.test("shapes: non-negative integers, zero-size dimensions allowed", () => {
  const shape = [2, 0, 3];
  const copy = checkShape("zeros", shape);
  assertEquals(copy, shape);
  assert(copy !== shape, "a copy");
  assertEquals(checkShape("zeros", []), []);
  throwsExactly(
    () => checkShape("zeros", [2, -1]),
    RangeError,
    "zeros: shape[1] must be a non-negative integer, received -1",
  );
  throwsExactly(
    () => checkShape("zeros", [2, "3"]),
    TypeError,
    'zeros: shape[1] must be a non-negative integer, received "3"',
  );
  throwsExactly(
    () => checkShape("zeros", "2x3"),
    TypeError,
    'zeros: shape must be an array of non-negative integers, received "2x3"',
  );
  throwsExactly(
    () => checkShape("zeros", [65536, 65536]),
    RangeError,
    "zeros: shape must be of at most 2^31 - 1 elements in all (a tensor's limit), received [65536, 65536]",
  );
  checkRank("f", [3, 4], 2);
  throwsExactly(
    () => checkRank("f", [3], 2, "x.shape"),
    RangeError,
    "f: x.shape must be of rank >= 2, received [3]",
  );
  assertEquals(checkValuesShape("f", "x", [2, 0], 0), [2, 0]);
  throwsExactly(
    () => checkValuesShape("f", "x", [2, 2], 3),
    RangeError,
    "f: x.shape must be a shape of 3 elements (the length of x.values), received [2, 2]",
  );
  throwsExactly(
    () => checkValuesShape("f", "x", [2, 1.5], 3),
    RangeError,
    "f: x.shape[1] must be a non-negative integer, received 1.5",
  );
});

Deno.test("checkOutput: the array given (right kind and length) or a new one", () => {
  const kinds = [Float32Array, Float64Array];
  const made = checkOutput("f", undefined, 3, kinds, Float32Array);
  assertEquals(made, new Float32Array(3));
  const given = new Float64Array(0);
  assertStrictEquals(
    checkOutput<Float32Array | Float64Array>(
      "f",
      given,
      0,
      kinds,
      Float32Array,
    ),
    given,
  );
  throwsExactly(
    () => checkOutput("f", new Int32Array(3) as never, 3, kinds, Float32Array),
    TypeError,
    "f: out must be a Float32Array or Float64Array, received an Int32Array of length 3",
  );
  throwsExactly(
    () => checkOutput("f", new Float32Array(2), 3, kinds, Float32Array),
    RangeError,
    "f: out.length must be n (3), received 2",
  );
});
