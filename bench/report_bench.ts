/**
 * The report on a file of L square float32 layers of side N (default 16 ×
 * 4096², 1 GB; set `REPORT_BENCH_LAYERS` and `REPORT_BENCH_SIDE` for a
 * quicker run): our report's analysis with its worker pool and without it,
 * against a numpy script that computes the same singular values
 * (`numpy.linalg.svd(a, compute_uv=False)` in float64, layer by layer), in
 * the same run. Needs `python3` with numpy on PATH.
 *
 * @module
 */
import { join } from "node:path";
import { reportWeights } from "../viz/report/main.ts";
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

async function oursSeconds(path: string, workers: boolean): Promise<number> {
  const t0 = performance.now();
  const file = await openWeights(path);
  try {
    await reportWeights(file, {
      maxSide: 1 << 20,
      section: () => Promise.resolve(),
      workers,
      progress: false,
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
    console.log(
      `\nreport analysis of ${layers} × ${side}² float32 (${cores} cores), one run each, A B A B:`,
    );
    const rows: [string, number[]][] = [
      ["ours, worker pool", []],
      ["ours, one thread", []],
      ["numpy svd (f64)", []],
    ];
    for (let rep = 0; rep < 2; rep++) {
      rows[0][1].push(await oursSeconds(path, true));
      rows[2][1].push(await numpySeconds(path));
      if (rep === 0) rows[1][1].push(await oursSeconds(path, false));
    }
    const median = (xs: number[]) =>
      [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
    const peer = median(rows[2][1]);
    for (const [name, xs] of rows) {
      console.log(
        `  ${name.padEnd(20)} ${
          xs.map((x) => x.toFixed(1)).join(" / ")
        } s   ratio to numpy ${(median(xs) / peer).toFixed(2)}×`,
      );
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

if (import.meta.main) await run();
