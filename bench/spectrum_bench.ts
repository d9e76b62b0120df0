/**
 * `analyzeSpectrum` against `singularValuesSync` alone, on the same matrices in
 * the same run: what the analysis adds to the SVD (entry scans, the bulk
 * fit, the spike test, the pruned power-law search, and a second SVD when
 * the rows or columns are unequal and a tail appears). Also a
 * 10⁵-eigenvalue power-law fit (quadratic before: 84 s), and the
 * calibration table (false alarms and recall) that bench/RESULTS.md quotes.
 *
 * Target (the issue): at 2048×2048, at most 1.3× `singularValuesSync` alone.
 *
 * @module
 */
import { measure, printTable, type Row } from "./_harness.ts";
import { singularValuesSync } from "../lib/linalg/singular_values.ts";
import {
  type AnalyzeSpectrumOptions,
  analyzeSpectrumSync,
} from "../lib/stats/analyze_spectrum.ts";
import { fitPowerLaw } from "../lib/stats/power_law.ts";
import {
  type Noise,
  noise,
  onGrid,
  plant,
  rankR,
  ROUNDINGS,
} from "../tests/stats/_spectra.ts";

/** Runs the benchmark. */
export async function run(): Promise<void> {
  const rows: Row[] = [];
  for (
    const [n, kind] of [[1024, "gauss"], [2048, "gauss"], [1024, "rows"]] as [
      number,
      Noise,
    ][]
  ) {
    const values = Float32Array.from(noise(n, n, kind, n));
    const x = { values, shape: [n, n] };
    const runs = n >= 2048 ? 3 : 5;
    rows.push({
      case: `${n}×${n} ${kind}`,
      timings: {
        analyzeSpectrum: await measure(() => analyzeSpectrumSync(x), { runs }),
        singularValuesSync: await measure(() => singularValuesSync(x), {
          runs,
        }),
      },
    });
  }
  printTable(
    "Spectrum analysis vs singular values alone (median ms)",
    "analyzeSpectrum",
    rows,
  );
  const eig = Float64Array.from(
    { length: 100000 },
    (_, i) => (1 - (i + 0.5) / 100000) ** -0.5,
  );
  const t = await measure(() => fitPowerLaw(eig), { runs: 3 });
  const w = await measure(
    () => fitPowerLaw(eig, { method: "weightwatcher" }),
    { runs: 3 },
  );
  console.log(
    `\nfitPowerLaw on 10⁵ eigenvalues: default ${
      t.median.toFixed(0)
    } ms, weightwatcher ${w.median.toFixed(0)} ms`,
  );
  const which = Deno.env.get("SPECTRUM_CALIBRATION");
  if (which !== "1" && which !== "spikes" && which !== "rank") {
    console.log(
      "(SPECTRUM_CALIBRATION=1 adds the calibration tables; =spikes or =rank only those)",
    );
    return;
  }
  if (which !== "rank") spikeCalibration();
  if (which !== "spikes") rankCalibration();
}

/** False spikes on pure noise, and the recall of planted spikes. */
function spikeCalibration(): void {
  console.log(
    "\nCalibration: matrices with ≥ 1 spike (false alarms), pure noise",
  );
  for (const kind of ["gauss", "uniform", "rows", "rowcol"] as Noise[]) {
    for (const [r, c] of [[200, 100], [300, 300], [400, 200], [150, 450]]) {
      let alarms = 0;
      const trials = 250;
      for (let s = 0; s < trials; s++) {
        const a = analyzeSpectrumSync({
          values: noise(r, c, kind, 7919 * s + r + c),
          shape: [r, c],
        });
        if (a.spikes > 0) alarms++;
      }
      console.log(`| ${kind} | ${r}×${c} | ${alarms}/${trials} |`);
    }
  }
  console.log(
    "\nRecall: exactly k spikes, 1000×500, planted at strength × BBP",
  );
  for (const kind of ["gauss", "rows"] as Noise[]) {
    for (const strength of [1.5, 2, 3]) {
      const cells: string[] = [];
      for (let k = 1; k <= 10; k++) {
        let exact = 0;
        const trials = 10;
        for (let s = 0; s < trials; s++) {
          const x = plant(
            noise(1000, 500, kind, 31 * s + k),
            1000,
            500,
            k,
            strength,
            1,
            s + 100 * k,
          );
          if (
            analyzeSpectrumSync({ values: x, shape: [1000, 500] }).spikes === k
          ) exact++;
        }
        cells.push(`${exact}/${trials}`);
      }
      console.log(`| ${kind} | ${strength} | ${cells.join(" | ")} |`);
    }
  }
}

/** What analysing `trials` random matrices of one kind says about their rank. */
interface NullRow {
  /** Called low-rank with a bulk fitted (false alarms). */
  alarms: number;
  /** Called low-rank with no bulk to compare with (rank < 8). */
  unfitted: number;
  /** Rank below min(N, M) at all. */
  deficient: number;
  /** The least and largest deficiency − expectedBelowTolerance. */
  lo: number;
  hi: number;
}

/** Analyses `trials` matrices [r, c]: `draw(s)` gives one's stored values and its options. */
function nullRow(
  trials: number,
  [r, c]: number[],
  draw: (
    s: number,
  ) => { values: Float32Array; options: AnalyzeSpectrumOptions },
): NullRow {
  const row = {
    alarms: 0,
    unfitted: 0,
    deficient: 0,
    lo: Infinity,
    hi: -Infinity,
  };
  for (let s = 0; s < trials; s++) {
    const { values, options } = draw(s);
    const a = analyzeSpectrumSync({ values, shape: [r, c] }, options);
    const fitted = a.expectedBelowTolerance !== null;
    if (a.lowRank && fitted) row.alarms++;
    if (a.lowRank && !fitted) row.unfitted++;
    if (a.rank < Math.min(r, c)) row.deficient++;
    if (fitted) {
      const excess = Math.min(r, c) - a.rank - a.expectedBelowTolerance!;
      [row.lo, row.hi] = [Math.min(row.lo, excess), Math.max(row.hi, excess)];
    }
  }
  return row;
}

/** `lo … hi` to one decimal. */
function span(row: NullRow): string {
  return `${row.lo.toFixed(1)} … ${row.hi.toFixed(1)}`;
}

/** False "low-rank" on quantised random matrices, and the recall of rank deficiencies. */
function rankCalibration(): void {
  console.log(
    "\nQuantised random matrices (quantizationStep given): low-rank false alarms, and the rank deficiency against the expected count E",
  );
  console.log(
    "| entries | shape | grid levels | low-rank, bulk fitted | low-rank, rank < 8 (no bulk) | deficiency − E (min … max) |",
  );
  for (const kind of ["gauss", "uniform", "t3"] as Noise[]) {
    for (const [r, c] of [[128, 128], [256, 256], [256, 224], [300, 256]]) {
      for (const levels of [255, 31]) {
        const trials = 100;
        const row = nullRow(trials, [r, c], (s) => {
          const { stored, step } = onGrid(
            noise(r, c, kind, 104_729 * s + 7 * r + c + levels),
            levels,
          );
          return { values: stored, options: { quantizationStep: step } };
        });
        console.log(
          `| ${kind} | ${r}×${c} | ${levels} | ${row.alarms}/${trials} | ${row.unfitted}/${trials} | ${
            span(row)
          } |`,
        );
      }
    }
  }
  console.log(
    "\nRandom matrices stored in half precision or 8-bit floats (storedDtype given): low-rank false alarms",
  );
  console.log(
    "| entries | shape | format | low-rank | rank below min(N, M) | deficiency − E (min … max) |",
  );
  for (const kind of ["gauss", "t3"] as Noise[]) {
    for (const [r, c] of [[128, 128], [256, 256], [300, 256]]) {
      for (const [format, round] of ROUNDINGS) {
        const trials = 50;
        const row = nullRow(trials, [r, c], (s) => ({
          values: Float32Array.from(
            noise(r, c, kind, 15_485_863 * s + 7 * r + c),
            round,
          ),
          options: { storedDtype: format },
        }));
        console.log(
          `| ${kind} | ${r}×${c} | ${format} | ${
            row.alarms + row.unfitted
          }/${trials} | ${row.deficient}/${trials} | ${span(row)} |`,
        );
      }
    }
  }
  console.log(
    "\nRecall: rank min − k on a uint8 grid (255 levels), called low-rank",
  );
  for (const [r, c] of [[256, 256], [512, 256]]) {
    const cells: string[] = [];
    for (const k of [2, 5, 10, 20, 40]) {
      let found = 0;
      const trials = 20;
      for (let s = 0; s < trials; s++) {
        const { stored, step } = onGrid(rankR(r, c, c - k, 7 * s + k), 255);
        const a = analyzeSpectrumSync({ values: stored, shape: [r, c] }, {
          quantizationStep: step,
        });
        if (a.lowRank) found++;
      }
      cells.push(`k=${k}: ${found}/${trials}`);
    }
    console.log(`| ${r}×${c} | ${cells.join(" | ")} |`);
  }
}

if (import.meta.main) await run();
