/**
 * Choosing a WebAssembly kernel's variant, and remembering why the others,
 * or the worker threads, could not be used: the record that
 * `linalgKernelInfo` reports. Nothing a probe finds is swallowed.
 *
 * @module
 */

/** Why a variant or the worker threads were not used, in the order found. */
const failures: string[] = [];

/** Records why something could not be used (each reason once). */
export function reportFailure(message: string): void {
  if (!failures.includes(message)) failures.push(message);
}

/** What has failed so far, in the order found. */
export function kernelFailures(): string[] {
  return [...failures];
}

/** One variant of a kernel, in the order of preference. */
export interface Candidate<V extends string> {
  /** The variant's name, as in the generated `_name_wasm.ts`. */
  name: V;
  /** The module, in base64. */
  base64: string;
  /** A memory for a trial instance (it may throw: that is reported too). */
  memory(): WebAssembly.Memory;
  /** Why this variant cannot run here without trying it, or `null`. */
  obstacle?(): string | null;
}

/** The chosen candidate, and its module compiled. */
export interface Chosen<C> {
  candidate: C;
  module: WebAssembly.Module;
}

function reason(error: unknown): string {
  return error instanceof Error
    ? `${error.name}: ${error.message}`
    : String(error);
}

/** The engine's own reason for rejecting `bytes`, as " (…)", or "". */
function compileError(bytes: Uint8Array<ArrayBuffer>): string {
  try {
    new WebAssembly.Module(bytes);
  } catch (error) {
    return ` (${reason(error)})`;
  }
  return "";
}

/**
 * Compiles the first candidate that `WebAssembly.validate` accepts and that
 * instantiates on its memory, recording for each one before it why it was
 * rejected (`kernel variant: reason`); `null`, with the reasons recorded,
 * when none runs.
 */
export function chooseVariant<C extends Candidate<string>>(
  kernel: string,
  candidates: readonly C[],
): Chosen<C> | null {
  if (typeof WebAssembly !== "object") {
    reportFailure(`${kernel}: this runtime has no WebAssembly`);
    return null;
  }
  for (const candidate of candidates) {
    const label = `${kernel} ${candidate.name}`;
    const obstacle = candidate.obstacle?.() ?? null;
    if (obstacle !== null) {
      reportFailure(`${label}: ${obstacle}`);
      continue;
    }
    try {
      const bytes = Uint8Array.fromBase64(candidate.base64);
      if (!WebAssembly.validate(bytes)) {
        reportFailure(
          `${label}: WebAssembly.validate rejects it${compileError(bytes)}`,
        );
        continue;
      }
      const module = new WebAssembly.Module(bytes);
      new WebAssembly.Instance(module, {
        env: { memory: candidate.memory() },
      });
      return { candidate, module };
    } catch (error) {
      reportFailure(`${label}: ${reason(error)}`);
    }
  }
  return null;
}
