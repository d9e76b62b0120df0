/**
 * The safetensors reader and writer against the file system: inputs that are
 * not regular files (FIFOs, directories, devices), descriptors closed however
 * an iteration ends, and a writer that keeps modes, writes through symbolic
 * links and leaves nothing behind when it fails.
 */
import {
  assert,
  assertEquals,
  assertInstanceOf,
  assertMatch,
  assertRejects,
  assertStringIncludes,
} from "@std/assert";
import { join } from "node:path";
import { tf } from "../../mod.ts";
import {
  iterateSafetensors,
  loadSafetensors,
  readSafetensorsHeader,
  SafetensorsError,
  saveSafetensors,
} from "../../lib/io/safetensors.ts";
import {
  openSafetensorsWeights,
  openShardedSafetensors,
} from "../../lib/io/_safetensors_file.ts";
import { bitsOf, descriptorTest, fdsOn, mkfifo } from "./_helpers.ts";
import { withTempDir } from "../_scoped.ts";
import { runSnippet } from "../_subprocess.ts";

/** Every reading entry point, as a call that should fail on `path`. */
function readers(path: string): [string, () => Promise<unknown>][] {
  return [
    ["readSafetensorsHeader", () => readSafetensorsHeader(path)],
    ["loadSafetensors", () => loadSafetensors(path)],
    ["iterateSafetensors", () => iterateSafetensors(path).next()],
    ["openSafetensorsWeights", () => openSafetensorsWeights(path)],
    ["openShardedSafetensors", () => openShardedSafetensors(path)],
  ];
}

Deno.test("a FIFO is refused by every reader before it is opened (opening one would block)", async () => {
  await withTempDir(async (dir) => {
    const fifo = join(dir, "pipe.safetensors");
    await mkfifo(fifo);
    const index = join(dir, "model.safetensors.index.json");
    await Deno.writeTextFile(
      index,
      JSON.stringify({ weight_map: { w: "pipe.safetensors" } }),
    );
    // In a subprocess, killed after a while: a regression hangs in open().
    const run = await runSnippet(
      `
      import { iterateSafetensors, loadSafetensors, readSafetensorsHeader } from "{{LIB}}io/safetensors.ts";
      import { openSafetensorsWeights, openShardedSafetensors } from "{{LIB}}io/_safetensors_file.ts";
      const [fifo, index] = ${JSON.stringify([fifo, index])};
      const calls = {
        readSafetensorsHeader: () => readSafetensorsHeader(fifo),
        loadSafetensors: () => loadSafetensors(fifo),
        iterateSafetensors: () => iterateSafetensors(fifo).next(),
        openSafetensorsWeights: () => openSafetensorsWeights(fifo),
        "openShardedSafetensors (index)": () => openShardedSafetensors(fifo),
        "openShardedSafetensors (shard)": () => openShardedSafetensors(index),
      };
      const out = {};
      for (const [name, call] of Object.entries(calls)) {
        try {
          await call();
          out[name] = "no error";
        } catch (error) {
          out[name] = error.name + ": " + error.message;
        }
      }
      console.log(JSON.stringify(out));
      `,
      { timeoutMs: 90_000, env: { EMBER_BACKEND: "wasm" } },
    );
    assert(!run.timedOut, `a reader hung on the FIFO: ${run.stderr}`);
    assertEquals(run.code, 0, run.stderr);
    const out: Record<string, string> = JSON.parse(run.stdout);
    assertEquals(Object.keys(out).length, 6);
    for (const [name, message] of Object.entries(out)) {
      assertMatch(message, /^SafetensorsError: /, name);
      assertStringIncludes(message, fifo, name);
      assertStringIncludes(
        message,
        "a FIFO (named pipe), not a regular file",
        name,
      );
    }
    assertStringIncludes(out["openShardedSafetensors (shard)"], index);
    assertStringIncludes(
      out["openShardedSafetensors (shard)"],
      'shard "pipe.safetensors"',
    );
  });
});

Deno.test("a directory and a character device are refused by every reader, naming the path and what it is", async () => {
  await withTempDir(async (dir) => {
    const inputs: [string, string][] = [[dir, "a directory"]];
    if ((await Deno.stat("/dev/null").catch(() => null))?.isCharDevice) {
      inputs.push(["/dev/null", "a character device"]);
    }
    for (const [path, kind] of inputs) {
      for (const [name, call] of readers(path)) {
        const error = await assertRejects(call, SafetensorsError);
        assertStringIncludes(error.message, JSON.stringify(path), name);
        assertStringIncludes(
          error.message,
          `it is ${kind}, not a regular file`,
          name,
        );
      }
    }
    // A shard that is a directory.
    await Deno.mkdir(join(dir, "shard.safetensors"));
    const index = join(dir, "index.json");
    await Deno.writeTextFile(
      index,
      JSON.stringify({ weight_map: { w: "shard.safetensors" } }),
    );
    await assertRejects(
      () => openShardedSafetensors(index),
      SafetensorsError,
      'shard "shard.safetensors" (of 1 tensor, the first "w")',
    );
  });
});

descriptorTest(
  "iterateSafetensors closes its file on break, on return(), on an error and at the end",
  async (dir) => {
    const path = join(dir, "it.safetensors");
    const ts = [tf.ones([4]), tf.zeros([2, 2]), tf.fill([3], 2)];
    await saveSafetensors(
      path,
      new Map([["a", ts[0]], ["b", ts[1]], ["c", ts[2]]]),
    );
    tf.dispose(ts);
    assertEquals(await fdsOn(path), 0);

    for await (const [name, t] of iterateSafetensors(path)) {
      t.dispose();
      assertEquals(await fdsOn(path), 1, "open while iterating");
      if (name === "b") break;
    }
    assertEquals(await fdsOn(path), 0, "closed after break");

    const it = iterateSafetensors(path);
    const first = await it.next();
    assert(!first.done);
    first.value[1].dispose();
    assertEquals(await fdsOn(path), 1);
    assertEquals(await it.return(undefined), {
      done: true,
      value: undefined,
    });
    assertEquals(await fdsOn(path), 0, "closed after return()");
    assertEquals(await it.next(), { done: true, value: undefined });

    // Returned before the first next(): the file is never opened.
    const unopened = iterateSafetensors(path);
    await unopened.return(undefined);
    assertEquals(await fdsOn(path), 0);

    // An error mid-way (the file shrank) closes it too.
    const shrinking = iterateSafetensors(path);
    const one = await shrinking.next();
    assert(!one.done);
    one.value[1].dispose();
    await Deno.truncate(path, 100);
    await assertRejects(() => shrinking.next(), SafetensorsError);
    assertEquals(await fdsOn(path), 0, "closed after an error");
  },
);

descriptorTest(
  "an iterateSafetensors dropped unfinished has its file closed when collected",
  async (dir) => {
    const path = join(dir, "drop.safetensors");
    const ts = [tf.ones([4]), tf.zeros([2, 2])];
    await saveSafetensors(path, new Map([["a", ts[0]], ["b", ts[1]]]));
    tf.dispose(ts);
    // A subprocess with --expose-gc: tests here run in parallel, in one
    // process, and collecting garbage needs the flag.
    const run = await runSnippet(
      `
        import { iterateSafetensors } from "{{LIB}}io/safetensors.ts";
        const path = ${JSON.stringify(path)};
        async function fds() {
          const target = await Deno.realPath(path);
          let n = 0;
          for await (const e of Deno.readDir("/proc/self/fd")) {
            try {
              if (await Deno.readLink("/proc/self/fd/" + e.name) === target) n++;
            } catch { /* closed meanwhile */ }
          }
          return n;
        }
        const before = await fds();
        async function start() {
          const it = iterateSafetensors(path);
          const first = await it.next();
          first.value[1].dispose();
          // it goes out of scope here, unfinished and not returned.
        }
        await start();
        const during = await fds();
        let rounds = 0;
        while ((await fds()) > before && rounds < 100) {
          globalThis.gc();
          await new Promise((r) => setTimeout(r, 10));
          rounds++;
        }
        console.log(JSON.stringify({ before, during, after: await fds(), rounds }));
        `,
      {
        v8Flags: "--expose-gc",
        timeoutMs: 90_000,
        env: { EMBER_BACKEND: "wasm" },
      },
    );
    assertEquals(run.code, 0, run.stderr);
    const { before, during, after } = JSON.parse(run.stdout);
    assertEquals(before, 0);
    assertEquals(during, 1, "the dropped iterator holds the file open");
    assertEquals(after, 0, "collected, it is closed");
  },
);

Deno.test("saveSafetensors keeps the mode of the file it replaces", async () => {
  if (Deno.build.os === "windows") return;
  await withTempDir(async (dir) => {
    const w = tf.ones([2]);
    for (const mode of [0o600, 0o640, 0o755]) {
      const path = join(dir, `m${mode.toString(8)}.safetensors`);
      await Deno.writeTextFile(path, "old");
      await Deno.chmod(path, mode);
      await saveSafetensors(path, { w });
      const info = await Deno.stat(path);
      assertEquals((info.mode! & 0o777).toString(8), mode.toString(8));
      assertEquals((await readSafetensorsHeader(path)).tensors.size, 1);
    }
    // A new file gets the default mode, as any new file would.
    const fresh = join(dir, "fresh.safetensors");
    await saveSafetensors(fresh, { w });
    const plain = join(dir, "plain");
    await Deno.writeTextFile(plain, "");
    assertEquals(
      (await Deno.stat(fresh)).mode! & 0o777,
      (await Deno.stat(plain)).mode! & 0o777,
    );
    w.dispose();
  });
});

Deno.test("saveSafetensors writes through symbolic links, which stay links", async () => {
  if (Deno.build.os === "windows") return;
  await withTempDir(async (dir) => {
    const w = tf.tensor([1, 2, 3]);
    const target = join(dir, "real.safetensors");
    await Deno.writeTextFile(target, "old");
    await Deno.chmod(target, 0o600);
    const absolute = join(dir, "absolute.safetensors");
    await Deno.symlink(target, absolute);
    const relative = join(dir, "relative.safetensors");
    await Deno.symlink("real.safetensors", relative);
    await Deno.mkdir(join(dir, "sub"));
    const chained = join(dir, "sub", "chained.safetensors");
    await Deno.symlink("../relative.safetensors", chained);

    for (
      const [link, points] of [
        [absolute, target],
        [relative, "real.safetensors"],
        [chained, "../relative.safetensors"],
      ]
    ) {
      await Deno.writeTextFile(target, "old");
      await saveSafetensors(link, new Map([["w", w]]));
      assert((await Deno.lstat(link)).isSymlink, `${link} is still a link`);
      assertEquals(await Deno.readLink(link), points);
      const loaded = await loadSafetensors(target);
      assertEquals(await bitsOf(loaded.get("w")!), await bitsOf(w));
      tf.dispose([...loaded.values()]);
      assertEquals((await Deno.stat(target)).mode! & 0o777, 0o600);
    }
    // A dangling link: its target is created.
    const dangling = join(dir, "dangling.safetensors");
    await Deno.symlink("made.safetensors", dangling);
    await saveSafetensors(dangling, new Map([["w", w]]));
    assert((await Deno.lstat(dangling)).isSymlink);
    assertEquals(
      (await readSafetensorsHeader(join(dir, "made.safetensors"))).tensors
        .size,
      1,
    );
    // A loop is an error, and changes nothing.
    await Deno.symlink("loop2", join(dir, "loop1"));
    await Deno.symlink("loop1", join(dir, "loop2"));
    await assertRejects(
      () => saveSafetensors(join(dir, "loop1"), new Map([["w", w]])),
      Error,
      "symbolic links (a loop?)",
    );
    assertEquals(
      [...Deno.readDirSync(dir)].map((e) => e.name).sort(),
      [
        "absolute.safetensors",
        "dangling.safetensors",
        "loop1",
        "loop2",
        "made.safetensors",
        "real.safetensors",
        "relative.safetensors",
        "sub",
      ],
      "no temporary file is left",
    );
    w.dispose();
  });
});

Deno.test("saveSafetensors refuses to replace what is not a regular file", async () => {
  await withTempDir(async (dir) => {
    const w = tf.ones([1]);
    const folder = join(dir, "folder.safetensors");
    await Deno.mkdir(folder);
    await assertRejects(
      () => saveSafetensors(folder, { w }),
      Error,
      "saveSafetensors: path must name a regular file or nothing (it is not replaced), received",
    );
    assert((await Deno.stat(folder)).isDirectory);
    if (Deno.build.os !== "windows") {
      const fifo = join(dir, "pipe.safetensors");
      await mkfifo(fifo);
      const link = join(dir, "link.safetensors");
      await Deno.symlink("pipe.safetensors", link);
      for (const path of [fifo, link]) {
        const error = await assertRejects(
          () => saveSafetensors(path, { w }),
          Error,
          "which is a FIFO (named pipe)",
        );
        assertStringIncludes(error.message, path);
      }
      assert((await Deno.stat(fifo)).isFifo, "the FIFO is still there");
    }
    assertEquals(
      [...Deno.readDirSync(dir)].map((e) => e.name).sort(),
      Deno.build.os === "windows"
        ? ["folder.safetensors"]
        : ["folder.safetensors", "link.safetensors", "pipe.safetensors"],
    );
    w.dispose();
  });
});

Deno.test("a tensor that fails mid-write leaves the old file as it was and no temporary file", async () => {
  await withTempDir(async (dir) => {
    const path = join(dir, "keep.safetensors");
    const old = tf.tensor([9, 9]);
    await saveSafetensors(path, { old });
    const before = await Deno.readFile(path);
    const good = tf.ones([1024]);
    // A float32 tensor whose data cannot be read, after the first was written.
    const failing = Object.create(good, {
      data: { value: () => Promise.reject(new Error("the GPU was lost")) },
    });
    let sawTemporary = false;
    const open = Deno.open;
    // Watch that the temporary file existed when the failure came.
    Deno.open = async function (...args: Parameters<typeof Deno.open>) {
      const file = await open(...args);
      sawTemporary ||= String(args[0]).endsWith(".tmp");
      return file;
    };
    try {
      const error = await assertRejects(
        () => saveSafetensors(path, new Map([["a", good], ["b", failing]])),
        Error,
        "the GPU was lost",
      );
      assertInstanceOf(error, Error);
    } finally {
      Deno.open = open;
    }
    assert(sawTemporary, "the temporary file was made before the failure");
    assertEquals(await Deno.readFile(path), before);
    assertEquals([...Deno.readDirSync(dir)].map((e) => e.name), [
      "keep.safetensors",
    ]);
    tf.dispose([old, good]);
  });
});

Deno.test({
  name:
    "a full disk (a file-size limit) fails the save, leaves the old file and no temporary file",
  ignore: Deno.build.os === "windows",
  fn: () =>
    withTempDir(async (dir) => {
      const path = join(dir, "big.safetensors");
      const small = tf.ones([4]);
      await saveSafetensors(path, { small });
      small.dispose();
      const before = await Deno.readFile(path);
      // 4 MiB of data under a 1 MiB limit; SIGXFSZ ignored, so write() fails
      // with EFBIG instead of killing the process.
      const run = await runSnippet(
        `
        import { saveSafetensors } from "{{LIB}}io/safetensors.ts";
        import { tf } from "{{LIB}}tf.ts";
        const big = tf.ones([1024, 1024]);
        try {
          await saveSafetensors(${JSON.stringify(path)}, { big });
          console.log("saved");
        } catch (error) {
          console.log("failed: " + error.message);
        }
        `,
        {
          shell: "trap '' XFSZ; ulimit -f 1024",
          timeoutMs: 90_000,
          env: { EMBER_BACKEND: "wasm" },
        },
      );
      assertEquals(run.code, 0, run.stderr);
      assertMatch(run.stdout.trim(), /^failed: .*(too large|EFBIG)/i);
      assertEquals(await Deno.readFile(path), before);
      assertEquals([...Deno.readDirSync(dir)].map((e) => e.name), [
        "big.safetensors",
      ]);
    }),
});
