/**
 * Random generation: 10^7 float32 standard normals, uniforms and truncated
 * normals from `lib/random/`, and normals through the public API
 * (`initializers.randomNormal([10^7])` and `await t.data()`, on the WASM
 * and CPU backends), against numpy's `default_rng` (PCG64, its own
 * Ziggurat; `standard_normal(n, dtype=np.float32)`, timed inside Python with
 * `perf_counter`) and tfjs's `randomNormal` / `randomUniform` /
 * `truncatedNormal` on the CPU and WASM backends (seeded, `dataSync`ed so
 * the values exist).
 *
 * Targets (the issue): `initializers.randomNormal([10^7])` with its read
 * within 1.5× numpy's time; `standardNormal` at most 2× numpy's time and at
 * least 3× faster than tfjs's `randomNormal` on CPU.
 *
 * Every contender of a case, numpy included, is timed in interleaved
 * rounds (see {@linkcode interleaved}): numpy runs in a Python process of
 * its own that makes one call per request and reports its time.
 *
 * @module
 */
import { printTable, type Row, type Timing } from "./_harness.ts";
import {
  standardNormal,
  truncatedStandardNormal,
  uniform,
} from "../lib/random/distributions.ts";
import { nextDraw } from "../lib/random/stream.ts";
import { tf } from "../lib/tf.ts";
import { initializers } from "../mod.ts";
import { type BackendName, getBackend, setBackend } from "../lib/backend.ts";

const N = 10_000_000;
const RUNS = 9;
/** Untimed calls first: JIT, and the first touches of freshly mapped memory. */
const WARMUP = 2;

/**
 * A Python process that, per line read (`normal` or `uniform`), makes one
 * call and prints its time in milliseconds (measured with `perf_counter`).
 */
const NUMPY_SERVER = `
import json, sys, time
import numpy as np
rng = np.random.default_rng(0)
n = ${N}
cases = {
    "normal": lambda: rng.standard_normal(n, dtype=np.float32),
    "uniform": lambda: rng.random(n, dtype=np.float32),
}
print(json.dumps({"version": np.__version__}), flush=True)
for line in sys.stdin:
    f = cases[line.strip()]
    t0 = time.perf_counter(); f(); dt = (time.perf_counter() - t0) * 1e3
    print(dt, flush=True)
`;

/** numpy, one call per request; `null` when python3 with numpy is missing. */
interface Numpy {
  version: string;
  /** Makes one call and returns its time inside Python, in milliseconds. */
  call(name: "normal" | "uniform"): Promise<number>;
  close(): Promise<void>;
}

/** Reads a byte stream line by line; `null` at its end. */
function lineReader(
  stream: ReadableStream<Uint8Array>,
): { read(): Promise<string | null> } {
  const reader = stream.pipeThrough(new TextDecoderStream()).getReader();
  let buffered = "";
  return {
    async read() {
      while (!buffered.includes("\n")) {
        const { done, value } = await reader.read();
        if (done) return null;
        buffered += value;
      }
      const end = buffered.indexOf("\n");
      const line = buffered.slice(0, end);
      buffered = buffered.slice(end + 1);
      return line;
    },
  };
}

async function startNumpy(): Promise<Numpy | null> {
  let child: Deno.ChildProcess;
  try {
    child = new Deno.Command("python3", {
      args: ["-c", NUMPY_SERVER],
      stdin: "piped",
      stdout: "piped",
      stderr: "null",
    }).spawn();
  } catch {
    return null;
  }
  const lines = lineReader(child.stdout);
  const writer = child.stdin.getWriter();
  const first = await lines.read();
  if (first === null) {
    await child.status;
    return null;
  }
  const { version } = JSON.parse(first) as { version: string };
  return {
    version,
    async call(name) {
      await writer.write(new TextEncoder().encode(`${name}\n`));
      const line = await lines.read();
      if (line === null) throw new Error("bench random: numpy exited");
      return Number(line);
    },
    async close() {
      await writer.close();
      await child.status;
    },
  };
}

/**
 * One contender of a case: an optional untimed setup, and the timed call.
 * A call that returns a number has timed itself (numpy, inside Python):
 * that number is its time.
 */
interface Contender {
  name: string;
  setup?: () => Promise<unknown>;
  fn: () => unknown;
}

/**
 * Times the contenders of one case in interleaved rounds (each round calls
 * every contender once, in turn), so that all of them see the same machine
 * load: on a noisy shared machine the ratios are then far steadier than
 * with one contender's runs after the other's.
 */
async function interleaved(
  contenders: Contender[],
): Promise<Record<string, Timing>> {
  const times: Record<string, number[]> = {};
  for (const c of contenders) times[c.name] = [];
  for (let round = 0; round < WARMUP + RUNS; round++) {
    for (const c of contenders) {
      if (c.setup) await c.setup();
      const t0 = performance.now();
      const own = await c.fn();
      const dt = typeof own === "number" ? own : performance.now() - t0;
      if (round >= WARMUP) times[c.name].push(dt);
    }
  }
  const out: Record<string, Timing> = {};
  for (const [name, ts] of Object.entries(times)) {
    ts.sort((x, y) => x - y);
    const mid = ts.length >> 1;
    out[name] = {
      median: ts.length % 2 ? ts[mid] : (ts[mid - 1] + ts[mid]) / 2,
      min: ts[0],
      runs: ts.length,
    };
  }
  return out;
}

/** The tfjs backends that can be selected here. */
async function tfjsBackends(): Promise<BackendName[]> {
  const usable: BackendName[] = [];
  for (const backend of ["cpu", "wasm"] as const) {
    try {
      await setBackend(backend);
      usable.push(backend);
    } catch (error) {
      console.warn(`bench random: tfjs ${backend} skipped: ${error}`);
    }
  }
  return usable;
}

/** A tfjs call made real: the values are read back, then freed. */
function tfjsCall(make: () => tf.Tensor): () => void {
  return () => {
    const t = make();
    t.dataSync();
    t.dispose();
  };
}

type Case = "normal" | "public wasm" | "public cpu" | "uniform" | "truncated";

/** A public-API draw made real: the values are read back, then freed. */
async function publicNormal(): Promise<void> {
  const t = initializers.randomNormal([N], { seed: 1 });
  await t.data();
  t.dispose();
}

/** Runs the benchmark and prints its table. */
export async function run(): Promise<void> {
  const numpy = await startNumpy();
  if (numpy === null) {
    console.warn("bench random: python3 with numpy not found; numpy skipped");
  } else console.log(`numpy ${numpy.version}`);
  const previous = getBackend();
  const backends = await tfjsBackends();
  const ours: Record<Case, () => unknown> = {
    normal: () => standardNormal(N, nextDraw(0)),
    "public wasm": publicNormal,
    "public cpu": publicNormal,
    uniform: () => uniform(N, nextDraw(0)),
    truncated: () => truncatedStandardNormal(N, -2, 2, nextDraw(0)),
  };
  const oursOn: Partial<Record<Case, BackendName>> = {
    "public wasm": "wasm",
    "public cpu": "cpu",
  };
  const peer: Record<Case, () => tf.Tensor> = {
    normal: () => tf.randomNormal([N], 0, 1, "float32", 1),
    "public wasm": () => tf.randomNormal([N], 0, 0.05, "float32", 1),
    "public cpu": () => tf.randomNormal([N], 0, 0.05, "float32", 1),
    uniform: () => tf.randomUniform([N], 0, 1, "float32", 1),
    truncated: () => tf.truncatedNormal([N], 0, 1, "float32", 1),
  };
  const numpyCase: Record<Case, "normal" | "uniform" | null> = {
    normal: "normal",
    "public wasm": "normal",
    "public cpu": "normal",
    uniform: "uniform",
    truncated: null,
  };
  const cases: Case[] = [
    "normal",
    "public wasm",
    "public cpu",
    "uniform",
    "truncated",
  ];
  const timings = {} as Record<Case, Record<string, Timing>>;
  for (const c of cases) {
    const backend = oursOn[c];
    if (backend !== undefined && !backends.includes(backend)) continue;
    const np = numpyCase[c];
    timings[c] = await interleaved([
      {
        name: "ours",
        ...(backend ? { setup: () => setBackend(backend) } : {}),
        fn: ours[c],
      },
      ...(numpy && np ? [{ name: "numpy", fn: () => numpy.call(np) }] : []),
      ...backends.map((b) => ({
        name: `tfjs ${b}`,
        setup: () => setBackend(b),
        fn: tfjsCall(peer[c]),
      })),
    ]);
  }
  await numpy?.close();
  await setBackend(previous);
  const label: Record<Case, string> = {
    normal: "10^7 float32 standard normals (standardNormal)",
    "public wasm":
      "initializers.randomNormal([10^7]) + await data(), WASM backend",
    "public cpu":
      "initializers.randomNormal([10^7]) + await data(), CPU backend",
    uniform: "10^7 float32 uniforms [0, 1)",
    truncated: "10^7 float32 normals truncated to [-2, 2]",
  };
  const rows: Row[] = cases.filter((c) => timings[c]).map((c) => ({
    case: label[c],
    timings: {
      ours: timings[c].ours,
      numpy: timings[c].numpy ?? null,
      "tfjs cpu": timings[c]["tfjs cpu"] ?? null,
      "tfjs wasm": timings[c]["tfjs wasm"] ?? null,
    },
  }));
  printTable(
    "Random generation (median ms; ratio > 1: ours faster)",
    "ours",
    rows,
  );
  /** Our time over the peer's (how many times the peer's time ours takes). */
  const slower = (c: Case, other: string) => {
    const t = timings[c]?.[other];
    return t ? timings[c].ours.median / t.median : null;
  };
  const verdict = (x: number | null, limit: number, what: string) =>
    x === null
      ? `${what} missing`
      : `${x.toFixed(2)}× (${x <= limit ? "met" : "MISSED"})`;
  console.log(
    `targets: randomNormal([10^7]) + data() within 1.5× numpy's time: WASM backend ${
      verdict(slower("public wasm", "numpy"), 1.5, "numpy")
    }, CPU backend ${
      verdict(slower("public cpu", "numpy"), 1.5, "numpy")
    }; standardNormal ≤ 2× numpy's time: ${
      verdict(slower("normal", "numpy"), 2, "numpy")
    }; ≥ 3× faster than tfjs cpu randomNormal: ${
      (() => {
        const x = slower("normal", "tfjs cpu");
        return x === null
          ? "tfjs cpu missing"
          : `${(1 / x).toFixed(2)}× (${1 / x >= 3 ? "met" : "MISSED"})`;
      })()
    }`,
  );
}

if (import.meta.main) await run();
