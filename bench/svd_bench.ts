/**
 * Singular values: `singularValuesSync` (two-stage Householder bidiagonalisation
 * on the WebAssembly GEMM, then implicit QR on the bidiagonal) against
 * numpy's `np.linalg.svd(a, compute_uv=False)` (LAPACK `dgesdd`/`sgesdd` in
 * OpenBLAS on all cores, timed inside Python with `perf_counter`) on the
 * float64 and on the float32 copy of the same matrix (and on float64 with
 * OpenBLAS held to one thread), and ml-matrix's
 * `SingularValueDecomposition` with the vectors off.
 *
 * The matrices are numpy's seeded standard normals rounded to float32; ours
 * reads those float32 values (and computes in Float64), numpy float64 reads
 * them widened. The accuracy table compares ours with numpy's float64
 * values of the same matrices, and of a condition-number-1e6 matrix.
 *
 * Target (the issue): at 1024×1024 within 3× numpy's float64 time.
 * ml-matrix is skipped at 2048×2048 (its time grows eightfold per doubling:
 * about 16 s a call there). `SVD_BENCH_4096=1` adds one timed 4096×4096 run
 * of ours.
 *
 * @module
 */
import {
  measure,
  printTable,
  type Row,
  runCommand,
  type Timing,
} from "./_harness.ts";
import { singularValuesSync } from "../lib/linalg/singular_values.ts";
import { reduceToBand, type RowLoader } from "../lib/linalg/_svd_reduce.ts";
import { bandToBidiagonal } from "../lib/linalg/_svd_band.ts";
import { bidiagonalSingularValues } from "../lib/linalg/_svd_bidiagonal.ts";

const SIZES = [256, 512, 1024, 2048];
/** Timed runs per size (fewer for the largest). */
const runsFor = (n: number) => (n >= 2048 ? 3 : 7);
/** ml-matrix runs only up to this size. */
const ML_MATRIX_MAX = 1024;

const NUMPY = `
import json, sys, time
import numpy as np
sizes = json.loads(sys.argv[1]); folder = sys.argv[2]; only_time = len(sys.argv) > 3
out = {"version": np.__version__}
def timed(a, runs):
    np.linalg.svd(a, compute_uv=False)
    ts = []
    for _ in range(runs):
        t0 = time.perf_counter(); np.linalg.svd(a, compute_uv=False); ts.append((time.perf_counter() - t0) * 1e3)
    ts.sort()
    return {"median": ts[len(ts) // 2], "min": ts[0], "runs": len(ts)}
for n in sizes:
    runs = 3 if n >= 2048 else 7
    if only_time:
        a64 = np.fromfile(f"{folder}/normal_{n}.f32", dtype=np.float32).reshape(n, n).astype(np.float64)
        out[f"f64_{n}"] = timed(a64, runs)
        continue
    rng = np.random.default_rng(n)
    a32 = rng.standard_normal((n, n)).astype(np.float32)
    a64 = a32.astype(np.float64)
    a32.tofile(f"{folder}/normal_{n}.f32")
    np.linalg.svd(a64, compute_uv=False).tofile(f"{folder}/normal_{n}.f64")
    u, _ = np.linalg.qr(rng.standard_normal((n, n)))
    v, _ = np.linalg.qr(rng.standard_normal((n, n)))
    c32 = ((u * np.logspace(0, -6, n)) @ v.T).astype(np.float32)
    c32.tofile(f"{folder}/cond_{n}.f32")
    np.linalg.svd(c32.astype(np.float64), compute_uv=False).tofile(f"{folder}/cond_{n}.f64")
    for name, a in (("f64", a64), ("f32", a32)):
        out[f"{name}_{n}"] = timed(a, runs)
print(json.dumps(out))
`;

/** The matrices and references numpy wrote, by name. */
interface Case {
  a: Float32Array;
  ref: Float64Array;
}

/**
 * numpy's timings by `"f64_n"`/`"f32_n"` (writing the matrices and their
 * references to `folder`), or, with `oneThread`, its float64 timings with
 * OpenBLAS held to one thread on the matrices already there; `null` when
 * numpy is missing.
 */
async function numpyRun(
  folder: string,
  oneThread = false,
): Promise<Record<string, Timing> | null> {
  const env: Record<string, string> = oneThread
    ? { OPENBLAS_NUM_THREADS: "1", OMP_NUM_THREADS: "1", MKL_NUM_THREADS: "1" }
    : {};
  const args = ["python3", "-c", NUMPY, JSON.stringify(SIZES), folder];
  const text = await runCommand(oneThread ? [...args, "time"] : args, env);
  if (text === null) {
    console.warn(
      "bench svd: python3 with numpy not found; numpy and the accuracy table skipped",
    );
    return null;
  }
  const parsed = JSON.parse(text);
  if (!oneThread) console.log(`numpy ${parsed.version} (python3 on PATH)`);
  return parsed;
}

async function readCase(folder: string, name: string): Promise<Case> {
  return {
    a: new Float32Array((await Deno.readFile(`${folder}/${name}.f32`)).buffer),
    ref: new Float64Array(
      (await Deno.readFile(`${folder}/${name}.f64`)).buffer,
    ),
  };
}

/** A seeded uniform n×n matrix, for runs without numpy. */
function lcgMatrix(n: number): Float32Array {
  let s = n >>> 0;
  const a = new Float32Array(n * n);
  for (let i = 0; i < a.length; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    a[i] = s / 4294967296 - 0.5;
  }
  return a;
}

/** max |σ − σref| / σ₁, and the max relative error over σref ≥ 1e-6·σ₁. */
function errors(s: Float64Array, ref: Float64Array): [number, number] {
  let abs = 0;
  let rel = 0;
  for (let i = 0; i < ref.length; i++) {
    const d = Math.abs(s[i] - ref[i]);
    abs = Math.max(abs, d / ref[0]);
    if (ref[i] >= 1e-6 * ref[0]) rel = Math.max(rel, d / ref[i]);
  }
  return [abs, rel];
}

/** ml-matrix's singular values (vectors off), or `null` if it cannot be imported. */
async function mlMatrix(): Promise<
  ((a: Float32Array, n: number) => unknown) | null
> {
  try {
    // A peer for the benchmark only, so not in deno.json's imports.
    // deno-lint-ignore no-import-prefix
    const ml = await import("npm:ml-matrix@6.15.1");
    return (a, n) => {
      const rows: number[][] = [];
      for (let i = 0; i < n; i++) {
        rows.push(Array.from(a.subarray(i * n, i * n + n)));
      }
      return new ml.SingularValueDecomposition(new ml.Matrix(rows), {
        computeLeftSingularVectors: false,
        computeRightSingularVectors: false,
        autoTranspose: true,
      }).diagonal;
    };
  } catch (error) {
    console.warn(
      `bench svd: ml-matrix could not be imported (${error}); skipped`,
    );
    return null;
  }
}

/** Medians of the three stages of ours at n×n (one run each after a warm-up). */
async function stages(a: Float32Array, n: number): Promise<string> {
  const load: RowLoader = (r0, r1, f, off, ld) => {
    for (let k = 0; k < n; k++) {
      for (let i = r0; i < r1; i++) f[off + i - r0 + k * ld] = a[k * n + i];
    }
  };
  const times: number[][] = [[], [], []];
  for (let rep = 0; rep < 4; rep++) {
    const t0 = performance.now();
    const band = reduceToBand(load, n, n);
    const t1 = performance.now();
    const { d, e } = bandToBidiagonal(band);
    const t2 = performance.now();
    bidiagonalSingularValues(d, e);
    const t3 = performance.now();
    if (rep > 0) {
      times[0].push(t1 - t0);
      times[1].push(t2 - t1);
      times[2].push(t3 - t2);
    }
    await Promise.resolve();
  }
  const med = (x: number[]) => x.sort((p, q) => p - q)[x.length >> 1];
  const [s1, s2, s3] = times.map(med);
  const total = s1 + s2 + s3;
  const pct = (x: number) =>
    `${x.toFixed(0)} ms (${(100 * x / total).toFixed(0)} %)`;
  return `| ${n}×${n} | ${pct(s1)} | ${pct(s2)} | ${pct(s3)} |`;
}

/** Runs the benchmark and prints its tables. */
export async function run(): Promise<void> {
  const folder = await Deno.makeTempDir({ prefix: "svd_bench_" });
  try {
    const numpy = await numpyRun(folder);
    const numpy1 = numpy ? await numpyRun(folder, true) : null;
    const ml = await mlMatrix();
    const rows: Row[] = [];
    const accuracy: string[] = [];
    const breakdown: string[] = [];
    for (const n of SIZES) {
      const normal = numpy ? await readCase(folder, `normal_${n}`) : null;
      const a = normal?.a ?? lcgMatrix(n);
      const x = { values: a, shape: [n, n] };
      const ours = await measure(() => singularValuesSync(x), {
        warmup: 1,
        runs: runsFor(n),
      });
      const timings: Record<string, Timing | null> = {
        ours,
        "numpy f64": numpy?.[`f64_${n}`] ?? null,
        "numpy f32": numpy?.[`f32_${n}`] ?? null,
        "numpy f64 1 thread": numpy1?.[`f64_${n}`] ?? null,
        "ml-matrix": null,
      };
      if (ml && n <= ML_MATRIX_MAX) {
        timings["ml-matrix"] = await measure(() => ml(a, n), {
          warmup: 1,
          runs: n >= 1024 ? 3 : 5,
        });
      }
      rows.push({ case: `${n}×${n}`, timings });
      if (numpy && normal) {
        const cond = await readCase(folder, `cond_${n}`);
        for (
          const [name, c] of [["normal", normal], ["cond 1e6", cond]] as const
        ) {
          const [abs, rel] = errors(
            singularValuesSync({ values: c.a, shape: [n, n] }),
            c.ref,
          );
          accuracy.push(
            `| ${n}×${n} ${name} | ${abs.toExponential(1)} | ${
              rel.toExponential(1)
            } |`,
          );
        }
      }
      if (n >= 1024) breakdown.push(await stages(a, n));
    }
    printTable(
      "Singular values only, n×n standard normal (float32 values; ours and numpy f64 compute in float64; ml-matrix ≤ 1024 only)",
      "ours",
      rows,
    );
    if (accuracy.length > 0) {
      console.log(
        "\nAccuracy of ours against numpy float64 on the same values: max |σ − σref| / σ₁, and max relative error over σref ≥ 1e-6·σ₁",
      );
      console.log("| matrix | abs / σ₁ | relative |");
      console.log("| ------ | -------- | -------- |");
      for (const line of accuracy) console.log(line);
    }
    console.log("\nWhere our time goes (median of 3 after a warm-up)");
    console.log(
      "| n | band reduction (GEMM) | band → bidiagonal | bidiagonal QR |",
    );
    console.log(
      "| - | --------------------- | ----------------- | ------------- |",
    );
    for (const line of breakdown) console.log(line);
    if (Deno.env.get("SVD_BENCH_4096") === "1") {
      const n = 4096;
      const big = lcgMatrix(n);
      const t0 = performance.now();
      singularValuesSync({ values: big, shape: [n, n] });
      console.log(
        `\n4096×4096, one run: ${
          ((performance.now() - t0) / 1000).toFixed(1)
        } s`,
      );
    }
  } finally {
    await Deno.remove(folder, { recursive: true });
  }
}

if (import.meta.main) await run();
