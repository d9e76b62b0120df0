import { assert, assertEquals, assertStringIncludes } from "@std/assert";
import { randomKernelInfo } from "../../lib/random/kernel.ts";
import { useKernel } from "../../lib/random/_bits.ts";
import { runSnippet } from "../_subprocess.ts";

const RANDOM = new URL("../../lib/random/", import.meta.url).href;

/** A snippet's JSON output, after checking that it ran cleanly. */
async function run<T>(source: string): Promise<T> {
  const { code, stdout, stderr } = await runSnippet(
    source.replaceAll("{{RANDOM}}", RANDOM),
  );
  assertEquals(code, 0, stderr);
  assertEquals(stderr, "");
  return JSON.parse(stdout) as T;
}

Deno.test("randomKernelInfo: this runtime gets the SIMD kernel, with no failures", () => {
  assertEquals(randomKernelInfo(), { variant: "wasm-simd", failures: [] });
});

Deno.test("randomKernelInfo follows a forced path", () => {
  const was = useKernel("js");
  try {
    assertEquals(randomKernelInfo().variant, "js");
    useKernel("wasm");
    assertEquals(randomKernelInfo().variant, "wasm");
  } finally {
    useKernel(was);
  }
  assertEquals(randomKernelInfo().variant, "wasm-simd");
});

Deno.test("importing lib/random compiles nothing; the first draw does", async () => {
  const out = await run<{ atImport: string[]; afterDraw: string[] }>(`
const calls = [];
for (const name of ["validate", "compile", "instantiate"]) {
  const f = WebAssembly[name];
  WebAssembly[name] = (...a) => (calls.push(name), f(...a));
}
for (const name of ["Module", "Instance"]) {
  const C = WebAssembly[name];
  WebAssembly[name] = function (...a) { calls.push(name); return new C(...a); };
}
const { standardNormal } = await import("{{RANDOM}}distributions.ts");
await import("{{RANDOM}}kernel.ts");
await import("{{RANDOM}}stream.ts");
const atImport = [...calls];
standardNormal(10, { key: { k0: 1, k1: 2 }, stream: 0 });
console.log(JSON.stringify({ atImport, afterDraw: calls }));
`);
  assertEquals(out.atImport, []);
  assertEquals(out.afterDraw, ["validate", "Module", "Instance"]);
});

Deno.test("a kernel that fails to instantiate is reported, and the draws fall back to JavaScript unchanged", async () => {
  const out = await run<
    { info: { variant: string; failures: string[] }; values: number[] }
  >(`
WebAssembly.Instance = function () { throw new Error("instantiation refused"); };
const { standardNormal } = await import("{{RANDOM}}distributions.ts");
const { randomKernelInfo } = await import("{{RANDOM}}kernel.ts");
const values = [...standardNormal(20000, { key: { k0: 1, k1: 2 }, stream: 0 })];
console.log(JSON.stringify({ info: randomKernelInfo(), values }));
`);
  assertEquals(out.info.variant, "js");
  assertEquals(out.info.failures.length, 2);
  assertStringIncludes(out.info.failures[0], "simd: instantiation refused");
  assertStringIncludes(out.info.failures[1], "scalar: instantiation refused");
  const { standardNormal } = await import("../../lib/random/distributions.ts");
  const here = standardNormal(20000, { key: { k0: 1, k1: 2 }, stream: 0 });
  assert(out.values.every((v, i) => v === here[i]), "values differ");
});

Deno.test("without WebAssembly at all, that is reported too", async () => {
  const out = await run<{ variant: string; failures: string[] }>(`
delete globalThis.WebAssembly;
const { randomKernelInfo } = await import("{{RANDOM}}kernel.ts");
console.log(JSON.stringify(randomKernelInfo()));
`);
  assertEquals(out, {
    variant: "js",
    failures: ["WebAssembly is not available in this runtime"],
  });
});
