/**
 * Helpers for the safetensors tests: files built byte by byte, temporary
 * folders, and bit patterns of tensors.
 *
 * @module
 */
import { join } from "node:path";
import type { tf } from "../../mod.ts";
import { withReplaced, withTempDir } from "../_scoped.ts";
import { assertRejects, assertStringIncludes } from "@std/assert";
import { SafetensorsError } from "../../lib/io/safetensors.ts";

/** The folder of the committed fixtures. */
export const FIXTURES: string = join(import.meta.dirname!, "fixtures");

/** What numpy wrote of a fixture (fixtures/expected.json): metadata, tensor order, and each tensor. */
export interface Expected {
  metadata: Record<string, string>;
  order: string[];
  tensors: Record<
    string,
    { dtype: string; shape: number[]; bits?: string; values?: number[] }
  >;
}

/** fixtures/expected.json, by fixture name. */
export async function readExpected(): Promise<Record<string, Expected>> {
  return JSON.parse(await Deno.readTextFile(join(FIXTURES, "expected.json")));
}

/** The python3 + numpy reader written to the specification. */
export const PY_READER: string = join(
  import.meta.dirname!,
  "read_safetensors.py",
);

/**
 * Builds a safetensors file: the length field, the header (a string is used
 * as is, an object is JSON-encoded), then `data`. `length` overrides the
 * length field.
 */
export function buildFile(
  header: string | Record<string, unknown>,
  data: Uint8Array | number[] = [],
  options: { length?: bigint; rawHeader?: Uint8Array } = {},
): Uint8Array {
  const json = options.rawHeader ??
    new TextEncoder().encode(
      typeof header === "string" ? header : JSON.stringify(header),
    );
  const out = new Uint8Array(8 + json.length + data.length);
  new DataView(out.buffer).setBigUint64(
    0,
    options.length ?? BigInt(json.length),
    true,
  );
  out.set(json, 8);
  out.set(data, 8 + json.length);
  return out;
}

/** A header entry. */
export function entry(
  dtype: string,
  shape: number[],
  begin: number,
  end: number,
): Record<string, unknown> {
  return { dtype, shape, data_offsets: [begin, end] };
}

/**
 * Each of `calls` rejects with a SafetensorsError whose message names `path`
 * (and includes `includes`); returns the errors.
 */
export async function rejectsNaming(
  path: string,
  calls: (() => Promise<unknown>)[],
  includes?: string,
): Promise<SafetensorsError[]> {
  const errors: SafetensorsError[] = [];
  for (const call of calls) {
    const error = await assertRejects(call, SafetensorsError, includes);
    assertStringIncludes(error.message, path);
    errors.push(error);
  }
  return errors;
}

/** Counts the bytes read through Deno.FsFile while `fn` runs. */
export async function countingReads(
  fn: () => Promise<unknown>,
): Promise<number> {
  const proto = Deno.FsFile.prototype;
  const read = proto.read;
  let total = 0;
  const counted = async function (this: Deno.FsFile, p: Uint8Array) {
    const n = await read.call(this, p);
    total += n ?? 0;
    return n;
  };
  await withReplaced(proto, "read", counted, fn);
  return total;
}

/** A float32 or int32 tensor's values as hex bit patterns; bool as 0/1. */
export async function bitsOf(t: tf.Tensor): Promise<string> {
  const data = await t.data();
  if (t.dtype === "bool") {
    return Array.from(data, (v) => v ? "1" : "0").join(" ");
  }
  const words = new Uint32Array(data.buffer, data.byteOffset, data.length);
  return Array.from(words, (w) => w.toString(16).padStart(8, "0")).join(" ");
}

/** The same, for float32 values given as numbers. */
export function bitsOfFloats(values: number[]): string {
  return Array.from(
    new Uint32Array(new Float32Array(values).buffer),
    (w) => w.toString(16).padStart(8, "0"),
  ).join(" ");
}

/** Whether python3 with numpy can run; the reason when it cannot. */
export async function numpyMissing(): Promise<string | null> {
  try {
    const out = await new Deno.Command("python3", {
      args: ["-c", "import numpy"],
      stdout: "null",
      stderr: "piped",
    }).output();
    if (out.success) return null;
    return `python3 cannot import numpy (${
      new TextDecoder().decode(out.stderr).trim().split("\n").at(-1)
    }); install it with \`pip install numpy\` or \`apt-get install python3-numpy\``;
  } catch (error) {
    return `python3 is not available (${(error as Error).message})`;
  }
}

/** Runs a python3 script; returns its stdout, or throws with its stderr. */
export async function runPython(args: string[]): Promise<string> {
  const out = await new Deno.Command("python3", {
    args,
    stdout: "piped",
    stderr: "piped",
  }).output();
  const text = new TextDecoder();
  if (!out.success) {
    throw new Error(
      `python3 ${args.join(" ")} failed: ${text.decode(out.stderr)}`,
    );
  }
  return text.decode(out.stdout);
}

/** Whether this process's descriptors can be listed (Linux /proc/self/fd). */
export const HAVE_PROC: boolean = descriptorTargets() !== null;

/** A test in a fresh temporary folder that counts open descriptors: ignored where they cannot be listed. */
export function descriptorTest(
  name: string,
  fn: (dir: string) => Promise<void>,
): void {
  Deno.test({ name, ignore: !HAVE_PROC, fn: () => withTempDir(fn) });
}

/** What this process's descriptors point to (Linux /proc/self/fd), or `null` where /proc is not there. */
function descriptorTargets(): string[] | null {
  let entries: Deno.DirEntry[];
  try {
    entries = [...Deno.readDirSync("/proc/self/fd")];
  } catch {
    return null;
  }
  const targets: string[] = [];
  for (const entry of entries) {
    try {
      targets.push(Deno.readLinkSync(`/proc/self/fd/${entry.name}`));
    } catch {
      // Closed while the folder was read.
    }
  }
  return targets;
}

/** `path` resolved through links, or as given when it does not exist. */
function realOrGiven(path: string): string {
  try {
    return Deno.realPathSync(path);
  } catch {
    return path;
  }
}

/**
 * How many of this process's file descriptors are open on files under `dir`,
 * or -1 where /proc is not there. Only descriptors on the test's own folder
 * are counted: test files run in parallel in one process, so a count of all
 * descriptors moves under a test's feet.
 */
export function fdsUnder(dir: string): number {
  const root = realOrGiven(dir);
  const prefix = root.endsWith("/") ? root : root + "/";
  const targets = descriptorTargets();
  return targets === null
    ? -1
    : targets.filter((t) => t === root || t.startsWith(prefix)).length;
}

/**
 * How many of this process's file descriptors are open on `path`, or `null`
 * where /proc is not there (one file's descriptors, for the same reason as
 * {@linkcode fdsUnder}).
 */
export function fdsOn(path: string): Promise<number | null> {
  const target = realOrGiven(path);
  const targets = descriptorTargets();
  return Promise.resolve(
    targets === null ? null : targets.filter((t) => t === target).length,
  );
}

/** Makes a FIFO (named pipe) with `mkfifo`. */
export async function mkfifo(path: string): Promise<void> {
  const out = await new Deno.Command("mkfifo", {
    args: [path],
    stderr: "piped",
  }).output();
  if (!out.success) {
    throw new Error(
      `mkfifo ${path} failed: ${new TextDecoder().decode(out.stderr)}`,
    );
  }
}
