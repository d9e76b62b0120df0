/**
 * Whether the `python3` on PATH runs, and whether it has numpy: the
 * cross-checks against Python and numpy are ignored (with a message) where
 * they are missing; and a script run with its input on stdin.
 *
 * @module
 */

/** Whether `python3 -c <code>` succeeds. */
export async function pythonCan(code: string): Promise<boolean> {
  try {
    const out = await new Deno.Command("python3", {
      args: ["-c", code],
      stdout: "null",
      stderr: "null",
    }).output();
    return out.success;
  } catch {
    return false;
  }
}

/** `python3` runs. */
export const HAVE_PYTHON: boolean = await pythonCan("pass");

/** `python3` imports numpy. */
export const HAVE_NUMPY: boolean = HAVE_PYTHON &&
  await pythonCan("import numpy");

/** Runs `python3 -c script` with `input` on its stdin; returns its stdout, or throws with its stderr. */
export async function runPythonWith(
  script: string,
  input: string | Uint8Array,
): Promise<string> {
  const child = new Deno.Command("python3", {
    args: ["-c", script],
    stdin: "piped",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const writer = child.stdin.getWriter();
  await writer.write(
    typeof input === "string" ? new TextEncoder().encode(input) : input,
  );
  await writer.close();
  const out = await child.output();
  const text = new TextDecoder();
  if (!out.success) {
    throw new Error(`python3 failed: ${text.decode(out.stderr)}`);
  }
  return text.decode(out.stdout);
}
