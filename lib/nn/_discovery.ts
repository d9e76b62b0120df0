/**
 * Finding a Module's state by walking its own enumerable properties (no
 * registration calls, no Proxy), as tinygrad's `get_state_dict` does.
 *
 * @module
 */
import { tf } from "../tf.ts";
import { Parameter } from "./parameter.ts";

/** Something found: its dotted name, where it is, and how to replace it. */
export interface Found<T> {
  /** The dotted state name (`layers.0._kernel`). */
  name: string;
  /** Where it was found, as a JavaScript path (`layers[0]._kernel`, `m.get("1")`). */
  where: string;
  value: T;
  /** Whether {@linkcode Found.set} can write its place (not frozen, not read-only). */
  writable(): boolean;
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

/** Options of {@linkcode walk}. */
export interface WalkOptions {
  /** Prepended to every name (with a dot). Default `""`. */
  prefix?: string;
  /**
   * Called when a place cannot be read (a getter that throws, a revoked
   * Proxy); the walk then goes on with the rest. Default: throw an Error
   * naming the place.
   */
  onError?: (where: string, error: unknown) => void;
}

/** One place to visit: how to name it, read it and write it. */
interface Place {
  name: string;
  where: string;
  read(): unknown;
  writable(): boolean;
  set(value: unknown): void;
}

function isPlainObject(value: object): boolean {
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

const IDENTIFIER = /^[A-Za-z_$][\w$]*$/;

/** `a.b` or `a["b.c"]`: a property access as JavaScript writes it. */
function property(where: string, key: string): string {
  const access = IDENTIFIER.test(key) ? `.${key}` : `[${JSON.stringify(key)}]`;
  return where === "" && access.startsWith(".") ? key : where + access;
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** Whether an object's own property `key` can be assigned. */
function canAssign(owner: object, key: string): boolean {
  if (Object.isFrozen(owner)) return false;
  const d = Object.getOwnPropertyDescriptor(owner, key);
  if (d === undefined) return Object.isExtensible(owner);
  return "value" in d ? d.writable === true : d.set !== undefined;
}

/** The places inside an object's own enumerable string-keyed properties. */
function propertiesOf(owner: object, name: string, where: string): Place[] {
  const record = owner as Record<string, unknown>;
  return Object.keys(owner).map((key) => ({
    name: name === "" ? key : `${name}.${key}`,
    where: property(where, key),
    read: () => record[key],
    writable: () => canAssign(owner, key),
    set: (v: unknown) => {
      record[key] = v;
    },
  }));
}

/** A Map key that cannot name state. */
class StateNameError extends TypeError {}

/** The places inside an array, a Map or a plain object. */
function placesIn(value: object, at: Place, label: string): Place[] {
  const join = (key: string) => at.name === "" ? key : `${at.name}.${key}`;
  if (Array.isArray(value)) {
    const array = value;
    return array.map((_, i) => ({
      name: join(String(i)),
      where: `${at.where}[${i}]`,
      read: () => array[i],
      writable: () => canAssign(array, String(i)),
      set: (v: unknown) => {
        array[i] = v;
      },
    }));
  }
  if (value instanceof Map) {
    const map = value;
    const places: Place[] = [];
    for (const key of map.keys()) {
      if (typeof key !== "string" && typeof key !== "number") {
        throw new StateNameError(
          `${label}: the Map at ${at.where} has a key of type ${
            key === null ? "null" : typeof key
          }; state names need string or number keys`,
        );
      }
      places.push({
        name: join(String(key)),
        where: `${at.where}.get(${JSON.stringify(key)})`,
        read: () => map.get(key),
        writable: () => true,
        set: (v: unknown) => {
          map.set(key, v);
        },
      });
    }
    return places;
  }
  return propertiesOf(value, at.name, at.where);
}

/**
 * Walks `root`'s own enumerable properties in insertion order, and through
 * arrays, Maps and plain objects, depth first, with an explicit stack (no
 * recursion, so any depth works). A value met twice (a shared Parameter, a
 * cycle) is reported once, under its first name.
 *
 * Names must be unique: two places that give the same dotted name (a
 * property `"layers.0"` beside `layers[0]`, Map keys `1` and `"1"`) are an
 * Error naming both. Map keys must be strings or numbers.
 *
 * @param root The module whose state is walked.
 * @param visitor What to call for parameters, buffers and modules.
 * @param isModule Whether a value is a Module (passed in to avoid an import cycle).
 * @param options `prefix`, `onError`.
 */
export function walk(
  root: object,
  visitor: Visitor,
  isModule: (value: unknown) => boolean,
  options: WalkOptions = {},
): void {
  const prefix = options.prefix ?? "";
  const label = root.constructor?.name ?? "Module";
  const onError = options.onError ?? ((where: string, error: unknown) => {
    throw new Error(`${label}: cannot read ${where}: ${messageOf(error)}`, {
      cause: error,
    });
  });
  const seen = new Set<object>([root]);
  const names = new Map<string, string>();
  const claim = (place: Place) => {
    const other = names.get(place.name);
    if (other !== undefined) {
      throw new Error(
        `${label}: two places give the state name "${place.name}": ${other} and ${place.where}; state names must be unique, so rename one`,
      );
    }
    names.set(place.name, place.where);
  };

  // Each frame lists the places inside one container, visited in order.
  const stack: { places: Place[]; next: number }[] = [];
  const push = (owner: object, name: string, where: string) => {
    let places: Place[];
    try {
      places = propertiesOf(owner, name, where);
    } catch (error) {
      onError(where === "" ? "its properties" : where, error);
      return;
    }
    stack.push({ places, next: 0 });
  };
  push(root, prefix, "");
  while (stack.length > 0) {
    const frame = stack[stack.length - 1];
    if (frame.next === frame.places.length) {
      stack.pop();
      continue;
    }
    const place = frame.places[frame.next++];
    // Reading a place and telling what it holds can throw (a getter, a
    // revoked Proxy: instanceof and Array.isArray throw on one).
    let value: unknown;
    let kind: "parameter" | "buffer" | "module" | "container" | "other";
    try {
      value = place.read();
      if (value === null || typeof value !== "object" || seen.has(value)) {
        continue;
      }
      kind = value instanceof Parameter
        ? "parameter"
        : value instanceof tf.Tensor
        ? "buffer"
        : isModule(value)
        ? "module"
        : Array.isArray(value) || value instanceof Map || isPlainObject(value)
        ? "container"
        : "other";
    } catch (error) {
      onError(place.where, error);
      continue;
    }
    seen.add(value);
    if (kind === "parameter") {
      claim(place);
      visitor.parameter?.({ ...place, value: value as Parameter });
    } else if (kind === "buffer") {
      claim(place);
      visitor.buffer?.({ ...place, value: value as tf.Tensor });
    } else if (kind === "module") {
      claim(place);
      if (visitor.module?.({ ...place, value }) !== false) {
        push(value, place.name, place.where);
      }
    } else if (kind === "container") {
      let places: Place[];
      try {
        places = placesIn(value, place, label);
      } catch (error) {
        if (error instanceof StateNameError) throw error;
        onError(place.where, error);
        continue;
      }
      stack.push({ places, next: 0 });
    }
  }
}
