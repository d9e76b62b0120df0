/**
 * A local stand-in for `jsr:@std/assert`, which these machines cannot reach.
 *
 * The import map sends the bare specifier `@std/assert` here; tests import it
 * exactly as they would from JSR, so pointing the map at `jsr:@std/assert@^1`
 * again is a one-line change. Every function has @std/assert's name and
 * signature; the comparisons are Node's `node:assert/strict` where it has the
 * same meaning.
 *
 * @module
 */
import nodeAssert from "node:assert/strict";
import { inspect } from "node:util";

/** Thrown by every assertion here when it fails. */
export class AssertionError extends Error {
  /** @param message What failed. */
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "AssertionError";
  }
}

// deno-lint-ignore no-explicit-any
type AnyConstructor = new (...args: any[]) => unknown;
// deno-lint-ignore no-explicit-any
type ErrorConstructor_ = abstract new (...args: any[]) => Error;

function show(value: unknown): string {
  return inspect(value, { depth: 6, breakLength: 100 });
}

function suffix(msg?: string): string {
  return msg ? `: ${msg}` : "";
}

/** Rethrows Node's assertion error as ours, keeping its message. */
function viaNode(check: () => void, msg?: string): void {
  try {
    check();
  } catch (error) {
    if (error instanceof nodeAssert.AssertionError) {
      throw new AssertionError(
        msg ? `${msg}\n${error.message}` : error.message,
        {
          cause: error,
        },
      );
    }
    throw error;
  }
}

/** Asserts that `expr` is truthy. */
export function assert(expr: unknown, msg = ""): asserts expr {
  if (!expr) {
    throw new AssertionError(msg || "Expected expression to be truthy");
  }
}

/** Asserts that `expr` is falsy. */
export function assertFalse(expr: unknown, msg = ""): void {
  if (expr) {
    throw new AssertionError(msg || `Expected ${show(expr)} to be falsy`);
  }
}

/** Asserts deep equality (structures, typed arrays, Maps, Sets, prototypes). */
export function assertEquals<T>(actual: T, expected: T, msg?: string): void {
  viaNode(() => nodeAssert.deepStrictEqual(actual, expected), msg);
}

/** Asserts deep inequality. */
export function assertNotEquals<T>(actual: T, expected: T, msg?: string): void {
  viaNode(() => nodeAssert.notDeepStrictEqual(actual, expected), msg);
}

/** Asserts `Object.is(actual, expected)`. */
export function assertStrictEquals<T>(
  actual: unknown,
  expected: T,
  msg?: string,
): asserts actual is T {
  viaNode(() => nodeAssert.strictEqual(actual, expected), msg);
}

/** Asserts `!Object.is(actual, expected)`. */
export function assertNotStrictEquals<T>(
  actual: T,
  expected: T,
  msg?: string,
): void {
  viaNode(() => nodeAssert.notStrictEqual(actual, expected), msg);
}

/**
 * Asserts that two numbers differ by at most `tolerance`. As in @std/assert,
 * the default tolerance is `|expected| × 1e-7`; NaN equals NaN and infinities
 * equal only themselves.
 */
export function assertAlmostEquals(
  actual: number,
  expected: number,
  tolerance?: number,
  msg?: string,
): void {
  if (Object.is(actual, expected)) return;
  const tol = tolerance ?? Math.abs(expected * 1e-7);
  const delta = Math.abs(expected - actual);
  if (Number.isFinite(actual) && Number.isFinite(expected) && delta <= tol) {
    return;
  }
  const f = (n: number) => Number.isInteger(n) ? n : n.toExponential();
  throw new AssertionError(
    `Expected actual: "${f(actual)}" to be close to "${f(expected)}": delta "${
      f(delta)
    }" is greater than "${f(tol)}"${suffix(msg)}`,
  );
}

/** Asserts that `actual` is not null or undefined. */
export function assertExists<T>(
  actual: T,
  msg?: string,
): asserts actual is NonNullable<T> {
  if (actual === undefined || actual === null) {
    throw new AssertionError(
      msg || `Expected actual: "${actual}" to not be null or undefined`,
    );
  }
}

/** Asserts that `actual` is an instance of `expectedType`. */
export function assertInstanceOf<T extends AnyConstructor>(
  actual: unknown,
  expectedType: T,
  msg = "",
): asserts actual is InstanceType<T> {
  if (actual instanceof expectedType) return;
  const got = actual === null
    ? "null"
    : typeof actual === "object"
    ? (actual as object).constructor?.name ?? "Object"
    : typeof actual;
  throw new AssertionError(
    msg ||
      `Expected object to be an instance of "${expectedType.name}" but was "${got}".`,
  );
}

/** Asserts `actual > expected`. */
export function assertGreater<T>(actual: T, expected: T, msg?: string): void {
  if (actual > expected) return;
  throw new AssertionError(
    msg || `Expect ${show(actual)} > ${show(expected)}`,
  );
}

/** Asserts `actual >= expected`. */
export function assertGreaterOrEqual<T>(
  actual: T,
  expected: T,
  msg?: string,
): void {
  if (actual >= expected) return;
  throw new AssertionError(
    msg || `Expect ${show(actual)} >= ${show(expected)}`,
  );
}

/** Asserts `actual < expected`. */
export function assertLess<T>(actual: T, expected: T, msg?: string): void {
  if (actual < expected) return;
  throw new AssertionError(
    msg || `Expect ${show(actual)} < ${show(expected)}`,
  );
}

/** Asserts `actual <= expected`. */
export function assertLessOrEqual<T>(
  actual: T,
  expected: T,
  msg?: string,
): void {
  if (actual <= expected) return;
  throw new AssertionError(
    msg || `Expect ${show(actual)} <= ${show(expected)}`,
  );
}

/** Asserts that `actual` includes `expected`. */
export function assertStringIncludes(
  actual: string,
  expected: string,
  msg?: string,
): void {
  if (actual.includes(expected)) return;
  throw new AssertionError(
    msg || `Expected actual: "${actual}" to contain: "${expected}".`,
  );
}

/** Asserts that `actual` matches `expected`. */
export function assertMatch(
  actual: string,
  expected: RegExp,
  msg?: string,
): void {
  viaNode(() => nodeAssert.match(actual, expected), msg);
}

/** Asserts that `actual` does not match `expected`. */
export function assertNotMatch(
  actual: string,
  expected: RegExp,
  msg?: string,
): void {
  viaNode(() => nodeAssert.doesNotMatch(actual, expected), msg);
}

/** Asserts that every element of `expected` is deeply equal to some element of `actual`. */
export function assertArrayIncludes<T>(
  actual: ArrayLike<T>,
  expected: ArrayLike<T>,
  msg?: string,
): void {
  const items = Array.from(actual);
  const missing = Array.from(expected).filter((e) =>
    !items.some((a) => isDeepEqual(a, e))
  );
  if (missing.length === 0) return;
  throw new AssertionError(
    msg ||
      `Expected actual: "${show(items)}" to include: "${
        show(Array.from(expected))
      }".\nmissing: ${show(missing)}`,
  );
}

function isDeepEqual(a: unknown, b: unknown): boolean {
  try {
    nodeAssert.deepStrictEqual(a, b);
    return true;
  } catch {
    return false;
  }
}

function checkError(
  error: unknown,
  ErrorClass?: ErrorConstructor_,
  msgIncludes?: string,
  msg?: string,
): void {
  if (ErrorClass && !(error instanceof ErrorClass)) {
    const got = error instanceof Error ? error.constructor.name : show(error);
    throw new AssertionError(
      `Expected error to be instance of "${ErrorClass.name}", but was "${got}"${
        suffix(msg)
      }`,
      { cause: error },
    );
  }
  if (msgIncludes !== undefined) {
    const text = error instanceof Error ? error.message : String(error);
    if (!text.includes(msgIncludes)) {
      throw new AssertionError(
        `Expected error message to include ${
          JSON.stringify(msgIncludes)
        }, but got ${JSON.stringify(text)}${suffix(msg)}`,
        { cause: error },
      );
    }
  }
}

/**
 * The error `caught` from a function that was to `verb` ("throw" or
 * "reject"), checked against `ErrorClass` and `msgIncludes`; fails when
 * nothing was caught.
 */
function expected(
  caught: { error: unknown } | undefined,
  verb: "throw" | "reject",
  ErrorClass: ErrorConstructor_ | undefined,
  msgIncludes: string | undefined,
  msg: string | undefined,
): unknown {
  if (!caught) {
    throw new AssertionError(`Expected function to ${verb}${suffix(msg)}`);
  }
  checkError(caught.error, ErrorClass, msgIncludes, msg);
  return caught.error;
}

/** Asserts that `fn` throws; returns what it threw. */
export function assertThrows(fn: () => unknown, msg?: string): unknown;
/** Asserts that `fn` throws an instance of `ErrorClass` whose message includes `msgIncludes`. */
export function assertThrows<E extends Error = Error>(
  fn: () => unknown,
  // deno-lint-ignore no-explicit-any
  ErrorClass: abstract new (...args: any[]) => E,
  msgIncludes?: string,
  msg?: string,
): E;
export function assertThrows(
  fn: () => unknown,
  classOrMsg?: ErrorConstructor_ | string,
  msgIncludes?: string,
  msg?: string,
): unknown {
  const ErrorClass = typeof classOrMsg === "function" ? classOrMsg : undefined;
  if (typeof classOrMsg === "string") msg = classOrMsg;
  let caught: { error: unknown } | undefined;
  try {
    fn();
  } catch (error) {
    caught = { error };
  }
  return expected(caught, "throw", ErrorClass, msgIncludes, msg);
}

/** Asserts that `fn` returns a promise that rejects; returns the reason. */
export function assertRejects(
  fn: () => PromiseLike<unknown>,
  msg?: string,
): Promise<unknown>;
/** Asserts that `fn`'s promise rejects with an instance of `ErrorClass` whose message includes `msgIncludes`. */
export function assertRejects<E extends Error = Error>(
  fn: () => PromiseLike<unknown>,
  // deno-lint-ignore no-explicit-any
  ErrorClass: abstract new (...args: any[]) => E,
  msgIncludes?: string,
  msg?: string,
): Promise<E>;
export async function assertRejects(
  fn: () => PromiseLike<unknown>,
  classOrMsg?: ErrorConstructor_ | string,
  msgIncludes?: string,
  msg?: string,
): Promise<unknown> {
  const ErrorClass = typeof classOrMsg === "function" ? classOrMsg : undefined;
  if (typeof classOrMsg === "string") msg = classOrMsg;
  let promise: PromiseLike<unknown>;
  try {
    promise = fn();
  } catch (error) {
    throw new AssertionError(
      `Function throws when expected to reject${suffix(msg)}`,
      { cause: error },
    );
  }
  if (!promise || typeof promise.then !== "function") {
    throw new AssertionError(
      `Function returned a non-promise when expected to reject${suffix(msg)}`,
    );
  }
  let caught: { error: unknown } | undefined;
  try {
    await promise;
  } catch (error) {
    caught = { error };
  }
  return expected(caught, "reject", ErrorClass, msgIncludes, msg);
}

/** Always fails. */
export function fail(msg?: string): never {
  throw new AssertionError(`Failed assertion${suffix(msg)}`);
}

/** Fails when reached. */
export function unreachable(msg?: string): never {
  throw new AssertionError(msg ?? "Unreachable");
}
