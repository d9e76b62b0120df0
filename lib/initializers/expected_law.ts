/**
 * The law an initializer draws from for a shape, worked out without drawing:
 * the name or config is resolved as `getInitializer` resolves it, the
 * options are checked by the initializers' own checks (`prepare`, `check*`),
 * and the density is computed as each initializer computes its record's
 * (fans by `computeFans`, the truncated normal's std correction, the
 * orthogonal dimension, the sparse zero count). A test compares it with
 * `initRecordOf` of a real draw for every initializer. An internal module
 * (not exported from `mod.ts`): `assertFollowsInit` in `lib/testing` tests
 * draws against it.
 *
 * @module
 */
import {
  centreOffset,
  deltaOrthogonalOptions,
  diracOptions,
  identityOptions,
  sparseOptions,
} from "./structured.ts";
import {
  type Density,
  type InitDType,
  prepare,
  type Prepared,
} from "./_core.ts";
import { constantValue } from "./constant.ts";
import { normalOptions, truncatedOptions, uniformOptions } from "./random.ts";
import { orthogonalOptions } from "./orthogonal.ts";
import { binomialOptions } from "./binomial.ts";
import { type InitializerConfig, parseInitializerConfig } from "./registry.ts";
import { varianceScalingPlan } from "./variance_scaling.ts";

/** What the values of a draw must be. */
export type Plan =
  | {
    /** Deterministic: value i must be `value(i)` exactly. */
    kind: "exact";
    value: (i: number) => number;
  }
  | {
    /** Every value is `low` or `high`, independently `high` with probability `p`. */
    kind: "twoPoint";
    low: number;
    high: number;
    p: number;
  }
  | {
    /** Independent draws from the density's continuous law, except exactly `zeros` values that are 0 (sparse). */
    kind: "continuous";
    zeros: number;
  };

/** The law of an initializer for a shape. */
export interface ExpectedLaw {
  /** The canonical initializer name. */
  name: string;
  /** The shape. */
  shape: number[];
  /** The element type it would produce. */
  dtype: InitDType;
  /** The density its record would carry. */
  density: Density;
  /** How to check values against it. */
  plan: Plan;
  /**
   * When only `values[offset, offset + length)` are drawn (delta-orthogonal's
   * centre tap) and the rest are exactly 0; the plan is for the block.
   */
  block: { offset: number; length: number } | null;
}

const ALL_DTYPES: readonly InitDType[] = ["float32", "int32", "bool"];

/** A value as a tensor of `dtype` stores it. */
function stored(value: number, dtype: InitDType): number {
  return dtype === "float32"
    ? Math.fround(value)
    : dtype === "bool"
    ? (value !== 0 ? 1 : 0)
    : value;
}

function law(
  p: Prepared,
  density: Density,
  name: string,
  plan: Plan,
  block: { offset: number; length: number } | null = null,
): ExpectedLaw {
  return { name, shape: p.shape, dtype: p.dtype, density, plan, block };
}

function continuous(
  p: Prepared,
  density: Density,
  name: string,
  zeros = 0,
): ExpectedLaw {
  return law(p, density, name, { kind: "continuous", zeros });
}

function exact(
  p: Prepared,
  density: Density,
  name: string,
  value: (i: number) => number,
): ExpectedLaw {
  return law(p, density, name, { kind: "exact", value });
}

/** The law of the values for a continuous density, or the constant it degenerates to. */
function randomLaw(p: Prepared, density: Density, name: string): ExpectedLaw {
  const degenerate = density.kind === "uniform"
    ? density.low === density.high
    : (density.kind === "normal" || density.kind === "truncatedNormal")
    ? density.std === 0
    : false;
  if (!degenerate) return continuous(p, density, name);
  const value = density.kind === "uniform" ? density.low : (
    density as { mean: number }
  ).mean;
  const v = stored(value, p.dtype);
  return exact(p, density, name, () => v);
}

function varianceScaled(
  name: string,
  shape: readonly number[],
  options: Record<string, unknown>,
): ExpectedLaw {
  const { prepared, density } = varianceScalingPlan(name, shape, options);
  return randomLaw(prepared, density, name);
}

function orthogonalLaw(
  name: string,
  shape: readonly number[],
  options: Record<string, unknown>,
): ExpectedLaw {
  const { prepared, options: o } = prepare(name, shape, options, ["gain"]);
  const p = prepared;
  if (name === "orthogonal") {
    const { gain } = orthogonalOptions(p, o);
    const cols = p.shape[p.shape.length - 1];
    const rows = cols === 0 ? 0 : p.size / cols;
    const dim = Math.max(rows, cols, 1);
    return orthogonalValues(p, { kind: "orthogonal", dim, gain }, name, null);
  }
  const { gain } = deltaOrthogonalOptions(p, o);
  const [inC, outC] = p.shape.slice(-2);
  const block = p.size > 0
    ? { offset: centreOffset(p.shape), length: inC * outC }
    : null;
  return orthogonalValues(
    p,
    { kind: "orthogonal", dim: Math.max(outC, 1), gain },
    name,
    block,
  );
}

/** Orthogonal entries: continuous, or ±gain for dimension 1, or 0 for gain 0. */
function orthogonalValues(
  p: Prepared,
  density: Density & { kind: "orthogonal" },
  name: string,
  block: { offset: number; length: number } | null,
): ExpectedLaw {
  if (density.gain === 0) return exact(p, density, name, () => 0);
  const g = Math.fround(density.gain);
  const plan: Plan = density.dim === 1
    ? { kind: "twoPoint", low: -g, high: g, p: 0.5 }
    : { kind: "continuous", zeros: 0 };
  return law(p, density, name, plan, block);
}

/**
 * The law `getInitializer(nameOrConfig)(shape)` draws from, resolved and
 * validated as the initializer would, without drawing.
 *
 * @throws {RangeError} For an unknown name or a bad option or shape;
 * {TypeError} for an unknown option or a config that is not one.
 */
export function expectedLaw(
  nameOrConfig: string | InitializerConfig,
  shape: readonly number[],
  fn: string,
): ExpectedLaw {
  const { name, options } = parseInitializerConfig(nameOrConfig, fn);
  switch (name) {
    case "zeros":
    case "ones":
    case "constant": {
      const keys = name === "constant" ? ["value"] : [];
      const { prepared: p, options: o } = prepare(
        name,
        shape,
        options,
        keys,
        ALL_DTYPES,
      );
      const v = constantValue(
        p,
        name === "zeros" ? 0 : name === "ones" ? 1 : o.value,
      );
      const value = stored(v, p.dtype);
      return exact(
        p,
        {
          kind: "constant",
          value: p.dtype === "float32" ? Math.fround(v) : v,
        },
        name,
        () => value,
      );
    }
    case "randomUniform": {
      const { prepared: p, options: o } = prepare(name, shape, options, [
        "minval",
        "maxval",
      ]);
      const { minval: low, maxval: high } = uniformOptions(p, o);
      return randomLaw(p, { kind: "uniform", low, high }, name);
    }
    case "randomNormal": {
      const { prepared: p, options: o } = prepare(name, shape, options, [
        "mean",
        "stddev",
      ]);
      const { mean, stddev: std } = normalOptions(p, o);
      return randomLaw(p, { kind: "normal", mean, std }, name);
    }
    case "truncatedNormal": {
      const { prepared: p, options: o } = prepare(name, shape, options, [
        "mean",
        "stddev",
        "lower",
        "upper",
      ]);
      const { mean, stddev: std, lower, upper } = truncatedOptions(p, o);
      return randomLaw(p, {
        kind: "truncatedNormal",
        mean,
        std,
        low: mean + std * lower,
        high: mean + std * upper,
      }, name);
    }
    case "varianceScaling":
    case "glorotUniform":
    case "glorotNormal":
    case "heUniform":
    case "heNormal":
    case "lecunUniform":
    case "lecunNormal":
      return varianceScaled(name, shape, options);
    case "orthogonal":
    case "deltaOrthogonal":
      return orthogonalLaw(name, shape, options);
    case "identity": {
      const { prepared: p, options: o } = prepare(name, shape, options, [
        "gain",
      ]);
      const { gain } = identityOptions(p, o);
      const [rows, cols] = p.shape;
      const n = Math.min(rows, cols);
      const g = Math.fround(gain);
      return exact(
        p,
        { kind: "pointMass", gain, ones: n, size: p.size },
        name,
        (i) => (i % cols === Math.floor(i / cols) ? g : 0),
      );
    }
    case "dirac": {
      const { prepared: p, options: o } = prepare(name, shape, options, [
        "groups",
        "gain",
      ]);
      const { groups, gain } = diracOptions(p, o);
      const [inC, outC] = p.shape.slice(-2);
      const perGroup = outC / groups;
      const base = centreOffset(p.shape);
      const n = Math.min(perGroup, inC);
      const g = Math.fround(gain);
      // Within the centre tap, [d, g·perGroup + d] for d < n holds the gain.
      const value = (i: number) => {
        const r = i - base;
        if (r < 0 || r >= inC * outC) return 0;
        const d = Math.floor(r / outC);
        const c = r % outC;
        return d < n && c % perGroup === d ? g : 0;
      };
      return exact(
        p,
        {
          kind: "pointMass",
          gain,
          ones: p.size > 0 ? groups * n : 0,
          size: p.size,
        },
        name,
        value,
      );
    }
    case "sparse": {
      const { prepared: p, options: o } = prepare(name, shape, options, [
        "sparsity",
        "stddev",
      ]);
      const { sparsity, stddev: std } = sparseOptions(p, o);
      const [rows, cols] = p.shape;
      const numZeros = Math.ceil(sparsity * rows);
      const density: Density = {
        kind: "sparse",
        zeros: rows > 0 ? numZeros / rows : 0,
        std,
      };
      if (std === 0 || numZeros === rows) {
        return exact(p, density, name, () => 0);
      }
      return continuous(p, density, name, numZeros * cols);
    }
    case "binomial": {
      const { prepared: p, options: o } = prepare(
        name,
        shape,
        options,
        ["probability"],
        ALL_DTYPES,
      );
      const { probability: prob } = binomialOptions(p, o);
      const density: Density = { kind: "bernoulli", p: prob };
      if (prob === 0 || prob === 1) return exact(p, density, name, () => prob);
      return law(p, density, name, {
        kind: "twoPoint",
        low: 0,
        high: 1,
        p: prob,
      });
    }
  }
  throw new RangeError(
    `${fn}: no law is known for the initializer ${JSON.stringify(name)}`,
  );
}
