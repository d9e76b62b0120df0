import {
  assert,
  assertEquals,
  assertRejects,
  assertStringIncludes,
} from "@std/assert";
import { initializers, setBackend } from "../mod.ts";
import { runSnippet } from "./_subprocess.ts";

const HIDE_GPU =
  `Object.defineProperty(navigator, "gpu", { value: undefined, configurable: true });`;

/** A WebGPU adapter that claims to be hardware but cannot make a device. */
const BROKEN_GPU = `
Object.defineProperty(navigator, "gpu", { configurable: true, value: {
  getPreferredCanvasFormat: () => "bgra8unorm",
  requestAdapter: async () => ({
    info: { description: "fake hardware adapter", isFallbackAdapter: false },
    features: new Set(), limits: {},
    requestDevice: async () => { throw new Error("device creation failed"); },
  }),
}});`;

Deno.test("setBackend rejects an unknown name and lists the valid choices", async () => {
  const error = await assertRejects(
    // deno-lint-ignore no-explicit-any
    () => setBackend("nope" as any),
    RangeError,
    '"nope"',
  );
  for (const choice of ["auto", "webgpu", "wasm", "cpu"]) {
    assertStringIncludes(error.message, `"${choice}"`);
  }
});

Deno.test("auto picks WASM when the runtime has no WebGPU", async () => {
  const { code, stdout, stderr } = await runSnippet(`
${HIDE_GPU}
const { backendInfo, tf } = await import("{{MOD}}");
const info = await backendInfo();
console.log(JSON.stringify({ info, sum: tf.tensor([1, 2, 3]).sum().dataSync()[0] }));
`);
  assertEquals(code, 0, stderr);
  assertEquals(stderr, "", "importing mod.ts printed something");
  const { info, sum } = JSON.parse(stdout);
  assertEquals(info.name, "wasm");
  assertEquals(info.adapter, null);
  assertEquals(info.random, { variant: "wasm-simd", failures: [] });
  assertEquals(sum, 6);
  // The linear algebra's kernels, which do not depend on the tfjs backend.
  assertEquals(info.linalg.kernel, "wasm-simd-fma");
  assertEquals(info.linalg.sharedMemory, true);
  assertEquals(info.linalg.failures, []);
  assertStringIncludes(info.linalg.summary, "wasm-simd-fma, shared memory");
});

Deno.test("backendInfo reports the random kernel a runtime without SIMD gets, and why", async () => {
  // A runtime whose validator rejects the SIMD variant (the only one that
  // exports blocks4): the random draws take the scalar kernel, say so, and
  // give the same values.
  const { code, stdout, stderr } = await runSnippet(
    `
const validate = WebAssembly.validate;
const SIMD = new TextEncoder().encode("blocks4");
const has = (b, s) => b.some((_, i) => s.every((c, k) => b[i + k] === c));
WebAssembly.validate = (bytes) => !has(new Uint8Array(bytes), SIMD) && validate(bytes);
const { backendInfo, initializers } = await import("{{MOD}}");
const t = initializers.randomNormal([5], { seed: 3 });
console.log(JSON.stringify({ random: (await backendInfo()).random, values: [...await t.data()] }));
`,
    { env: { EMBER_BACKEND: "cpu" } },
  );
  assertEquals(code, 0, stderr);
  const { random, values } = JSON.parse(stdout);
  assertEquals(random.variant, "wasm");
  assertEquals(random.failures.length, 1);
  assertStringIncludes(random.failures[0], "simd: WebAssembly.validate");
  const t = initializers.randomNormal([5], { seed: 3 });
  assertEquals(values, [...await t.data()]);
  t.dispose();
});

Deno.test("auto skips a software WebGPU adapter", async () => {
  // In a fresh process, as a user's would be (this one may run with
  // EMBER_BACKEND set).
  const { code, stdout, stderr } = await runSnippet(`
const adapter = await navigator.gpu?.requestAdapter();
const { backendInfo } = await import("{{MOD}}");
const info = await backendInfo();
console.log(JSON.stringify({ fallback: adapter?.info.isFallbackAdapter ?? null, info }));
`);
  assertEquals(code, 0, stderr);
  const { fallback, info } = JSON.parse(stdout);
  if (fallback === true) {
    assertEquals(info.name, "wasm");
    assertEquals(info.fallbackAdapter, true);
    assertStringIncludes(info.note ?? "", "software fallback");
  }
  // On a hardware adapter "auto" may pick WebGPU; either way it is one of the three.
  assert(["webgpu", "wasm", "cpu"].includes(info.name));
});

Deno.test("auto falls back to WASM with one line when WebGPU fails", async () => {
  const { code, stdout, stderr } = await runSnippet(`
${BROKEN_GPU}
const { getBackend } = await import("{{MOD}}");
console.log(getBackend());
`);
  assertEquals(code, 0, stderr);
  assertEquals(stdout.trim(), "wasm");
  const lines = stderr.trim().split("\n");
  assertEquals(lines.length, 1, stderr);
  assertStringIncludes(lines[0], "WebGPU failed");
});

Deno.test("auto falls back to CPU when WASM cannot be instantiated", async () => {
  const { code, stdout, stderr } = await runSnippet(`
${HIDE_GPU}
WebAssembly.instantiate = () => Promise.reject(new Error("wasm disabled"));
WebAssembly.instantiateStreaming = () => Promise.reject(new Error("wasm disabled"));
const { getBackend, tf } = await import("{{MOD}}");
console.log(getBackend(), tf.tensor([2, 3]).prod().dataSync()[0]);
`);
  assertEquals(code, 0, stderr);
  assertEquals(stdout.trim(), "cpu 6");
  assertStringIncludes(stderr, "WASM failed");
  assert(!stderr.includes("Hi, looks like"), "tfjs banner was printed");
});

Deno.test("a backend that fails to initialise leaves the previous one active", async () => {
  const { code, stdout, stderr } = await runSnippet(`
${HIDE_GPU}
const { getBackend, setBackend, tf } = await import("{{MOD}}");
await setBackend("cpu");
let message = "";
try { await setBackend("webgpu"); } catch (e) { message = e.message; }
console.log(JSON.stringify({ message, active: getBackend(), engine: tf.getBackend(),
  value: tf.tensor([4]).sqrt().dataSync()[0] }));
`);
  assertEquals(code, 0, stderr);
  const result = JSON.parse(stdout);
  assertStringIncludes(result.message, 'Backend "webgpu" failed to initialise');
  assertStringIncludes(result.message, 'still "cpu"');
  assertEquals(result.active, "cpu");
  assertEquals(result.engine, "cpu");
  assertEquals(result.value, 2);
});

Deno.test("importing mod.ts prints nothing and never touches Deno.jupyter", async () => {
  const { code, stdout, stderr } = await runSnippet(
    `
// Outside the kernel Deno.jupyter throws (or is absent), so any use of it at import would fail.
let touched = "absent";
try { touched = typeof Deno.jupyter; } catch { touched = "throws"; }
if (touched === "object") throw new Error("this check needs a runtime where Deno.jupyter is unusable");
const { tf } = await import("{{MOD}}");
tf.tensor([1, 2]).add(1).dataSync();
console.log("ok");
`,
    { env: { EMBER_BACKEND: "cpu" } },
  );
  assertEquals(code, 0, stderr);
  assertEquals(stdout, "ok\n");
  assertEquals(stderr, "");
});

Deno.test("EMBER_BACKEND selects the backend at import", async () => {
  const { code, stdout, stderr } = await runSnippet(
    `const { getBackend } = await import("{{MOD}}"); console.log(getBackend());`,
    { env: { EMBER_BACKEND: "cpu" } },
  );
  assertEquals(code, 0, stderr);
  assertEquals(stdout.trim(), "cpu");
});
