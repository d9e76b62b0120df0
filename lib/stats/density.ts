/**
 * `Density`: the law an initializer draws each value from, as plain data.
 * It lives with the statistics (the laws, their CDFs), below the
 * initializers that record it.
 *
 * @module
 */

/** The law the values were drawn from, for plots of the expected density. */
export type Density =
  | { kind: "constant"; value: number }
  | { kind: "uniform"; low: number; high: number }
  | { kind: "normal"; mean: number; std: number }
  | {
    kind: "truncatedNormal";
    mean: number;
    /** The standard deviation of the normal before truncation. */
    std: number;
    /** Absolute bounds. */
    low: number;
    high: number;
  }
  | { kind: "bernoulli"; p: number }
  | {
    /** Entries of a Haar (semi-)orthogonal matrix times `gain`: each is `gain` times a coordinate of a uniform unit vector in R^dim. */
    kind: "orthogonal";
    dim: number;
    gain: number;
  }
  | {
    /** A fraction `zeros` of exact zeros, the rest N(0, std²). */
    kind: "sparse";
    zeros: number;
    std: number;
  }
  | {
    /** Values `gain` at `ones` positions out of `size`, zero elsewhere. */
    kind: "pointMass";
    gain: number;
    ones: number;
    size: number;
  };
