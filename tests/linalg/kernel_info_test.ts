/**
 * Tests of linalgKernelInfo: what runs here, and that every failed feature
 * probe is reported (a variant WebAssembly.validate rejects, no
 * SharedArrayBuffer, a worker that fails to start, no permission to load
 * the worker's module) while the results stay right. Each failure is made
 * in a fresh process, since the kernels are chosen once per process.
 */
import {
  assert,
  assertEquals,
  assertMatch,
  assertStringIncludes,
} from "@std/assert";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { linalgKernelInfo } from "../../lib/linalg/kernel_info.ts";
import { MAX_WORKERS } from "../../lib/linalg/_kernels.ts";

const ROOT = join(import.meta.dirname!, "..", "..");
const LINALG = pathToFileURL(join(ROOT, "lib/linalg")).href;

/**
 * Runs `source` in a fresh `deno run` (with `flags`, default `-A`) after
 * `{{LINALG}}` is replaced by lib/linalg's URL; returns the JSON it prints.
 */
async function run(
  source: string,
  flags: string[] = ["-A"],
): Promise<{ info: Record<string, unknown>; stderr: string }> {
  const dir = await Deno.makeTempDir({ prefix: "ember_kernel_info_" });
  try {
    const file = join(dir, "snippet.ts");
    await Deno.writeTextFile(file, source.replaceAll("{{LINALG}}", LINALG));
    const out = await new Deno.Command(Deno.execPath(), {
      args: [
        "run",
        ...flags,
        "--quiet",
        "--no-prompt",
        "--config",
        join(ROOT, "deno.json"),
        file,
      ],
      cwd: ROOT,
      env: { NO_COLOR: "1" },
      stdout: "piped",
      stderr: "piped",
    }).output();
    const text = new TextDecoder();
    const stdout = text.decode(out.stdout);
    const stderr = text.decode(out.stderr);
    assertEquals(out.code, 0, stderr);
    return { info: JSON.parse(stdout), stderr };
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

/** A QR large enough for worker threads, checked against the single-threaded one. */
const QR_AGREES = `
import { blockedQr } from "{{LINALG}}/_blocked_qr.ts";
const n = 900;
const a = new Float64Array(n * n).map((_, i) => Math.sin(i * 0.7));
const x = blockedQr(a, n, n);
const y = blockedQr(a, n, n, { threads: false });
const same = x.q.every((v, i) => v === y.q[i]) && x.r.every((v, i) => v === y.r[i]);
`;

/** Four cores, so that worker threads are wanted whatever the machine. */
const FOUR_CORES =
  `Object.defineProperty(navigator, "hardwareConcurrency", { value: 4, configurable: true });`;

Deno.test("linalgKernelInfo: on Deno, the fused SIMD kernel on shared memory with worker threads, and no failures", async () => {
  const info = await linalgKernelInfo();
  assertEquals(info.kernel, "wasm-simd-fma");
  assertEquals(info.sharedMemory, true);
  const cores = navigator.hardwareConcurrency ?? 1;
  assertEquals(info.threads, Math.max(0, Math.min(MAX_WORKERS, cores - 1)));
  assertEquals(info.failures, []);
  assertMatch(info.summary, /^wasm-simd-fma, shared memory, /);
});

Deno.test("linalgKernelInfo: a variant WebAssembly.validate rejects is reported, and the next one runs", async () => {
  const { info } = await run(`
import { WASM } from "{{LINALG}}/_gemm_wasm.ts";
const fused = Uint8Array.fromBase64(WASM.fused_shared);
const validate = WebAssembly.validate;
WebAssembly.validate = (bytes) =>
  !(bytes.length === fused.length && bytes.every((b, i) => b === fused[i])) &&
  validate(bytes);
const { linalgKernelInfo } = await import("{{LINALG}}/kernel_info.ts");
console.log(JSON.stringify(await linalgKernelInfo()));
`);
  assertEquals(info.kernel, "wasm-simd");
  assertEquals(info.sharedMemory, true);
  assertEquals(info.failures, [
    "gemm fused_shared: WebAssembly.validate rejects it",
  ]);
});

Deno.test("linalgKernelInfo: without WebAssembly SIMD the products run in JavaScript, and every rejection is listed", async () => {
  const { info } = await run(`
WebAssembly.validate = () => false;
const { linalgKernelInfo } = await import("{{LINALG}}/kernel_info.ts");
${QR_AGREES}
const { householderQr } = await import("{{LINALG}}/householder_qr.ts");
const { singularValuesSync } = await import("{{LINALG}}/singular_values.ts");
const s = singularValuesSync({ values: [3, 0, 4, 0, 0, 3], shape: [3, 2] });
console.log(JSON.stringify({ ...await linalgKernelInfo(), same, kind: x.kind, s: [...s] }));
`);
  assertEquals(info.kernel, "js");
  assertEquals(info.threads, 0);
  assertEquals(info.summary, "js, no worker threads");
  const failures = info.failures as string[];
  for (const variant of ["fused_shared", "plain_shared", "fused", "plain"]) {
    assert(
      failures.includes(`gemm ${variant}: WebAssembly.validate rejects it`),
      failures.join("\n"),
    );
  }
  assert(
    failures.includes("svd chase default: WebAssembly.validate rejects it"),
    failures.join("\n"),
  );
  assertEquals(info.kind, "js");
  assertEquals(info.same, true);
  assertEquals(info.s, [5, 3]);
});

Deno.test("linalgKernelInfo: without SharedArrayBuffer the kernel runs on unshared memory and no worker starts", async () => {
  const { info } = await run(`
${FOUR_CORES}
delete (globalThis as { SharedArrayBuffer?: unknown }).SharedArrayBuffer;
const { linalgKernelInfo } = await import("{{LINALG}}/kernel_info.ts");
${QR_AGREES}
console.log(JSON.stringify({ ...await linalgKernelInfo(), same, workers: x.workers }));
`);
  assertEquals(info.kernel, "wasm-simd-fma");
  assertEquals(info.sharedMemory, false);
  assertEquals(info.threads, 0);
  assertEquals(info.workers, 0);
  assertEquals(info.same, true);
  assertEquals(info.failures, [
    "gemm fused_shared: this runtime has no SharedArrayBuffer",
    "gemm plain_shared: this runtime has no SharedArrayBuffer",
  ]);
  assertEquals(
    info.summary,
    "wasm-simd-fma, unshared memory, no worker threads",
  );
});

Deno.test("linalgKernelInfo: a worker that fails to start is reported, and the calling thread does the work", async () => {
  const { info, stderr } = await run(`
${FOUR_CORES}
class FailingWorker {
  onmessage = null;
  onerror: ((e: { message: string; preventDefault(): void }) => void) | null = null;
  constructor() {
    setTimeout(() => this.onerror?.({ message: "module not found", preventDefault() {} }), 0);
  }
  postMessage() {}
  terminate() {}
}
(globalThis as { Worker: unknown }).Worker = FailingWorker;
const { linalgKernelInfo } = await import("{{LINALG}}/kernel_info.ts");
const info = await linalgKernelInfo();
${QR_AGREES}
console.log(JSON.stringify({ ...info, same, workers: x.workers }));
`);
  assertEquals(stderr, "");
  assertEquals(info.kernel, "wasm-simd-fma");
  assertEquals(info.threads, 0);
  assertEquals(info.failures, [
    "worker threads: a worker failed to start: module not found",
  ]);
  // After a failure no more workers are started.
  assertEquals(info.workers, 0);
  assertEquals(info.same, true);
});

Deno.test("linalgKernelInfo: a worker that cannot instantiate the kernel is reported", async () => {
  const { info } = await run(`
${FOUR_CORES}
class RefusingWorker {
  onmessage: ((e: { data: unknown }) => void) | null = null;
  onerror = null;
  postMessage() {
    setTimeout(() => this.onmessage?.({ data: { type: "failed", message: "out of memory" } }), 0);
  }
  terminate() {}
}
(globalThis as { Worker: unknown }).Worker = RefusingWorker;
const { linalgKernelInfo } = await import("{{LINALG}}/kernel_info.ts");
console.log(JSON.stringify(await linalgKernelInfo()));
`);
  assertEquals(info.threads, 0);
  assertEquals(info.failures, [
    "worker threads: a worker failed: out of memory",
  ]);
});

Deno.test("linalgKernelInfo: without read permission for the worker's module, that is reported and nothing prompts", async () => {
  const { info, stderr } = await run(
    `
${FOUR_CORES}
const { linalgKernelInfo } = await import("{{LINALG}}/kernel_info.ts");
${QR_AGREES}
console.log(JSON.stringify({ ...await linalgKernelInfo(), same, workers: x.workers }));
`,
    [],
  );
  assertEquals(stderr, "");
  assertEquals(info.threads, 0);
  assertEquals(info.workers, 0);
  assertEquals(info.same, true);
  const failures = info.failures as string[];
  assertEquals(failures.length, 1, failures.join("\n"));
  assertStringIncludes(failures[0], "_gemm_worker.ts needs --allow-read");
});
