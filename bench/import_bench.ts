/**
 * Import time of the toolkit (tfjs-core, three backends, backend selection)
 * against the umbrella `@tensorflow/tfjs` package, each in a fresh process.
 *
 * @module
 */
import { join } from "node:path";
import { measure, printTable, type Row } from "./_harness.ts";

const ROOT = join(import.meta.dirname!, "..");

async function importTime(source: string): Promise<number> {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["eval", "--quiet", source],
    cwd: ROOT,
    env: { EMBER_BACKEND: "cpu" },
    stdout: "piped",
    stderr: "null",
  }).output();
  if (!out.success) throw new Error(`import failed: ${source}`);
  return Number(new TextDecoder().decode(out.stdout));
}

/** Runs the benchmark and prints its table. */
export async function run(): Promise<void> {
  const ours =
    `const t = performance.now(); await import("./mod.ts"); console.log(performance.now() - t);`;
  const peer =
    `const t = performance.now(); const tf = await import("npm:@tensorflow/tfjs@4.22.0"); await tf.setBackend("cpu"); console.log(performance.now() - t);`;
  const inner = async (src: string) => {
    const times: number[] = [];
    await measure(async () => times.push(await importTime(src)), { runs: 5 });
    times.sort((a, b) => a - b);
    return {
      median: times[times.length >> 1],
      min: times[0],
      runs: times.length,
    };
  };
  const rows: Row[] = [{
    case: "import (warm cache)",
    timings: { ours: await inner(ours), "tfjs umbrella": await inner(peer) },
  }];
  printTable(
    "Import time (fresh process each run, module graph only)",
    "ours",
    rows,
  );
}

if (import.meta.main) await run();
