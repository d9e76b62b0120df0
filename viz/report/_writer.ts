/**
 * Writing the report page safely and as a stream: sections go to a temporary
 * file in the target folder as they are made; at the end the page (head,
 * sections, tail) is written to a second temporary file there, which is then
 * renamed over the target. A failure leaves the previous page as it was and
 * removes the temporary files.
 *
 * @module
 */
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

/** Strips control characters (escape sequences among them) for a terminal. */
export function forTerminal(text: string): string {
  // deno-lint-ignore no-control-regex
  return text.replace(/[\u0000-\u001f\u007f-\u009f]/g, "?");
}

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

/**
 * Refuses an --out that would clobber weights: one ending in a weight file's
 * extension, or one that resolves (through symbolic links) to an input.
 *
 * @throws {Error} With a one-line message.
 */
export function checkOut(out: string, inputs: readonly string[]): void {
  const ext = extname(out).toLowerCase();
  if (WEIGHT_EXTENSIONS.includes(ext)) {
    throw new Error(
      `--out ${
        JSON.stringify(forTerminal(out))
      } ends in ${ext}, a weights extension: the report is HTML (use a .html name)`,
    );
  }
  const target = realTarget(out);
  for (const input of inputs) {
    if (realTarget(input) === target) {
      throw new Error(
        `--out ${JSON.stringify(forTerminal(out))} is the input ${
          JSON.stringify(forTerminal(input))
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
  #bodyPath: string | null = null;
  #body: Deno.FsFile | null = null;

  private constructor(out: string) {
    this.#out = realTarget(out);
    this.#dir = dirname(this.#out);
  }

  /**
   * Checks the target folder and opens the sections' temporary file in it.
   *
   * @throws {Error} If the folder does not exist or is not writable, or
   * `out` is a folder.
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
        `cannot write ${forTerminal(out)}: it is ${
          info.isDirectory ? "a directory" : "not a regular file"
        }`,
      );
    }
    try {
      writer.#bodyPath = await Deno.makeTempFile({
        dir: writer.#dir,
        prefix: ".report-",
        suffix: ".part",
      });
      writer.#body = await Deno.open(writer.#bodyPath, { write: true });
    } catch (error) {
      await writer.abort();
      throw new Error(
        `cannot write ${forTerminal(out)}: ${
          forTerminal((error as Error).message.split("\n")[0])
        }`,
      );
    }
    return writer;
  }

  /** Appends a section. */
  async section(html: string): Promise<void> {
    await writeAll(this.#body!, encoder.encode(html));
  }

  /**
   * Writes head, the sections and tail to a temporary file, then renames it
   * over the target. On failure the target is untouched.
   *
   * @returns The page's real path.
   */
  async finish(head: string, tail: string): Promise<string> {
    this.#body!.close();
    this.#body = null;
    const pagePath = await Deno.makeTempFile({
      dir: this.#dir,
      prefix: ".report-",
      suffix: ".html.part",
    });
    try {
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
        await writeAll(page, encoder.encode(tail));
        await page.syncData();
      } finally {
        page.close();
      }
      await Deno.chmod(pagePath, 0o644);
      await Deno.rename(pagePath, this.#out);
    } catch (error) {
      await Deno.remove(pagePath).catch(() => {});
      throw error;
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
    if (this.#bodyPath) await Deno.remove(this.#bodyPath).catch(() => {});
    this.#bodyPath = null;
  }
}
