/**
 * The laws the initializers draw from, as densities, atoms and moments, for
 * plotting expected histograms beside measured ones.
 *
 * @module
 */
import type { Density } from "./density.ts";
import { lowerTail, normalPdf, upperTail } from "../_normal.ts";

/** A distribution: a continuous part (density `pdf` with total mass `continuous`) plus atoms. */
export interface Law {
  /** A short description, e.g. `"N(0, 0.05²)"`. */
  label: string;
  /** Mean. */
  mean: number;
  /** Standard deviation. */
  std: number;
  /** Where the mass lies (finite bounds for plotting). */
  support: [number, number];
  /** The density of the continuous part (integrating to `continuous`), or `null`. */
  pdf: ((x: number) => number) | null;
  /** Mass of the continuous part, in [0, 1]. */
  continuous: number;
  /** Point masses. */
  atoms: { x: number; p: number }[];
}

/** ln Γ(x) for x > 0 (Lanczos, g = 7, n = 9; relative error ~1e-15). */
export function logGamma(x: number): number {
  const c = [
    0.99999999999980993,
    676.5203681218851,
    -1259.1392167224028,
    771.32342877765313,
    -176.61502916214059,
    12.507343278686905,
    -0.13857109526572012,
    9.9843695780195716e-6,
    1.5056327351493116e-7,
  ];
  if (x < 0.5) {
    return Math.log(Math.PI / Math.abs(Math.sin(Math.PI * x))) -
      logGamma(1 - x);
  }
  const z = x - 1;
  let a = c[0];
  const t = z + 7.5;
  for (let i = 1; i < 9; i++) a += c[i] / (z + i);
  return 0.5 * Math.log(2 * Math.PI) + (z + 0.5) * Math.log(t) - t +
    Math.log(a);
}

/** P(a < Z < b) for a standard normal Z, without cancellation in the tails. */
function normalMass(a: number, b: number): number {
  if (a >= 0) return upperTail(a) - upperTail(b);
  if (b <= 0) return lowerTail(b) - lowerTail(a);
  return 1 - lowerTail(a) - upperTail(b);
}

const fmt = (x: number) => +x.toPrecision(3);

/**
 * The law an initializer's record describes.
 *
 * @param density From `initRecordOf(tensor).density`.
 * @returns Density, atoms, mean and standard deviation.
 *
 * @example
 * ```ts
 * import { lawOf } from "../../mod.ts";
 * import { assertAlmostEquals } from "@std/assert";
 *
 * const law = lawOf({ kind: "uniform", low: -1, high: 1 });
 * assertAlmostEquals(law.std, 1 / Math.sqrt(3));
 * assertAlmostEquals(law.pdf!(0), 0.5);
 * ```
 */
export function lawOf(density: Density): Law {
  switch (density.kind) {
    case "constant":
      return atomic(`constant ${fmt(density.value)}`, [{
        x: density.value,
        p: 1,
      }]);
    case "bernoulli":
      return atomic(`Bernoulli(${fmt(density.p)})`, [
        { x: 0, p: 1 - density.p },
        { x: 1, p: density.p },
      ]);
    case "pointMass": {
      const p = density.size > 0 ? density.ones / density.size : 0;
      return atomic(`${density.ones} × ${fmt(density.gain)}, rest 0`, [
        { x: 0, p: 1 - p },
        { x: density.gain, p },
      ]);
    }
    case "uniform": {
      const { low, high } = density;
      if (high === low) {
        return atomic(`constant ${fmt(low)}`, [{ x: low, p: 1 }]);
      }
      return {
        label: `U(${fmt(low)}, ${fmt(high)})`,
        mean: (low + high) / 2,
        std: (high - low) / Math.sqrt(12),
        support: [low, high],
        pdf: (x) => (x >= low && x <= high ? 1 / (high - low) : 0),
        continuous: 1,
        atoms: [],
      };
    }
    case "normal": {
      const { mean, std } = density;
      if (std === 0) {
        return atomic(`constant ${fmt(mean)}`, [{ x: mean, p: 1 }]);
      }
      return {
        label: `N(${fmt(mean)}, ${fmt(std)}²)`,
        mean,
        std,
        support: [mean - 5 * std, mean + 5 * std],
        pdf: (x) => normalPdf((x - mean) / std) / std,
        continuous: 1,
        atoms: [],
      };
    }
    case "truncatedNormal": {
      const { mean, std, low, high } = density;
      if (std === 0) {
        return atomic(`constant ${fmt(mean)}`, [{ x: mean, p: 1 }]);
      }
      const a = (low - mean) / std;
      const b = (high - mean) / std;
      const z = normalMass(a, b);
      const pa = Number.isFinite(a) ? normalPdf(a) : 0;
      const pb = Number.isFinite(b) ? normalPdf(b) : 0;
      const ta = Number.isFinite(a) ? a * pa : 0;
      const tb = Number.isFinite(b) ? b * pb : 0;
      const shift = (pa - pb) / z;
      const variance = std * std * (1 + (ta - tb) / z - shift * shift);
      return {
        label: `N(${fmt(mean)}, ${fmt(std)}²) on [${fmt(low)}, ${fmt(high)}]`,
        mean: mean + std * shift,
        std: Math.sqrt(Math.max(variance, 0)),
        support: [
          Number.isFinite(low) ? low : mean - 5 * std,
          Number.isFinite(high) ? high : mean + 5 * std,
        ],
        pdf: (
          x,
        ) => (x >= low && x <= high
          ? normalPdf((x - mean) / std) / (std * z)
          : 0),
        continuous: 1,
        atoms: [],
      };
    }
    case "orthogonal": {
      const { dim: d, gain: g } = density;
      if (g === 0) return atomic("constant 0", [{ x: 0, p: 1 }]);
      if (d === 1) {
        return atomic(`±${fmt(g)}`, [{ x: -g, p: 0.5 }, { x: g, p: 0.5 }]);
      }
      // A coordinate of a uniform unit vector in R^d: c·(1 − t²)^((d−3)/2) on [−1, 1].
      const logC = logGamma(d / 2) - 0.5 * Math.log(Math.PI) -
        logGamma((d - 1) / 2);
      return {
        label: `orthogonal entries (d = ${d}${
          g === 1 ? "" : `, gain ${fmt(g)}`
        })`,
        mean: 0,
        std: g / Math.sqrt(d),
        support: [-g, g],
        pdf: (x) => {
          const t = x / g;
          if (!(t > -1 && t < 1)) return 0;
          return Math.exp(logC + ((d - 3) / 2) * Math.log1p(-t * t)) / g;
        },
        continuous: 1,
        atoms: [],
      };
    }
    case "sparse": {
      const { zeros, std } = density;
      if (std === 0) return atomic("constant 0", [{ x: 0, p: 1 }]);
      return {
        label: `${fmt(zeros * 100)}% zeros, rest N(0, ${fmt(std)}²)`,
        mean: 0,
        std: std * Math.sqrt(1 - zeros),
        support: [-5 * std, 5 * std],
        pdf: (x) => ((1 - zeros) * normalPdf(x / std)) / std,
        continuous: 1 - zeros,
        atoms: zeros > 0 ? [{ x: 0, p: zeros }] : [],
      };
    }
  }
}

function atomic(label: string, atoms: { x: number; p: number }[]): Law {
  const kept = atoms.filter((a) => a.p > 0);
  const mean = kept.reduce((s, a) => s + a.p * a.x, 0);
  const variance = kept.reduce((s, a) => s + a.p * (a.x - mean) ** 2, 0);
  const xs = kept.map((a) => a.x);
  return {
    label,
    mean,
    std: Math.sqrt(variance),
    support: [Math.min(...xs), Math.max(...xs)],
    pdf: null,
    continuous: 0,
    atoms: kept,
  };
}
