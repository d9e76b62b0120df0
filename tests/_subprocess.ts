/**
 * Runs a snippet of TypeScript in a fresh Deno process with this project's
 * import map, for tests that need a clean global state (backend choice,
 * patched globals).
 *
 * @module
 */
import { join } from "node:path";
import { pathToFileURL } from "node:url";

const ROOT = join(import.meta.dirname!, "..");

/** The project's `mod.ts` as a URL, for `import` in snippets. */
export const MOD_URL: string = pathToFileURL(join(ROOT, "mod.ts")).href;

/**
 * Mesa's WebGPU driver (llvmpipe) prints this line itself, from native code,
 * whenever a process asks for an adapter without XDG_RUNTIME_DIR set (as on
 * a headless CI machine). It is not the toolkit's output.
 */
const DRIVER_NOISE =
  /^error: XDG_RUNTIME_DIR is invalid or not set in the environment\.\n/gm;

/** `stderr` without the lines a GPU driver printed on its own (see above). */
export function withoutDriverNoise(stderr: string): string {
  return stderr.replace(DRIVER_NOISE, "");
}

/** What a snippet printed, and how it exited. */
export interface SnippetResult {
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * Runs `source` as a module with `deno run -A`, from the project root.
 * `{{MOD}}` in the source is replaced by the URL of `mod.ts`.
 */
export async function runSnippet(
  source: string,
  env: Record<string, string> = {},
): Promise<SnippetResult> {
  const dir = await Deno.makeTempDir({ prefix: "ember_snippet_" });
  try {
    const file = join(dir, "snippet.ts");
    await Deno.writeTextFile(file, source.replaceAll("{{MOD}}", MOD_URL));
    const out = await new Deno.Command(Deno.execPath(), {
      args: ["run", "-A", "--quiet", "--config", join(ROOT, "deno.json"), file],
      cwd: ROOT,
      // "auto" unless the test says otherwise: deno task test sets
      // EMBER_BACKEND=wasm for its own process (see README, Backends).
      env: { NO_COLOR: "1", EMBER_BACKEND: "auto", ...env },
      stdout: "piped",
      stderr: "piped",
    }).output();
    const text = new TextDecoder();
    return {
      code: out.code,
      stdout: text.decode(out.stdout),
      stderr: withoutDriverNoise(text.decode(out.stderr)),
    };
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}
