/**
 * `liveTraining`: one display, redrawn in place while a network trains:
 * the loss curves and, when given the network, the histograms and spectra
 * of chosen parameters (TensorBoard's histogram dashboard, inline).
 *
 * @module
 */
import * as Plot from "@observablehq/plot";
import { Figure, type Label, type Panel } from "./figure.ts";
import { checkSize, num, plotSvg, tickLabel } from "./_common.ts";
import {
  edgeLegend,
  edgeMarks,
  header,
  laneCounts,
  logDomain,
  placeOf,
  seriesLegend,
  seriesMarks,
  sparseLogAxis,
  withLanes,
} from "./_series.ts";
import { readItems, rowsFigure, statsTable } from "./_rows.ts";
import {
  isWeightCollection,
  namedWeights,
  type WeightCollection,
} from "../lib/read/collection.ts";
import { checkChoice, checkOptions, show } from "../lib/validate.ts";
import { tf } from "../lib/tf.ts";
import { jupyterKernel, settle, SETTLE_MS } from "./_kernel.ts";

/** Where {@linkcode LiveTraining} shows its progress. */
export type LiveOutput = "auto" | "jupyter" | "text" | "none";

/** Options for {@linkcode liveTraining}. */
export interface LiveTrainingOptions {
  /** Title. Default "Training". */
  title?: string;
  /**
   * The parameters whose histograms and spectra are drawn, by name (as
   * `namedParameters()` or the model's weights name them). Default: every
   * weight of rank ≥ 2 if there are at most two, else the first and the last.
   */
  parameters?: string[];
  /**
   * The least time between two redraws, in milliseconds; 0 redraws at every
   * update. Default 1000. A redraw also waits at least twice as long as the
   * previous one took, so that drawing never takes more than a third of the
   * time. The first update, the last (see `steps`) and `finish()` always draw.
   */
  interval?: number;
  /** The number of steps, when known: the update with `step >= steps - 1` always draws. */
  steps?: number;
  /** Width in pixels. Default 960. */
  width?: number;
  /**
   * `"jupyter"`: one display in the notebook, updated in place (display
   * ids and `update_display_data`). `"text"`: a progress line (rewritten
   * in place in a terminal, one line per redraw otherwise). `"none"`:
   * nothing shown (the figure is still available from `figure()`).
   * Default `"auto"`: `"jupyter"` inside the Deno kernel, else `"text"`.
   */
  output?: LiveOutput;
}

/** A loss: a number, or a scalar tensor (read asynchronously, not disposed). */
export type LossValue = number | tf.Tensor;

/** What {@linkcode LiveTraining.update} takes. */
export interface LiveUpdate {
  /** The training step (a finite number; steps need not be consecutive). */
  step: number;
  /**
   * The loss, or several by name (`{ train, validation }`), one curve each.
   * Inf and NaN are kept and drawn as ∞ at the top of the loss panel.
   */
  loss: LossValue | Record<string, LossValue>;
  /**
   * The network (a Module, tf.LayersModel, or any model `plotModule`
   * takes): its chosen parameters are drawn as they are when the display is
   * redrawn.
   */
  net?: WeightCollection;
}

/** One point of a loss curve. */
export interface LossPoint {
  /** The step. */
  step: number;
  /** The curve's name (`"loss"` for a single loss). */
  series: string;
  /** The value, Inf and NaN included. */
  loss: number;
}

const FN = "liveTraining";
const LOSS_HEIGHT = 230;
let displays = 0;

async function lossNumber(value: LossValue, name: string): Promise<number> {
  if (typeof value === "number") return value;
  if (value instanceof tf.Tensor) {
    if (value.isDisposed) {
      throw new TypeError(`${FN}: update's loss ${name} is a disposed tensor`);
    }
    if (value.size !== 1) {
      throw new RangeError(
        `${FN}: update's loss ${name} must be a scalar, received a tensor of shape ${
          show(value.shape)
        }`,
      );
    }
    return (await value.data())[0];
  }
  throw new TypeError(
    `${FN}: update's loss ${name} must be a number or a scalar tensor, received ${
      show(value)
    }`,
  );
}

/**
 * A live view of training, made by {@linkcode liveTraining}: call
 * `await update({ step, loss, net })` at each step, and `await finish()`
 * after the loop (or give `steps`), so that the display ends on the last
 * step.
 */
export class LiveTraining {
  readonly #title: string;
  readonly #parameters: string[] | undefined;
  readonly #interval: number;
  readonly #steps: number | undefined;
  readonly #width: number;
  readonly #output: Exclude<LiveOutput, "auto">;
  readonly #id = `ember-live-${++displays}-${crypto.randomUUID()}`;
  readonly #history: LossPoint[] = [];
  #net: WeightCollection | undefined;
  #lastStep = NaN;
  #shown = false;
  #drawnStep = NaN;
  #nextDraw = 0;
  #figure: Figure | null = null;
  #line = "";

  /**
   * Use {@linkcode liveTraining}.
   *
   * @param options As `liveTraining` takes them, checked.
   */
  constructor(options: LiveTrainingOptions = {}) {
    const o = checkOptions(FN, options, [
      "title",
      "parameters",
      "interval",
      "steps",
      "width",
      "output",
    ]);
    this.#title = o.title ?? "Training";
    if (
      o.parameters !== undefined &&
      !(Array.isArray(o.parameters) &&
        o.parameters.every((p) => typeof p === "string"))
    ) {
      throw new TypeError(
        `${FN}: parameters must be an array of parameter names, received ${
          show(o.parameters)
        }`,
      );
    }
    this.#parameters = o.parameters ? [...o.parameters] : undefined;
    const interval = o.interval ?? 1000;
    if (typeof interval !== "number" || !(interval >= 0)) {
      throw new RangeError(
        `${FN}: interval must be a number of milliseconds >= 0, received ${
          show(interval)
        }`,
      );
    }
    this.#interval = interval;
    if (
      o.steps !== undefined && !(Number.isInteger(o.steps) && o.steps >= 1)
    ) {
      throw new RangeError(
        `${FN}: steps must be a positive integer, received ${show(o.steps)}`,
      );
    }
    this.#steps = o.steps;
    this.#width = checkSize(FN, "width", o.width, 960);
    const output = checkChoice(FN, "options.output", o.output ?? "auto", [
      "auto",
      "jupyter",
      "text",
      "none",
    ]);
    this.#output = output === "auto"
      ? (jupyterKernel() ? "jupyter" : "text")
      : output;
    if (this.#output === "jupyter" && !jupyterKernel()) {
      throw new RangeError(
        `${FN}: output "jupyter" needs the Deno Jupyter kernel (Deno.jupyter is not available here)`,
      );
    }
  }

  /** Every loss recorded, in order. */
  get history(): readonly LossPoint[] {
    return this.#history;
  }

  /** Where progress is shown: `"jupyter"`, `"text"` or `"none"`. */
  get output(): Exclude<LiveOutput, "auto"> {
    return this.#output;
  }

  /**
   * Records a step's loss (and the network), and redraws when it is time:
   * at the first update, when `interval` has passed, and at the last step
   * (`steps`).
   *
   * @param update `step`, `loss` (a number, a scalar tensor, or several by name), `net`.
   * @throws {TypeError} For a malformed update.
   * @throws {RangeError} For a non-finite step, or an unknown parameter name.
   */
  async update(update: LiveUpdate): Promise<void> {
    if (update === null || typeof update !== "object") {
      throw new TypeError(
        `${FN}: update needs { step, loss, net? }, received ${show(update)}`,
      );
    }
    const { step, loss, net } = update;
    if (typeof step !== "number" || !Number.isFinite(step)) {
      throw new RangeError(
        `${FN}: update's step must be a finite number, received ${show(step)}`,
      );
    }
    if (net !== undefined && !isWeightCollection(net)) {
      throw new TypeError(
        `${FN}: update's net must be a Module, tf.LayersModel or a Map of tensors, received ${
          show(net)
        }`,
      );
    }
    // An unknown parameter name fails here, not at a later redraw.
    if (net !== undefined) this.#chosen(net);
    const entries: [string, LossValue][] =
      typeof loss === "number" || loss instanceof tf.Tensor
        ? [["loss", loss]]
        : loss !== null && typeof loss === "object" && !Array.isArray(loss)
        ? Object.entries(loss)
        : [["loss", loss as unknown as LossValue]];
    if (entries.length === 0) {
      throw new TypeError(`${FN}: update's loss must name at least one value`);
    }
    const values: [string, number][] = [];
    for (const [name, value] of entries) {
      values.push([name, await lossNumber(value, JSON.stringify(name))]);
    }
    for (const [series, value] of values) {
      this.#history.push({ step, series, loss: value });
    }
    if (net !== undefined) this.#net = net;
    this.#lastStep = step;
    const now = performance.now();
    const last = this.#steps !== undefined && step >= this.#steps - 1;
    if (!this.#shown || last || now >= this.#nextDraw) await this.#draw(last);
  }

  /**
   * Draws the last update if it has not been drawn, and ends a terminal's
   * progress line. Call it after the loop.
   */
  async finish(): Promise<void> {
    if (this.#history.length > 0 && this.#drawnStep !== this.#lastStep) {
      await this.#draw(true);
    } else if (this.#output === "jupyter" && this.#shown) {
      await settle(SETTLE_MS);
    }
    if (this.#output === "text" && Deno.stdout.isTerminal()) {
      await Deno.stdout.write(new TextEncoder().encode("\n"));
    }
  }

  /**
   * The figure of the current state: the loss curves, and the chosen
   * parameters of the last network given, as they are now.
   *
   * @returns A Figure (for example to `save()` as .png).
   * @throws {RangeError} Before the first update.
   */
  async figure(): Promise<Figure> {
    if (this.#history.length === 0) {
      throw new RangeError(`${FN}: figure() needs at least one update first`);
    }
    return await this.#render();
  }

  #progressLine(): string {
    const step = this.#lastStep;
    const latest = new Map<string, number>();
    for (const p of this.#history) {
      if (p.step === step) latest.set(p.series, p.loss);
    }
    const losses = [...latest].map(([name, v]) =>
      latest.size === 1 && name === "loss"
        ? `loss ${num(v)}`
        : `${name} ${num(v)}`
    ).join("  ");
    const of = this.#steps !== undefined ? `/${this.#steps}` : "";
    return `${this.#title}: step ${tickLabel(step)}${of}  ${losses}`;
  }

  async #draw(final = false): Promise<void> {
    const started = performance.now();
    this.#drawnStep = this.#lastStep;
    if (this.#output === "text") {
      const line = this.#progressLine();
      if (Deno.stdout.isTerminal()) {
        const pad = " ".repeat(Math.max(0, this.#line.length - line.length));
        await Deno.stdout.write(new TextEncoder().encode(`\r${line}${pad}`));
      } else {
        console.log(line);
      }
      this.#line = line;
    } else if (this.#output === "jupyter") {
      const figure = await this.#render();
      const bundle = {
        "text/html": figure.html,
        "image/svg+xml": figure.svg,
        "text/plain": figure.text,
      };
      await jupyterKernel()!.display(bundle, {
        raw: true,
        display_id: this.#id,
        update: this.#shown,
      });
      // The last drawing is what the notebook keeps: let the kernel publish
      // it before the cell can end (see SETTLE_MS).
      if (final) await settle(SETTLE_MS);
    }
    this.#shown = true;
    const took = performance.now() - started;
    this.#nextDraw = performance.now() + Math.max(this.#interval, 2 * took);
  }

  async #render(): Promise<Figure> {
    const width = this.#width;
    const step = this.#lastStep;
    const names = [...new Set(this.#history.map((p) => p.series))];
    const series = names.map((name) =>
      this.#history.filter((p) => p.series === name).map((p) => ({
        x: p.step,
        y: p.loss,
      }))
    );
    const finite = this.#history.map((p) => p.loss).filter(Number.isFinite);
    const log = finite.length > 0 && finite.every((v) => v > 0);
    let domain: [number, number];
    let axis: [number, number];
    let yScale: Plot.ScaleOptions;
    const inner = LOSS_HEIGHT - 52;
    if (log) {
      domain = logDomain(finite);
      axis = withLanes(domain, laneCounts(series, domain), inner);
      yScale = { ...sparseLogAxis(axis[0], axis[1]), label: "loss" };
    } else {
      const lo = finite.length ? Math.min(...finite) : 0;
      const hi = finite.length ? Math.max(...finite) : 1;
      const pad = hi > lo ? (hi - lo) * 0.05 : 0.5;
      domain = [lo - pad, hi + pad];
      const lanes = laneCounts(series, domain);
      const perPixel = (domain[1] - domain[0]) / Math.max(40, inner);
      axis = [
        domain[0],
        domain[1] + perPixel * (lanes.top ? 13 * lanes.top + 6 : 0),
      ];
      yScale = { domain: axis, label: "loss" };
    }
    const n = Math.max(...series.map((s) => s.length));
    const marks: Plot.Markish[] = [Plot.frame({ stroke: "#ddd" })];
    series.forEach((points, i) => {
      marks.push(
        ...seriesMarks(
          points.map((p) => ({
            x: p.x,
            y: placeOf(p.y, domain[0], domain[1]) === "in" ? p.y : null,
          })),
          i,
          { every: Math.max(1, Math.ceil(n / 12)), width: 1.6 },
        ),
      );
    });
    const edges = edgeMarks(series, domain, axis);
    marks.push(edges.marks);
    const steps = this.#history.map((p) => p.step);
    const x0 = Math.min(...steps);
    const x1 = Math.max(...steps);
    const lossSvg = plotSvg({
      width,
      height: LOSS_HEIGHT,
      marginLeft: 64,
      marginRight: 20,
      marginTop: 22,
      x: {
        label: "step",
        domain: x1 > x0 ? [x0, x1] : [x0 - 0.5, x0 + 0.5],
      },
      y: { ...yScale, grid: true },
      marks,
    });
    const latest = names.map((name) => {
      const v = this.#history.filter((p) => p.series === name).at(-1)!.loss;
      return names.length === 1 ? `loss ${num(v)}` : `${name} ${num(v)}`;
    });
    const subtitle = `step ${tickLabel(step)}${
      this.#steps !== undefined ? ` of ${this.#steps}` : ""
    } · ${latest.join(" · ")}`;
    const top = header(this.#title, subtitle, width);
    const legend = names.length > 1 || edges.glyphs.size > 0
      ? seriesLegend(
        names.length > 1 ? names : [],
        top.bottom,
        width,
        edgeLegend(edges.glyphs),
      )
      : { labels: [], bottom: top.bottom };
    const labels: Label[] = [...top.labels, ...legend.labels];
    const lossTop = legend.bottom + 4;
    const panels: Panel[] = [
      { svg: lossSvg, x: 0, y: lossTop, width, height: LOSS_HEIGHT },
    ];
    let height = lossTop + LOSS_HEIGHT;
    let htmlExtra: string | undefined;
    const text = [this.#title, subtitle];
    if (this.#net !== undefined) {
      const chosen = this.#chosen(this.#net);
      if (chosen.length > 0) {
        const items = await readItems(
          chosen.map((w) => ({ name: w.name, x: w.x })),
          FN,
        );
        const rows = rowsFigure(
          `Parameters at step ${tickLabel(step)}`,
          "histogram with the initializer's law (dashed once the weights leave it) | ESD with Marchenko–Pastur | singular values",
          items,
          { width },
        );
        panels.push({
          svg: rows.figure.svg,
          x: 0,
          y: height + 12,
          width: rows.figure.width,
          height: rows.figure.height,
        });
        height += 12 + rows.figure.height;
        htmlExtra = statsTable(rows.stats);
        text.push(rows.figure.text);
      }
    }
    this.#figure = new Figure({
      width,
      height,
      panels,
      labels,
      title: this.#title,
      text: text.join("\n"),
      htmlExtra,
    });
    return this.#figure;
  }

  #chosen(net: WeightCollection) {
    const all = namedWeights(net, FN);
    if (this.#parameters) {
      return this.#parameters.map((name) => {
        const found = all.find((w) => w.name === name);
        if (!found) {
          throw new RangeError(
            `${FN}: no parameter ${JSON.stringify(name)}; available: ${
              all.map((w) => w.name).join(", ")
            }`,
          );
        }
        return found;
      });
    }
    const matrices = all.filter((w) => w.x.shape.length >= 2);
    return matrices.length <= 2
      ? matrices
      : [matrices[0], matrices[matrices.length - 1]];
  }
}

/**
 * One display of a training run that redraws in place: the loss curves (on
 * a log axis when every loss is positive; Inf and NaN drawn as ∞ at the
 * top, not dropped) and, when `update` is given the network, the chosen
 * parameters' histograms (with their initializer's law), spectra against
 * Marchenko–Pastur and singular values: TensorBoard's histogram dashboard,
 * inline and live.
 *
 * In the Deno Jupyter kernel the first update displays the figure with a
 * display id and later ones replace it (`update_display_data`), so the
 * notebook keeps exactly one output, the last one drawn: call
 * `await live.finish()` after the loop (or pass `steps`) so that it is the
 * last step's. Each display is awaited, so it reaches the notebook before
 * the cell ends. Outside Jupyter it prints a progress line instead (and
 * draws nothing it does not need).
 *
 * @param options `title`, `parameters`, `interval` (1000 ms), `steps`, `width`, `output`.
 * @returns The live view: `update()`, `finish()`, `figure()`, `history`.
 * @throws {TypeError} For a misspelt option or bad parameter names.
 * @throws {RangeError} For a bad interval, steps, width or output.
 *
 * @example
 * ```ts
 * import { Dense, liveTraining, Sequential, tf } from "../mod.ts";
 * import { assertEquals } from "@std/assert";
 *
 * const net = new Sequential([new Dense(16, { activation: "tanh" }), new Dense(1)], {
 *   inputShape: [8],
 * });
 * const x = tf.randomNormal([64, 8], 0, 1, "float32", 0);
 * const y = tf.randomNormal([64, 1], 0, 1, "float32", 1);
 * const optimizer = tf.train.adam(0.01);
 * const live = liveTraining({ title: "a small regression", steps: 20, output: "none" });
 * for (let step = 0; step < 20; step++) {
 *   const loss = optimizer.minimize(
 *     () => tf.losses.meanSquaredError(y, net.call(x)) as tf.Scalar,
 *     true,
 *     net.trainableVariables(),
 *   )!;
 *   await live.update({ step, loss, net }); // in a notebook: one figure, redrawn
 *   loss.dispose();
 * }
 * await live.finish();
 * assertEquals(live.history.length, 20);
 * const fig = await live.figure(); // the last step's figure, e.g. to save()
 * assertEquals(fig.text.split("\n")[1].startsWith("step 19 of 20"), true);
 * tf.dispose([x, y]);
 * optimizer.dispose();
 * net.dispose();
 * ```
 */
export function liveTraining(options: LiveTrainingOptions = {}): LiveTraining {
  return new LiveTraining(options);
}
