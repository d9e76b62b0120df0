/**
 * Argument checks shared by `lib/random/`: each throws a `TypeError` for a
 * value of the wrong type and a `RangeError` for one out of range, naming
 * the argument and the value received.
 *
 * @module
 */
import type { Draw } from "./stream.ts";

const TWO_32 = 4294967296;

/** Formats a received value for an error message. */
export function describeValue(value: unknown): string {
  if (typeof value === "string") return JSON.stringify(value);
  if (typeof value === "bigint") return `${value}n`;
  if (typeof value === "number") {
    return Object.is(value, -0) ? "-0" : String(value);
  }
  if (typeof value === "symbol") return value.toString();
  if (typeof value === "function") return "a function";
  if (value === null || value === undefined) return String(value);
  if (ArrayBuffer.isView(value)) {
    return `a ${value.constructor.name} of length ${
      (value as unknown as { length?: number }).length ?? value.byteLength
    }`;
  }
  try {
    const json = JSON.stringify(value);
    return json === undefined ? String(value) : json;
  } catch {
    return Object.prototype.toString.call(value);
  }
}

/** The type of a value as an error message says it. */
function typeName(value: unknown): string {
  return value === null ? "null" : typeof value;
}

/** Checks that `value` is a number, else throws a TypeError naming `name`. */
function checkNumber(value: unknown, name: string, what: string): number {
  if (typeof value !== "number") {
    throw new TypeError(
      `${name} must be ${what}; received ${describeValue(value)} (${
        typeName(value)
      })`,
    );
  }
  return value;
}

/** An integer in [0, 2^32). */
function checkUint32(value: unknown, name: string): void {
  const what = "an integer in [0, 2^32 - 1]";
  const v = checkNumber(value, name, what);
  if (!Number.isInteger(v) || v < 0 || v >= TWO_32) {
    throw new RangeError(
      `${name} must be ${what}; received ${describeValue(v)}`,
    );
  }
}

/** A count of values: an integer in [0, 2^53 − 1]. */
export function checkCount(value: unknown, name: string): void {
  const what = "a non-negative integer";
  const v = checkNumber(value, name, what);
  if (!Number.isSafeInteger(v) || v < 0) {
    throw new RangeError(
      `${name} must be ${what}; received ${describeValue(v)}`,
    );
  }
}

/** An element offset: an integer ≥ 0 with `offset + n ≤ 2^53`. */
export function checkOffset(value: unknown, n: number, name = "offset"): void {
  const what = "a non-negative integer";
  const v = checkNumber(value, name, what);
  if (!Number.isSafeInteger(v) || v < 0) {
    throw new RangeError(
      `${name} must be ${what}; received ${describeValue(v)}`,
    );
  }
  if (v + n > 2 ** 53) {
    throw new RangeError(
      `${name} + n must be at most 2^53; received ${name} ${v} with n ${n}`,
    );
  }
}

/** A draw: `{ key: { k0, k1 }, stream }` with uint32 words. */
export function checkDraw(draw: unknown): asserts draw is Draw {
  const d = draw as Draw | null | undefined;
  if (
    typeof d !== "object" || d === null || typeof d.key !== "object" ||
    d.key === null
  ) {
    throw new TypeError(
      `draw must be { key: { k0, k1 }, stream } (from nextDraw); received ${
        describeValue(draw)
      }`,
    );
  }
  checkUint32(d.key.k0, "draw.key.k0");
  checkUint32(d.key.k1, "draw.key.k1");
  checkUint32(d.stream, "draw.stream");
}

/** A probability: a number in [0, 1]. */
export function checkProbability(value: unknown, name: string): number {
  const what = "a probability in [0, 1]";
  const v = checkNumber(value, name, what);
  if (!(v >= 0 && v <= 1)) {
    throw new RangeError(
      `${name} must be ${what}; received ${describeValue(v)}`,
    );
  }
  return v;
}

/** A finite number, at least `min` (default: any). */
export function checkFinite(
  value: unknown,
  name: string,
  min: number = -Infinity,
): number {
  const what = min === -Infinity
    ? "a finite number"
    : `a finite number ≥ ${min}`;
  const v = checkNumber(value, name, what);
  if (!Number.isFinite(v) || v < min) {
    throw new RangeError(
      `${name} must be ${what}; received ${describeValue(v)}`,
    );
  }
  return v;
}

/** A bound of an interval: a number, not NaN (±Infinity allowed). */
export function checkBound(value: unknown, name: string): number {
  const what = "a number (±Infinity allowed)";
  const v = checkNumber(value, name, what);
  if (Number.isNaN(v)) {
    throw new RangeError(`${name} must be ${what}; received NaN`);
  }
  return v;
}

/** A typed-array constructor that `outputArray` accepts. */
export type ArrayKind = new (
  n: number,
) => ArrayBufferView & { length: number };

/**
 * The output array: `out` when given (one of `kinds`, of length `n`), else
 * a new `fallback` of length `n`.
 */
export function outputArray<T extends ArrayBufferView & { length: number }>(
  out: T | undefined,
  n: number,
  kinds: readonly ArrayKind[],
  fallback: new (n: number) => T,
): T {
  if (out === undefined) return new fallback(n);
  if (!kinds.some((k) => out instanceof k)) {
    throw new TypeError(
      `out must be a ${kinds.map((k) => k.name).join(" or ")}; received ${
        describeValue(out)
      }`,
    );
  }
  if (out.length !== n) {
    throw new RangeError(
      `out must have length n = ${n}; received an array of length ${out.length}`,
    );
  }
  return out;
}
