/**
 * Import time of the toolkit (`mod.ts`: the tfjs umbrella, the WASM and
 * WebGPU backends, backend selection) against the alternatives it was chosen
 * over, each in a fresh process with a warm cache.
 *
 * @module
 */
import { join } from "node:path";
import { printTable, type Row, type Timing } from "./_harness.ts";

const ROOT = join(import.meta.dirname!, "..");
const V = "4.22.0";

const CASES: Record<string, string> = {
  "mod.ts": `await import("./mod.ts");`,
  "umbrella only":
    `const tf = await import("npm:@tensorflow/tfjs@${V}"); await tf.setBackend("cpu");`,
  "core + 3 backends (no gradients)":
    `const tf = await import("npm:@tensorflow/tfjs-core@${V}");
    await import("npm:@tensorflow/tfjs-backend-cpu@${V}");
    await import("npm:@tensorflow/tfjs-backend-wasm@${V}");
    await import("npm:@tensorflow/tfjs-backend-webgpu@${V}");
    await tf.setBackend("cpu");`,
};

async function once(source: string): Promise<number> {
  const out = await new Deno.Command(Deno.execPath(), {
    args: [
      "eval",
      "--quiet",
      `const t = performance.now(); ${source} console.log(performance.now() - t);`,
    ],
    cwd: ROOT,
    env: { EMBER_BACKEND: "cpu" },
    stdout: "piped",
    stderr: "null",
  }).output();
  if (!out.success) throw new Error(`import failed: ${source}`);
  return Number(new TextDecoder().decode(out.stdout));
}

async function timing(source: string, runs = 7): Promise<Timing> {
  await once(source); // fill the cache
  const times: number[] = [];
  for (let i = 0; i < runs; i++) times.push(await once(source));
  times.sort((a, b) => a - b);
  return { median: times[runs >> 1], min: times[0], runs };
}

/** Runs the benchmark and prints its table. */
export async function run(): Promise<void> {
  const timings: Record<string, Timing> = {};
  for (const [name, source] of Object.entries(CASES)) {
    timings[name] = await timing(source);
  }
  const rows: Row[] = [{ case: "import, warm cache", timings }];
  printTable(
    "Import time (fresh process per run; CPU backend selected)",
    "mod.ts",
    rows,
  );
}

if (import.meta.main) await run();
