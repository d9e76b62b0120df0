/**
 * The WebGPU checks (_webgpu_checks.ts: a net trained on WebGPU, every
 * reading helper on its parameters and on a tf-op result, the teaching
 * helpers, matMul against the CPU backend, seeded bits against the CPU
 * backend), run in a `deno test` process of their own: no other test
 * module uses the adapter.
 *
 * Why a process of its own: with Mesa's llvmpipe adapter, a process that has
 * used WebGPU sometimes aborts at exit with a C heap error (`malloc():
 * corrupted …`), after everything has run (1 in 15 runs here; see README,
 * Backends). In its own process that cannot take the rest of the suite down,
 * and an abort that comes after every check passed is told apart from a
 * failure: it is reported on the console, not hidden, and does not fail the
 * checks.
 *
 * Ignored where the runtime has no WebGPU adapter, unless REQUIRE_WEBGPU=1
 * (CI sets it): then the child fails.
 */
import { assert, assertMatch } from "@std/assert";
import { join } from "node:path";
import { withoutDriverNoise } from "./_subprocess.ts";

const ROOT = join(import.meta.dirname!, "..");

Deno.test("webgpu: a trained net's parameters and a tf-op result through every reading helper (in a process of its own)", async () => {
  const out = await new Deno.Command(Deno.execPath(), {
    args: [
      "test",
      "-A",
      "--config",
      join(ROOT, "deno.json"),
      join(ROOT, "tests", "_webgpu_checks.ts"),
    ],
    cwd: ROOT,
    env: { NO_COLOR: "1", EMBER_BACKEND: "wasm" },
    stdout: "piped",
    stderr: "piped",
    signal: AbortSignal.timeout(600_000),
  }).output();
  const text = new TextDecoder();
  const stdout = text.decode(out.stdout);
  const stderr = withoutDriverNoise(text.decode(out.stderr));
  const report =
    `exit ${out.code}\n--- stdout\n${stdout}\n--- stderr\n${stderr}`;
  const summary = stdout.match(/^ok \| (\d+) passed \| 0 failed(.*)$/m);
  assert(summary !== null, report);
  if (summary[2].includes("ignored")) {
    console.log("webgpu: no WebGPU adapter here; the checks were ignored");
    return;
  }
  assertMatch(summary[1], /^[1-9]/, report);
  if (!out.success) {
    // Every check passed; the process died afterwards, in the driver.
    assert(out.signal === "SIGABRT" || out.code === 134, report);
    console.log(
      `webgpu: all checks passed, then the process aborted at exit in the GPU driver: ${
        stderr.trim().split("\n").at(-1)
      }`,
    );
  }
});
