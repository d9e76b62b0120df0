/**
 * Import time of the toolkit against its own dependencies alone, each in a
 * fresh process with a warm cache, the cases interleaved run by run so that
 * they see the same machine load.
 *
 * - `mod.ts` under `EMBER_BACKEND=auto` (the default: the WebGPU adapter is
 *   probed) and `=wasm` (no probe).
 * - The peer: tfjs (the umbrella), its WASM and WebGPU backends, Observable
 *   Plot and linkedom, imported and nothing else; the goal is `mod.ts` within
 *   1.3× of it.
 *
 * @module
 */
import { join } from "node:path";
import { printTable, type Row, type Timing } from "./_harness.ts";

const ROOT = join(import.meta.dirname!, "..");

const PEER = `await import("@tensorflow/tfjs");
  await import("@tensorflow/tfjs-backend-wasm");
  await import("@tensorflow/tfjs-backend-webgpu");
  await import("@observablehq/plot");
  await import("linkedom");`;

const CASES: Record<string, { source: string; backend: string }> = {
  "mod.ts (auto)": { source: `await import("./mod.ts");`, backend: "auto" },
  "mod.ts (wasm)": { source: `await import("./mod.ts");`, backend: "wasm" },
  "tfjs + backends + Plot + linkedom": { source: PEER, backend: "auto" },
};

async function once(source: string, backend: string): Promise<number> {
  const out = await new Deno.Command(Deno.execPath(), {
    args: [
      "eval",
      "--quiet",
      `const t = performance.now(); ${source} console.log(performance.now() - t);`,
    ],
    cwd: ROOT,
    env: { EMBER_BACKEND: backend },
    stdout: "piped",
    stderr: "null",
  }).output();
  if (!out.success) throw new Error(`import failed: ${source}`);
  return Number(new TextDecoder().decode(out.stdout));
}

/** Runs the benchmark and prints its table. */
export async function run(runs = 11): Promise<void> {
  const times: Record<string, number[]> = {};
  for (const [name, c] of Object.entries(CASES)) {
    times[name] = [];
    await once(c.source, c.backend); // fill the caches
  }
  for (let i = 0; i < runs; i++) {
    for (const [name, c] of Object.entries(CASES)) {
      times[name].push(await once(c.source, c.backend));
    }
  }
  const timings: Record<string, Timing> = {};
  for (const [name, t] of Object.entries(times)) {
    t.sort((a, b) => a - b);
    timings[name] = { median: t[t.length >> 1], min: t[0], runs };
  }
  const rows: Row[] = [{ case: "import, warm cache", timings }];
  printTable(
    "Import time (fresh process per run, interleaved; medians)",
    "tfjs + backends + Plot + linkedom",
    rows,
  );
}

if (import.meta.main) await run();
