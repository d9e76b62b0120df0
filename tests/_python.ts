/**
 * Whether the `python3` on PATH runs, and whether it has numpy: the
 * cross-checks against Python and numpy are ignored (with a message) where
 * they are missing.
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
