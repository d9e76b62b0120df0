/**
 * A seeded fuzzer for the safetensors reader: valid files (ours and the
 * Python fixtures) are mutated (bit flips, byte changes, truncations, random
 * length fields, spliced and edited JSON, edited header fields, changed
 * data), and the reader may only ever fail with a SafetensorsError naming the
 * file. Most iterations read from memory through the same code as files; a
 * few hundred go through real files and the public functions.
 *
 * Every iteration draws from its own generator, seeded from (seed, iteration),
 * so one failure can be replayed alone: FUZZ_SEED=<seed> FUZZ_ITERATION=<i>.
 * FUZZ_ITERATIONS sets the number of in-memory iterations.
 */
import { assert, assertEquals, fail } from "@std/assert";
import { join } from "node:path";
import { tf } from "../../mod.ts";
import {
  iterateSafetensors,
  loadSafetensors,
  readSafetensorsHeader,
  SafetensorsError,
  saveSafetensors,
} from "../../lib/io/safetensors.ts";
import { iterateFrom, loadFrom, memorySource } from "../../lib/io/_format.ts";
import {
  matrixOf,
  openSafetensorsWeights,
} from "../../lib/io/_safetensors_file.ts";
import { FIXTURES } from "./_helpers.ts";
import { withTempDir } from "../_scoped.ts";

function env(name: string): string | undefined {
  const state =
    Deno.permissions.querySync({ name: "env", variable: name }).state;
  return state === "granted" ? Deno.env.get(name) : undefined;
}

const SEED = Number(env("FUZZ_SEED") ?? 0x5afe7e25) >>> 0;
const ONLY = env("FUZZ_ITERATION");
const MEMORY_ITERATIONS = Number(env("FUZZ_ITERATIONS") ?? 30_000);
const FILE_ITERATIONS = 500;

/** A xorshift32 generator seeded from (seed, iteration). */
class Rng {
  #s: number;
  constructor(seed: number, iteration: number) {
    let s = (seed ^ Math.imul(iteration + 1, 0x9e3779b9)) >>> 0;
    s = Math.imul(s ^ (s >>> 16), 0x85ebca6b) >>> 0;
    s = Math.imul(s ^ (s >>> 13), 0xc2b2ae35) >>> 0;
    this.#s = (s ^ (s >>> 16)) >>> 0 || 1;
  }
  next(): number {
    let s = this.#s;
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    this.#s = s >>> 0;
    return this.#s;
  }
  /** An integer in [0, n). */
  int(n: number): number {
    return n <= 0 ? 0 : Math.floor((this.next() / 2 ** 32) * n);
  }
  chance(p: number): boolean {
    return this.next() / 2 ** 32 < p;
  }
  pick<T>(items: readonly T[]): T {
    return items[this.int(items.length)];
  }
}

interface Parsed {
  header: Uint8Array;
  data: Uint8Array;
}

function split(bytes: Uint8Array): Parsed {
  const n = Number(
    new DataView(bytes.buffer, bytes.byteOffset).getBigUint64(0, true),
  );
  return { header: bytes.slice(8, 8 + n), data: bytes.slice(8 + n) };
}

function join8(
  header: Uint8Array,
  data: Uint8Array,
  length?: bigint,
): Uint8Array {
  const out = new Uint8Array(8 + header.length + data.length);
  new DataView(out.buffer).setBigUint64(
    0,
    length ?? BigInt(header.length),
    true,
  );
  out.set(header, 8);
  out.set(data, 8 + header.length);
  return out;
}

const text = new TextEncoder();
const TOKENS = [
  "{",
  "}",
  "[",
  "]",
  ",",
  ":",
  '"',
  "\\",
  "0",
  "-1",
  "1e309",
  "0.5",
  "9007199254740993",
  "null",
  "true",
  '"__metadata__"',
  '"dtype"',
  '"shape"',
  '"data_offsets"',
  '"F32"',
  '"I64"',
  '"BOOL"',
  '"F8_E5M2"',
  '"\\ud800"',
  "\u00ff",
  " ",
  "\n",
];
const DTYPES = [
  "F64",
  "F32",
  "F16",
  "BF16",
  "F8_E4M3",
  "F8_E5M2",
  "I64",
  "I32",
  "I16",
  "I8",
  "U64",
  "U32",
  "U16",
  "U8",
  "BOOL",
  "C64",
  "",
  "f32",
];
const INTERESTING = [
  0,
  1,
  0x7f,
  0x80,
  0xff,
  0x22,
  0x7b,
  0x7d,
  0x5b,
  0x5d,
  0x2c,
  0x3a,
  0x30,
  0x39,
  0x2d,
  0x20,
];
const WEIRD_VALUES: unknown[] = [
  -1,
  0,
  1,
  2.5,
  2 ** 31,
  2 ** 53,
  1e300,
  "3",
  null,
  true,
  [],
  {},
  [1, 2, 3],
];

/** A position: rarely in the length field, mostly in the header. */
function where(rng: Rng, length: number, headerEnd: number): number {
  if (rng.chance(0.03) || headerEnd <= 8) return rng.int(Math.min(8, length));
  return rng.chance(0.7) ? 8 + rng.int(headerEnd - 8) : rng.int(length);
}

type Mutator = (
  bytes: Uint8Array,
  rng: Rng,
  corpus: Uint8Array[],
) => Uint8Array;

const MUTATORS: Record<string, Mutator> = {
  bitFlips(bytes, rng) {
    const out = bytes.slice();
    const headerEnd = Math.min(out.length, 8 + split(bytes).header.length);
    for (let k = 1 + rng.int(8); k > 0; k--) {
      const at = where(rng, out.length, headerEnd);
      out[at] ^= 1 << rng.int(8);
    }
    return out;
  },
  byteSets(bytes, rng) {
    const out = bytes.slice();
    const headerEnd = Math.min(out.length, 8 + split(bytes).header.length);
    for (let k = 1 + rng.int(8); k > 0; k--) {
      const at = where(rng, out.length, headerEnd);
      out[at] = rng.chance(0.5) ? rng.pick(INTERESTING) : rng.int(256);
    }
    return out;
  },
  truncate(bytes, rng) {
    const dataStart = 8 + split(bytes).header.length;
    if (rng.chance(0.5) && dataStart < bytes.length) {
      return bytes.slice(0, dataStart + rng.int(bytes.length - dataStart));
    }
    return bytes.slice(0, rng.int(bytes.length));
  },
  lengthField(bytes, rng) {
    const out = bytes.slice();
    const view = new DataView(out.buffer);
    const n = view.getBigUint64(0, true);
    const choices = [
      () => (BigInt(rng.next()) << 32n) | BigInt(rng.next()),
      () => BigInt(rng.int(out.length + 16)),
      () => n + BigInt(rng.int(17) - 8),
      () => 2n ** 63n,
      () => 100_000_001n,
      () => 0n,
    ];
    let value = rng.pick(choices)();
    if (value < 0n) value = 0n;
    view.setBigUint64(0, value & (2n ** 64n - 1n), true);
    return out;
  },
  spliceJson(bytes, rng, corpus) {
    const a = split(bytes);
    const b = split(rng.pick(corpus)).header;
    const i = rng.int(a.header.length + 1);
    const j = rng.int(b.length + 1);
    const k = j + rng.int(b.length - j + 1);
    const l = i + rng.int(Math.min(64, a.header.length - i) + 1);
    const header = new Uint8Array([
      ...a.header.subarray(0, i),
      ...b.subarray(j, k),
      ...a.header.subarray(l),
    ]);
    return join8(
      header,
      rng.chance(0.8) ? a.data : a.data.subarray(0, rng.int(a.data.length + 1)),
    );
  },
  tokenEdit(bytes, rng) {
    const { header, data } = split(bytes);
    let h = Array.from(header);
    for (let k = 1 + rng.int(3); k > 0; k--) {
      const at = rng.int(h.length + 1);
      const op = rng.int(3);
      if (op === 0) h.splice(at, 0, ...text.encode(rng.pick(TOKENS)));
      else if (op === 1) h.splice(at, 1 + rng.int(8));
      else {h = [
          ...h.slice(0, at),
          ...h.slice(at, at + 1 + rng.int(32)),
          ...h.slice(at),
        ];}
    }
    return join8(new Uint8Array(h), data);
  },
  fieldEdit(bytes, rng) {
    const { header, data } = split(bytes);
    const json = JSON.parse(new TextDecoder().decode(header)) as Record<
      string,
      Record<string, unknown>
    >;
    const names = Object.keys(json).filter((n) => n !== "__metadata__");
    const op = rng.int(10);
    if (names.length === 0 || op === 9) {
      json.__metadata__ = { a: rng.pick(WEIRD_VALUES) as never, b: "x" };
    } else {
      const e = json[rng.pick(names)];
      const field = rng.pick(["dtype", "shape", "data_offsets"]);
      if (op === 0) e.dtype = rng.pick(DTYPES);
      else if (op === 1) delete e[field];
      else if (op === 2) e[field] = rng.pick(WEIRD_VALUES);
      else if (op === 3) {
        (e.shape as number[]).push(rng.pick([0, 1, 2, 3, 2 ** 40]));
      } else if (op === 4 && (e.shape as number[]).length > 0) {
        (e.shape as unknown[])[rng.int((e.shape as number[]).length)] = rng
          .pick(WEIRD_VALUES);
      } else if (op === 5) {
        (e.data_offsets as number[])[rng.int(2)] += rng.int(17) - 8;
      } else if (op === 6) {
        const o = e.data_offsets as number[];
        e.data_offsets = [o[1], o[0]];
      } else if (op === 7) {
        e.extra = 1;
      } else {
        // Another tensor's entry, or a copy under a new name.
        json[rng.chance(0.5) ? rng.pick(names) : `copy${rng.int(3)}`] = {
          ...e,
        };
      }
    }
    let out = JSON.stringify(json);
    if (rng.chance(0.2) && names.length > 0) {
      // A duplicate name, which JSON.stringify cannot write.
      const name = JSON.stringify(rng.pick(names));
      out = `{${name}:${JSON.stringify(json[JSON.parse(name)])},${
        out.slice(1)
      }`;
    }
    return join8(text.encode(out + " ".repeat(rng.int(8))), data);
  },
  dataBytes(bytes, rng) {
    const out = bytes.slice();
    const start = 8 + split(bytes).header.length;
    if (out.length <= start) return out;
    for (let k = 1 + rng.int(16); k > 0; k--) {
      out[start + rng.int(out.length - start)] = rng.chance(0.5)
        ? rng.pick([2, 0x80, 0xff, 0x7f])
        : rng.int(256);
    }
    return out;
  },
  resize(bytes, rng) {
    if (rng.chance(0.5)) {
      const extra = new Uint8Array(1 + rng.int(16)).map(() => rng.int(256));
      return new Uint8Array([...bytes, ...extra]);
    }
    return bytes.slice(0, Math.max(0, bytes.length - 1 - rng.int(8)));
  },
  garbage(_bytes, rng) {
    const junk = new Uint8Array(rng.int(64)).map(() => rng.int(256));
    // Half the time with a length field that fits, so the junk is parsed.
    return rng.chance(0.5)
      ? junk
      : join8(junk.subarray(0, rng.int(junk.length + 1)), new Uint8Array(0));
  },
};
const NAMES = Object.keys(MUTATORS);

function mutate(
  rng: Rng,
  corpus: Uint8Array[],
): { bytes: Uint8Array; how: string } {
  let bytes = rng.pick(corpus);
  const how: string[] = [];
  for (let k = rng.chance(0.25) ? 2 + rng.int(2) : 1; k > 0; k--) {
    const name = rng.pick(NAMES);
    how.push(name);
    try {
      bytes = MUTATORS[name](bytes, rng, corpus);
    } catch {
      // A mutator that needs a well-formed input skips a broken one.
    }
  }
  return { bytes, how: how.join("+") };
}

async function buildCorpus(dir: string): Promise<Uint8Array[]> {
  const corpus: Uint8Array[] = [];
  for (const entry of Deno.readDirSync(FIXTURES)) {
    if (entry.name.endsWith(".safetensors")) {
      corpus.push(await Deno.readFile(join(FIXTURES, entry.name)));
    }
  }
  const dicts: [Map<string, tf.Tensor>, Record<string, string> | undefined][] =
    [
      [
        new Map<string, tf.Tensor>([
          ["w", tf.tensor([[1, -2, 3.5], [0, -0, 1e-40]])],
          ["n", tf.tensor([1, -1, 7], [3], "int32")],
          ["m", tf.tensor([true, false], [2], "bool")],
          ["e", tf.zeros([0, 2])],
          ["s", tf.scalar(3)],
        ]),
        { format: "pt", note: "x" },
      ],
      [new Map([["only", tf.ones([16])]]), undefined],
      [new Map(), { empty: "" }],
    ];
  for (const [i, [dict, metadata]] of dicts.entries()) {
    const path = join(dir, `base${i}.safetensors`);
    await saveSafetensors(path, dict, metadata);
    corpus.push(await Deno.readFile(path));
    tf.dispose([...dict.values()]);
  }
  return corpus;
}

interface Stats {
  ok: number;
  errors: number;
  categories: Map<string, number>;
}

/** The kind of check that failed: the message without names and numbers. */
function category(error: SafetensorsError): string {
  return error.message
    .replace(/^safetensors file "[^"]*"(, tensor "(?:[^"\\]|\\.)*")?: /, "")
    .replace(/"(?:[^"\\]|\\.)*"/g, "S")
    .replace(/\\./g, "\\?")
    .replace(/\b(?:B?F|I|U)\d+\b|\bBOOL\b/g, "T")
    .replace(/\[[^\]]*\]/g, "[]")
    .replace(/-?\d+(\.\d+)?(e[+-]?\d+)?/g, "#")
    .replace(/ at character #.*/, "")
    .slice(0, 60);
}

/** Runs `fn`, which may only fail with a SafetensorsError about `file`. */
async function expectOnlySafetensorsErrors(
  file: string,
  stats: Stats,
  fn: () => Promise<void>,
): Promise<unknown> {
  try {
    await fn();
    stats.ok++;
    return null;
  } catch (error) {
    if (error instanceof SafetensorsError && error.file === file) {
      stats.errors++;
      const c = category(error);
      stats.categories.set(c, (stats.categories.get(c) ?? 0) + 1);
      return null;
    }
    return error;
  }
}

/**
 * The same file through openSafetensorsWeights: it must load where
 * loadSafetensors did, and readRows of every row must give read's values.
 * Where loadSafetensors failed, only SafetensorsErrors are allowed.
 */
async function agreesAsWeightFile(path: string, loaded: boolean) {
  let file;
  try {
    file = await openSafetensorsWeights(path);
  } catch (error) {
    if (loaded || !(error instanceof SafetensorsError)) throw error;
    return;
  }
  try {
    for (const w of file.weights) {
      let values: Float64Array;
      try {
        const t = await file.read(w);
        values = Float64Array.from(await t.data() as ArrayLike<number>);
        t.dispose();
      } catch (error) {
        if (loaded || !(error instanceof SafetensorsError)) throw error;
        continue;
      }
      const [rows] = matrixOf(w.shape);
      const got = await file.readRows(
        w,
        Array.from({ length: rows }, (_, i) => i),
      );
      const same = got.length === values.length &&
        got.every((v, i) => Object.is(v, values[i]));
      if (!same) {
        throw new Error(
          `readRows of ${JSON.stringify(w.name)} differs from read`,
        );
      }
    }
  } finally {
    file.close();
  }
}

function report(
  iteration: number,
  how: string,
  bytes: Uint8Array,
  error: unknown,
): never {
  const shown = bytes.length <= 512
    ? ` bytes (base64) ${btoa(String.fromCharCode(...bytes))}`
    : "";
  fail(
    `seed 0x${SEED.toString(16)}, iteration ${iteration} (${how}): ${
      error instanceof Error ? error.stack : String(error)
    }${shown}. Replay with FUZZ_SEED=${SEED} FUZZ_ITERATION=${iteration}.`,
  );
}

Deno.test(`fuzz: ${MEMORY_ITERATIONS} in-memory and ${FILE_ITERATIONS} on-disk mutated files give only SafetensorsErrors, and leak nothing`, async () => {
  await withTempDir(async (dir) => {
    const corpus = await buildCorpus(dir);
    const start = tf.memory().numTensors;
    const began = performance.now();
    const memory: Stats = { ok: 0, errors: 0, categories: new Map() };
    const files: Stats = { ok: 0, errors: 0, categories: new Map() };
    const range = ONLY === undefined
      ? [0, MEMORY_ITERATIONS + FILE_ITERATIONS]
      : [Number(ONLY), Number(ONLY) + 1];

    for (let i = range[0]; i < range[1]; i++) {
      const rng = new Rng(SEED, i);
      const { bytes, how } = mutate(rng, corpus);
      const name = `fuzz#${i}.safetensors`;
      let error: unknown;
      if (i < MEMORY_ITERATIONS) {
        const iterate = i % 4 === 0;
        error = await expectOnlySafetensorsErrors(name, memory, async () => {
          if (iterate) {
            for await (
              const [, t] of iterateFrom(name, memorySource(name, bytes))
            ) t.dispose();
          } else {
            tf.dispose([
              ...(await loadFrom(name, memorySource(name, bytes))).values(),
            ]);
          }
        });
      } else {
        const path = join(dir, name);
        await Deno.writeFile(path, bytes);
        error = await expectOnlySafetensorsErrors(path, files, async () => {
          if (i % 3 === 0) {
            await readSafetensorsHeader(path);
          } else if (i % 3 === 1) {
            for await (const [, t] of iterateSafetensors(path)) t.dispose();
          } else {
            let loaded = true;
            try {
              tf.dispose([...(await loadSafetensors(path)).values()]);
            } catch (error) {
              loaded = false;
              await agreesAsWeightFile(path, loaded);
              throw error;
            }
            await agreesAsWeightFile(path, loaded);
          }
        });
        await Deno.remove(path);
      }
      if (error !== null) report(i, how, bytes, error);
      if (tf.memory().numTensors !== start) {
        report(
          i,
          how,
          bytes,
          new Error(`${tf.memory().numTensors - start} tensors leaked`),
        );
      }
    }
    const seconds = (performance.now() - began) / 1000;
    const top = [...memory.categories].sort((a, b) => b[1] - a[1]);
    console.log(
      `fuzz seed 0x${SEED.toString(16)}: ${
        memory.ok + memory.errors
      } in memory (${memory.ok} loaded, ${memory.errors} SafetensorsErrors in ${memory.categories.size} kinds), ${
        files.ok + files.errors
      } files (${files.ok} loaded, ${files.errors} errors), ${
        seconds.toFixed(1)
      } s`,
    );
    if (env("FUZZ_VERBOSE") !== undefined) console.log(top);
    console.log(
      `most common: ${
        top.slice(0, 8).map(([c, n]) => `${n}× ${c}`).join(" | ")
      }`,
    );
    assertEquals(tf.memory().numTensors, start);
    if (ONLY === undefined) {
      assertEquals(memory.ok + memory.errors, MEMORY_ITERATIONS);
      assert(memory.ok > 100, "some mutants are still valid files");
      assert(
        memory.categories.size > 30,
        "the mutants reach many different checks",
      );
      assert(files.errors > 100 && files.ok > 10);
    }
  });
});
