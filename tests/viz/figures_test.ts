/**
 * Every plot helper's figures, for the shapes and cases that break figures,
 * measured in headless Chromium (tick labels, axis titles, overlapping text,
 * empty panels, text outside the figure) and checked on their data (which
 * marks, which scales, how many bins).
 */
import {
  assert,
  assertEquals,
  assertMatch,
  assertNotMatch,
  assertRejects,
  assertStringIncludes,
} from "@std/assert";
import {
  allFigures,
  figuresPage,
  MEASURE,
  type NamedFigure,
} from "./_figures.ts";
import { Browser, browserTest } from "../_browser.ts";
import { logAxis, plotSvg, tickLabel } from "../../viz/_common.ts";
import * as Plot from "@observablehq/plot";
import {
  analyzeSpectrumSync,
  freedmanDiaconisBins,
  plotHistogram,
  plotSpectrum,
  tf,
} from "../../mod.ts";
import { esdMode } from "../../viz/spectrum.ts";
import { noise } from "../stats/_spectra.ts";

let cached: Promise<NamedFigure[]> | null = null;
const figures = () => (cached ??= allFigures());
const byName = async (name: string) => {
  const f = (await figures()).find((f) => f.name === name);
  if (!f) throw new Error(`no figure ${name}`);
  return f.figure;
};

Deno.test("tick labels: plain decimals or m×10ⁿ, never SI prefixes, at most 10 characters", () => {
  const cases: [number, string][] = [
    [0, "0"],
    [0.5, "0.5"],
    [-2, "−2"],
    [300, "300"],
    [0.0156, "0.0156"],
    [1e-6, "10⁻⁶"],
    [2.5e-13, "2.5×10⁻¹³"],
    [1e20, "10²⁰"],
    [-3e-7, "−3×10⁻⁷"],
    [1234567, "1.2×10⁶"],
  ];
  for (const [v, s] of cases) assertEquals(tickLabel(v), s, String(v));
  for (let e = -30; e <= 30; e++) {
    for (const m of [1, 2.5, 7.25, -9.99]) {
      const s = tickLabel(m * 10 ** e);
      assert(s.length <= 10, s);
      assertNotMatch(s, /[a-zA-Zµ]/, s);
    }
  }
});

Deno.test("an axis across 10⁻³ takes one notation: plain where every label fits, else m×10ⁿ", () => {
  const labels = (domain: [number, number], ticks: number[]) => {
    const svg = plotSvg({
      width: 400,
      height: 120,
      x: { domain, ticks },
      marks: [Plot.ruleY([0])],
    });
    const group = svg.match(/aria-label="x-axis tick label".*?<\/g>/)![0];
    return [...group.matchAll(/<text[^>]*>([^<]*)<\/text>/g)].map((m) => m[1]);
  };
  // tickLabel alone would write 6×10⁻⁴, 8×10⁻⁴, 0.001, 0.0012, 0.0014.
  assertEquals(
    labels([5e-4, 1.5e-3], [6e-4, 8e-4, 1e-3, 1.2e-3, 1.4e-3]),
    ["0.0006", "0.0008", "0.001", "0.0012", "0.0014"],
  );
  // 0.000025 would take 8 characters: powers of ten for all.
  assertEquals(
    labels([0, 1.2e-3], [0, 2.5e-5, 1e-3]),
    ["0", "2.5×10⁻⁵", "10⁻³"],
  );
  // Not mixed: left as tickLabel writes them.
  assertEquals(labels([0, 1], [0, 0.5, 1]), ["0", "0.5", "1"]);
});

Deno.test("a log axis from logAxis labels every one of its ticks (Plot's d3 log format blanked 0.8)", () => {
  const axis = logAxis(0.45, 1.6);
  assertEquals(axis.ticks, [0.5, 0.6, 0.8, 1, 1.5]);
  const svg = plotSvg({
    width: 300,
    height: 200,
    y: axis,
    marks: [Plot.ruleX([0])],
  });
  const group = svg.match(/aria-label="y-axis tick label".*?<\/g>/)![0];
  const labels = [...group.matchAll(/<text[^>]*>([^<]*)<\/text>/g)].map((m) =>
    m[1]
  );
  assertEquals(labels, ["0.5", "0.6", "0.8", "1", "1.5"]);
});

Deno.test("figure data: the ESD mode, bins, discrete values and laws where they apply", async () => {
  // 3 eigenvalues: an ECDF, not a barcode of 3 bars.
  const small = analyzeSpectrumSync({
    values: noise(10, 3, "gauss", 4),
    shape: [10, 3],
  });
  assertEquals(esdMode(small), "ecdf");
  assertStringIncludes((await byName("spectrum 10×3")).svg, "fraction ≤ λ");
  // A random 300×300: a linear histogram with Freedman–Diaconis bins.
  const square = noise(300, 300, "gauss", 1);
  const a = analyzeSpectrumSync({ values: square, shape: [300, 300] });
  assertEquals(esdMode(a), "histogram");
  const bins = freedmanDiaconisBins(a.eigenvalues);
  const svg = (await byName("spectrum square 300×300")).svg;
  const esdPanel = svg.slice(0, svg.indexOf("singular value σ"));
  const rects =
    esdPanel.match(/<g [^>]*aria-label="rect"[^>]*>([\s\S]*?)<\/g>/)![1]
      .match(/<rect/g)!.length;
  assertEquals(rects, bins);
  // A trained layer reaches far past λ₊: λ on a log axis, spikes marked.
  const trained = (await byName("spectrum trained layer")).svg;
  assertMatch(trained, /spike/);
  assertMatch(trained, /10⁻|0\.001/);
  // Orthogonal: a point mass, "MP does not apply".
  assertStringIncludes(
    (await byName("spectrum orthogonal")).svg,
    "flat: MP does not apply",
  );
  // A mask, zeros: bars of categories, not a continuous histogram.
  for (const name of ["histogram mask", "histogram zeros"]) {
    assertStringIncludes((await byName(name)).svg, 'aria-label="bar"', name);
  }
  // Sparse: the zeros are a category bar with its expected count; the
  // normal part is binned beside it.
  const sparse = await byName("histogram sparse");
  assertMatch(
    sparse.text,
    /\d+ of 20000 values at 0 \(expected 18000\): the bar at left/,
  );
  assertStringIncludes(sparse.svg, 'aria-label="bar"');
  assertStringIncludes(sparse.svg, 'aria-label="tick"');
  assertStringIncludes(sparse.svg, 'aria-label="rect"');
  // All zero: no spectrum to draw, and it says so.
  assertStringIncludes(
    (await byName("spectrum zeros")).svg,
    "all zero: no spectrum",
  );
  // Trained weights left their uniform init: the law is dashed, "at init".
  const hist = (await byName("histogram trained layer")).svg;
  assertStringIncludes(hist, "at init");
  assertStringIncludes(hist, "stroke-dasharray");
  // Every spectrum figure has a legend.
  for (const f of await figures()) {
    if (f.name.startsWith("spectrum") && f.name !== "spectrum zeros") {
      assertMatch(f.figure.text, /legend: .*eigenvalues/, f.name);
    }
  }
  // Small multiples of comparable rows share their x scales.
  const training = (await byName("training")).svg;
  const axes = [
    ...training.matchAll(/aria-label="x-axis tick label"[\s\S]*?<\/g>/g),
  ]
    .map((m) => m[0].replace(/transform="[^"]*"/g, ""));
  assertEquals(axes[0], axes[3], "histogram columns share x");
  assertEquals(axes[1], axes[4], "ESD columns share x");
  // ... and the histograms' count axis, so a spreading distribution is seen
  // to flatten.
  const yAxes = [
    ...training.matchAll(/aria-label="y-axis tick label"[\s\S]*?<\/g>/g),
  ]
    .map((m) => m[0].replace(/transform="[^"]*"/g, ""));
  assertEquals(yAxes[0], yAxes[3], "histogram columns share y");
});

Deno.test("bad options: sizes, bins and names with control characters or markup", async () => {
  const w = tf.randomNormal([40, 20], 0, 1, "float32", 1);
  try {
    for (const width of [NaN, 0, -5, Infinity]) {
      for (const plot of [plotSpectrum, plotHistogram]) {
        await assertRejects(() => plot(w, { width }), RangeError, "width");
      }
    }
    for (
      const [bad, message] of [
        [() => plotSpectrum(w, { height: 0 }), "height"],
        [() => plotHistogram(w, { bins: 10001 }), "bins"],
        [
          () => plotSpectrum(w, { bins: 0 }),
          "plotSpectrum: options.bins must be an integer in [1, 10000], received 0",
        ],
        [
          () => plotHistogram(w, { width: -5 }),
          "plotHistogram: options.width must be a finite number > 0, received -5",
        ],
      ] as const
    ) {
      await assertRejects(bad, RangeError, message);
    }
    const fig = await plotHistogram(w, {
      title: "bad\u0000\u001b[31m<b>&\u0007name",
    });
    await assertRejects(
      () => fig.png(9),
      RangeError,
      "Figure.png: scale must be a number in (0, 8], received 9",
    );
    await assertRejects(() => fig.png(0), RangeError, "scale");
    // Valid XML: no control characters, markup escaped.
    // deno-lint-ignore no-control-regex
    assertNotMatch(fig.svg, /[\u0000-\u0008\u000b\u000c\u000e-\u001f]/);
    assertStringIncludes(fig.svg, "&lt;b&gt;&amp;");
    const png = await fig.png(1);
    assertEquals([...png.subarray(1, 4)], [0x50, 0x4e, 0x47]);
  } finally {
    w.dispose();
  }
});

browserTest(
  "every figure in headless Chromium: number ticks, axis titles, no overlapping text, no empty panel",
  async () => {
    const list = await figures();
    const dir = await Deno.makeTempDir({ prefix: "ember_figures_" });
    const browser = await Browser.launch();
    try {
      const path = `${dir}/figures.html`;
      await Deno.writeTextFile(path, figuresPage(list));
      // A control page with the faults the checks must see.
      const control = `${dir}/control.html`;
      await Deno.writeTextFile(
        control,
        `<!DOCTYPE html><html><body><div class="case" data-name="control"><svg width="300" height="120" xmlns="http://www.w3.org/2000/svg"><svg class="plot-x" width="300" height="100"><g aria-label="y-axis tick"><line x1="0" x2="5" y1="10" y2="10" stroke="black"/></g><g aria-label="y-axis tick label"><text x="10" y="20">10µ</text><text x="10" y="40">0.000000000001</text></g><g aria-label="rect"></g></svg><text x="100" y="110">one label</text><text x="105" y="112">another label</text></svg></div></body></html>`,
      );
      const page = await browser.newPage(1100, 1400);
      try {
        await page.goto(new URL(`file://${control}`).href);
        const found = await page.evaluate<string[]>(MEASURE);
        for (
          const expected of [
            "SI-prefixed tick label 10µ",
            "tick label over 10 characters",
            "without a y-axis title",
            "nothing drawn",
            "text overlaps",
          ]
        ) {
          assert(
            found.some((p) => p.includes(expected)),
            `the control's "${expected}" was not found: ${found.join("; ")}`,
          );
        }
        await page.goto(new URL(`file://${path}`).href);
        assertEquals(page.problems, []);
        const problems = await page.evaluate<string[]>(MEASURE);
        assertEquals(problems, []);
        const cases = await page.evaluate<number>(
          `document.querySelectorAll(".case").length`,
        );
        assertEquals(cases, list.length);
      } finally {
        await page.close();
      }
    } finally {
      await browser.close();
      await Deno.remove(dir, { recursive: true });
    }
  },
);
