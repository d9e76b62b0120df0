/**
 * The restricted pickle reader against Python's own pickler: the same data
 * pickled under protocols 0 to 5 reads back to what Python says it is; every
 * global goes through the policy; malformed input is refused at its byte.
 */
import { assertEquals, assertThrows } from "@std/assert";
import {
  PickleDict,
  PickleError,
  type PicklePolicy,
  PickleTuple,
  unpickle,
} from "../../lib/io/_pickle.ts";
import { HAVE_PYTHON, runPythonWith } from "../_python.ts";

/** Refuses every global, call, BUILD and persistent id. */
const STRICT: PicklePolicy = {
  global(module, name) {
    throw new Error(`global ${module}.${name}`);
  },
  call() {
    throw new Error("call");
  },
  build() {
    throw new Error("build");
  },
  persistent() {
    throw new Error("persistent");
  },
};

/** A value in the canonical JSON form the Python side writes. */
function canon(v: unknown): unknown {
  if (v instanceof PickleDict) {
    return { dict: [...v.entries].map(([k, x]) => [canon(k), canon(x)]) };
  }
  if (v instanceof PickleTuple) return { tuple: v.items.map(canon) };
  if (Array.isArray(v)) return { list: v.map(canon) };
  if (v instanceof Set) return { set: [...v].map(canon) };
  if (v instanceof Uint8Array) {
    return {
      bytes: Array.from(v, (b) => b.toString(16).padStart(2, "0")).join(""),
    };
  }
  if (typeof v === "bigint") return { int: v.toString() };
  return v;
}

const PYTHON = `
import json, pickle, sys
shared = [1, 2]
values = {
  "ints": [0, 1, 255, 256, 65535, 65536, -1, -129, 2**31 - 1, -2**31, 2**31,
           2**53 - 1, 2**63, -2**70, 10**30],
  "floats": [0.0, -0.0, 1.5, 1e300, -2.5e-300, 3.141592653589793],
  "strings": ["", "a", "é", "日本語", "🙂", "x" * 300, "back\\\\slash\\nnewline"],
  "consts": [None, True, False],
  "tuples": [(), (1,), (1, 2), (1, 2, 3), (1, 2, 3, 4)],
  "nested": {"a": {"b": [{"c": (1, "d")}]}, 3: "int key", None: [], True: {}},
  "shared": [shared, shared],
  "long list": list(range(70000)),
}
def canon(v):
    if isinstance(v, bool) or v is None or isinstance(v, float) or isinstance(v, str):
        return v
    if isinstance(v, int):
        return v if abs(v) <= 2**53 - 1 else {"int": str(v)}
    if isinstance(v, dict):
        return {"dict": [[canon(k), canon(x)] for k, x in v.items()]}
    if isinstance(v, tuple):
        return {"tuple": [canon(x) for x in v]}
    if isinstance(v, list):
        return {"list": [canon(x) for x in v]}
    if isinstance(v, (set, frozenset)):
        return {"set": [canon(x) for x in v]}
    if isinstance(v, bytes):
        return {"bytes": v.hex()}
    raise TypeError(v)
out = []
for protocol in range(6):
    data = dict(values)
    if protocol >= 3:
        data["bytes"] = [b"", b"\\x00\\xff", bytes(range(256)) * 2]
    if protocol >= 4:
        data["sets"] = [set(), {1, 2, 3}, frozenset(["a"])]
    out.append({"protocol": protocol, "hex": pickle.dumps(data, protocol=protocol).hex(),
                "value": canon(data)})
json.dump(out, sys.stdout)
`;

function hex(s: string): Uint8Array {
  return Uint8Array.from(s.match(/../g) ?? [], (b) => parseInt(b, 16));
}

Deno.test({
  name:
    "unpickle reads Python's pickles of every protocol (0 to 5) to Python's values",
  ignore: !HAVE_PYTHON,
  fn: async () => {
    const cases = JSON.parse(await runPythonWith(PYTHON, "")) as {
      protocol: number;
      hex: string;
      value: unknown;
    }[];
    assertEquals(cases.map((c) => c.protocol), [0, 1, 2, 3, 4, 5]);
    for (const c of cases) {
      const bytes = hex(c.hex);
      const { value, end } = unpickle(bytes, STRICT);
      assertEquals(end, bytes.length, `protocol ${c.protocol}`);
      assertEquals(canon(value), c.value, `protocol ${c.protocol}`);
    }
  },
});

Deno.test("unpickle: a shared object is one object; the result ends at STOP, and a second pickle can follow", () => {
  // [l, l] with l = []: EMPTY_LIST, MARK, EMPTY_LIST, BINPUT 0, BINGET 0, APPENDS, STOP
  const bytes = Uint8Array.of(
    0x80,
    2,
    0x5d,
    0x28,
    0x5d,
    0x71,
    0,
    0x68,
    0,
    0x65,
    0x2e,
    0x80,
    2,
    0x4e,
    0x2e,
  );
  const first = unpickle(bytes, STRICT);
  const [a, b] = first.value as unknown[];
  assertEquals(a === b, true);
  assertEquals(first.end, 11);
  assertEquals(unpickle(bytes, STRICT, first.end), { value: null, end: 15 });
});

Deno.test("unpickle: APPENDS of a million items (Python writes batches of 1000) reads", () => {
  const n = 1_000_000;
  const bytes = new Uint8Array(5 + n + 2);
  bytes.set([0x80, 2, 0x5d, 0x28]);
  bytes.fill(0x4e, 4, 4 + n); // NONE
  bytes.set([0x65, 0x2e], 4 + n); // APPENDS, STOP
  const { value } = unpickle(bytes.subarray(0, 4 + n + 2), STRICT);
  assertEquals((value as unknown[]).length, n);
});

Deno.test("unpickle refuses malformed pickles at their byte, and says when they only ended early", () => {
  const cases: [number[], string, boolean][] = [
    [[0x80, 2, 0x4e], "the pickle ends without STOP", true],
    [[0x80, 2, 0x58, 9, 0, 0, 0, 0x61], "ends inside opcode 0x58", true],
    [[0x80, 6, 0x4e, 0x2e], "pickle protocol 6", false],
    [[0x80, 2, 0x2e], "STOP with other than one value", false],
    [[0x80, 2, 0x61, 0x2e], "pops an empty stack", false],
    [[0x80, 2, 0x68, 7, 0x2e], "memo 7 is read before it is written", false],
    [[0x80, 2, 0x4e, 0x61, 0x2e], "reads an empty stack", false],
    [[0x80, 2, 0x5d, 0x28, 0x4e, 0x61, 0x2e], "reads an empty stack", false],
    [
      [0x80, 2, 0x4e, 0x4e, 0x61, 0x2e],
      "APPEND to something not a list",
      false,
    ],
    [[0x80, 2, 0x65, 0x2e], "needs a MARK", false],
    [[0x80, 2, 0x8c, 2, 0xc3, 0x28, 0x2e], "not valid UTF-8", false],
    [[0x80, 2, 0x8b, 0, 1, 0, 0, 0x2e], "an integer of 256 bytes", false],
    [[0x80, 2, 0x63, 0x6f, 0x73, 0x0a, 0x73, 0x0a, 0x2e], "global os.s", false],
    [[0x80, 2, 0x4e, 0x51, 0x2e], "persistent", false],
  ];
  for (const [bytes, message, truncated] of cases) {
    const error = assertThrows(
      () => unpickle(Uint8Array.from(bytes), STRICT),
      Error,
      message,
    );
    if (error instanceof PickleError) {
      assertEquals(error.truncated, truncated, message);
    } else {
      assertEquals(truncated, false, message);
    }
  }
});
