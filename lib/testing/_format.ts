/**
 * Number and shape formatting for the assertions' messages.
 *
 * @module
 */

/** A number to `digits` significant digits, in exponent form when small or large. */
export function num(x: number, digits = 3): string {
  if (!Number.isFinite(x) || x === 0) return String(x);
  const a = Math.abs(x);
  if (a < 1e-3 || a >= 1e6) {
    return x.toExponential(digits - 1).replace(/\.?0+e/, "e").replace(
      "e+",
      "e",
    );
  }
  return String(+x.toPrecision(digits));
}

/** A p-value, from its log₁₀ where it underflows: `0.0123`, `3.1e-95`, `2e-400`. */
export function pValue(p: number, log10p: number): string {
  if (p > 0) return num(p, 2);
  if (!Number.isFinite(log10p)) return "0";
  const exponent = Math.floor(log10p);
  const mantissa = 10 ** (log10p - exponent);
  return `${+mantissa.toPrecision(2)}e${exponent}`;
}

/** `[256, 256]`. */
export function shapeText(shape: readonly number[]): string {
  return `[${shape.join(", ")}]`;
}

/** The multi-index of flat (row-major) index `i`: `[3, 7]`. */
export function indexText(i: number, shape: readonly number[]): string {
  const index: number[] = [];
  for (let k = shape.length - 1; k >= 0; k--) {
    const d = shape[k];
    index.unshift(d > 0 ? i % d : 0);
    i = d > 0 ? Math.floor(i / d) : 0;
  }
  return `[${index.join(", ")}]`;
}

/** `1.5 KiB`. */
export function bytes(n: number): string {
  const units = ["B", "KiB", "MiB", "GiB"];
  let u = 0;
  let v = Math.abs(n);
  while (v >= 1024 && u < units.length - 1) {
    v /= 1024;
    u++;
  }
  return `${n < 0 ? "-" : ""}${u === 0 ? v : +v.toPrecision(3)} ${units[u]}`;
}

/** Mean and standard deviation (divisor n), accumulated in Float64. */
export function moments(
  values: ArrayLike<number>,
): { mean: number; std: number } {
  const n = values.length;
  let mean = 0;
  for (let i = 0; i < n; i++) mean += values[i];
  mean /= n;
  let ss = 0;
  for (let i = 0; i < n; i++) ss += (values[i] - mean) ** 2;
  return { mean, std: Math.sqrt(ss / n) };
}
