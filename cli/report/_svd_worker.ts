/**
 * A worker of the report's pool: singular values of the matrices it is sent
 * (pure numerics on typed arrays: no tfjs is loaded here).
 *
 * @module
 */
import { singularValuesSync } from "../../lib/linalg/singular_values.ts";

interface Job {
  id: number;
  values: Float32Array | Float64Array;
  rows: number;
  cols: number;
  /** Whether the factorisation may start threads of its own. */
  threads: boolean;
}

const scope = self as unknown as {
  onmessage: ((event: MessageEvent<Job>) => void) | null;
  postMessage(message: unknown, transfer?: Transferable[]): void;
};

scope.onmessage = ({ data }) => {
  try {
    // singularValuesSync's computation, with its threads as the pool says:
    // when the pool already has a worker per core, more threads only
    // compete for the same cores.
    const sigma = singularValuesSync(
      { values: data.values, shape: [data.rows, data.cols] },
      { maxSide: Infinity, threads: data.threads },
    );
    scope.postMessage({ id: data.id, sigma }, [sigma.buffer as ArrayBuffer]);
  } catch (error) {
    scope.postMessage({ id: data.id, error: String(error) });
  }
};
