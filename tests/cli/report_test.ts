/**
 * Tests of the weight report CLI, `deno task report` (cli/report/main.ts),
 * run as a subprocess: arguments and errors, the page written for a
 * safetensors file and for the built-in demo, progress on stderr, sampling of
 * large matrices, and the pages in a real headless Chromium (no console
 * error, no dialog, no image, rendered SVG, screenshots that are not blank).
 *
 * Where /usr/bin/chromium is missing the browser test is ignored with a
 * message saying how to install it; with REQUIRE_BROWSER=1 it fails instead.
 */
import {
  ROOT,
  runReport,
  type RunResult as Run,
  showRun,
} from "../_subprocess.ts";
import {
  assert,
  assertEquals,
  assertGreater,
  assertGreaterOrEqual,
  assertMatch,
  assertNotMatch,
  assertStringIncludes,
  assertThrows,
} from "@std/assert";
import { join } from "node:path";
import { withTempDir } from "../_scoped.ts";
import { pathToFileURL } from "node:url";
import { saveSafetensors, tf } from "../../mod.ts";
import { parseReportArgs } from "../../cli/report/main.ts";
import { departures } from "../../cli/report/page.ts";
import { Browser, browserTest, type Page } from "../_browser.ts";
import { decodePng, pixelSummary } from "./_png.ts";
import { initWasm, Resvg } from "@resvg/resvg-wasm";

const XSS = "<img src=x onerror=alert(1)>";
/** The fixture's tensors: name → [shape, dtype]. */
const TENSORS: [string, number[], "float32" | "int32"][] = [
  ["dense.kernel", [64, 32], "float32"],
  ["conv.kernel", [3, 3, 4, 8], "float32"],
  ["dense.bias", [32], "float32"],
  ["embedding.counts", [12, 10], "int32"],
  ["broken", [16, 16], "float32"],
  [XSS, [8, 8], "float32"],
];
/** The tensors of rank >= 2: the summary table's rows. */
const MATRICES = TENSORS.filter(([, shape]) => shape.length >= 2);
/** How many NaN and ±Inf values the "broken" tensor holds. */
const BROKEN_NON_FINITE = 6;

const show = showRun;

/** Runs `deno task report ...args` from `cwd` (default: the repository root). */
function report(args: string[], cwd = ROOT): Promise<Run> {
  return runReport(args, { cwd });
}

function lines(text: string): string[] {
  return text.split("\n").filter((l) => l.trim() !== "");
}

/** Exit 2, one non-empty line on stderr, no stack frame, nothing on stdout. */
function assertOneLineError(run: Run, includes?: string): void {
  assertEquals(run.code, 2, show(run));
  const errs = lines(run.stderr);
  assertEquals(errs.length, 1, show(run));
  assertMatch(errs[0], /^report: /, show(run));
  assertNotMatch(run.stderr, /^\s*at /m, show(run));
  assertNotMatch(run.stderr, /\berror: Uncaught\b/i, show(run));
  assertEquals(run.stdout.trim(), "", show(run));
  if (includes) assertStringIncludes(errs[0], includes, show(run));
}

/** The escaping the page must apply (written here, not imported from it). */
function escaped(text: string): string {
  return text.replaceAll("&", "&amp;").replaceAll("<", "&lt;")
    .replaceAll(">", "&gt;").replaceAll('"', "&quot;").replaceAll("'", "&#39;");
}

/** No script, no event handler, nothing fetched from the network. */
function assertSelfContained(html: string): void {
  assertNotMatch(html, /<script/i);
  assertNotMatch(html, /<(?:link|iframe|object|embed|img|base|image)\b/i);
  assertNotMatch(html, /<[a-z][^>]*\son[a-z]+\s*=/i, "an event handler");
  assert(!html.includes('src="http'), 'src="http');
  assert(!html.includes('href="http'), 'href="http');
  assertNotMatch(
    html,
    /\b(?:src|href|srcset|action|poster)\s*=\s*["']?\s*(?:[a-z][a-z0-9+.-]*:|\/\/)/i,
    "an attribute pointing outside the page",
  );
  assertNotMatch(html, /@import/i);
  for (const m of html.matchAll(/url\(\s*["']?([^)"']*)/gi)) {
    assert(m[1].startsWith("#"), `url(${m[1]}) points outside the page`);
  }
}

/** Writes the fixture: the TENSORS, random, with NaN and ±Inf in "broken". */
async function writeFixture(path: string): Promise<void> {
  const tensors = new Map<string, tf.Tensor>();
  try {
    TENSORS.forEach(([name, shape, dtype], i) => {
      if (dtype === "int32") {
        const size = shape.reduce((a, b) => a * b, 1);
        const values = Int32Array.from(
          { length: size },
          (_, k) => (k * 7) % 13,
        );
        tensors.set(name, tf.tensor(values, shape, "int32"));
      } else if (name === "broken") {
        const values = tf.tidy(() =>
          tf.randomNormal(shape, 0, 1, "float32", 100 + i).dataSync()
        ) as Float32Array;
        [NaN, NaN, NaN, Infinity, Infinity, -Infinity].forEach((v, k) =>
          values[k * 37] = v
        );
        tensors.set(name, tf.tensor(values, shape));
      } else {
        tensors.set(
          name,
          tf.randomNormal(shape, 0, 1 / Math.sqrt(shape.at(-1)!), "float32", i),
        );
      }
    });
    await saveSafetensors(path, tensors);
  } finally {
    tf.dispose([...tensors.values()]);
  }
}

/** Generates a page once (the CLI in a temporary folder) and keeps its text. */
function once(
  args: (dir: string) => Promise<string[]>,
): () => Promise<{ run: Run; html: string }> {
  let result: Promise<{ run: Run; html: string }> | null = null;
  return () =>
    result ??= withTempDir(async (dir) => {
      const out = join(dir, "report.html");
      const run = await report([...await args(dir), "--out", out]);
      assertEquals(run.code, 0, show(run));
      return { run, html: await Deno.readTextFile(out) };
    });
}

const fileReport = once(async (dir) => {
  const file = join(dir, "weights.safetensors");
  await writeFixture(file);
  return [file];
});
const demoReport = once(() => Promise.resolve([]));

Deno.test("report --help prints the usage and exits 0", async () => {
  for (const flag of ["--help", "-h"]) {
    const run = await report([flag]);
    assertEquals(run.code, 0, show(run));
    assertStringIncludes(run.stdout, "Usage: deno task report");
    assertStringIncludes(run.stdout, "--out");
    assertStringIncludes(run.stdout, "--max-side");
    assertEquals(run.stderr.trim(), "", show(run));
  }
});

Deno.test("report arguments: --opt=value and --opt value alike; bad ones are one-line errors", () => {
  const want = { file: "w.safetensors", out: "r.html", maxSide: 64 };
  assertEquals(
    parseReportArgs(["w.safetensors", "--out=r.html", "--max-side=64"]),
    want,
  );
  assertEquals(
    parseReportArgs(["--max-side", "64", "--out", "r.html", "w.safetensors"]),
    want,
  );
  assertEquals(parseReportArgs([]), {
    file: null,
    out: "report.html",
    maxSide: 4096,
  });
  assertEquals(parseReportArgs(["-h"]), "help");
  assertEquals(parseReportArgs(["--", "-odd-name.safetensors"]), {
    file: "-odd-name.safetensors",
    out: "report.html",
    maxSide: 4096,
  });
  for (
    const [args, message] of [
      [["--bogus"], "unknown option --bogus"],
      [["-x"], "unknown option -x"],
      [["--out"], "--out needs a value"],
      [["--out="], "--out needs a value"],
      [["--max-side=1"], "--max-side must be an integer >= 2"],
      [["--max-side="], "--max-side"],
      [["--max-side", "1.5"], "--max-side must be an integer >= 2"],
      [["a", "b"], "only one file"],
    ] as const
  ) {
    const e = assertThrows(() => parseReportArgs([...args]));
    assertStringIncludes((e as Error).message, message, args.join(" "));
    assert(!(e as Error).message.includes("\n"));
  }
});

Deno.test("report: a bad option exits 2 with a one-line message", async () => {
  const runs = await Promise.all([
    report(["--bogus"]),
    report(["--max-side", "1"]),
    report(["--out"]),
    report(["a.safetensors", "b.safetensors"]),
  ]);
  assertOneLineError(runs[0], "unknown option --bogus");
  assertOneLineError(runs[1], "--max-side");
  assertOneLineError(runs[2], "--out needs a value");
  assertOneLineError(runs[3], "only one file");
});

Deno.test("report: a file that is not safetensors, is missing, or an --out that cannot be written: exit 2, one line", async () => {
  await withTempDir(async (dir) => {
    const good = join(dir, "good.safetensors");
    await writeFixture(good);
    const small = join(dir, "small.safetensors");
    const w = tf.ones([4, 3]);
    try {
      await saveSafetensors(small, new Map([["w", w]]));
    } finally {
      w.dispose();
    }
    const bytes = await Deno.readFile(good);
    const headerEnd = 8 +
      Number(new DataView(bytes.buffer).getBigUint64(0, true));
    const files: Record<string, Uint8Array | string> = {
      "text.safetensors": "This is a text file, not a safetensors file.\n",
      "empty.safetensors": new Uint8Array(0),
      "short_length.safetensors": bytes.slice(0, 5),
      "cut_in_header.safetensors": bytes.slice(0, headerEnd - 10),
      "cut_in_data.safetensors": bytes.slice(0, headerEnd + 100),
    };
    for (const [name, content] of Object.entries(files)) {
      if (typeof content === "string") {
        await Deno.writeTextFile(join(dir, name), content);
      } else await Deno.writeFile(join(dir, name), content);
    }
    const out = join(dir, "out.html");
    // [arguments, what the message must name]
    const cases: [string[], string][] = [
      ...Object.keys(files).map((n): [string[], string] => [
        [join(dir, n), "--out", out],
        join(dir, n),
      ]),
      [[join(dir, "missing.safetensors"), "--out", out], "missing.safetensors"],
      [[dir, "--out", out], dir], // a folder
      // A good file, one tensor (so no progress lines), a page that cannot be written.
      [[small, "--out", join(dir, "no_such_dir", "x.html")], "no_such_dir"],
      [[small, "--out", dir], `cannot write ${dir}`],
    ];
    // Two at a time: the machines running the tests may have two cores.
    for (let i = 0; i < cases.length; i += 2) {
      const pair = cases.slice(i, i + 2);
      const runs = await Promise.all(pair.map(([args]) => report(args)));
      runs.forEach((run, k) => assertOneLineError(run, pair[k][1]));
    }
    const names = [...Deno.readDirSync(dir)].map((e) => e.name);
    assert(!names.includes("out.html"), "a page was written for a bad file");
  });
});

Deno.test("report of a safetensors file: a self-contained page with every tensor, escaped", async () => {
  const { run, html } = await fileReport();
  assertSelfContained(html);
  assert(!html.includes(XSS), "the <img> name is not escaped");
  for (const [name, shape] of TENSORS) {
    assertStringIncludes(html, escaped(name));
    assertStringIncludes(html, `[${shape.join(", ")}]`);
  }
  assertStringIncludes(html, `${BROKEN_NON_FINITE} NaN/Inf values`);
  assertStringIncludes(html, "int32");
  // The summary table: one row per matrix (vectors have their own table).
  const summary = html.match(
    /<h2>Summary[^<]*<\/h2>\s*<table>[\s\S]*?<tbody>([\s\S]*?)<\/tbody>/,
  );
  assert(summary, "no summary table");
  // Names may break after "/" and ".": <wbr> marks where.
  summary[1] = summary[1].replaceAll("<wbr>", "");
  const rows = summary[1].match(/<tr>/g) ?? [];
  assertEquals(rows.length, MATRICES.length, summary[1]);
  for (const [name] of MATRICES) {
    assertStringIncludes(summary[1], escaped(name));
  }
  assertMatch(
    html,
    /<h2>Vectors, scalars and small tensors<\/h2>[\s\S]*dense\.bias/,
  );
  // The tensor with NaN/Inf comes first (the health order).
  assertMatch(summary[1], /^\s*<tr><td><a href="#t-broken">broken</);
  // One figure per matrix (the 1-D bias is in the vectors table).
  const svgs = html.match(/<svg\b/g)?.length ?? 0;
  assertGreaterOrEqual(svgs, TENSORS.filter(([, s]) => s.length >= 2).length);
  assert(!html.includes("sampled without replacement"), "sampled needlessly");
  assertEquals(run.stdout.trim(), "", show(run));
});

Deno.test("report: more than 3 tensors show progress on stderr (one line per step when not a terminal)", async () => {
  const { run } = await fileReport();
  const n = TENSORS.length;
  const progress = lines(run.stderr).map((l) =>
    l.match(/^report: (\d+)\/(\d+) tensors \((\d+)%\)$/)
  ).filter((m) => m !== null);
  assertGreaterOrEqual(progress.length, 2, show(run));
  let last = 0;
  for (const m of progress) {
    const [done, total, percent] = [Number(m[1]), Number(m[2]), Number(m[3])];
    assertEquals(total, n, show(run));
    assertGreater(done, last, show(run));
    assertEquals(percent, Math.round((100 * done) / n), show(run));
    last = done;
  }
  assertEquals(last, n, show(run));
  assertMatch(
    lines(run.stderr).at(-1)!,
    new RegExp(
      `^report: wrote /.*report\\.html \\(${n} tensors, [\\d.]+ s\\): open it in a browser$`,
    ),
  );
  assertNotMatch(run.stderr, /\r/, "a progress bar was drawn on a pipe");
});

Deno.test("report --max-side samples a larger matrix and says how", async () => {
  await withTempDir(async (dir) => {
    const file = join(dir, "big.safetensors");
    const out = join(dir, "big.html");
    const w = tf.randomNormal([200, 80], 0, 1, "float32", 5);
    // A depthwise kernel [3, 3, C, 1]: its matrix is 9 × C, so --max-side
    // samples channels (columns), not single values. Every channel's filter
    // is one filter scaled, so the matrix has rank 1 however it is sampled.
    const depthwise = tf.tidy(() =>
      tf.randomNormal([3, 3, 1, 1], 0, 1, "float32", 6).mul(
        tf.randomUniform([1, 1, 100, 1], 0.5, 2, "float32", 7),
      )
    );
    // Rank 3 in float32: sampled, float32 rounding must not count as rank.
    const low = tf.tidy(() =>
      tf.randomNormal([100, 3], 0, 1, "float32", 8).matMul(
        tf.randomNormal([3, 70], 0, 1, "float32", 9),
      )
    );
    try {
      await saveSafetensors(
        file,
        new Map([["big.weight", w], ["dw.kernel", depthwise], ["low", low]]),
      );
    } finally {
      tf.dispose([w, depthwise, low]);
    }
    const run = await report([file, "--max-side", "64", "--out", out]);
    assertEquals(run.code, 0, show(run));
    // With 3 tensors or fewer there is no progress, only the final line.
    assertEquals(lines(run.stderr).length, 1, show(run));
    const html = await Deno.readTextFile(out);
    assertSelfContained(html);
    assertStringIncludes(html, "[200, 80]");
    assertStringIncludes(html, "200 × 80 is larger than 64 per side");
    assertStringIncludes(
      html,
      "64 rows × 64 columns sampled without replacement",
    );
    assertStringIncludes(html, "9 × 100 is larger than 64 per side");
    assertStringIncludes(
      html,
      "9 rows × 64 columns sampled without replacement",
    );
    assertMatch(html, /rank 1 of 9\b/);
    assertStringIncludes(html, "100 × 70 is larger than 64 per side");
    assertMatch(html, /rank 3 of 64\b/);
  });
});

Deno.test("report with no file: the built-in demo, self-contained", async () => {
  const { run, html } = await demoReport();
  assertSelfContained(html);
  assertStringIncludes(html, "Weight report: built-in demo");
  for (
    const prefix of [
      "mlp_glorot_uniform",
      "mlp_orthogonal",
      "mlp_trained",
      "ncp",
    ]
  ) {
    assertStringIncludes(html, prefix);
  }
  assertGreater(html.match(/<svg\b/g)?.length ?? 0, 10);
  // The trained MLP learned a rank-2 map: both its layers show 2 spikes.
  // (The summary may break names after "." with <wbr>.)
  for (const layer of [0, 1]) {
    assertMatch(
      html.replaceAll("<wbr>", ""),
      new RegExp(
        `>mlp_trained\\.layers\\.${layer}\\._kernel</a>.*?<td class="note">[^<]*\\b2 spikes\\b`,
      ),
    );
  }
  // The NCP's masks are listed apart, as masks, not as learned structure.
  const masks = html.match(/<h2>Masks<\/h2>[\s\S]*?<\/table>/)?.[0] ?? "";
  assertStringIncludes(masks, "ncp._inputMask");
  assertStringIncludes(masks, "ncp._recurrentMask");
  assert(!/>ncp\._\w+Mask<\/a>.*class="note"/.test(html), "a mask ranked");
  assertMatch(lines(run.stderr).at(-1)!, /^report: wrote .*report\.html/);
});

Deno.test("decodePng reads resvg's PNGs pixel for pixel", async () => {
  await initWasm(
    await Deno.readFile(
      new URL(import.meta.resolve("@resvg/resvg-wasm/index_bg.wasm")),
    ),
  );
  const svg =
    `<svg xmlns="http://www.w3.org/2000/svg" width="37" height="23"><rect width="37" height="23" fill="#fff"/><circle cx="12" cy="11" r="9" fill="#4c78a8"/><path d="M20 2 L35 21 L22 20 Z" fill="#e45756" fill-opacity="0.6"/></svg>`;
  const resvg = new Resvg(svg);
  const rendered = resvg.render();
  try {
    const image = await decodePng(rendered.asPng());
    assertEquals([image.width, image.height], [37, 23]);
    assertEquals(image.data, rendered.pixels);
    const s = pixelSummary(image);
    assertEquals(s.background, "#ffffff");
    assertGreater(s.inked, 0.2);
    assertGreater(s.saturated, 0.2);
  } finally {
    rendered.free();
    resvg.free();
  }
});

/** Loads a page and asserts nothing went wrong: no error, exception or dialog. */
async function load(page: Page, file: string): Promise<void> {
  await page.goto(pathToFileURL(file).href);
  // Let anything asynchronous (an image's onerror) happen.
  await page.evaluate("new Promise((r) => setTimeout(r, 300))");
}

/** Screenshots the viewport and the first figure, saves them, checks they are not blank. */
async function checkScreenshots(
  page: Page,
  dir: string,
  label: string,
): Promise<void> {
  const box = await page.evaluate<
    { x: number; y: number; width: number; height: number }
  >(
    `(() => { const r = document.querySelector("section svg").getBoundingClientRect();
      return { x: r.x + scrollX, y: r.y + scrollY, width: r.width, height: r.height }; })()`,
  );
  assertGreater(box.width, 300, `${label}: figure width`);
  assertGreater(box.height, 100, `${label}: figure height`);
  const shots = {
    page: await page.screenshot(),
    figure: await page.screenshot(box),
  };
  for (const [what, png] of Object.entries(shots)) {
    const path = join(dir, `${label}_${what}.png`);
    await Deno.writeFile(path, png);
    const image = await decodePng(await Deno.readFile(path));
    const s = pixelSummary(image);
    const where =
      `${label} ${what} screenshot (${image.width}×${image.height}): ${
        JSON.stringify(s)
      }`;
    assertEquals(s.background, "#ffffff", where);
    assertGreaterOrEqual(s.inked, 0.02, where);
    assertGreaterOrEqual(s.colours, 64, where);
    // The bars and curves of the figures are coloured, not only grey text.
    assertGreaterOrEqual(s.saturated, what === "figure" ? 0.01 : 0.002, where);
  }
}

browserTest(
  "report pages in headless Chromium: no script runs, no error, figures drawn",
  async () => {
    await withTempDir(async (dir) => {
      const launching = Browser.launch();
      // Whatever happens, the browser is closed and its profile removed.
      let browser: Browser | null = null;
      try {
        const [file, demo] = await Promise.all([fileReport(), demoReport()]);
        browser = await launching;
        const pages = {
          file: join(dir, "file.html"),
          demo: join(dir, "demo.html"),
          control: join(dir, "control.html"),
        };
        await Deno.writeTextFile(pages.file, file.html);
        await Deno.writeTextFile(pages.demo, demo.html);
        // A control: the same name unescaped must be caught by the checks.
        await Deno.writeTextFile(
          pages.control,
          `<!DOCTYPE html><html><body><h1>${XSS}</h1></body></html>`,
        );

        const control = await browser.newPage();
        try {
          await load(control, pages.control);
          assert(
            control.problems.some((p) => p.startsWith("dialog alert")),
            `the control page's alert was not seen: ${control.problems}`,
          );
        } finally {
          await control.close();
        }

        const page = await browser.newPage();
        try {
          await load(page, pages.file);
          assertEquals(page.problems, [], "problems on the file report");
          assertEquals(
            await page.evaluate(
              `document.body.innerText.includes(${JSON.stringify(XSS)})`,
            ),
            true,
          );
          assertEquals(
            await page.evaluate(`document.querySelectorAll("img").length`),
            0,
          );
          assertGreater(
            await page.evaluate<number>(
              `document.querySelectorAll("svg").length`,
            ),
            0,
          );
          assertEquals(
            await page.evaluate(`document.querySelectorAll("script").length`),
            0,
          );
          assertEquals(
            await page.evaluate(
              `document.querySelector("table tbody").rows.length`,
            ),
            MATRICES.length,
          );
          await checkScreenshots(page, dir, "file");

          await load(page, pages.demo);
          assertEquals(page.problems, [], "problems on the demo report");
          assertEquals(
            await page.evaluate(`document.querySelectorAll("img").length`),
            0,
          );
          assertGreater(
            await page.evaluate<number>(
              `document.querySelectorAll("svg").length`,
            ),
            10,
          );
          await checkScreenshots(page, dir, "demo");
        } finally {
          await page.close();
        }
      } finally {
        browser ??= await launching.catch(() => null);
        await browser?.close();
      }
    });
  },
);

Deno.test("report headline: one spike stands, two spikes stand", () => {
  const row = (spikes: number) => ({
    name: "w",
    shape: [64, 32],
    mean: 0,
    std: 1,
    nonFinite: 0,
    spectralNorm: 1,
    stableRank: 1,
    spikes,
    alpha: 3,
    verdict: "heavy-tailed" as const,
    summary: null,
    notes: [],
  });
  assertStringIncludes(departures(row(1))[0], "; 1 spike stands apart from it");
  assertStringIncludes(departures(row(2))[0], "; 2 spikes stand apart from it");
});
