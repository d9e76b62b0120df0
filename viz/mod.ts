/**
 * Figures: histograms and spectra with their theory, whole modules, training
 * snapshots, initializer comparisons, NCP wiring, and plain Plot figures. The
 * `./viz` export.
 *
 * @module
 */
export { Figure, type FigureSpec, type Label, type Panel } from "./figure.ts";
export { display, type DisplayOptions } from "./display.ts";
export {
  type HistogramCompare,
  plotHistogram,
  type PlotHistogramOptions,
} from "./histogram.ts";
export {
  Plot,
  plotFigure,
  type PlotFigureOptions,
  type PlotOptions,
} from "./plot.ts";
export { plotWiring, type PlotWiringOptions } from "./wiring.ts";
export { plotSpectrum, type PlotSpectrumOptions } from "./spectrum.ts";
export { plotModule, type PlotModuleOptions } from "./module.ts";
export { compareInitializers, type CompareOptions } from "./compare.ts";
export {
  plotWeightRow,
  type PlotWeightRowOptions,
  type RowStats,
} from "./weight_row.ts";
export {
  plotTraining,
  type PlotTrainingOptions,
  snapshotWeights,
  type TrainingSnapshot,
} from "./training.ts";
export { plotPropagation, type PlotPropagationOptions } from "./propagation.ts";
export {
  plotJacobianSpectrum,
  type PlotJacobianSpectrumOptions,
} from "./jacobian.ts";
export { Table, table, type TableOptions } from "./table.ts";
export type { TableColumn } from "../lib/text.ts";
export {
  type VarianceRow,
  VarianceTable,
  varianceTable,
  type VarianceTableOptions,
} from "./variance_table.ts";
export {
  type LiveOutput,
  LiveTraining,
  liveTraining,
  type LiveTrainingOptions,
  type LiveUpdate,
  type LossPoint,
  type LossValue,
} from "./live.ts";
