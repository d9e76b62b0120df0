/**
 * The report on a file of L square float32 layers of side N (default 16 ×
 * 4096², 1 GiB; set `REPORT_BENCH_LAYERS` and `REPORT_BENCH_SIDE` for a
 * quicker run, `REPORT_BENCH_REPS` for the runs of each,
 * `REPORT_BENCH_POOL_THREADS=1` to add a run whose pool workers also start
 * threads of their own): our report's whole
 * analysis (reading, singular values, spectrum analysis, figures; the page
 * itself is not written) with its worker pool and without it, against a
 * numpy script that reads the same file and computes the same singular
 * values (`numpy.linalg.svd(a, compute_uv=False)` in float64, layer by
 * layer), runs interleaved in the same process. Needs `python3` with numpy
 * on PATH. Too slow for the test suite (minutes): run it by hand,
 * `deno run -A bench/report_bench.ts`.
 *
 * @module
 */
import { join } from "node:path";
import { reportWeights } from "../cli/report/main.ts";
import { openWeights } from "../lib/io/load_weights.ts";
import { saveSafetensors, tf } from "../mod.ts";

const NUMPY = `
import json, struct, sys, time, numpy as np
path = sys.argv[1]
with open(path, "rb") as f:
    n = struct.unpack("<Q", f.read(8))[0]
    header = json.loads(f.read(n))
t0 = time.perf_counter()
for name, e in header.items():
    if name == "__metadata__": continue
    begin, end = e["data_offsets"]
    a = np.fromfile(path, dtype="<f4", count=(end - begin) // 4, offset=8 + n + begin)
    a = a.reshape(e["shape"]).astype(np.float64)
    np.linalg.svd(a, compute_uv=False)
print(time.perf_counter() - t0)
`;

async function numpySeconds(path: string): Promise<number> {
  const out = await new Deno.Command("python3", {
    args: ["-c", NUMPY, path],
    stdout: "piped",
    stderr: "piped",
  }).output();
  if (!out.success) throw new Error(new TextDecoder().decode(out.stderr));
  return Number(new TextDecoder().decode(out.stdout).trim());
}

async function oursSeconds(
  path: string,
  workers: boolean,
  poolThreads?: boolean,
): Promise<number> {
  const t0 = performance.now();
  const file = await openWeights(path);
  try {
    await reportWeights(file, {
      maxSide: 1 << 20,
      section: () => Promise.resolve(),
      workers,
      progress: false,
      poolThreads,
    });
  } finally {
    file.close();
  }
  return (performance.now() - t0) / 1000;
}

/** Runs the benchmark. */
export async function run(): Promise<void> {
  const layers = Number(Deno.env.get("REPORT_BENCH_LAYERS") ?? 16);
  const side = Number(Deno.env.get("REPORT_BENCH_SIDE") ?? 4096);
  const dir = await Deno.makeTempDir({ prefix: "ember_report_bench_" });
  try {
    const path = join(dir, "layers.safetensors");
    const tensors = new Map<string, tf.Tensor>();
    for (let i = 0; i < layers; i++) {
      tensors.set(
        `layer${i}.kernel`,
        tf.randomNormal([side, side], 0, 1 / Math.sqrt(side), "float32", i),
      );
    }
    await saveSafetensors(path, tensors);
    tf.dispose([...tensors.values()]);
    const cores = navigator.hardwareConcurrency;
    const reps = Number(Deno.env.get("REPORT_BENCH_REPS") ?? 2);
    console.log(
      `\nreport analysis of ${layers} × ${side}² float32 (${cores} cores), runs interleaved, ${reps} of each:`,
    );
    const rows: [string, () => Promise<number>, number[]][] = [
      ["numpy svd (f64)", () => numpySeconds(path), []],
      ["ours, worker pool", () => oursSeconds(path, true), []],
      ["ours, one thread", () => oursSeconds(path, false), []],
    ];
    if (Deno.env.get("REPORT_BENCH_POOL_THREADS") === "1") {
      rows.push([
        "ours, pool + threads",
        () => oursSeconds(path, true, true),
        [],
      ]);
    }
    for (let rep = 0; rep < reps; rep++) {
      for (const [name, fn, xs] of rows) {
        xs.push(await fn());
        console.log(
          `  run ${rep + 1}: ${name.padEnd(20)} ${xs.at(-1)!.toFixed(1)} s`,
        );
      }
    }
    const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
    const peer = mean(rows[0][2]);
    for (const [name, , xs] of rows) {
      console.log(
        `  ${name.padEnd(20)} ${
          xs.map((x) => x.toFixed(1)).join(" / ")
        } s   mean ${mean(xs).toFixed(1)} s   ratio to numpy ${
          (mean(xs) / peer).toFixed(2)
        }×`,
      );
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

if (import.meta.main) await run();
