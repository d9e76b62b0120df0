/**
 * A strict, iterative JSON parser for safetensors headers.
 *
 * Unlike `JSON.parse` it rejects duplicate keys (which `JSON.parse` resolves
 * silently by keeping the last), unpaired UTF-16 surrogates in `\u` escapes,
 * and nesting deeper than a limit. It keeps its own stack, so no input can
 * overflow the call stack, and it runs in time linear in the input.
 *
 * Objects come back as `Map`s (in key order), so keys such as `"__proto__"`
 * are plain data.
 *
 * @module
 */

/** A parsed JSON value; objects are `Map`s in key order. */
export type JsonValue =
  | null
  | boolean
  | number
  | string
  | JsonValue[]
  | JsonObject;

/** A parsed JSON object. */
export type JsonObject = Map<string, JsonValue>;

/** A syntax error, with the position (in UTF-16 code units) where it was found. */
export class JsonSyntaxError extends Error {
  /** Where in the text the error was found. */
  readonly position: number;
  /** For a duplicate key: the key, and the depth of its object (1 for the top level). */
  readonly duplicate?: { key: string; depth: number };

  constructor(
    message: string,
    position: number,
    duplicate?: { key: string; depth: number },
  ) {
    super(`${message} at character ${position}`);
    this.name = "JsonSyntaxError";
    this.position = position;
    if (duplicate !== undefined) this.duplicate = duplicate;
  }
}

/** The default nesting limit: far more than a safetensors header needs (3). */
const DEFAULT_MAX_DEPTH = 64;

const NUMBER = /-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?/y;
// A run of characters that need no attention inside a string.
// deno-lint-ignore no-control-regex
const PLAIN = /[^"\\\u0000-\u001f]*/y;
const HEX4 = /^[0-9a-fA-F]{4}$/;
/** The one-character escapes (after the backslash) and what they stand for. */
const ESCAPES: ReadonlyMap<string, string> = new Map([
  ['"', '"'],
  ["\\", "\\"],
  ["/", "/"],
  ["b", "\b"],
  ["f", "\f"],
  ["n", "\n"],
  ["r", "\r"],
  ["t", "\t"],
]);

type Frame =
  | { array: JsonValue[] }
  | { object: JsonObject; key: string };

/**
 * Parses `text` as one JSON value (RFC 8259), rejecting duplicate object
 * keys, unpaired surrogate escapes and nesting deeper than `maxDepth`.
 *
 * @throws {JsonSyntaxError} On any deviation from the grammar.
 */
export function parseStrictJson(
  text: string,
  maxDepth: number = DEFAULT_MAX_DEPTH,
): JsonValue {
  const length = text.length;
  let pos = 0;
  const stack: Frame[] = [];

  const fail = (message: string, at = pos): never => {
    throw new JsonSyntaxError(message, at);
  };
  const describe = (at: number): string =>
    at >= length ? "end of input" : `${JSON.stringify(text[at])}`;
  const skipSpace = (): void => {
    while (pos < length) {
      const c = text.charCodeAt(pos);
      if (c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09) pos++;
      else break;
    }
  };
  const readString = (): string => {
    // text[pos] is the opening quote.
    pos++;
    let out = "";
    for (;;) {
      PLAIN.lastIndex = pos;
      PLAIN.test(text);
      out += text.slice(pos, PLAIN.lastIndex);
      pos = PLAIN.lastIndex;
      if (pos >= length) fail("unterminated string");
      const c = text.charCodeAt(pos);
      if (c === 0x22) {
        pos++;
        return out;
      }
      if (c < 0x20) fail("unescaped control character in a string");
      // A backslash.
      const e = text[pos + 1];
      const simple = ESCAPES.get(e);
      if (simple !== undefined) {
        out += simple;
        pos += 2;
      } else if (e === "u") {
        const unit = readHex(pos + 2);
        pos += 6;
        if (unit >= 0xd800 && unit <= 0xdbff) {
          if (text[pos] !== "\\" || text[pos + 1] !== "u") {
            fail("unpaired surrogate escape", pos - 6);
          }
          const low = readHex(pos + 2);
          if (low < 0xdc00 || low > 0xdfff) {
            fail("unpaired surrogate escape", pos - 6);
          }
          out += String.fromCharCode(unit, low);
          pos += 6;
        } else if (unit >= 0xdc00 && unit <= 0xdfff) {
          fail("unpaired surrogate escape", pos - 6);
        } else {
          out += String.fromCharCode(unit);
        }
      } else {
        fail(`invalid escape \\${e === undefined ? "" : e}`);
      }
    }
  };
  const readHex = (at: number): number => {
    const digits = text.slice(at, at + 4);
    if (!HEX4.test(digits)) fail("invalid \\u escape", at - 2);
    return parseInt(digits, 16);
  };
  const readKey = (object: JsonObject, depth: number): string => {
    skipSpace();
    if (text.charCodeAt(pos) !== 0x22) {
      fail(`expected a string key, found ${describe(pos)}`);
    }
    const start = pos;
    const key = readString();
    if (object.has(key)) {
      throw new JsonSyntaxError(
        `duplicate key ${JSON.stringify(key.slice(0, 200))}`,
        start,
        { key, depth },
      );
    }
    skipSpace();
    if (text.charCodeAt(pos) !== 0x3a) {
      fail(`expected ":" after a key, found ${describe(pos)}`);
    }
    pos++;
    return key;
  };
  const literal = (word: string, value: JsonValue): JsonValue => {
    if (text.startsWith(word, pos)) {
      pos += word.length;
      return value;
    }
    return fail(`unexpected ${describe(pos)}`);
  };

  for (;;) {
    // Read one value, or open a container.
    skipSpace();
    let value: JsonValue;
    const c = text.charCodeAt(pos);
    if (c === 0x7b || c === 0x5b) {
      if (stack.length >= maxDepth) {
        fail(`nesting deeper than ${maxDepth} levels`);
      }
      pos++;
      skipSpace();
      if (c === 0x7b) {
        const object: JsonObject = new Map();
        if (text.charCodeAt(pos) === 0x7d) {
          pos++;
          value = object;
        } else {
          stack.push({ object, key: readKey(object, stack.length + 1) });
          continue;
        }
      } else {
        const array: JsonValue[] = [];
        if (text.charCodeAt(pos) === 0x5d) {
          pos++;
          value = array;
        } else {
          stack.push({ array });
          continue;
        }
      }
    } else if (c === 0x22) {
      value = readString();
    } else if (c === 0x2d || (c >= 0x30 && c <= 0x39)) {
      NUMBER.lastIndex = pos;
      if (!NUMBER.test(text)) fail(`invalid number`);
      value = Number(text.slice(pos, NUMBER.lastIndex));
      pos = NUMBER.lastIndex;
    } else if (c === 0x74) {
      value = literal("true", true);
    } else if (c === 0x66) {
      value = literal("false", false);
    } else if (c === 0x6e) {
      value = literal("null", null);
    } else {
      value = fail(`unexpected ${describe(pos)}`);
    }

    // Attach the value to its container, closing containers as they end.
    for (;;) {
      const top = stack.at(-1);
      if (top === undefined) {
        skipSpace();
        if (pos < length) fail(`unexpected ${describe(pos)} after the value`);
        return value;
      }
      skipSpace();
      const next = text.charCodeAt(pos);
      if ("array" in top) {
        top.array.push(value);
        if (next === 0x2c) {
          pos++;
          break;
        }
        if (next !== 0x5d) {
          fail(`expected "," or "]" in an array, found ${describe(pos)}`);
        }
        pos++;
        stack.pop();
        value = top.array;
      } else {
        top.object.set(top.key, value);
        if (next === 0x2c) {
          pos++;
          top.key = readKey(top.object, stack.length);
          break;
        }
        if (next !== 0x7d) {
          fail(`expected "," or "}" in an object, found ${describe(pos)}`);
        }
        pos++;
        stack.pop();
        value = top.object;
      }
    }
  }
}
