/**
 * Runs notebooks headlessly through the real Deno Jupyter kernel and checks
 * their outputs.
 *
 * As a program (`deno task notebooks [name.ipynb ...]`) it executes every
 * notebook under `notebooks/` (or the ones named), writes the executed copies
 * and their HTML renderings under `notebooks/_out/`, and exits 1 if the
 * notebooks' code does not type-check, if any cell produced an error, or if a
 * cell tagged `rich-output` produced no `image/svg+xml` or `text/html` output. `tests/notebooks_test.ts` uses the
 * same functions.
 *
 * Jupyter here means Python's nbclient and nbconvert (Debian: `apt-get
 * install jupyter-nbconvert python3-nbclient`) plus the Deno kernelspec
 * (`deno jupyter --install`).
 *
 * @module
 */
import { basename, dirname, join, resolve } from "node:path";
import { parseArgs } from "node:util";

/** The cell tag that says a cell must display a plot or a table. */
export const RICH_TAG = "rich-output";

/** MIME types that count as rich output. */
export const RICH_MIME = ["image/svg+xml", "text/html"] as const;

/** How to install what the runner needs, for messages. */
export const INSTALL_HINT =
  "install Jupyter with `apt-get install jupyter-nbconvert python3-nbclient` " +
  "and the Deno kernel with `deno jupyter --install`";

/** The notebooks folder. */
export const NOTEBOOKS_DIR: string = import.meta.dirname!;

/** A notebook as nbformat 4 stores it (the parts the runner reads). */
export interface Notebook {
  cells: NotebookCell[];
  metadata: Record<string, unknown>;
  nbformat: number;
  nbformat_minor: number;
}

/** One cell of a {@linkcode Notebook}. */
export interface NotebookCell {
  cell_type: "code" | "markdown" | "raw";
  id?: string;
  source: string | string[];
  metadata: { tags?: string[]; [key: string]: unknown };
  outputs?: NotebookOutput[];
  execution_count?: number | null;
}

/** One output of a code cell. */
export interface NotebookOutput {
  output_type: "stream" | "display_data" | "execute_result" | "error";
  name?: string;
  text?: string | string[];
  data?: Record<string, unknown>;
  ename?: string;
  evalue?: string;
}

/** How to call Jupyter on this machine. */
export interface Jupyter {
  /** A Python interpreter that has nbclient and nbconvert, for example `/usr/bin/python3`. */
  python: string;
}

const EXECUTE_PY = join(import.meta.dirname!, "_execute.py");

async function output(cmd: string[], cwd?: string): Promise<
  { ok: boolean; stdout: string; stderr: string }
> {
  try {
    const out = await new Deno.Command(cmd[0], {
      args: cmd.slice(1),
      cwd,
      stdout: "piped",
      stderr: "piped",
    }).output();
    const text = new TextDecoder();
    return {
      ok: out.success,
      stdout: text.decode(out.stdout),
      stderr: text.decode(out.stderr),
    };
  } catch (error) {
    return { ok: false, stdout: "", stderr: String(error) };
  }
}

/**
 * Finds a Python with nbclient and nbconvert, and checks that the Deno kernel
 * is installed. The first `python3` on PATH may be an interpreter without
 * Jupyter, so Debian's `/usr/bin/python3` is tried first.
 *
 * @returns How to call it, or `{ why }` saying what is missing.
 */
export async function findJupyter(): Promise<
  Jupyter | { why: string; missing: "kernel" | "jupyter" }
> {
  let found = false;
  for (const python of ["/usr/bin/python3", "python3"]) {
    const check = await output([python, EXECUTE_PY, "check"]);
    if (!check.ok) continue;
    found = true;
    const { kernels } = JSON.parse(check.stdout) as { kernels: string[] };
    if (kernels.includes("deno")) return { python };
  }
  return found
    ? {
      why:
        "Jupyter was found but the Deno kernel is not installed: run `deno jupyter --install`",
      missing: "kernel",
    }
    : {
      why: `Jupyter's nbclient and nbconvert were not found: ${INSTALL_HINT}`,
      missing: "jupyter",
    };
}

/** Options for {@linkcode executeNotebook}. */
export interface ExecuteOptions {
  /** Where the executed copy (and the HTML rendering) go. */
  outDir: string;
  /** Also render the executed notebook to HTML. Default `false`. */
  html?: boolean;
  /** Seconds one cell may run. Default `120`. */
  cellTimeout?: number;
  /**
   * Execute with plain `jupyter nbconvert --to notebook --execute` (errors
   * allowed) instead of the runner's client, to check that a notebook keeps
   * its outputs the way most people run notebooks. Default `false`.
   */
  plain?: boolean;
}

/**
 * Executes a notebook with the Deno kernel through nbclient (see
 * `_execute.py` for why not plain `nbconvert --execute`; `plain: true` uses it
 * anyway), errors allowed so that every cell runs and every failure is
 * reported.
 *
 * @returns The executed notebook and the path of its copy.
 */
export async function executeNotebook(
  jupyter: Jupyter,
  path: string,
  options: ExecuteOptions,
): Promise<{ notebook: Notebook; executedPath: string }> {
  const { outDir, html = false, cellTimeout = 120, plain = false } = options;
  await Deno.mkdir(outDir, { recursive: true });
  const name = basename(path);
  const executedPath = resolve(outDir, name);
  const run = async (args: string[]) => {
    const out = await output([jupyter.python, ...args], dirname(resolve(path)));
    if (!out.ok) {
      const tail = out.stderr.trim().split("\n").slice(-15).join("\n");
      throw new Error(`executing ${name} failed:\n${tail}`);
    }
  };
  await run(
    plain
      ? [
        "-m",
        "nbconvert",
        "--to",
        "notebook",
        "--execute",
        "--allow-errors",
        "--ExecutePreprocessor.kernel_name=deno",
        `--ExecutePreprocessor.timeout=${cellTimeout}`,
        "--output-dir",
        resolve(outDir),
        "--output",
        name,
        resolve(path),
      ]
      : [
        EXECUTE_PY,
        "execute",
        resolve(path),
        executedPath,
        String(cellTimeout),
      ],
  );
  if (html) {
    await run([
      "-m",
      "nbconvert",
      "--to",
      "html",
      "--output-dir",
      resolve(outDir),
      executedPath,
    ]);
  }
  const notebook = JSON.parse(await Deno.readTextFile(executedPath));
  return { notebook, executedPath };
}

function text(value: string | string[] | undefined): string {
  return Array.isArray(value) ? value.join("") : value ?? "";
}

/** Removes terminal colour codes, which the Deno kernel puts in error values. */
function stripAnsi(s: string): string {
  return s.replace(
    new RegExp(String.fromCharCode(27) + "\\[[0-9;]*m", "g"),
    "",
  );
}

function firstLine(cell: NotebookCell): string {
  return text(cell.source).split("\n")[0].slice(0, 60);
}

/**
 * Lists what is wrong with an executed notebook: cells with error output, and
 * cells tagged {@linkcode RICH_TAG} with no rich output.
 *
 * @returns One line per problem; empty when the notebook is clean.
 */
export function notebookProblems(notebook: Notebook): string[] {
  const problems: string[] = [];
  notebook.cells.forEach((cell, index) => {
    if (cell.cell_type !== "code") return;
    const where = `cell ${index} (${firstLine(cell)})`;
    const outputs = cell.outputs ?? [];
    for (const output of outputs) {
      if (output.output_type === "error") {
        problems.push(
          `${where}: ${output.ename}: ${
            stripAnsi(output.evalue ?? "").slice(0, 300)
          }`,
        );
      }
    }
    for (const output of outputs) {
      const text = [output.data?.["text/plain"], output.text]
        .map((t) => (Array.isArray(t) ? t.join("") : t ?? ""))
        .join("");
      if (/Promise \{ <pending> \}/.test(stripAnsi(text))) {
        problems.push(
          `${where}: shows "Promise { <pending> }": a helper was not awaited`,
        );
      }
    }
    if ((cell.metadata.tags ?? []).includes(RICH_TAG)) {
      const rich = outputs.some((o) =>
        RICH_MIME.some((mime) => o.data?.[mime] !== undefined)
      );
      if (!rich) {
        problems.push(
          `${where}: tagged "${RICH_TAG}" but produced no ${
            RICH_MIME.join(" or ")
          } output`,
        );
      }
    }
  });
  return problems;
}

/**
 * Type-checks each notebook's code, its code cells joined in order into one
 * module, with `deno check`. The kernel runs a cell that does not parse
 * without any error output, so only a check like this one catches it (and
 * it catches type errors, which the kernel never reports). The modules are
 * written to a temporary folder under the notebooks' folder, so that
 * `../mod.ts` and the import map resolve as they do for the notebooks.
 *
 * @returns `deno check`'s diagnostics, or `""` when every notebook checks.
 */
export async function checkNotebookSources(paths: string[]): Promise<string> {
  const dir = await Deno.makeTempDir({ dir: NOTEBOOKS_DIR, prefix: "_check_" });
  try {
    const modules: string[] = [];
    for (const path of paths) {
      const nb: Notebook = JSON.parse(await Deno.readTextFile(path));
      const code = nb.cells
        .filter((c) => c.cell_type === "code")
        .map((c) => text(c.source))
        // The folder is one level below the notebooks': fix the relative imports.
        .map((c) => c.replaceAll('from "../', 'from "../../'))
        .join("\n\n");
      const module = join(dir, basename(path).replace(/\.ipynb$/, ".ts"));
      await Deno.writeTextFile(module, `${code}\nexport {};\n`);
      modules.push(module);
    }
    const out = await output([Deno.execPath(), "check", ...modules]);
    return out.ok ? "" : stripAnsi(out.stderr).replaceAll(dir, "<notebook>");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

/** The notebooks under `dir`, sorted by name. */
export async function listNotebooks(dir = NOTEBOOKS_DIR): Promise<string[]> {
  const paths: string[] = [];
  for await (const entry of Deno.readDir(dir)) {
    if (entry.isFile && entry.name.endsWith(".ipynb")) {
      paths.push(join(dir, entry.name));
    }
  }
  return paths.sort();
}

async function main(argv: string[]): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      options: {
        plain: { type: "boolean", default: false },
        help: { type: "boolean", short: "h", default: false },
      },
      allowPositionals: true,
    });
  } catch (error) {
    console.error(`notebooks: ${(error as Error).message}`);
    return 2;
  }
  const { values: { plain, help }, positionals: args } = parsed;
  if (help) {
    console.log(
      "Usage: deno task notebooks [--plain] [notebook.ipynb ...]\n\n" +
        "Executes the notebooks (default: all under notebooks/) with the Deno kernel,\n" +
        "writes executed copies and HTML renderings under notebooks/_out/,\n" +
        "and exits 1 if a cell failed or a rich-output cell displayed nothing.\n" +
        "NOTEBOOK_CELL_TIMEOUT sets the seconds a cell may run (default 120);\n" +
        "EMBER_BACKEND=webgpu|wasm|cpu chooses the kernel's backend.\n" +
        "--plain executes with plain `jupyter nbconvert --to notebook --execute`\n" +
        "instead of the runner's client (which waits for late results).",
    );
    return 0;
  }
  let jupyter = await findJupyter();
  if ("why" in jupyter && jupyter.missing === "kernel") {
    console.error(
      "notebooks: installing the Deno kernel (deno jupyter --install)",
    );
    const install = await new Deno.Command(Deno.execPath(), {
      args: ["jupyter", "--install"],
      stdout: "null",
      stderr: "piped",
    }).output();
    if (!install.success) {
      console.error(
        `notebooks: \`deno jupyter --install\` failed: ${
          new TextDecoder().decode(install.stderr).trim()
        }`,
      );
      return 2;
    }
    jupyter = await findJupyter();
  }
  if ("why" in jupyter) {
    console.error(`notebooks: ${jupyter.why}`);
    return 2;
  }
  const paths = args.length > 0
    ? await Promise.all(args.map(async (a) => {
      // A bare name is looked up in notebooks/ too.
      const here = resolve(a);
      try {
        await Deno.stat(here);
        return here;
      } catch {
        return join(NOTEBOOKS_DIR, basename(a));
      }
    }))
    : await listNotebooks();
  const outDir = join(NOTEBOOKS_DIR, "_out");
  let failed = 0;
  // The kernel runs a cell that does not parse without an error: check first.
  const diagnostics = await checkNotebookSources(paths);
  if (diagnostics) {
    console.log(`FAIL deno check of the notebooks' code:\n${diagnostics}`);
    failed++;
  }
  const timeout = Number(Deno.env.get("NOTEBOOK_CELL_TIMEOUT") ?? 120);
  if (!(timeout > 0)) {
    console.error(
      `notebooks: NOTEBOOK_CELL_TIMEOUT must be a number of seconds > 0, received ${
        JSON.stringify(Deno.env.get("NOTEBOOK_CELL_TIMEOUT"))
      }`,
    );
    return 2;
  }
  for (const path of paths) {
    const started = performance.now();
    let problems: string[];
    try {
      const { notebook } = await executeNotebook(jupyter, path, {
        outDir,
        html: true,
        cellTimeout: timeout,
        plain,
      });
      problems = notebookProblems(notebook);
      // The kernel inherits EMBER_BACKEND: the smoke test's getBackend() shows
      // which backend really ran.
      const wanted = Deno.env.get("EMBER_BACKEND");
      if (
        basename(path) === "00_smoke.ipynb" && wanted && wanted !== "auto" &&
        !JSON.stringify(notebook.cells[1]?.outputs ?? []).includes(wanted)
      ) {
        problems.push(
          `the kernel did not run on EMBER_BACKEND=${wanted} (see getBackend() in cell 1)`,
        );
      }
    } catch (error) {
      // A cell that timed out, or a kernel that died: report it and go on.
      problems = [(error as Error).message.split("\n").slice(-4).join(" ")];
    }
    const seconds = ((performance.now() - started) / 1000).toFixed(1);
    console.log(
      `${problems.length ? "FAIL" : "ok  "} ${basename(path)} (${seconds} s)`,
    );
    for (const p of problems) console.log(`     ${p}`);
    if (problems.length) failed++;
  }
  console.log(`executed copies and HTML in ${outDir}`);
  return failed ? 1 : 0;
}

if (import.meta.main) Deno.exit(await main(Deno.args));
