/**
 * The layers run one way: the numerics (lib/random, lib/linalg, lib/stats,
 * lib/host.ts) take plain typed arrays and load nothing from tfjs, at run
 * time, through any chain of imports. Type-only imports are erased and do
 * not count.
 */
import { assertEquals } from "@std/assert";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const NUMERICS = ["lib/random", "lib/linalg", "lib/stats"];
const FORBIDDEN = /(^|\/)lib\/(tf|_tfjs|backend)\.ts$|@tensorflow/;

/** The run-time imports of a module: specifiers of non-type-only import/export statements and dynamic imports. */
function runtimeImports(source: string): string[] {
  const out: string[] = [];
  const statement =
    /(?:^|\n)\s*(import|export)\s+(type\s+)?([^;"']*?)\s*from\s*["']([^"']+)["']/g;
  for (const m of source.matchAll(statement)) {
    if (m[2]) continue; // import type / export type
    const names = m[3].replace(/[{}]/g, "").split(",").map((n) => n.trim())
      .filter(Boolean);
    if (names.length > 0 && names.every((n) => n.startsWith("type "))) {
      continue; // import { type A, type B }
    }
    out.push(m[4]);
  }
  for (const m of source.matchAll(/(?:^|\n)\s*import\s+["']([^"']+)["']/g)) {
    out.push(m[1]);
  }
  for (const m of source.matchAll(/\bimport\(\s*["']([^"']+)["']\s*\)/g)) {
    out.push(m[1]);
  }
  return out;
}

/** A chain of run-time imports from `start` to something forbidden, or null. */
async function forbiddenChain(start: string): Promise<string[] | null> {
  const seen = new Set<string>();
  const walk = async (
    file: string,
    chain: string[],
  ): Promise<string[] | null> => {
    if (seen.has(file)) return null;
    seen.add(file);
    const source = await Deno.readTextFile(file);
    for (const spec of runtimeImports(source)) {
      if (!spec.startsWith(".")) {
        if (FORBIDDEN.test(spec)) return [...chain, spec];
        continue;
      }
      const target = resolve(dirname(file), spec);
      const rel = relative(ROOT, target);
      if (FORBIDDEN.test(rel)) return [...chain, rel];
      const found = await walk(target, [...chain, rel]);
      if (found) return found;
    }
    return null;
  };
  return await walk(start, [relative(ROOT, start)]);
}

Deno.test("the numerics load nothing from tfjs at run time", async () => {
  const files = ["lib/host.ts"];
  for (const folder of NUMERICS) {
    for await (const entry of Deno.readDir(join(ROOT, folder))) {
      if (entry.isFile && entry.name.endsWith(".ts")) {
        files.push(`${folder}/${entry.name}`);
      }
    }
  }
  const chains: string[] = [];
  for (const file of files.sort()) {
    const chain = await forbiddenChain(join(ROOT, file));
    if (chain) chains.push(chain.join(" → "));
  }
  assertEquals(chains, []);
});

Deno.test("the import scanner sees value imports and skips type-only ones", () => {
  assertEquals(
    runtimeImports(`import { a } from "./a.ts";
import type { B } from "./b.ts";
import { type C, d } from "./c.ts";
import { type E } from "./e.ts";
export { f } from "./f.ts";
export type { G } from "./g.ts";
import "./h.ts";
const i = await import("./i.ts");`),
    ["./a.ts", "./c.ts", "./f.ts", "./h.ts", "./i.ts"],
  );
});
