/**
 * The numerics (lib/linalg, lib/stats, lib/random) run on plain typed arrays:
 * no module of theirs reaches tfjs, the toolkit's tf.ts, or any npm package,
 * type-only imports included (`deno info` follows those too).
 */
import { assertEquals } from "@std/assert";
import { join, relative } from "node:path";
import { pathToFileURL } from "node:url";

const ROOT = join(import.meta.dirname!, "..");
const NUMERICS = ["lib/linalg", "lib/stats", "lib/random"];

interface Graph {
  modules: { specifier: string; kind?: string }[];
}

async function graphOf(file: string): Promise<Graph> {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["info", "--json", "--config", join(ROOT, "deno.json"), file],
    cwd: ROOT,
    env: { NO_COLOR: "1" },
    stdout: "piped",
    stderr: "piped",
  }).output();
  if (!out.success) {
    throw new Error(
      `deno info ${file} failed: ${new TextDecoder().decode(out.stderr)}`,
    );
  }
  return JSON.parse(new TextDecoder().decode(out.stdout));
}

/** The modules of a graph that the numerics must not reach. */
function forbidden(graph: Graph): string[] {
  const tfts = [join(ROOT, "lib/tf.ts"), join(ROOT, "lib/_tfjs.ts")].map((f) =>
    pathToFileURL(f).href
  );
  return graph.modules
    .map((m) => m.specifier)
    .filter((s) =>
      s.startsWith("npm:") || s.includes("@tensorflow") || tfts.includes(s)
    );
}

Deno.test("lib/linalg, lib/stats and lib/random reach no tfjs module", async () => {
  const files: string[] = [];
  for (const dir of NUMERICS) {
    for await (const entry of Deno.readDir(join(ROOT, dir))) {
      if (entry.isFile && entry.name.endsWith(".ts")) {
        files.push(join(ROOT, dir, entry.name));
      }
    }
  }
  files.sort();
  // One graph of them all; per file only when something is wrong, to name it.
  const dir = await Deno.makeTempDir({ prefix: "ember_layering_" });
  try {
    const entry = join(dir, "all.ts");
    await Deno.writeTextFile(
      entry,
      files.map((f) => `import ${JSON.stringify(pathToFileURL(f).href)};`)
        .join("\n") + "\n",
    );
    if (forbidden(await graphOf(entry)).length === 0) return;
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
  const offenders: string[] = [];
  for (const f of files) {
    const bad = forbidden(await graphOf(f));
    if (bad.length > 0) {
      offenders.push(
        `${relative(ROOT, f)} reaches ${bad.slice(0, 3).join(", ")}`,
      );
    }
  }
  assertEquals(offenders, []);
});
