/**
 * Argument checks shared across the library. Each throws a `TypeError` (wrong
 * kind of value) or `RangeError` (right kind, bad value) whose message names
 * the argument and the value received.
 *
 * @module
 */

/** Formats a received value for an error message. */
export function show(value: unknown): string {
  if (typeof value === "string") return JSON.stringify(value);
  if (typeof value === "bigint") return `${value}n`;
  if (Array.isArray(value)) return `[${value.map(show).join(", ")}]`;
  if (value === null || typeof value !== "object") return String(value);
  try {
    return JSON.stringify(value);
  } catch {
    return Object.prototype.toString.call(value);
  }
}

/**
 * Checks a shape: an array of non-negative integers. Zero-size dimensions are
 * allowed.
 *
 * @returns A copy of the shape as a plain array.
 */
export function checkShape(shape: unknown, name = "shape"): number[] {
  if (!Array.isArray(shape)) {
    throw new TypeError(
      `${name} must be an array of non-negative integers, received ${
        show(shape)
      }`,
    );
  }
  shape.forEach((d, i) => {
    if (typeof d !== "number") {
      throw new TypeError(
        `${name}[${i}] must be a number, received ${show(d)} (${name} ${
          show(shape)
        })`,
      );
    }
    if (!Number.isInteger(d) || d < 0) {
      throw new RangeError(
        `${name}[${i}] must be a non-negative integer, received ${d} (${name} ${
          show(shape)
        })`,
      );
    }
  });
  const size = shape.reduce((a: number, b: number) => a * b, 1);
  if (size > 2 ** 31 - 1) {
    throw new RangeError(
      `${name} ${
        show(shape)
      } has ${size} elements, more than a tensor can hold (2^31 - 1)`,
    );
  }
  return [...shape];
}

/** Checks that a shape has at least `min` dimensions (for fans). */
export function checkRank(
  shape: readonly number[],
  min: number,
  what: string,
  name = "shape",
): void {
  if (shape.length < min) {
    throw new RangeError(
      `${what} needs a ${name} of rank >= ${min}, received ${
        show(shape)
      } (rank ${shape.length})`,
    );
  }
}

/** Checks a finite number. */
export function checkFinite(value: unknown, name: string): number {
  if (typeof value !== "number") {
    throw new TypeError(`${name} must be a number, received ${show(value)}`);
  }
  if (!Number.isFinite(value)) {
    throw new RangeError(`${name} must be finite, received ${value}`);
  }
  return value;
}

/** Checks a finite number `>= 0` (`> 0` when `strict`). */
export function checkNonNegative(
  value: unknown,
  name: string,
  strict = false,
): number {
  const v = checkFinite(value, name);
  if (strict ? v <= 0 : v < 0) {
    throw new RangeError(
      `${name} must be ${strict ? "> 0" : ">= 0"}, received ${v}`,
    );
  }
  return v;
}

/** Checks a probability in [0, 1]. */
export function checkProbability(value: unknown, name: string): number {
  if (typeof value !== "number") {
    throw new TypeError(`${name} must be a number, received ${show(value)}`);
  }
  if (!(value >= 0 && value <= 1)) {
    throw new RangeError(`${name} must be in [0, 1], received ${value}`);
  }
  return value;
}

/** Checks that `value` is one of `choices`. */
export function checkChoice<T extends string>(
  value: unknown,
  choices: readonly T[],
  name: string,
): T {
  if (typeof value !== "string" || !choices.includes(value as T)) {
    throw new (typeof value === "string" ? RangeError : TypeError)(
      `${name} must be one of ${
        choices.map((c) => JSON.stringify(c)).join(", ")
      }, received ${show(value)}`,
    );
  }
  return value as T;
}

/**
 * Checks that an options argument is an object (or undefined) with no keys
 * other than `allowed`, so a misspelt option is an error rather than a
 * silently ignored default.
 */
export function checkOptions<T extends object>(
  options: T | undefined,
  allowed: readonly string[],
  fn: string,
): Partial<T> {
  if (options === undefined) return {};
  if (
    options === null || typeof options !== "object" || Array.isArray(options)
  ) {
    throw new TypeError(
      `${fn}: options must be an object, received ${show(options)}`,
    );
  }
  for (const key of Object.keys(options)) {
    if (!allowed.includes(key)) {
      throw new TypeError(
        `${fn}: unknown option ${JSON.stringify(key)}; valid options are ${
          allowed.join(", ")
        }`,
      );
    }
  }
  return options;
}
