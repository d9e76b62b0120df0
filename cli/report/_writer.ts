/**
 * Writing the report page safely and as a stream: sections go to a temporary
 * file in the target folder as they are made; at the end the page (head,
 * sections, tail) is written to a second temporary file there, which is then
 * renamed over the target. A failure leaves the previous page as it was and
 * removes the temporary files.
 *
 * @module
 */
import { visibleText } from "../../lib/text.ts";
import { basename, dirname, extname, join, resolve } from "node:path";

/** Extensions of weight files: never an --out. */
const WEIGHT_EXTENSIONS = [
  ".safetensors",
  ".bin",
  ".json",
  ".pt",
  ".pth",
  ".ckpt",
  ".h5",
  ".npz",
  ".onnx",
  ".gguf",
];

const encoder = new TextEncoder();

/** The real path of `path`, or of its folder joined with its name when it does not exist yet. */
function realTarget(path: string): string {
  try {
    return Deno.realPathSync(path);
  } catch {
    try {
      return join(Deno.realPathSync(dirname(resolve(path))), basename(path));
    } catch {
      return resolve(path);
    }
  }
}

/** Whether two existing paths are one file (a hard link, say). */
function sameFile(a: string, b: string): boolean {
  try {
    const x = Deno.statSync(a);
    const y = Deno.statSync(b);
    return x.ino !== null && x.dev === y.dev && x.ino === y.ino;
  } catch {
    return false;
  }
}

/**
 * Refuses an --out that would clobber weights: one ending in a weight file's
 * extension, or one that resolves (through symbolic links, or as a hard link)
 * to an input or one of its shards.
 *
 * @throws {Error} With a one-line message.
 */
export function checkOut(out: string, inputs: readonly string[]): void {
  const ext = extname(out).toLowerCase();
  if (WEIGHT_EXTENSIONS.includes(ext)) {
    throw new Error(
      `--out ${
        JSON.stringify(visibleText(out))
      } ends in ${ext}, a weights extension: the report is HTML (use a .html name)`,
    );
  }
  const target = realTarget(out);
  for (const input of inputs) {
    if (realTarget(input) === target || sameFile(input, out)) {
      throw new Error(
        `--out ${JSON.stringify(visibleText(out))} is the input ${
          JSON.stringify(visibleText(input))
        }: it would be overwritten`,
      );
    }
  }
}

async function writeAll(file: Deno.FsFile, bytes: Uint8Array): Promise<void> {
  let done = 0;
  while (done < bytes.length) done += await file.write(bytes.subarray(done));
}

/** The streamed page: sections as they come, then head + sections + tail, renamed into place. */
export class PageWriter {
  readonly #out: string;
  readonly #dir: string;
  /** The temporary files still to remove. */
  readonly #temps = new Set<string>();
  #body: Deno.FsFile | null = null;
  #bodyPath: string | null = null;

  /** Writers whose temporary files may exist. */
  static readonly #live = new Set<PageWriter>();

  private constructor(out: string) {
    this.#out = realTarget(out);
    this.#dir = dirname(this.#out);
  }

  /** The error for a failed write, naming the page. */
  #failed(error: unknown): Error {
    return new Error(
      `cannot write ${visibleText(this.#out)}: ${
        visibleText(String((error as Error)?.message ?? error).split("\n")[0])
      }`,
      { cause: error },
    );
  }

  async #temp(suffix: string): Promise<string> {
    PageWriter.#live.add(this);
    const path = await Deno.makeTempFile({
      dir: this.#dir,
      prefix: ".report-",
      suffix,
    });
    this.#temps.add(path);
    return path;
  }

  /**
   * Checks the target and opens the sections' temporary file in its folder.
   *
   * @throws {Error} If the folder does not exist or is not writable, or
   * `out` exists and is not a regular file.
   */
  static async open(out: string): Promise<PageWriter> {
    const writer = new PageWriter(out);
    let info: Deno.FileInfo | null = null;
    try {
      info = await Deno.stat(writer.#out);
    } catch {
      // A new file: fine.
    }
    if (info && !info.isFile) {
      throw new Error(
        `cannot write ${visibleText(out)}: it is ${
          info.isDirectory ? "a directory" : "not a regular file"
        }`,
      );
    }
    try {
      writer.#bodyPath = await writer.#temp(".part");
      writer.#body = await Deno.open(writer.#bodyPath, { write: true });
    } catch (error) {
      await writer.abort();
      throw writer.#failed(error);
    }
    return writer;
  }

  /**
   * Appends a section to the sections' temporary file.
   *
   * @throws {Error} Naming the page, if the write fails (a full disk).
   */
  async section(html: string): Promise<void> {
    try {
      await writeAll(this.#body!, encoder.encode(html));
    } catch (error) {
      throw this.#failed(error);
    }
  }

  /**
   * Writes head, the sections and tail (its chunks one after the other) to a
   * temporary file, syncs it, then renames it over the target. On failure
   * the target is untouched and the temporary files are removed.
   *
   * @returns The page's real path.
   * @throws {Error} Naming the page, if a write fails.
   */
  async finish(head: string, tail: Iterable<string>): Promise<string> {
    try {
      this.#body!.close();
      this.#body = null;
      const pagePath = await this.#temp(".html.part");
      const page = await Deno.open(pagePath, { write: true });
      try {
        await writeAll(page, encoder.encode(head));
        const body = await Deno.open(this.#bodyPath!, { read: true });
        try {
          const chunk = new Uint8Array(1 << 20);
          for (;;) {
            const n = await body.read(chunk);
            if (n === null) break;
            await writeAll(page, chunk.subarray(0, n));
          }
        } finally {
          body.close();
        }
        for (const part of tail) await writeAll(page, encoder.encode(part));
        await page.syncData();
      } finally {
        page.close();
      }
      await Deno.chmod(pagePath, 0o644);
      await Deno.rename(pagePath, this.#out);
      this.#temps.delete(pagePath);
    } catch (error) {
      throw this.#failed(error);
    } finally {
      await this.abort();
    }
    return this.#out;
  }

  /** Removes the temporary files (the target is never touched). */
  async abort(): Promise<void> {
    try {
      this.#body?.close();
    } catch {
      // Already closed.
    }
    this.#body = null;
    for (const path of this.#temps) {
      await Deno.remove(path).catch(() => {});
      this.#temps.delete(path);
    }
    PageWriter.#live.delete(this);
  }

  /**
   * Removes every writer's temporary files, synchronously: for a signal
   * handler about to exit (a writer still opening is included).
   */
  static abortAllSync(): void {
    for (const writer of PageWriter.#live) {
      for (const path of writer.#temps) {
        try {
          Deno.removeSync(path);
        } catch {
          // Gone already.
        }
      }
      writer.#temps.clear();
    }
    PageWriter.#live.clear();
  }
}
