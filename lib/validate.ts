/**
 * The house's one validator: the argument checks of `lib/` and `viz/`, and
 * the one formatter of the values their messages show. An internal module
 * (not exported from `mod.ts`), like `text.ts`; not `_`-private, because the
 * figures in `viz/` use it too.
 *
 * Every message has one form, `fn: arg must be …, received …`: the function
 * the user called, the argument's path (`options.seed`, `shape[1]`), the
 * requirement, and the value as {@linkcode show} writes it. For example
 * `glorotNormal: options.seed must be a non-negative integer, received -1`.
 * A value of the wrong kind throws a `TypeError`; a value of the right kind
 * that is out of range, a `RangeError`.
 *
 * @module
 */

/** Longest string or JSON text a message shows before cutting it short. */
const MAX_TEXT = 200;

/** Most elements of an array a message shows. */
const MAX_ITEMS = 8;

/**
 * Formats a value for an error message: strings quoted and escaped with
 * `JSON.stringify` (so control characters and quotes cannot forge a
 * message), `-0` and `5n` as written, arrays element by element, typed
 * arrays, functions and class instances by kind, plain objects as JSON;
 * long strings and arrays are cut short.
 *
 * @param value Anything.
 * @returns One line of text.
 *
 * @example
 * ```ts
 * import { show } from "./validate.ts";
 * import { assertEquals } from "@std/assert";
 *
 * assertEquals(show('a"\n'), '"a\\"\\n"');
 * assertEquals(show([2, -0, NaN]), "[2, -0, NaN]");
 * assertEquals(show(new Float32Array(3)), "a Float32Array of length 3");
 * ```
 */
export function show(value: unknown): string {
  try {
    return format(value, 0);
  } catch {
    // A proxy or getter that throws: the message must still be made.
    return "a value that cannot be shown";
  }
}

function format(value: unknown, depth: number): string {
  switch (typeof value) {
    case "string":
      return JSON.stringify(
        value.length > MAX_TEXT ? `${value.slice(0, MAX_TEXT)}…` : value,
      );
    case "number":
      return Object.is(value, -0) ? "-0" : String(value);
    case "bigint":
      return `${value}n`;
    case "symbol":
      return value.toString();
    case "function":
      return "a function";
    case "boolean":
    case "undefined":
      return String(value);
  }
  if (value === null) return "null";
  if (Array.isArray(value)) {
    if (depth >= 2) return `an array of length ${value.length}`;
    const items = value.slice(0, MAX_ITEMS).map((v) => format(v, depth + 1));
    if (value.length > MAX_ITEMS) {
      items.push(`… (${value.length} items)`);
    }
    return `[${items.join(", ")}]`;
  }
  if (ArrayBuffer.isView(value)) {
    const length = (value as { length?: number }).length ?? value.byteLength;
    return `${article(value.constructor.name)} of length ${length}`;
  }
  const proto = Object.getPrototypeOf(value);
  if (proto !== Object.prototype && proto !== null) {
    const name = (value as object).constructor?.name;
    return typeof name === "string" && name !== ""
      ? article(name)
      : Object.prototype.toString.call(value);
  }
  try {
    // Inside a plain object, what JSON cannot write plainly (class
    // instances, typed arrays, bigints, functions) is written by kind.
    const json = JSON.stringify(value, (key, v) => {
      if (key === "") return v;
      if (typeof v === "bigint" || typeof v === "function") return format(v, 2);
      if (v !== null && typeof v === "object" && !Array.isArray(v)) {
        const p = Object.getPrototypeOf(v);
        if (p !== Object.prototype && p !== null) return format(v, 2);
      }
      return v;
    });
    if (json === undefined) return String(value);
    return json.length > MAX_TEXT ? `${json.slice(0, MAX_TEXT)}…` : json;
  } catch {
    return Object.prototype.toString.call(value);
  }
}

/** A class name with its indefinite article: `a Tensor`, `an Int32Array`. */
function article(name: string): string {
  return `${/^[AEIOU]/i.test(name) ? "an" : "a"} ${name}`;
}

/**
 * The one message: `fn: arg must be requirement, received show(value)`.
 *
 * @param fn The function the user called (`"glorotNormal"`,
 * `"Parameter.assign"`).
 * @param arg The argument's path (`"options.seed"`, `"shape[1]"`).
 * @param requirement What it must be (`"a non-negative integer"`).
 * @param value What was received.
 * @returns The message.
 */
export function message(
  fn: string,
  arg: string,
  requirement: string,
  value: unknown,
): string {
  return `${fn}: ${arg} must be ${requirement}, received ${show(value)}`;
}

/** A `TypeError` (a value of the wrong kind) with {@linkcode message}. */
export function typeError(
  fn: string,
  arg: string,
  requirement: string,
  value: unknown,
): TypeError {
  return new TypeError(message(fn, arg, requirement, value));
}

/** A `RangeError` (a bad value of the right kind) with {@linkcode message}. */
export function rangeError(
  fn: string,
  arg: string,
  requirement: string,
  value: unknown,
): RangeError {
  return new RangeError(message(fn, arg, requirement, value));
}

/**
 * The `TypeError` for a disposed tensor (or parameter, `what`) given to `fn`
 * as `arg`.
 */
export function disposedError(
  fn: string,
  arg: string,
  what = "tensor",
): TypeError {
  return new TypeError(
    `${fn}: ${arg} must be a ${what} that is not disposed, received a disposed ${what}`,
  );
}

/**
 * A number, or a `TypeError` that says what it must be; with `ok`, a
 * `RangeError` (saying the same) for a number that `ok` rejects.
 */
function number(
  fn: string,
  arg: string,
  value: unknown,
  requirement: string,
  ok?: (v: number) => boolean,
): number {
  if (typeof value !== "number") {
    throw typeError(fn, arg, requirement, value);
  }
  if (ok !== undefined && !ok(value)) {
    throw rangeError(fn, arg, requirement, value);
  }
  return value;
}

/** Checks a number (any, NaN and ±Infinity included). */
export function checkNumber(fn: string, arg: string, value: unknown): number {
  return number(fn, arg, value, "a number");
}

/** Checks a finite number. */
export function checkFinite(fn: string, arg: string, value: unknown): number {
  return number(fn, arg, value, "a finite number", Number.isFinite);
}

/** Checks a finite number `>= 0`; `0` is accepted. */
export function checkNonNegative(
  fn: string,
  arg: string,
  value: unknown,
): number {
  return number(
    fn,
    arg,
    value,
    "a finite number >= 0",
    (v) => Number.isFinite(v) && v >= 0,
  );
}

/** Checks a finite number `> 0`. */
export function checkPositive(fn: string, arg: string, value: unknown): number {
  return number(
    fn,
    arg,
    value,
    "a finite number > 0",
    (v) => Number.isFinite(v) && v > 0,
  );
}

/** Checks a probability: a number in [0, 1]. */
export function checkProbability(
  fn: string,
  arg: string,
  value: unknown,
): number {
  return number(fn, arg, value, "a number in [0, 1]", (v) => v >= 0 && v <= 1);
}

/** Checks a bound of an interval: a number, not NaN; ±Infinity allowed. */
export function checkBound(fn: string, arg: string, value: unknown): number {
  return number(
    fn,
    arg,
    value,
    "a number other than NaN (±Infinity allowed)",
    (v) => !Number.isNaN(v),
  );
}

/** A bound as a message writes it: powers of two minus one by name. */
function bound(n: number): string {
  if (n === Number.MAX_SAFE_INTEGER) return "2^53 - 1";
  if (n === 2 ** 32 - 1) return "2^32 - 1";
  if (n === 2 ** 31 - 1) return "2^31 - 1";
  return String(n);
}

/** Checks an integer in `[min, max]` (default max: 2^53 − 1). */
export function checkInteger(
  fn: string,
  arg: string,
  value: unknown,
  min: number,
  max: number = Number.MAX_SAFE_INTEGER,
): number {
  return number(
    fn,
    arg,
    value,
    `an integer in [${bound(min)}, ${bound(max)}]`,
    (v) => Number.isInteger(v) && v >= min && v <= max,
  );
}

/** Checks a 32-bit unsigned word: an integer in [0, 2^32 − 1]. */
export function checkUint32(fn: string, arg: string, value: unknown): number {
  return checkInteger(fn, arg, value, 0, 2 ** 32 - 1);
}

/**
 * Checks a count: an integer `>= min` (default 0, so `0` is accepted) and at
 * most 2^53 − 1. `-0` is returned as `0`.
 */
export function checkCount(
  fn: string,
  arg: string,
  value: unknown,
  min = 0,
): number {
  const what = min === 0
    ? "a non-negative integer"
    : min === 1
    ? "a positive integer"
    : `an integer >= ${min}`;
  const v = number(fn, arg, value, what);
  if (!(Number.isInteger(v) && v >= min)) throw rangeError(fn, arg, what, v);
  if (v > Number.MAX_SAFE_INTEGER) {
    throw rangeError(fn, arg, `${what} <= 2^53 - 1`, v);
  }
  return v === 0 ? 0 : v;
}

/** Checks a boolean. */
export function checkBoolean(fn: string, arg: string, value: unknown): boolean {
  if (typeof value !== "boolean") throw typeError(fn, arg, "a boolean", value);
  return value;
}

/** Checks a non-empty string (a path, a name). */
export function checkNonEmptyString(
  fn: string,
  arg: string,
  value: unknown,
): string {
  const what = "a non-empty string";
  if (typeof value !== "string") throw typeError(fn, arg, what, value);
  if (value === "") throw rangeError(fn, arg, what, value);
  return value;
}

/**
 * Checks that `value` is one of `choices`: a `TypeError` for a non-string,
 * a `RangeError` for another string.
 */
export function checkChoice<T extends string>(
  fn: string,
  arg: string,
  value: unknown,
  choices: readonly T[],
): T {
  if (typeof value !== "string" || !choices.includes(value as T)) {
    throw (typeof value === "string" ? rangeError : typeError)(
      fn,
      arg,
      `one of ${choices.map((c) => JSON.stringify(c)).join(", ")}`,
      value,
    );
  }
  return value as T;
}

/**
 * Checks that an options argument is an object (or `undefined`) with no keys
 * other than `allowed`, so that a misspelt option is an error rather than a
 * silently ignored default. Both are `TypeError`s.
 *
 * @returns The options, `{}` for `undefined`.
 */
export function checkOptions<T extends object>(
  fn: string,
  options: T | undefined,
  allowed: readonly string[],
  arg = "options",
): Partial<T> {
  if (options === undefined) return {};
  if (
    options === null || typeof options !== "object" || Array.isArray(options)
  ) {
    throw typeError(fn, arg, "an object", options);
  }
  for (const key of Object.keys(options)) {
    if (!allowed.includes(key)) {
      throw typeError(
        fn,
        `each key of ${arg}`,
        `one of ${allowed.map((k) => JSON.stringify(k)).join(", ")}`,
        key,
      );
    }
  }
  return options;
}

/** The most elements a tensor holds. */
const MAX_ELEMENTS = 2 ** 31 - 1;

/**
 * Checks a shape: an array of non-negative integers (zero-size dimensions
 * allowed) with at most 2^31 − 1 elements in all.
 *
 * @returns A copy of the shape as a plain array.
 */
export function checkShape(
  fn: string,
  shape: unknown,
  arg = "shape",
): number[] {
  if (!Array.isArray(shape)) {
    throw typeError(fn, arg, "an array of non-negative integers", shape);
  }
  shape.forEach((d, i) => checkCount(fn, `${arg}[${i}]`, d));
  const size = shape.reduce((a: number, b: number) => a * b, 1);
  if (size > MAX_ELEMENTS) {
    throw rangeError(
      fn,
      arg,
      "of at most 2^31 - 1 elements in all (a tensor's limit)",
      shape,
    );
  }
  return [...shape];
}

/**
 * Checks the shape of row-major values given to `fn` as `arg`
 * (`{ values, shape }`): non-negative integers whose product is `length`,
 * the number of values.
 *
 * @returns A copy of the shape as a plain array.
 */
export function checkValuesShape(
  fn: string,
  arg: string,
  shape: unknown,
  length: number,
): number[] {
  if (!Array.isArray(shape)) {
    throw typeError(
      fn,
      `${arg}.shape`,
      "an array of non-negative integers",
      shape,
    );
  }
  shape.forEach((d, i) => checkCount(fn, `${arg}.shape[${i}]`, d));
  const size = shape.reduce((a: number, b: number) => a * b, 1);
  if (size !== length) {
    throw rangeError(
      fn,
      `${arg}.shape`,
      `a shape of ${length} elements (the length of ${arg}.values)`,
      shape,
    );
  }
  return [...shape];
}

/** Checks that a shape has at least `min` dimensions. */
export function checkRank(
  fn: string,
  shape: readonly number[],
  min: number,
  arg = "shape",
): void {
  if (shape.length < min) {
    throw rangeError(fn, arg, `of rank >= ${min}`, shape);
  }
}

/** A typed-array constructor that {@linkcode checkOutput} accepts. */
export type ArrayKind = new (
  n: number,
) => ArrayBufferView & { length: number };

/**
 * An output array: `out` when given (one of `kinds`, of length `n`), else a
 * new `fallback` of length `n`.
 */
export function checkOutput<T extends ArrayBufferView & { length: number }>(
  fn: string,
  out: T | undefined,
  n: number,
  kinds: readonly ArrayKind[],
  fallback: new (n: number) => T,
  arg = "out",
): T {
  if (out === undefined) return new fallback(n);
  if (!kinds.some((k) => out instanceof k)) {
    throw typeError(
      fn,
      arg,
      `a ${kinds.map((k) => k.name).join(" or ")}`,
      out,
    );
  }
  if (out.length !== n) {
    throw rangeError(fn, `${arg}.length`, `n (${n})`, out.length);
  }
  return out;
}
