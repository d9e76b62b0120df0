/**
 * A restricted reader of Python pickles: the stack machine of pickle
 * protocols 0 to 5 for the data a weights file holds (numbers, strings,
 * bytes, lists, tuples, dicts, sets), in which every global, every call and
 * every persistent id goes through the caller's policy.
 *
 * A pickle is a program: Python's unpickler imports whatever module a GLOBAL
 * names and calls it, so loading an untrusted pickle runs its author's code.
 * Here nothing is imported or run: a GLOBAL becomes whatever value the
 * caller's {@linkcode PicklePolicy.global} gives for its name (a token, a
 * placeholder, or a refusal), and REDUCE, NEWOBJ and BUILD hand that value
 * and plain data to the caller's own functions.
 *
 * Limits: the input is bounded by its own length (every opcode consumes
 * bytes, every length is checked against what is left), so a hostile pickle
 * can make at most as many objects as it has bytes. Memo indices are kept in
 * a Map, so a large index allocates nothing.
 *
 * @module
 */

/** A Python tuple (lists are arrays; tuples keep their own type). */
export class PickleTuple {
  /** The items. */
  readonly items: readonly unknown[];
  /** @param items The items. */
  constructor(items: readonly unknown[]) {
    this.items = items;
  }
}

/** A Python dict (or OrderedDict), in insertion order. */
export class PickleDict {
  /** The entries; keys are strings, numbers, bigints, booleans or null. */
  readonly entries: Map<unknown, unknown> = new Map();
}

/** What a pickle may do, decided by its reader. */
export interface PicklePolicy {
  /**
   * The value standing for `GLOBAL module name`; throws for a global it
   * refuses. The value is only ever passed back to `call`, never run.
   */
  global(module: string, name: string): unknown;
  /** The result of calling `fn` (a value from `global`) with `args`. */
  call(fn: unknown, args: readonly unknown[]): unknown;
  /** Applies BUILD's `state` to `target`; throws where it refuses. */
  build(target: unknown, state: unknown): void;
  /** The object a persistent id stands for; throws where it refuses. */
  persistent(pid: unknown): unknown;
}

/** An error at a place in a pickle. */
export class PickleError extends Error {
  /** Whether the pickle only ended too soon (more bytes may complete it). */
  readonly truncated: boolean;
  /**
   * @param message What is wrong.
   * @param at The byte it was found at.
   * @param truncated Whether the bytes ended too soon.
   */
  constructor(message: string, at: number, truncated = false) {
    super(`${message} (pickle byte ${at})`);
    this.name = "PickleError";
    this.truncated = truncated;
  }
}

/** The result of {@linkcode unpickle}: the value, and where STOP ended it. */
export interface Unpickled {
  /** The pickled value. */
  value: unknown;
  /** The offset just past the STOP opcode. */
  end: number;
}

/**
 * Runs the pickle that starts at `start` in `bytes` under `policy`, to its
 * STOP opcode.
 *
 * @throws {PickleError} For an opcode it does not know, a truncated or
 * malformed pickle, or an operation on a value of the wrong kind; errors the
 * policy throws pass through.
 */
export function unpickle(
  bytes: Uint8Array,
  policy: PicklePolicy,
  start = 0,
): Unpickled {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const latin1 = new TextDecoder("latin1");
  const utf8 = new TextDecoder("utf-8", { fatal: true });
  const stack: unknown[] = [];
  const marks: number[] = [];
  const memo = new Map<number, unknown>();
  let p = start;
  let op = 0;
  let at = start;

  const fail = (message: string): never => {
    throw new PickleError(message, at);
  };
  const ended = (message: string): never => {
    throw new PickleError(message, at, true);
  };
  const need = (n: number): number => {
    if (n < 0) fail(`a negative length in opcode 0x${op.toString(16)}`);
    if (p + n > bytes.length) {
      ended(`the pickle ends inside opcode 0x${op.toString(16)}`);
    }
    const q = p;
    p += n;
    return q;
  };
  const line = (): string => {
    const end = bytes.indexOf(0x0a, p);
    if (end < 0) ended("the pickle ends inside a text argument");
    const text = latin1.decode(bytes.subarray(p, end));
    p = end + 1;
    return text;
  };
  const pop = (): unknown => {
    if (stack.length === 0 || stack.length <= (marks.at(-1) ?? -1)) {
      fail("an opcode pops an empty stack");
    }
    return stack.pop();
  };
  const top = (): unknown => {
    if (stack.length === 0 || stack.length <= (marks.at(-1) ?? -1)) {
      fail("an opcode reads an empty stack");
    }
    return stack[stack.length - 1];
  };
  const popMark = (): unknown[] => {
    const mark = marks.pop();
    if (mark === undefined) fail("an opcode needs a MARK that is not there");
    return stack.splice(mark!);
  };
  const text = (n: number): string => {
    const q = need(n);
    try {
      return utf8.decode(bytes.subarray(q, q + n));
    } catch {
      return fail("a string is not valid UTF-8");
    }
  };
  const long = (n: number): bigint | number => {
    // Python ints of any size; more than 64 bytes is no weights file's.
    if (n > 64) fail(`an integer of ${n} bytes`);
    const q = need(n);
    if (n === 0) return 0;
    let value = 0n;
    for (let i = n - 1; i >= 0; i--) {
      value = (value << 8n) | BigInt(bytes[q + i]);
    }
    if (bytes[q + n - 1] & 0x80) value -= 1n << BigInt(8 * n);
    return Number.isSafeInteger(Number(value)) ? Number(value) : value;
  };
  const list = (): unknown[] => {
    const target = top();
    if (!Array.isArray(target)) fail("APPEND to something not a list");
    return target as unknown[];
  };
  const dict = (target: unknown): PickleDict => {
    if (!(target instanceof PickleDict)) {
      fail("SETITEM on something not a dict");
    }
    return target as PickleDict;
  };
  const put = (index: number) => memo.set(index, top());
  const get = (index: number): void => {
    if (!memo.has(index)) fail(`memo ${index} is read before it is written`);
    stack.push(memo.get(index));
  };

  for (;;) {
    at = p;
    if (p >= bytes.length) ended("the pickle ends without STOP");
    op = bytes[p++];
    switch (op) {
      case 0x80: // PROTO
        if (bytes[need(1)] > 5) fail(`pickle protocol ${bytes[p - 1]}`);
        break;
      case 0x95: // FRAME
        need(8);
        break;
      case 0x2e: // STOP
        if (stack.length !== 1 || marks.length !== 0) {
          fail("STOP with other than one value on the stack");
        }
        return { value: stack[0], end: p };
      case 0x28: // MARK
        marks.push(stack.length);
        break;
      case 0x30: // POP
        if (marks.length > 0 && marks.at(-1) === stack.length) marks.pop();
        else pop();
        break;
      case 0x31: // POP_MARK
        popMark();
        break;
      case 0x32: // DUP
        stack.push(top());
        break;
      case 0x4e: // NONE
        stack.push(null);
        break;
      case 0x88: // NEWTRUE
        stack.push(true);
        break;
      case 0x89: // NEWFALSE
        stack.push(false);
        break;
      case 0x4a: // BININT
        stack.push(view.getInt32(need(4), true));
        break;
      case 0x4b: // BININT1
        stack.push(bytes[need(1)]);
        break;
      case 0x4d: // BININT2
        stack.push(view.getUint16(need(2), true));
        break;
      case 0x8a: // LONG1
        stack.push(long(bytes[need(1)]));
        break;
      case 0x8b: // LONG4
        stack.push(long(view.getInt32(need(4), true)));
        break;
      case 0x49: { // INT (text; "01" and "00" are True and False)
        const t = line();
        if (t === "01" || t === "00") stack.push(t === "01");
        else if (/^[-+]?\d+$/.test(t)) stack.push(Number(t));
        else fail(`INT ${JSON.stringify(t)}`);
        break;
      }
      case 0x4c: { // LONG (text)
        const t = line().replace(/L$/, "");
        if (!/^[-+]?\d+$/.test(t)) fail(`LONG ${JSON.stringify(t)}`);
        const v = BigInt(t);
        stack.push(Number.isSafeInteger(Number(v)) ? Number(v) : v);
        break;
      }
      case 0x47: // BINFLOAT (big-endian)
        stack.push(view.getFloat64(need(8), false));
        break;
      case 0x46: { // FLOAT (text)
        const v = Number(line());
        if (Number.isNaN(v)) fail("FLOAT is not a number");
        stack.push(v);
        break;
      }
      case 0x58: // BINUNICODE
        stack.push(text(view.getUint32(need(4), true)));
        break;
      case 0x56: // UNICODE (text, raw-unicode-escape)
        stack.push(
          line().replace(
            /\\u([0-9a-fA-F]{4})|\\U([0-9a-fA-F]{8})/g,
            (_, u, U) => String.fromCodePoint(parseInt(u ?? U, 16)),
          ),
        );
        break;
      case 0x8c: // SHORT_BINUNICODE
        stack.push(text(bytes[need(1)]));
        break;
      case 0x8d: { // BINUNICODE8
        const n = view.getBigUint64(need(8), true);
        if (n > BigInt(Number.MAX_SAFE_INTEGER)) fail("a string too long");
        stack.push(text(Number(n)));
        break;
      }
      case 0x55: { // SHORT_BINSTRING (Python 2 str)
        const n = bytes[need(1)];
        stack.push(latin1.decode(bytes.subarray(need(n), p)));
        break;
      }
      case 0x54: { // BINSTRING
        const n = view.getInt32(need(4), true);
        stack.push(latin1.decode(bytes.subarray(need(n), p)));
        break;
      }
      case 0x43: { // SHORT_BINBYTES
        const n = bytes[need(1)];
        stack.push(bytes.slice(need(n), p));
        break;
      }
      case 0x42: { // BINBYTES
        const n = view.getUint32(need(4), true);
        stack.push(bytes.slice(need(n), p));
        break;
      }
      case 0x8e: { // BINBYTES8
        const n = view.getBigUint64(need(8), true);
        if (n > BigInt(Number.MAX_SAFE_INTEGER)) fail("bytes too long");
        stack.push(bytes.slice(need(Number(n)), p));
        break;
      }
      case 0x5d: // EMPTY_LIST
        stack.push([]);
        break;
      case 0x6c: // LIST
        stack.push(popMark());
        break;
      case 0x7d: // EMPTY_DICT
        stack.push(new PickleDict());
        break;
      case 0x29: // EMPTY_TUPLE
        stack.push(new PickleTuple([]));
        break;
      case 0x74: // TUPLE
        stack.push(new PickleTuple(popMark()));
        break;
      case 0x85: // TUPLE1
        stack.push(new PickleTuple([pop()]));
        break;
      case 0x86: { // TUPLE2
        const b = pop();
        stack.push(new PickleTuple([pop(), b]));
        break;
      }
      case 0x87: { // TUPLE3
        const c = pop();
        const b = pop();
        stack.push(new PickleTuple([pop(), b, c]));
        break;
      }
      case 0x61: { // APPEND
        const value = pop();
        list().push(value);
        break;
      }
      case 0x65: { // APPENDS
        const items = popMark();
        const target = list();
        // One by one: a spread of a hostile million items overflows the call stack.
        for (const item of items) target.push(item);
        break;
      }
      case 0x64: { // DICT
        const items = popMark();
        const d = new PickleDict();
        for (let i = 0; i + 1 < items.length; i += 2) {
          d.entries.set(items[i], items[i + 1]);
        }
        stack.push(d);
        break;
      }
      case 0x73: { // SETITEM
        const value = pop();
        const key = pop();
        dict(top()).entries.set(key, value);
        break;
      }
      case 0x75: { // SETITEMS
        const items = popMark();
        if (items.length % 2 !== 0) fail("SETITEMS with an odd count");
        const d = dict(top());
        for (let i = 0; i < items.length; i += 2) {
          d.entries.set(items[i], items[i + 1]);
        }
        break;
      }
      case 0x8f: // EMPTY_SET
        stack.push(new Set());
        break;
      case 0x90: { // ADDITEMS
        const items = popMark();
        const target = top();
        if (!(target instanceof Set)) fail("ADDITEMS to something not a set");
        for (const item of items) (target as Set<unknown>).add(item);
        break;
      }
      case 0x91: // FROZENSET
        stack.push(new Set(popMark()));
        break;
      case 0x63: { // GLOBAL
        const module = line();
        stack.push(policy.global(module, line()));
        break;
      }
      case 0x93: { // STACK_GLOBAL
        const name = pop();
        const module = pop();
        if (typeof module !== "string" || typeof name !== "string") {
          fail("STACK_GLOBAL of something not a string");
        }
        stack.push(policy.global(module as string, name as string));
        break;
      }
      case 0x52: { // REDUCE
        const args = pop();
        const fn = pop();
        if (!(args instanceof PickleTuple)) fail("REDUCE without a tuple");
        stack.push(policy.call(fn, (args as PickleTuple).items));
        break;
      }
      case 0x81: { // NEWOBJ
        const args = pop();
        const cls = pop();
        if (!(args instanceof PickleTuple)) fail("NEWOBJ without a tuple");
        stack.push(policy.call(cls, (args as PickleTuple).items));
        break;
      }
      case 0x62: { // BUILD
        const state = pop();
        policy.build(top(), state);
        break;
      }
      case 0x51: // BINPERSID
        stack.push(policy.persistent(pop()));
        break;
      case 0x50: // PERSID (text)
        stack.push(policy.persistent(line()));
        break;
      case 0x71: // BINPUT
        put(bytes[need(1)]);
        break;
      case 0x72: // LONG_BINPUT
        put(view.getUint32(need(4), true));
        break;
      case 0x94: // MEMOIZE
        put(memo.size);
        break;
      case 0x70: // PUT (text)
        put(Number(line()));
        break;
      case 0x68: // BINGET
        get(bytes[need(1)]);
        break;
      case 0x6a: // LONG_BINGET
        get(view.getUint32(need(4), true));
        break;
      case 0x67: // GET (text)
        get(Number(line()));
        break;
      default:
        fail(
          `opcode 0x${
            op.toString(16).padStart(2, "0")
          } is not one a weights file needs`,
        );
    }
  }
}
