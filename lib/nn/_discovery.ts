/**
 * Finding a Module's state by walking its own enumerable properties (no
 * registration calls, no Proxy), as tinygrad's `get_state_dict` does.
 *
 * @module
 */
import { tf } from "../tf.ts";
import { Parameter } from "./parameter.ts";

/** Something found: where it is, and how to replace it (buffers are immutable tensors). */
export interface Found<T> {
  name: string;
  value: T;
  /** Replaces the value at its place (used to load buffers). */
  set(value: T): void;
}

/** The kinds of state the walk reports. */
export interface Visitor {
  parameter?(found: Found<Parameter>): void;
  buffer?(found: Found<tf.Tensor>): void;
  /** Called for each module met (not for the root); return false to not descend. */
  module?(found: Found<object>): boolean | void;
}

function isPlainObject(value: object): boolean {
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/**
 * Walks `root`'s own enumerable properties in insertion order, and through
 * arrays, Maps and plain objects, recursively. A value met twice (a shared
 * Parameter, a cycle) is reported once, under its first name.
 *
 * @param isModule Whether a value is a Module (passed in to avoid an import cycle).
 */
export function walk(
  root: object,
  visitor: Visitor,
  isModule: (value: unknown) => boolean,
  prefix = "",
): void {
  const seen = new Set<object>([root]);
  const join = (a: string, b: string) => (a === "" ? b : `${a}.${b}`);

  const visit = (
    name: string,
    value: unknown,
    set: (v: unknown) => void,
  ): void => {
    if (value === null || typeof value !== "object") return;
    if (seen.has(value)) return;
    seen.add(value);
    if (value instanceof Parameter) {
      visitor.parameter?.({ name, value, set });
    } else if (value instanceof tf.Tensor) {
      visitor.buffer?.({ name, value, set });
    } else if (isModule(value)) {
      if (visitor.module?.({ name, value, set }) !== false) {
        children(value, name);
      }
    } else if (Array.isArray(value)) {
      value.forEach((item, i) =>
        visit(join(name, String(i)), item, (v) => {
          value[i] = v;
        })
      );
    } else if (value instanceof Map) {
      for (const [key, item] of value) {
        visit(join(name, String(key)), item, (v) => value.set(key, v));
      }
    } else if (isPlainObject(value)) {
      children(value, name);
    }
  };

  const children = (owner: object, name: string): void => {
    const record = owner as Record<string, unknown>;
    for (const key of Object.keys(owner)) {
      visit(join(name, key), record[key], (v) => {
        record[key] = v;
      });
    }
  };

  children(root, prefix);
}
