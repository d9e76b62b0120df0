/**
 * QR: `householderQr` (blocked Householder, WebAssembly SIMD products, Q
 * formed) against numpy's `np.linalg.qr` (reduced mode, float64, Q formed
 * too; LAPACK `dgeqrf` + `dorgqr` in OpenBLAS on all cores; timed inside
 * Python with `perf_counter`; also with OpenBLAS held to one thread) and
 * tfjs's `tf.linalg.qr` and `tf.initializers.orthogonal` on the CPU backend.
 * "ours 1 thread" is the same code without its worker thread.
 *
 * Targets (the issue): at 1024×1024 at most 3× numpy's time, and at 256×256
 * at least 100× faster than tfjs. tfjs runs at 256×256 only: it takes
 * seconds there, and its time grows about eightfold per doubling.
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
import {
  householderQr,
  orthogonalityError,
  reconstructionError,
} from "../lib/linalg/householder_qr.ts";
import { blockedQr } from "../lib/linalg/_blocked_qr.ts";
import { tf } from "../lib/tf.ts";
import { getBackend, setBackend } from "../lib/backend.ts";

/** The shapes, as [rows, cols]. */
const SHAPES: [number, number][] = [
  [256, 256],
  [512, 512],
  [1024, 1024],
  [2048, 2048],
  [2048, 512],
  [512, 2048],
];

/** Timed runs per shape (fewer for the largest). */
const runsFor = (m: number, n: number) => (m * n >= 2048 * 2048 ? 5 : 9);

const NUMPY = `
import json, sys, time
import numpy as np
shapes = json.loads(sys.argv[1])
rng = np.random.default_rng(0)
out = {}
for m, n in shapes:
    a = rng.standard_normal((m, n))
    runs = 5 if m * n >= 2048 * 2048 else 9
    np.linalg.qr(a)
    ts = []
    for _ in range(runs):
        t0 = time.perf_counter(); q, r = np.linalg.qr(a); ts.append((time.perf_counter() - t0) * 1e3)
    ts.sort()
    out[f"{m}x{n}"] = {"median": ts[len(ts) // 2], "min": ts[0], "runs": len(ts)}
out["version"] = np.__version__
print(json.dumps(out))
`;

/**
 * numpy's timings by shape (`"mxn"`), on all cores or (`oneThread`) with
 * OpenBLAS held to one thread; `null` when numpy is missing.
 */
async function numpyTimings(
  oneThread: boolean,
): Promise<Record<string, Timing> | null> {
  const env: Record<string, string> = oneThread
    ? { OPENBLAS_NUM_THREADS: "1", OMP_NUM_THREADS: "1", MKL_NUM_THREADS: "1" }
    : {};
  const text = await runCommand(
    ["python3", "-c", NUMPY, JSON.stringify(SHAPES)],
    env,
  );
  if (text === null) {
    console.warn("bench qr: python3 with numpy not found; numpy skipped");
    return null;
  }
  const parsed = JSON.parse(text);
  if (!oneThread) console.log(`numpy ${parsed.version} (python3 on PATH)`);
  return parsed;
}

/** A fixed m×n matrix of uniform values in [-0.5, 0.5). */
function matrix(m: number, n: number): Float64Array {
  let s = 12345;
  const a = new Float64Array(m * n);
  for (let i = 0; i < a.length; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    a[i] = s / 4294967296 - 0.5;
  }
  return a;
}

/** tfjs's QR and orthogonal initializer at 256×256 on its CPU backend. */
async function tfjsTimings(
  n: number,
): Promise<{ qr: Timing; orthogonal: Timing }> {
  const previous = getBackend();
  await setBackend("cpu");
  try {
    const x = tf.tensor2d(new Float32Array(matrix(n, n)), [n, n], "float32");
    const qr = await measure(() => {
      const [q, r] = tf.linalg.qr(x);
      q.dataSync();
      tf.dispose([q, r]);
    }, { warmup: 0, runs: 3 });
    const init = tf.initializers.orthogonal({ gain: 1, seed: 1 });
    const orthogonal = await measure(() => {
      const w = init.apply([n, n], "float32");
      w.dataSync();
      w.dispose();
    }, { warmup: 0, runs: 3 });
    x.dispose();
    return { qr, orthogonal };
  } finally {
    await setBackend(previous);
  }
}

/** Runs the benchmark and prints its tables. */
export async function run(): Promise<void> {
  const numpy = await numpyTimings(false);
  const numpy1 = await numpyTimings(true);
  const rows: Row[] = [];
  const accuracy: string[] = [];
  for (const [m, n] of SHAPES) {
    const a = matrix(m, n);
    const ours = await measure(() => householderQr(a, m, n), {
      warmup: 2,
      runs: runsFor(m, n),
    });
    const { q, r, k } = householderQr(a, m, n);
    const q32 = new Float64Array(new Float32Array(q));
    accuracy.push(
      `| ${m}×${n} | ${orthogonalityError(q, m, k).toExponential(1)} | ${
        reconstructionError(a, q, r, m, n).toExponential(1)
      } | ${orthogonalityError(q32, m, k).toExponential(1)} |`,
    );
    const single = await measure(
      () => blockedQr(a, m, n, { threads: false }),
      { warmup: 1, runs: runsFor(m, n) },
    );
    const timings: Record<string, Timing | null> = {
      ours,
      "ours 1 thread": single,
      "numpy qr": numpy?.[`${m}x${n}`] ?? null,
      "numpy 1 thread": numpy1?.[`${m}x${n}`] ?? null,
    };
    if (m === 256 && n === 256) {
      const peer = await tfjsTimings(n);
      timings["tfjs linalg.qr"] = peer.qr;
      timings["tfjs orthogonal"] = peer.orthogonal;
    } else {
      timings["tfjs linalg.qr"] = null;
      timings["tfjs orthogonal"] = null;
    }
    rows.push({ case: `${m}×${n}`, timings });
  }
  printTable(
    "QR with Q formed, Float64 (tfjs: float32, CPU backend, 256×256 only)",
    "ours",
    rows,
  );
  console.log(
    "\nAccuracy of ours (max |QᵀQ − I|, max |QR − A| / max |A|, and max |QᵀQ − I| after rounding Q to float32)",
  );
  console.log("| shape | QᵀQ − I | QR − A | QᵀQ − I, Q in float32 |");
  console.log("| ----- | ------- | ------ | --------------------- |");
  for (const line of accuracy) console.log(line);
}

if (import.meta.main) await run();
