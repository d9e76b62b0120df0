/**
 * `plotWiring`: the adjacency heatmap of an NCP neuron map.
 *
 * @module
 */
import * as Plot from "@observablehq/plot";
import { Figure, type Label } from "./figure.ts";
import { COLORS, plotSvg } from "./_common.ts";
import { NeuronMap } from "../lib/nn/ncp/neuron_maps.ts";
import { checkOptions, typeError } from "../lib/validate.ts";

/** Options for {@linkcode plotWiring}. */
export interface PlotWiringOptions {
  /** Title. Default: the map's class and size. */
  title?: string;
  /** Pixels per cell. Default: what fits 560 pixels, between 4 and 24. */
  cell?: number;
}

/**
 * The wiring of a neuron map as a heatmap: one row per source (the sensory
 * inputs first, if the map is built, then the neurons), one column per target
 * neuron; blue for excitatory (+1), red for inhibitory (−1), grey for none.
 * The neuron groups (inter, command, motor) are labelled and separated.
 *
 * @param map A neuron map (`NCPMap`, `AutoNCP`, `FullyConnectedMap`, `RandomMap`).
 * @param options `title`, `cell`.
 * @returns A Figure.
 *
 * @example
 * ```ts
 * import { AutoNCP, plotWiring } from "../mod.ts";
 * import { assert } from "@std/assert";
 *
 * const map = new AutoNCP(16, 2, { seed: 1 });
 * map.build(4);
 * const fig = plotWiring(map);
 * assert(fig.text.includes(`${map.synapseCount} synapses`));
 * ```
 */
export function plotWiring(
  map: NeuronMap,
  options: PlotWiringOptions = {},
): Figure {
  checkOptions("plotWiring", options, ["title", "cell"]);
  if (!(map instanceof NeuronMap)) {
    throw typeError("plotWiring", "map", "a NeuronMap", map);
  }
  const units = map.units;
  const inputs = map.inputDim ?? 0;
  const sources = inputs + units;
  const cell = options.cell ??
    Math.max(4, Math.min(24, Math.floor(560 / Math.max(units, sources))));
  const cells: { source: number; target: number; w: number }[] = [];
  for (let s = 0; s < inputs; s++) {
    for (let j = 0; j < units; j++) {
      cells.push({
        source: s,
        target: j,
        w: map.sensoryAdjacencyMatrix![s * units + j],
      });
    }
  }
  for (let i = 0; i < units; i++) {
    for (let j = 0; j < units; j++) {
      cells.push({
        source: inputs + i,
        target: j,
        w: map.adjacencyMatrix[i * units + j],
      });
    }
  }
  const groups = map.groups();
  const marginLeft = 84;
  const marginTop = 40;
  const plotWidth = marginLeft + units * cell + 10;
  const plotHeight = marginTop + sources * cell + 10;
  const fill = (
    w: number,
  ) => (w > 0 ? COLORS.positive : w < 0 ? COLORS.negative : COLORS.none);
  const boundaries = groups.slice(1).map((g) => g.start - 0.5);
  const svg = plotSvg({
    width: plotWidth,
    height: plotHeight,
    marginLeft,
    marginTop,
    marginRight: 10,
    marginBottom: 10,
    x: { domain: [-0.5, units - 0.5], axis: null },
    y: { domain: [-0.5, sources - 0.5], axis: null, reverse: true },
    marks: [
      Plot.rect(cells, {
        x1: (d) => d.target - 0.5,
        x2: (d) => d.target + 0.5,
        y1: (d) => d.source - 0.5,
        y2: (d) => d.source + 0.5,
        fill: (d) => fill(d.w),
        inset: cell > 6 ? 0.5 : 0,
      }),
      Plot.ruleX(boundaries, { stroke: "#333", strokeWidth: 1 }),
      Plot.ruleY([
        ...boundaries.map((b) => b + inputs),
        ...(inputs ? [inputs - 0.5] : []),
      ], {
        stroke: "#333",
        strokeWidth: 1,
      }),
      // Group names along the top (targets) and the left (sources).
      Plot.text(groups, {
        x: (g) => (g.start + g.end - 1) / 2,
        y: -0.5,
        text: "name",
        dy: -12,
        fontSize: 11,
      }),
      Plot.text([
        ...(inputs ? [{ name: "sensory", start: -inputs, end: 0 }] : []),
        ...groups,
      ], {
        x: -0.5,
        y: (g) => inputs + (g.start + g.end - 1) / 2,
        text: "name",
        textAnchor: "end",
        dx: -6,
        fontSize: 11,
      }),
    ],
  });
  const title = options.title ??
    `${map.constructor.name} wiring: ${units} neurons${
      inputs ? `, ${inputs} input${inputs === 1 ? "" : "s"}` : ""
    }`;
  const summary = `${map.synapseCount} synapses between neurons` +
    (inputs
      ? `, ${map.sensorySynapseCount} from inputs`
      : " (inputs not wired yet: call build)");
  const groupLine = `groups: ${
    groups.map((g) => `${g.name} ${g.end - g.start}`).join(", ")
  }`;
  const labels: Label[] = [
    { text: title, x: 8, y: 18, size: 14, weight: "bold" },
    { text: summary, x: 8, y: 36, size: 11, color: COLORS.muted },
    { text: groupLine, x: 8, y: 52, size: 11, color: COLORS.muted },
    {
      text: "■ excitatory (+1)",
      x: 8,
      y: 68,
      size: 11,
      color: COLORS.positive,
    },
    {
      text: "■ inhibitory (−1)",
      x: 130,
      y: 68,
      size: 11,
      color: COLORS.negative,
    },
    {
      text: "rows: from · columns: to",
      x: 250,
      y: 68,
      size: 11,
      color: COLORS.muted,
    },
  ];
  const top = 76;
  // Wide enough for the longest line (DejaVu Sans: under 7 px a character at 11 px).
  const longest = Math.max(summary.length, groupLine.length);
  return new Figure({
    width: Math.max(plotWidth, 420, Math.ceil(7 * longest) + 16),
    height: top + plotHeight,
    panels: [{ svg, x: 0, y: top, width: plotWidth, height: plotHeight }],
    labels,
    title,
    text: `${title}\n${summary}\n${groupLine}`,
  });
}
