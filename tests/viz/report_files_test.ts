/**
 * The report on every weights format and on awkward files: a real tfjs model
 * (face-api's quantised manifests), --out that would clobber weights, a FIFO,
 * a full disk, a huge sparse tensor, 20,000 tiny tensors, names with escape
 * sequences.
 *
 * @module
 */
import {
  assert,
  assertEquals,
  assertLess,
  assertMatch,
  assertNotMatch,
  assertStringIncludes,
} from "@std/assert";
import { join } from "node:path";
import { tf } from "../../lib/tf.ts";
import { saveSafetensors } from "../../lib/io/safetensors.ts";
import { faceApiModels } from "../_face_api.ts";

const ROOT = join(import.meta.dirname!, "..", "..");
const MAIN = join(ROOT, "viz", "report", "main.ts");

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs the report CLI; `shell` wraps it (for `ulimit`). */
async function report(args: string[], shell?: string): Promise<Run> {
  const deno = [
    Deno.execPath(),
    "run",
    "-A",
    "--quiet",
    "--config",
    join(ROOT, "deno.json"),
    MAIN,
    ...args,
  ];
  const command = shell
    ? new Deno.Command("bash", {
      args: ["-c", `${shell}; exec "$@"`, "bash", ...deno],
      env: { NO_COLOR: "1" },
      stdin: "null",
      stdout: "piped",
      stderr: "piped",
    })
    : new Deno.Command(deno[0], {
      args: deno.slice(1),
      env: { NO_COLOR: "1" },
      stdin: "null",
      stdout: "piped",
      stderr: "piped",
    });
  const out = await command.output();
  const text = new TextDecoder();
  return {
    code: out.code,
    stdout: text.decode(out.stdout),
    stderr: text.decode(out.stderr),
  };
}

function show(run: Run): string {
  return `exit ${run.code}\n--- stdout\n${run.stdout}\n--- stderr\n${run.stderr}`;
}

function assertOneLine(run: Run, includes: string): void {
  assertEquals(run.code, 2, show(run));
  const lines = run.stderr.split("\n").filter((l) => l.trim());
  assertEquals(lines.length, 1, show(run));
  assertStringIncludes(lines[0], includes, show(run));
}

async function withTempDir<T>(fn: (dir: string) => Promise<T>): Promise<T> {
  const dir = await Deno.makeTempDir({ prefix: "ember_report_files_" });
  try {
    return await fn(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

async function small(path: string, names = ["w"]): Promise<void> {
  const ts = names.map((_, i) => tf.randomNormal([16, 8], 0, 1, "float32", i));
  try {
    await saveSafetensors(path, new Map(names.map((n, i) => [n, ts[i]])));
  } finally {
    tf.dispose(ts);
  }
}

Deno.test("report of a real tfjs model: face-api's uint8-quantised manifest reads naturally, with its quantisation", async () => {
  const manifests = await faceApiModels();
  const manifest = manifests.find((m) => m.includes("age_gender"))!;
  await withTempDir(async (dir) => {
    const out = join(dir, "page.html");
    const run = await report([manifest, "--out", out]);
    assertEquals(run.code, 0, show(run));
    const html = await Deno.readTextFile(out);
    assertStringIncludes(html, "tfjs-weights-manifest");
    assertMatch(html, /Quantised to uint8 by the tfjs converter \(scale/);
    assertStringIncludes(html, "<h2>Summary");
    assertStringIncludes(html, "Vectors, scalars and small tensors");
    assert(!run.stderr.includes("\x1b"), "an escape reached the terminal");
  });
});

Deno.test("report --out: a weights extension, the input itself, or an input through a symlink is refused before anything is written", async () => {
  await withTempDir(async (dir) => {
    const input = join(dir, "model.safetensors");
    await small(input);
    const before = await Deno.readFile(input);
    const link = join(dir, "page.html");
    await Deno.symlink(input, link);
    const runs = await Promise.all([
      report([input, "--out", input]),
      report(["--out", join(dir, "model.safetensors")]),
      report([input, "--out", link]),
      report([input, "--out", join(dir, "weights.BIN")]),
    ]);
    assertOneLine(runs[0], "weights extension");
    assertOneLine(runs[1], "weights extension");
    assertOneLine(runs[2], "would be overwritten");
    assertOneLine(runs[3], "weights extension");
    assertEquals(await Deno.readFile(input), before, "the weights are intact");
    const left = [...Deno.readDirSync(dir)].map((e) => e.name).sort();
    assertEquals(left, ["model.safetensors", "page.html"], "no temporary file");
  });
});

Deno.test("report: a FIFO, a folder and an unsupported file are refused in one line, without blocking", async () => {
  await withTempDir(async (dir) => {
    const fifo = join(dir, "pipe");
    assert(
      (await new Deno.Command("mkfifo", { args: [fifo] }).output()).success,
    );
    const text = join(dir, "notes.txt");
    await Deno.writeTextFile(text, "hello");
    const out = join(dir, "r.html");
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error("blocked on a FIFO")), 60_000);
    });
    try {
      const runs = await Promise.race([
        Promise.all([
          report([fifo, "--out", out]),
          report([dir, "--out", out]),
          report([text, "--out", out]),
        ]),
        timeout,
      ]);
      assertOneLine(runs[0], "a FIFO");
      assertOneLine(runs[1], "a directory");
      assertOneLine(runs[2], "the formats read are");
      assertStringIncludes(runs[2].stderr, "model.json");
    } finally {
      clearTimeout(timer);
    }
  });
});

Deno.test("report on a full disk: the previous page stays whole", async () => {
  await withTempDir(async (dir) => {
    const input = join(dir, "w.safetensors");
    await small(input, ["a", "b", "c", "d"]);
    const out = join(dir, "report.html");
    const good = await report([input, "--out", out]);
    assertEquals(good.code, 0, show(good));
    const page = await Deno.readTextFile(out);
    // A file-size limit of 8 KiB: the new page cannot be written.
    const full = await report([input, "--out", out], "ulimit -f 16");
    assert(full.code !== 0, show(full));
    assertEquals(await Deno.readTextFile(out), page, "the old page is intact");
  });
});

Deno.test("report: names with escape sequences never reach the terminal", async () => {
  await withTempDir(async (dir) => {
    const input = join(dir, "w.safetensors");
    const evil = "\x1b]0;pwned\x07\x1b[31mred";
    await small(input, [evil, "b", "c", "d", "e"]);
    const run = await report([input, "--out", join(dir, "r.html")]);
    assertEquals(run.code, 0, show(run));
    // deno-lint-ignore no-control-regex
    assertNotMatch(run.stderr, /[\x00-\x08\x0b-\x1f\x7f]/);
    const html = await Deno.readTextFile(join(dir, "r.html"));
    assert(!html.includes("\x1b"), "an escape reached the page");
  });
});

Deno.test({
  name:
    "report of a huge sparse tensor (F32 46340 × 46340): sampled from the file, named, and the backend keeps working",
  sanitizeResources: false,
  fn: async () => {
    await withTempDir(async (dir) => {
      const n = 46340;
      const header = new TextEncoder().encode(JSON.stringify({
        "huge.kernel": {
          dtype: "F32",
          shape: [n, n],
          data_offsets: [0, n * n * 4],
        },
      }));
      const bytes = new Uint8Array(8 + header.length);
      new DataView(bytes.buffer).setBigUint64(0, BigInt(header.length), true);
      bytes.set(header, 8);
      const input = join(dir, "huge.safetensors");
      await Deno.writeFile(input, bytes);
      await Deno.truncate(input, bytes.length + n * n * 4);
      const out = join(dir, "r.html");
      const t0 = performance.now();
      const run = await report([input, "--out", out, "--max-side", "256"]);
      const seconds = (performance.now() - t0) / 1000;
      assertEquals(run.code, 0, show(run));
      assertLess(seconds, 120, "sampling reads only the sampled rows");
      const html = await Deno.readTextFile(out);
      assertStringIncludes(html, "huge.kernel");
      assertStringIncludes(html, "Sampled: 46340 × 46340");
      assertStringIncludes(html, "256 rows × 256 columns");
      // The backend still works in this process (the report ran apart, but
      // the same loader refuses rather than allocating: see load_weights_test).
      const ones = tf.ones([2]);
      const x = ones.sum();
      assertEquals((await x.data())[0], 2);
      tf.dispose([ones, x]);
    });
  },
});

Deno.test("report of 20,000 tiny tensors: one table, under 60 s and 20 MB", async () => {
  await withTempDir(async (dir) => {
    const input = join(dir, "tiny.safetensors");
    const count = 20_000;
    // Written by hand: 20,000 F32 tensors of shape [3].
    const entries: Record<string, unknown> = {};
    for (let i = 0; i < count; i++) {
      entries[`layer${i}.bias`] = {
        dtype: "F32",
        shape: [3],
        data_offsets: [12 * i, 12 * (i + 1)],
      };
    }
    const header = new TextEncoder().encode(JSON.stringify(entries));
    const data = new Float32Array(3 * count).map((_, i) => Math.sin(i));
    const bytes = new Uint8Array(8 + header.length + data.byteLength);
    new DataView(bytes.buffer).setBigUint64(0, BigInt(header.length), true);
    bytes.set(header, 8);
    bytes.set(new Uint8Array(data.buffer), 8 + header.length);
    await Deno.writeFile(input, bytes);
    const out = join(dir, "r.html");
    const t0 = performance.now();
    const run = await report([input, "--out", out]);
    const seconds = (performance.now() - t0) / 1000;
    assertEquals(run.code, 0, show(run));
    assertLess(seconds, 60);
    const size = (await Deno.stat(out)).size;
    assertLess(size, 20e6);
    const html = await Deno.readTextFile(out);
    assertEquals(html.match(/<section/g)?.length ?? 0, 0);
    assertStringIncludes(html, "layer19999.bias");
    console.log(
      `20,000 tiny tensors: ${seconds.toFixed(1)} s, ${
        (size / 1e6).toFixed(1)
      } MB of HTML`,
    );
  });
});
