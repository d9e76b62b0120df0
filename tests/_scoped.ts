/**
 * Test scaffolding that undoes itself: a temporary folder removed afterwards,
 * a property replaced only while a function runs, and console.log captured.
 *
 * @module
 */

/** Runs `fn` with a fresh temporary folder, removed afterwards. */
export async function withTempDir<T>(
  fn: (dir: string) => Promise<T>,
  prefix = "ember_test_",
): Promise<T> {
  const dir = await Deno.makeTempDir({ prefix });
  try {
    return await fn(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

/** Runs `fn` with `obj[key]` set to `value`, restored afterwards. */
export async function withReplaced<O extends object, K extends keyof O, T>(
  obj: O,
  key: K,
  value: O[K],
  fn: () => Promise<T>,
): Promise<T> {
  const saved = obj[key];
  obj[key] = value;
  try {
    return await fn();
  } finally {
    obj[key] = saved;
  }
}

/** The arguments of every console.log call made while `fn` runs. */
export async function logged(fn: () => Promise<void>): Promise<unknown[][]> {
  const calls: unknown[][] = [];
  const log = (...args: unknown[]) => void calls.push(args);
  await withReplaced(console, "log", log, fn);
  return calls;
}
