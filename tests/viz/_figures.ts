/**
 * The figures the browser test measures: every public plot helper on the
 * shapes and cases that break figures (square, tall, wide, 10×3, 2000×2000,
 * a trained layer, orthogonal, a mask, sparse, zeros, a bias, values of
 * scale 1e-6, a rank-10 product, a trained Sequential, an NCP).
 *
 * @module
 */
import {
  AutoNCP,
  compareInitializers,
  Dense,
  type Figure,
  FullyConnectedMap,
  initializers,
  jacobianSpectrum,
  liveTraining,
  NCP,
  Plot,
  plotFigure,
  plotHistogram,
  plotJacobianSpectrum,
  plotModule,
  plotPropagation,
  plotSpectrum,
  plotTraining,
  plotWiring,
  type PropagationRow,
  Sequential,
  setSeed,
  snapshotWeights,
  tf,
  tracePropagation,
} from "../../mod.ts";
import { noise, plant } from "../stats/_spectra.ts";
import { matmulInto } from "../_matmul.ts";

/** A named figure. */
export interface NamedFigure {
  name: string;
  figure: Figure;
}

function product(rows: number, inner: number, cols: number): Float32Array {
  const a = noise(rows, inner, "gauss", 11);
  const b = noise(inner, cols, "gauss", 12);
  return matmulInto(new Float32Array(rows * cols), a, b, rows, inner, cols);
}

/** Builds every figure (a few seconds: one 2000×2000 SVD and a short training). */
export async function allFigures(): Promise<NamedFigure[]> {
  setSeed(7);
  const out: NamedFigure[] = [];
  const add = (name: string, figure: Figure) => out.push({ name, figure });
  const shaped = (values: Float32Array | Float64Array, shape: number[]) => ({
    values,
    shape,
  });
  for (
    const [name, rows, cols, kind, seed] of [
      ["spectrum square 300×300", 300, 300, "gauss", 1],
      ["spectrum tall 600×100", 600, 100, "uniform", 2],
      ["spectrum wide 100×600", 100, 600, "gauss", 3],
      ["spectrum 10×3", 10, 3, "gauss", 4],
    ] as const
  ) {
    const values = noise(rows, cols, kind, seed);
    add(name, await plotSpectrum(shaped(values, [rows, cols])));
  }
  const big = initializers.glorotNormal([2000, 2000], { seed: 5 });
  add("spectrum 2000×2000", await plotSpectrum(big));
  big.dispose();
  const q = initializers.orthogonal([256, 128], { seed: 6 });
  add("spectrum orthogonal", await plotSpectrum(q));
  add("histogram orthogonal", await plotHistogram(q));
  q.dispose();
  const mask = initializers.getInitializer("binomial")([128, 128], {
    probability: 0.2,
    seed: 7,
  });
  add("spectrum mask", await plotSpectrum(mask));
  add("histogram mask", await plotHistogram(mask));
  mask.dispose();
  const sparse = initializers.sparse([200, 100], { sparsity: 0.9, seed: 8 });
  add("histogram sparse", await plotHistogram(sparse));
  add("spectrum sparse", await plotSpectrum(sparse));
  sparse.dispose();
  const zeros = initializers.zeros([64, 32]);
  add("histogram zeros", await plotHistogram(zeros));
  add("spectrum zeros", await plotSpectrum(zeros));
  zeros.dispose();
  const bias = initializers.zeros([32]);
  add("histogram bias", await plotHistogram(bias));
  bias.dispose();
  const tiny = noise(300, 100, "gauss", 9).map((v) => v * 1e-6);
  add("histogram scale 1e-6", await plotHistogram(shaped(tiny, [300, 100])));
  add("spectrum scale 1e-6", await plotSpectrum(shaped(tiny, [300, 100])));
  add(
    "spectrum rank-10 product",
    await plotSpectrum(shaped(product(200, 10, 150), [200, 150])),
  );
  add(
    "spectrum planted rank 3",
    await plotSpectrum(
      shaped(plant(noise(400, 200, "gauss", 10), 400, 200, 3, 3, 1, 4), [
        400,
        200,
      ]),
    ),
  );
  // A small net trained on a rank-3 teacher, with snapshots.
  const net = new Sequential([
    new Dense(128, { activation: "tanh" }),
    new Dense(16),
  ]);
  const x = tf.randomNormal([512, 96], 0, 1, "float32", 5);
  const teacher = tf.tidy(() =>
    tf.matMul(
      tf.matMul(x, tf.randomNormal([96, 3], 0, 1, "float32", 6)),
      tf.randomNormal([3, 16], 0, 1, "float32", 7),
    )
  );
  net.call(x).dispose();
  const history = [await snapshotWeights(net, 0)];
  const optimizer = tf.train.adam(0.01);
  for (let step = 1; step <= 150; step++) {
    optimizer.minimize(
      () => tf.losses.meanSquaredError(teacher, net.call(x)) as tf.Scalar,
      false,
      net.trainableVariables(),
    );
    if (step % 50 === 0) history.push(await snapshotWeights(net, step));
  }
  optimizer.dispose();
  tf.dispose([x, teacher]);
  const kernel = net.namedParameters()[0][1];
  add("spectrum trained layer", await plotSpectrum(kernel));
  add("histogram trained layer", await plotHistogram(kernel));
  add("module trained Sequential", await plotModule(net));
  add(
    "training",
    plotTraining(history, { parameter: "layers.0._kernel" }),
  );
  net.dispose();
  const ncp = new NCP(new AutoNCP(32, 1, { seed: 5 }));
  const seq = tf.zeros([1, 3, 4]);
  ncp.call(seq).dispose();
  seq.dispose();
  add("module NCP", await plotModule(ncp));
  add("wiring NCP", plotWiring(ncp.neuronMap));
  ncp.dispose();
  const full = new FullyConnectedMap(6, 2, { seed: 1 });
  full.build(3);
  add("wiring fully connected", plotWiring(full));
  add(
    "compare initializers",
    await compareInitializers(
      ["glorot_uniform", "he_normal", "orthogonal", "binomial"],
      [128, 64],
      { seed: 3 },
    ),
  );
  await teachingFigures(add);
  add(
    "plotFigure loss curve",
    plotFigure({
      y: { type: "log", label: "loss" },
      x: { label: "step" },
      marks: [
        Plot.line(
          Array.from(
            { length: 60 },
            (_, i) => ({ step: i, loss: 1e20 / (i + 1) ** 8 }),
          ),
          { x: "step", y: "loss" },
        ),
      ],
    }, { title: "A loss from 1e20 down" }),
  );
  return out;
}

/** The teaching figures: propagation (one series diverging), Jacobian spectra, a compared histogram, a live-training view. */
async function teachingFigures(
  add: (name: string, figure: Figure) => void,
): Promise<void> {
  const x = initializers.randomNormal([64, 16], { stddev: 1, seed: 1 });
  const inits: [string, Record<string, unknown>, string][] = [
    ["normal σ=0.05", { name: "random_normal", stddev: 0.05 }, "tanh"],
    ["normal σ=1", { name: "random_normal", stddev: 1 }, "tanh"],
    ["glorot_uniform", { name: "glorot_uniform" }, "tanh"],
    ["he_normal", { name: "he_normal" }, "tanh"],
    ["lecun_normal", { name: "lecun_normal" }, "tanh"],
    ["orthogonal", { name: "orthogonal" }, "tanh"],
    ["relu σ=1e9", { name: "random_normal", stddev: 1e9 }, "relu"],
  ];
  const traces = new Map<string, PropagationRow[]>();
  const spectra = new Map<
    string,
    Awaited<ReturnType<typeof jacobianSpectrum>>
  >();
  for (const [label, init, activation] of inits) {
    const net = new Sequential(
      Array.from({ length: 10 }, (_, i) =>
        new Dense(16, {
          activation: activation as "tanh",
          kernelInitializer: { ...init, seed: 20 + i } as never,
        })),
    );
    traces.set(label, await tracePropagation(net, x));
    if (label === "orthogonal" || label === "normal σ=1") {
      spectra.set(label, await jacobianSpectrum(net, x.slice([0, 0], [8, 16])));
    }
    net.dispose();
  }
  add("propagation, one series diverging", plotPropagation(traces));
  add("jacobian spectra", plotJacobianSpectrum(spectra));
  const ours = initializers.glorotNormal([200, 200], { seed: 5 });
  const theirs = tf.initializers.glorotNormal({ seed: 5 }).apply([200, 200]);
  add(
    "histogram compare",
    await plotHistogram(ours, {
      compare: { x: theirs, label: "tfjs glorotNormal" },
    }),
  );
  tf.dispose([ours, theirs]);
  const small = new Sequential([
    new Dense(32, { activation: "tanh" }),
    new Dense(4),
  ], { inputShape: [16] });
  const live = liveTraining({ title: "live training", output: "none" });
  for (let step = 0; step < 30; step++) {
    await live.update({
      step,
      loss: {
        train: 1 / (step + 1),
        validation: step === 20 ? NaN : 2 / (step + 1),
      },
      net: small,
    });
  }
  add("live training", await live.figure());
  small.dispose();
  x.dispose();
}

/** One page with every figure, each in a `<div class="case" data-name>`. */
export function figuresPage(figures: NamedFigure[]): string {
  const esc = (s: string) =>
    s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/"/g, "&quot;");
  return `<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>figures</title></head><body style="margin:0;background:#fff">${
    figures.map((f) =>
      `<div class="case" data-name="${
        esc(f.name)
      }" style="margin:0 0 24px">${f.figure.svg}</div>`
    ).join("\n")
  }</body></html>`;
}

/**
 * The checks, as a script evaluated in the page: for every case, tick labels
 * without SI prefixes and at most 10 characters, axis titles on every panel
 * with axes, no two text boxes overlapping, no panel with axes and no
 * visible mark. Returns a list of problems, each naming the case.
 */
export const MEASURE = `(() => {
  const problems = [];
  const SI = /^[−-]?[0-9.]+[yzafpnµmkMGTPEZY]$/;
  const NUMBER = /^([−-]?[0-9]+(\\.[0-9]+)?(×10[⁻]?[⁰¹²³⁴⁵⁶⁷⁸⁹]+)?|[−-]?10[⁻]?[⁰¹²³⁴⁵⁶⁷⁸⁹]+)$/;
  for (const c of document.querySelectorAll(".case")) {
    const name = c.dataset.name;
    // Tick labels: numbers in our format (or text of a categorical axis).
    for (const t of c.querySelectorAll('[aria-label$="tick label"] text')) {
      const s = t.textContent.trim();
      if (s === "") continue;
      if (SI.test(s)) problems.push(name + ": SI-prefixed tick label " + s);
      if (s.length > 10) problems.push(name + ": tick label over 10 characters: " + s);
      if (/^[−0-9.-]/.test(s) && !NUMBER.test(s)) problems.push(name + ": tick label not a plain number: " + s);
    }
    // Every Plot panel with axes has their titles.
    for (const svg of c.querySelectorAll("svg[class^=plot-]")) {
      for (const axis of ["x", "y"]) {
        const hasAxis = svg.querySelector('[aria-label="' + axis + '-axis tick"]');
        const hasTitle = svg.querySelector('[aria-label="' + axis + '-axis label"]');
        if (hasAxis && !hasTitle) problems.push(name + ": a panel without a " + axis + "-axis title");
      }
      if (svg.querySelector('[aria-label$="-axis tick"]')) {
        const marks = [...svg.querySelectorAll("g[aria-label]")].filter((g) => !/axis|grid|frame/.test(g.getAttribute("aria-label")));
        const visible = marks.some((g) => [...g.querySelectorAll("rect,path,line,circle,text")].some((e) => { const r = e.getBoundingClientRect(); return r.width > 0 || r.height > 0; }));
        if (!visible) problems.push(name + ": a panel with axes and nothing drawn");
      }
    }
    // No two text boxes overlap (1 px of slack).
    const boxes = [...c.querySelectorAll("text")].filter((t) => t.textContent.trim() !== "").map((t) => ({ t: t.textContent.trim(), r: t.getBoundingClientRect() })).filter((b) => b.r.width > 0);
    for (let i = 0; i < boxes.length; i++) {
      for (let j = i + 1; j < boxes.length; j++) {
        const a = boxes[i].r, b = boxes[j].r;
        const w = Math.min(a.right, b.right) - Math.max(a.left, b.left);
        const h = Math.min(a.bottom, b.bottom) - Math.max(a.top, b.top);
        if (w > 1 && h > 1) problems.push(name + ": text overlaps: " + JSON.stringify(boxes[i].t.slice(0, 40)) + " and " + JSON.stringify(boxes[j].t.slice(0, 40)));
      }
    }
    // Nothing drawn outside the figure.
    const frame = c.querySelector("svg").getBoundingClientRect();
    for (const b of boxes) {
      if (b.r.right > frame.right + 1 || b.r.left < frame.left - 1) problems.push(name + ": text outside the figure: " + JSON.stringify(b.t.slice(0, 60)));
    }
  }
  return problems;
})()`;
