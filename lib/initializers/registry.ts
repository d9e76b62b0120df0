/**
 * Initializers by name or config: `getInitializer`.
 *
 * @module
 */
import type { tf } from "../tf.ts";
import type { BaseOptions } from "./_core.ts";
import { message, typeError } from "../validate.ts";
import { constant, ones, zeros } from "./constant.ts";
import { randomNormal, randomUniform, truncatedNormal } from "./random.ts";
import {
  glorotNormal,
  glorotUniform,
  heNormal,
  heUniform,
  lecunNormal,
  lecunUniform,
  varianceScaling,
} from "./variance_scaling.ts";
import { orthogonal } from "./orthogonal.ts";
import { deltaOrthogonal, dirac, identity, sparse } from "./structured.ts";
import { binomial } from "./binomial.ts";

/** An initializer: a shape and options in, a tensor out. */
export type Initializer = (
  shape: readonly number[],
  // deno-lint-ignore no-explicit-any
  options?: BaseOptions & Record<string, any>,
) => tf.Tensor;

/** A config object: `{ name, ...options }` or Keras's `{ class_name, config }`. */
export type InitializerConfig =
  | { name: string; [option: string]: unknown }
  | { class_name: string; config?: Record<string, unknown> };

const TABLE: Record<string, Initializer> = {
  zeros,
  ones,
  constant,
  randomUniform,
  randomNormal,
  truncatedNormal,
  varianceScaling,
  glorotUniform,
  glorotNormal,
  heUniform,
  heNormal,
  lecunUniform,
  lecunNormal,
  orthogonal,
  identity,
  dirac,
  deltaOrthogonal,
  sparse,
  binomial,
};

/** Other names people use for the same initializers. */
const ALIASES: Record<string, string> = {
  zero: "zeros",
  one: "ones",
  uniform: "randomUniform",
  normal: "randomNormal",
  xavierUniform: "glorotUniform",
  xavierNormal: "glorotNormal",
  kaimingUniform: "heUniform",
  kaimingNormal: "heNormal",
  eye: "identity",
  deltaOrthogonalInitializer: "deltaOrthogonal",
  binomialInitializer: "binomial",
  bernoulli: "binomial",
};

/** `glorot_uniform`, `glorotUniform`, `GlorotUniform` and `LeCunNormal` all normalise alike. */
function normalise(name: string): string {
  return name.replace(/[_\-\s]/g, "").toLowerCase();
}

function snake(name: string): string {
  return name.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
}

const LOOKUP = new Map<string, string>();
for (const name of Object.keys(TABLE)) LOOKUP.set(normalise(name), name);
for (const [alias, name] of Object.entries(ALIASES)) {
  LOOKUP.set(normalise(alias), name);
}

/** The canonical names {@linkcode getInitializer} accepts (snake_case and class-name forms work too). */
export const INITIALIZER_NAMES: readonly string[] = Object.freeze(
  Object.keys(TABLE),
);

function distance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let diagonal = row[0];
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const up = row[j];
      row[j] = Math.min(
        row[j] + 1,
        row[j - 1] + 1,
        diagonal + (a[i - 1] === b[j - 1] ? 0 : 1),
      );
      diagonal = up;
    }
  }
  return row[b.length];
}

function resolve(name: string, fn: string, arg: string): string {
  const found = LOOKUP.get(normalise(name));
  if (found !== undefined) return found;
  const target = normalise(name);
  let best = INITIALIZER_NAMES[0];
  let bestDistance = Infinity;
  for (const [key, canonical] of LOOKUP) {
    const d = distance(target, key);
    if (d < bestDistance) {
      bestDistance = d;
      best = canonical;
    }
  }
  const style = name.includes("_") || name === name.toLowerCase()
    ? snake
    : (s: string) => s;
  throw new RangeError(
    `${message(fn, arg, "an initializer's name", name)} (did you mean ${
      JSON.stringify(style(best))
    }? Available initializers: ${INITIALIZER_NAMES.map(style).join(", ")})`,
  );
}

const VALUE_NAMES: Record<string, string> = {
  fan_in: "fanIn",
  fan_out: "fanOut",
  fan_avg: "fanAvg",
  truncated_normal: "truncatedNormal",
  untruncated_normal: "normal",
};

/** Turns a snake_case config (Keras, Ember ML) into our options. */
function toOptions(config: Record<string, unknown>): Record<string, unknown> {
  const options: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(config)) {
    if (value === null || value === undefined) continue; // Keras writes seed: null
    const camel = key.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase());
    options[camel] = typeof value === "string" && value in VALUE_NAMES &&
        (camel === "mode" || camel === "distribution")
      ? VALUE_NAMES[value]
      : value;
  }
  return options;
}

/**
 * An initializer by name or by config.
 *
 * Names may be written as in Ember ML and Keras (`"glorot_uniform"`,
 * `"he_normal"`, `"random_normal"`, `"binomial"`), in camelCase
 * (`"glorotUniform"`), or as tfjs/Keras class names (`"GlorotUniform"`,
 * `"VarianceScaling"`); PyTorch's `"xavier_*"` and `"kaiming_*"` are aliases.
 * A config is `{ name, ...options }` or Keras's `{ class_name, config }`;
 * snake_case keys and values (`mode: "fan_in"`) are accepted. Options given
 * when calling the returned function override the config's.
 *
 * @param nameOrConfig A name or a config object.
 * @returns `(shape, options?) => tf.Tensor`.
 * @throws {RangeError} For an unknown name: the message lists the available
 * names and suggests the closest one. {TypeError} for anything else.
 *
 * @example
 * ```ts
 * import { initializers } from "../../mod.ts";
 * import { assertEquals } from "@std/assert";
 *
 * const init = initializers.getInitializer("glorot_uniform");
 * const w = init([3, 4], { seed: 0 });
 * const same = initializers.getInitializer({ class_name: "GlorotUniform", config: { seed: 0 } })([3, 4]);
 * assertEquals(await w.data(), await same.data());
 * w.dispose();
 * same.dispose();
 * ```
 */
export function getInitializer(
  nameOrConfig: string | InitializerConfig,
): Initializer {
  return initializerFor(nameOrConfig, "getInitializer", "nameOrConfig");
}

/**
 * {@linkcode getInitializer} for `fn`, the function the user called, whose
 * argument `arg` is the name or config (`Parameter.initialize`, `NCP`).
 */
export function initializerFor(
  nameOrConfig: string | InitializerConfig,
  fn: string,
  arg: string,
): Initializer {
  const { name, options: preset } = parseInitializerConfig(
    nameOrConfig,
    fn,
    arg,
  );
  const init = TABLE[name];
  if (typeof nameOrConfig === "string") return init;
  return (shape, options) => init(shape, { ...preset, ...options });
}

/**
 * What a name or config resolves to, without drawing anything: the canonical
 * name (one of {@linkcode INITIALIZER_NAMES}) and the config's options in
 * camelCase, as {@linkcode getInitializer} passes them to the initializer.
 *
 * @param nameOrConfig A name or a config object, as for `getInitializer`.
 * @param fn The function the user called, for error messages.
 * @param arg The argument's path, for error messages.
 * @returns `{ name, options }` (`options` is `{}` for a plain name).
 * @throws {RangeError} For an unknown name; {TypeError} for anything else.
 *
 * @example
 * ```ts
 * import { parseInitializerConfig } from "./registry.ts";
 * import { assertEquals } from "@std/assert";
 *
 * assertEquals(
 *   parseInitializerConfig({ class_name: "VarianceScaling", config: { mode: "fan_avg", seed: null } }),
 *   { name: "varianceScaling", options: { mode: "fanAvg" } },
 * );
 * ```
 */
export function parseInitializerConfig(
  nameOrConfig: string | InitializerConfig,
  fn = "getInitializer",
  arg = "nameOrConfig",
): { name: string; options: Record<string, unknown> } {
  if (typeof nameOrConfig === "string") {
    return { name: resolve(nameOrConfig, fn, arg), options: {} };
  }
  if (nameOrConfig === null || typeof nameOrConfig !== "object") {
    throw typeError(
      fn,
      arg,
      "an initializer's name or a config object",
      nameOrConfig,
    );
  }
  let name: unknown;
  let config: Record<string, unknown>;
  if ("class_name" in nameOrConfig) {
    name = nameOrConfig.class_name;
    config = (nameOrConfig.config ?? {}) as Record<string, unknown>;
  } else {
    const { name: n, ...rest } = nameOrConfig as { name: unknown };
    name = n;
    config = rest;
  }
  if (typeof name !== "string") {
    throw typeError(
      fn,
      arg,
      'a config with a string "name" or "class_name"',
      nameOrConfig,
    );
  }
  const at = "class_name" in nameOrConfig ? "class_name" : "name";
  return {
    name: resolve(name, fn, `${arg}.${at}`),
    options: toOptions(config),
  };
}
