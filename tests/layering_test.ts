/**
 * The numerics (lib/linalg, lib/stats, lib/random) run on plain typed arrays:
 * no module of theirs reaches tfjs, the toolkit's tf.ts, or any npm package,
 * type-only imports included (`deno info` follows those too).
 */
import { assertEquals } from "@std/assert";
import { join, posix, relative } from "node:path";
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

/** Every source file of the library, its viz, its CLI and its tools (not tests or benchmarks). */
async function sources(): Promise<string[]> {
  const files = ["mod.ts", "testing.ts"];
  async function walk(dir: string) {
    for await (const e of Deno.readDir(join(ROOT, dir))) {
      const path = `${dir}/${e.name}`;
      if (e.isDirectory) await walk(path);
      else if (e.isFile && e.name.endsWith(".ts")) files.push(path);
    }
  }
  for (const dir of ["lib", "viz", "cli", "tools"]) await walk(dir);
  return files.sort();
}

/** The relative modules a file imports (static, dynamic, re-exports), outside comments. */
async function importsOf(file: string): Promise<string[]> {
  const code = (await Deno.readTextFile(join(ROOT, file))).split("\n")
    .filter((line) => !/^\s*(\*|\/\/)/.test(line)).join("\n");
  const found: string[] = [];
  for (
    const m of code.matchAll(/(?:from|import)\s*\(?\s*"(\.{1,2}\/[^"]+)"/g)
  ) {
    found.push(posix.normalize(posix.join(posix.dirname(file), m[1])));
  }
  return found;
}

/** The layers, lowest first; a module may import its own layer and those below. */
const LAYERS: [RegExp, number][] = [
  [/^lib\/(linalg|stats|random)\//, 1],
  [/^lib\/(tf|_tfjs|backend)\.ts$/, 2],
  [/^lib\/initializers\//, 3],
  [/^lib\/nn\//, 4],
  [/^lib\/read\//, 5],
  [/^lib\/io\//, 6],
  [/^lib\/testing\//, 7],
  [/^lib\//, 0], // the internal helpers at lib/'s top
  [/^viz\//, 8],
  [/^cli\//, 9],
  [/^tools\//, 9],
  [/^notebooks\//, 9], // the notebook runner
  [/^(mod|testing)\.ts$/, 10],
];

function layerOf(file: string): number {
  return LAYERS.find(([re]) => re.test(file))![1];
}

Deno.test("imports run one way: helpers → numerics → tf → initializers → nn → read → io → testing → viz → cli", async () => {
  const wrong: string[] = [];
  for (const file of await sources()) {
    for (const target of await importsOf(file)) {
      if (layerOf(target) > layerOf(file)) wrong.push(`${file} → ${target}`);
    }
  }
  assertEquals(wrong, []);
});

Deno.test("private _files are imported only from their own folder (or below it)", async () => {
  const wrong: string[] = [];
  for (const file of await sources()) {
    for (const target of await importsOf(file)) {
      const base = posix.basename(target);
      if (!base.startsWith("_")) continue;
      if (!`${posix.dirname(file)}/`.startsWith(`${posix.dirname(target)}/`)) {
        wrong.push(`${file} → ${target}`);
      }
    }
  }
  assertEquals(wrong, []);
});
