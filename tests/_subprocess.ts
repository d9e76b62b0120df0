/**
 * Fresh Deno processes for tests: snippets with this project's import map
 * (for a clean global state: backend choice, patched globals, `--v8-flags`,
 * `ulimit`), and the report CLI. One helper for all of them.
 *
 * @module
 */
import { join } from "node:path";
import { pathToFileURL } from "node:url";

/** The repository root. */
export const ROOT: string = join(import.meta.dirname!, "..");

/** The project's `mod.ts` as a URL, for `import` in snippets. */
export const MOD_URL: string = pathToFileURL(join(ROOT, "mod.ts")).href;

/** The project's `lib/` as a URL (with a trailing slash). */
export const LIB_URL: string = pathToFileURL(join(ROOT, "lib")).href + "/";

/** The report CLI's entry point. */
export const REPORT_MAIN: string = join(ROOT, "cli", "report", "main.ts");

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

/** What a process printed, and how it exited. */
export interface RunResult {
  code: number;
  stdout: string;
  /** Without the GPU driver's own lines ({@linkcode withoutDriverNoise}). */
  stderr: string;
  /** Whether it was killed for running past `timeoutMs`. */
  timedOut: boolean;
}

/** Options for {@linkcode runDeno}. */
export interface RunOptions {
  /** Environment on top of this process's. `NO_COLOR=1` always. */
  env?: Record<string, string>;
  /** Working directory. Default: the repository root. */
  cwd?: string;
  /** Killed (SIGTERM) after this long. Default 300 000 ms. */
  timeoutMs?: number;
  /** Wraps the command as `bash -c '<shell>; exec "$@"'` (for `ulimit`, `trap`). */
  shell?: string;
}

/** Runs `deno ...args` with stdin closed and output captured. */
export async function runDeno(
  args: string[],
  options: RunOptions = {},
): Promise<RunResult> {
  const deno = [Deno.execPath(), ...args];
  const common = {
    cwd: options.cwd ?? ROOT,
    env: { NO_COLOR: "1", ...options.env },
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
    signal: AbortSignal.timeout(options.timeoutMs ?? 300_000),
  } as const;
  const command = options.shell === undefined
    ? new Deno.Command(deno[0], { args: deno.slice(1), ...common })
    : new Deno.Command("bash", {
      args: ["-c", `${options.shell}; exec "$@"`, "bash", ...deno],
      ...common,
    });
  const out = await command.output();
  const text = new TextDecoder();
  return {
    code: out.code,
    stdout: text.decode(out.stdout),
    stderr: withoutDriverNoise(text.decode(out.stderr)),
    timedOut: out.signal === "SIGTERM",
  };
}

/** Options for {@linkcode runSnippet}. */
export interface SnippetOptions extends Omit<RunOptions, "cwd"> {
  /** `--v8-flags=…`, for example `--expose-gc`. */
  v8Flags?: string;
}

/**
 * Runs `source` as a module with `deno run -A`, from the repository root.
 * `{{MOD}}` in the source becomes the URL of `mod.ts`, `{{LIB}}` that of
 * `lib/`. `EMBER_BACKEND` is `"auto"` unless `env` says otherwise
 * (`deno task test` sets `wasm` for its own process; README, Backends).
 */
export async function runSnippet(
  source: string,
  options: SnippetOptions = {},
): Promise<RunResult> {
  const dir = await Deno.makeTempDir({ prefix: "ember_snippet_" });
  try {
    const file = join(dir, "snippet.ts");
    await Deno.writeTextFile(
      file,
      source.replaceAll("{{MOD}}", MOD_URL).replaceAll("{{LIB}}", LIB_URL),
    );
    return await runDeno([
      "run",
      "-A",
      "--quiet",
      "--config",
      join(ROOT, "deno.json"),
      ...(options.v8Flags ? [`--v8-flags=${options.v8Flags}`] : []),
      file,
    ], { ...options, env: { EMBER_BACKEND: "auto", ...options.env } });
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

/** The command line of the report CLI with `args`. */
export function reportCommand(args: string[]): string[] {
  return [
    Deno.execPath(),
    "run",
    "-A",
    "--quiet",
    "--no-code-cache",
    "--config",
    join(ROOT, "deno.json"),
    REPORT_MAIN,
    ...args,
  ];
}

/** Runs the report CLI (`deno task report ...args`). */
export function runReport(
  args: string[],
  options: RunOptions = {},
): Promise<RunResult> {
  return runDeno(reportCommand(args).slice(1), options);
}

/** A run, for an assertion's message. */
export function showRun(run: RunResult): string {
  return `exit ${run.code}${
    run.timedOut ? " (timed out)" : ""
  }\n--- stdout\n${run.stdout}\n--- stderr\n${run.stderr}`;
}
