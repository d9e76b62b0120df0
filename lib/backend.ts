/**
 * Choosing the tfjs backend: WebGPU on a hardware adapter, else WASM, else
 * CPU.
 *
 * The backend choice is one of the two pieces of global state a user can
 * change (the other is the random stream of `setSeed`); the rest are caches
 * that never change a result (compiled WebAssembly kernels, the linear
 * algebra worker pool, this module's WebGPU adapter probe). Importing `mod.ts` selects a backend once,
 * from the `EMBER_BACKEND` environment variable when it is set (`auto`,
 * `webgpu`, `wasm` or `cpu`), else `"auto"`.
 *
 * @module
 */
import { tf } from "./_tfjs.ts";
import { checkChoice } from "./validate.ts";
import {
  type LinalgKernelInfo,
  linalgKernelInfo,
} from "./linalg/kernel_info.ts";
import { type RandomKernelInfo, randomKernelInfo } from "./random/kernel.ts";

/** A backend the toolkit can run on. */
export type BackendName = "webgpu" | "wasm" | "cpu";

/** What {@linkcode setBackend} accepts: a backend, or `"auto"` to pick the best one. */
export type BackendChoice = "auto" | BackendName;

/** The values {@linkcode setBackend} accepts, in order of preference for `"auto"`. */
export const BACKEND_CHOICES: readonly BackendChoice[] = Object.freeze([
  "auto",
  "webgpu",
  "wasm",
  "cpu",
]);

/** What {@linkcode backendInfo} reports. */
export interface BackendInfo {
  /** The active backend. */
  name: BackendName;
  /** The WebGPU adapter's description (for example `"llvmpipe (LLVM 15.0.6, 256 bits)"`), or `null` when the runtime has no adapter. */
  adapter: string | null;
  /** Whether that adapter is a software fallback; `null` when there is no adapter. */
  fallbackAdapter: boolean | null;
  /** Why `"auto"` did not pick a faster backend, when it did not; else `null`. */
  note: string | null;
  /**
   * What runs the linear algebra (`singularValues`, `householderQr`), which
   * does not use tfjs: the WebAssembly kernel variant, its worker threads,
   * and why anything faster could not be used here.
   */
  linalg: LinalgKernelInfo;
  /** The random generator's code path (`"wasm-simd"`, `"wasm"` or `"js"`; the same bits on each) and why any faster one was rejected. Independent of the tfjs backend. */
  random: RandomKernelInfo;
}

interface AdapterProbe {
  description: string;
  fallback: boolean;
}

let active: BackendName | null = null;
let autoNote: string | null = null;
let adapterProbe: Promise<AdapterProbe | null> | null = null;

/** Asks the runtime for a WebGPU adapter once, with the preference tfjs uses. */
function probeAdapter(): Promise<AdapterProbe | null> {
  adapterProbe ??= (async () => {
    const gpu = (globalThis.navigator as { gpu?: GPU } | undefined)?.gpu;
    if (!gpu) return null;
    try {
      const adapter = await gpu.requestAdapter({
        powerPreference: "high-performance",
      });
      if (!adapter) return null;
      const info = adapter.info as GPUAdapterInfo & {
        isFallbackAdapter?: boolean;
      };
      const legacy = adapter as GPUAdapter & { isFallbackAdapter?: boolean };
      return {
        description: info.description || info.device || info.vendor ||
          "unknown adapter",
        fallback: Boolean(info.isFallbackAdapter ?? legacy.isFallbackAdapter),
      };
    } catch {
      return null;
    }
  })();
  return adapterProbe;
}

/**
 * Switches tfjs to `name`; on failure switches back to the previous backend
 * and returns the reason.
 */
async function tryBackend(name: BackendName): Promise<string | null> {
  if (name === "webgpu" && !(await probeAdapter())) {
    return "the runtime has no WebGPU adapter (navigator.gpu is missing or returned none)";
  }
  if (tf.engine().registryFactory[name] === undefined) {
    return `tfjs has no "${name}" backend registered in this runtime`;
  }
  // tfjs prints a multi-line stack when an initialisation fails; we report one line instead.
  const prod = tf.env().getBool("PROD");
  tf.env().set("PROD", true);
  let ok = false;
  let reason = "tfjs could not initialise it";
  try {
    ok = await tf.setBackend(name);
  } catch (error) {
    reason = error instanceof Error ? error.message : String(error);
  } finally {
    tf.env().set("PROD", prod);
  }
  if (ok) {
    active = name;
    return null;
  }
  // tfjs leaves its engine pointing at the failed name: restore the previous backend.
  if (active !== null) await tf.setBackend(active);
  return reason;
}

/**
 * Selects the tfjs backend.
 *
 * - `"auto"` picks WebGPU when the runtime has a hardware adapter, else WASM,
 *   else CPU. A software fallback adapter (such as llvmpipe) is skipped,
 *   because it is slower than WASM; a WebGPU or WASM failure falls back with a
 *   one-line warning.
 * - `"webgpu"`, `"wasm"` and `"cpu"` select that backend, a software WebGPU
 *   adapter included. If it fails to initialise, the previous backend stays
 *   active and an `Error` says why.
 *
 * On WebGPU in Deno, synchronous reads (`dataSync`, `print`) are not
 * available; use `await tensor.data()`.
 *
 * @param name The backend to select.
 * @returns The name of the backend now active.
 * @throws {RangeError} If `name` is not one of {@linkcode BACKEND_CHOICES}.
 * @throws {TypeError} If `name` is not a string.
 * @throws {Error} If an explicitly named backend fails to initialise.
 *
 * @example Select the CPU backend
 * ```ts
 * import { getBackend, setBackend } from "../mod.ts";
 * import { assertEquals } from "@std/assert";
 *
 * const previous = getBackend();
 * assertEquals(await setBackend("cpu"), "cpu");
 * await setBackend(previous);
 * ```
 */
export async function setBackend(name: BackendChoice): Promise<BackendName> {
  checkChoice("setBackend", "name", name, BACKEND_CHOICES);
  if (name !== "auto") {
    const reason = await tryBackend(name);
    if (reason !== null) {
      throw new Error(
        `Backend "${name}" failed to initialise: ${reason}. The active backend is still "${active}".`,
      );
    }
    autoNote = null;
    return name;
  }
  const notes: string[] = [];
  const adapter = await probeAdapter();
  if (adapter && !adapter.fallback) {
    const reason = await tryBackend("webgpu");
    if (reason === null) {
      autoNote = null;
      return "webgpu";
    }
    console.warn(`ember: WebGPU failed (${reason}); falling back to WASM.`);
    notes.push(`WebGPU failed: ${reason}`);
  } else {
    notes.push(
      adapter
        ? `WebGPU adapter "${adapter.description}" is a software fallback; use setBackend("webgpu") to force it`
        : "no WebGPU adapter",
    );
  }
  for (const next of ["wasm", "cpu"] as const) {
    const reason = await tryBackend(next);
    if (reason === null) {
      autoNote = notes.join("; ");
      return next;
    }
    if (next === "wasm") {
      console.warn(`ember: WASM failed (${reason}); falling back to CPU.`);
    }
    notes.push(`${next.toUpperCase()} failed: ${reason}`);
  }
  throw new Error(`No tfjs backend could be initialised: ${notes.join("; ")}`);
}

/**
 * The active backend's name.
 *
 * @returns `"webgpu"`, `"wasm"` or `"cpu"`.
 *
 * @example
 * ```ts
 * import { getBackend } from "../mod.ts";
 * import { assert } from "@std/assert";
 *
 * assert(["webgpu", "wasm", "cpu"].includes(getBackend()));
 * ```
 */
export function getBackend(): BackendName {
  if (active === null) {
    throw new Error(
      "No backend is selected yet: import mod.ts, or call setBackend() first",
    );
  }
  return active;
}

/**
 * Describes the active backend and the runtime's WebGPU adapter, and what
 * runs the linear algebra and the random generator.
 *
 * @returns The backend name, the adapter description and whether it is a
 * software fallback, why `"auto"` chose a slower backend, if it did, the
 * linear algebra's kernel, worker threads and failed feature probes, and the
 * random generator's code path and failed probes.
 *
 * @example
 * ```ts
 * import { backendInfo } from "../mod.ts";
 * import { assertEquals } from "@std/assert";
 *
 * const info = await backendInfo();
 * assertEquals(typeof info.name, "string");
 * ```
 */
export async function backendInfo(): Promise<BackendInfo> {
  const adapter = await probeAdapter();
  return {
    name: getBackend(),
    adapter: adapter?.description ?? null,
    fallbackAdapter: adapter ? adapter.fallback : null,
    note: autoNote,
    linalg: await linalgKernelInfo(),
    random: randomKernelInfo(),
  };
}

/** Reads `EMBER_BACKEND` when the environment may be read; `"auto"` otherwise. */
function requestedBackend(): BackendChoice {
  let value: string | undefined;
  try {
    const state = Deno.permissions.querySync({
      name: "env",
      variable: "EMBER_BACKEND",
    }).state;
    if (state === "granted") value = Deno.env.get("EMBER_BACKEND");
  } catch {
    value = undefined;
  }
  if (value === undefined || value === "") return "auto";
  if (!BACKEND_CHOICES.includes(value as BackendChoice)) {
    console.warn(
      `ember: EMBER_BACKEND=${JSON.stringify(value)} is not one of ${
        BACKEND_CHOICES.join(", ")
      }; using "auto".`,
    );
    return "auto";
  }
  return value as BackendChoice;
}

/** Selects the initial backend; `lib/tf.ts` calls it once, at import. */
export async function initBackend(): Promise<BackendName> {
  if (active !== null) return active;
  const choice = requestedBackend();
  try {
    return await setBackend(choice);
  } catch (error) {
    if (choice === "auto") throw error;
    console.warn(
      `ember: ${(error as Error).message.split("\n")[0]} Using "auto".`,
    );
    return await setBackend("auto");
  }
}
