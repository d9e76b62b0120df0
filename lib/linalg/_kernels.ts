/**
 * The WebAssembly kernels behind {@linkcode householderQr}: a register-blocked
 * Float64 matrix product on `f64x2` SIMD, emitted byte by byte with
 * `_wasm_writer.ts` and compiled once, on first use.
 *
 * @module
 */
import {
  FunctionWriter,
  I32,
  OP,
  SIMD,
  V128,
  writeModule,
} from "./_wasm_writer.ts";

/** Emits `acc = a * b + acc` on f64x2 (fused when `fused`). */
function fma(
  w: FunctionWriter,
  acc: number,
  a: number,
  b: number,
  fused: boolean,
): void {
  if (fused) {
    w.get(a).get(b).get(acc).simd(SIMD.f64x2RelaxedMadd).set(acc);
  } else {
    w.get(a).get(b).simd(SIMD.f64x2Mul).get(acc).simd(SIMD.f64x2Add).set(acc);
  }
}

/** Emits `while (local > 0) { body }` (signed compare). */
function whilePositive(w: FunctionWriter, local: number, body: () => void) {
  w.block(() =>
    w.loop(() => {
      w.get(local).i32(0).raw(OP.i32LeS).brIf(1);
      body();
      w.br(0);
    })
  );
}

/** Emits `local += step` (step a constant). */
function addConst(w: FunctionWriter, local: number, step: number) {
  w.get(local).i32(step).raw(OP.i32Add).set(local);
}

/** Emits `local += other` (another local). */
function addLocal(w: FunctionWriter, local: number, other: number) {
  w.get(local).get(other).raw(OP.i32Add).set(local);
}

/**
 * `gemm(M, N, K, ap, aps, ak, b, ldb, c, ldc)`: C += A·B, with every pointer
 * and stride in bytes.
 *
 * - A is M×K (M a multiple of 4), read four rows at a time: A[4p + r, k] is
 *   at `ap + p·aps + k·ak + r·8`. Packed in micro-panels of 4 rows,
 *   `aps = 32·K` and `ak = 32`; column-major with leading dimension `lda`,
 *   `aps = 32` and `ak = lda`.
 * - B is K×N, column-major: B[k, j] at `b + k·8 + j·ldb`.
 * - C is M×N, column-major: C[i, j] at `c + i·8 + j·ldc`.
 *
 * Tiles of 4×4 (eight f64x2 accumulators), then 4×1 for the last N mod 4
 * columns.
 */
export function gemmKernel(
  fused: boolean,
  widths: readonly number[] = [6, 4, 1],
): FunctionWriter {
  const w = new FunctionWriter(
    "gemm",
    [I32, I32, I32, I32, I32, I32, I32, I32, I32, I32],
  );
  const [M, N, K, ap, aps, ak, b, ldb, c, ldc] = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9];
  const jrem = w.local(I32), irem = w.local(I32), k = w.local(I32);
  const pa = w.local(I32), panel = w.local(I32), pbj = w.local(I32);
  const pcj = w.local(I32), pc = w.local(I32);
  const pb = Array.from({ length: widths[0] }, () => w.local(I32));
  const acc = Array.from({ length: 2 * widths[0] }, () => w.local(V128));
  const a0 = w.local(V128), a1 = w.local(V128), bv = w.local(V128);
  const zero = new Array(16).fill(0);

  const tile = (cols: number) => {
    // panel = ap; pc = pcj; irem = M
    w.get(ap).set(panel).get(pcj).set(pc).get(M).set(irem);
    whilePositive(w, irem, () => {
      for (let q = 0; q < 2 * cols; q++) {
        w.simd(SIMD.v128Const, ...zero).set(acc[q]);
      }
      w.get(panel).set(pa).get(pbj).set(pb[0]);
      for (let q = 1; q < cols; q++) {
        w.get(pb[q - 1]).get(ldb).raw(OP.i32Add).set(pb[q]);
      }
      w.get(K).set(k);
      whilePositive(w, k, () => {
        w.get(pa).simdMem(SIMD.v128Load, 4, 0).set(a0);
        w.get(pa).simdMem(SIMD.v128Load, 4, 16).set(a1);
        for (let q = 0; q < cols; q++) {
          w.get(pb[q]).simdMem(SIMD.load64Splat, 3, 0).set(bv);
          fma(w, acc[2 * q], a0, bv, fused);
          fma(w, acc[2 * q + 1], a1, bv, fused);
        }
        addLocal(w, pa, ak);
        for (let q = 0; q < cols; q++) addConst(w, pb[q], 8);
        addConst(w, k, -1);
      });
      // C tile += acc, column by column.
      w.get(pc).set(pa); // pa reused as the C column pointer
      for (let q = 0; q < cols; q++) {
        for (let h = 0; h < 2; h++) {
          w.get(pa)
            .get(pa).simdMem(SIMD.v128Load, 4, 16 * h)
            .get(acc[2 * q + h]).simd(SIMD.f64x2Add)
            .simdMem(SIMD.v128Store, 4, 16 * h);
        }
        if (q + 1 < cols) addLocal(w, pa, ldc);
      }
      addLocal(w, panel, aps);
      addConst(w, pc, 32);
      addConst(w, irem, -4);
    });
  };

  w.get(b).set(pbj).get(c).set(pcj).get(N).set(jrem);
  // while (jrem >= width): tiles of 4×width, for each width in turn.
  for (const width of widths) {
    w.block(() =>
      w.loop(() => {
        w.get(jrem).i32(width).raw(OP.i32LtS).brIf(1);
        tile(width);
        for (let q = 0; q < width; q++) {
          addLocal(w, pbj, ldb);
          addLocal(w, pcj, ldc);
        }
        addConst(w, jrem, -width);
        w.br(0);
      })
    );
  }
  return w;
}

/** `C += A·B`; see {@linkcode gemmKernel} for the arguments (bytes). */
export type Gemm = (
  M: number,
  N: number,
  K: number,
  ap: number,
  aps: number,
  ak: number,
  b: number,
  ldb: number,
  c: number,
  ldc: number,
) => void;

/** The kernels, their memory, and the threads that share the products. */
export interface Engine {
  /** A view of the whole memory, valid until {@linkcode Engine.close}. */
  readonly f: Float64Array;
  /** `C += A·B`, split over the worker threads (once they are up) when large. */
  readonly gemm: Gemm;
  /** Whether the product uses fused multiply-add (relaxed SIMD). */
  readonly fused: boolean;
  /** Worker threads started (each joins the products once it is ready). */
  readonly workers: number;
  /** Stops the workers, and lets the memory go if it is large. */
  close(): void;
}

/** Memory up to this size is kept for the next call; larger memory is let go. */
export const KEEP_BYTES = 64 * 1024 * 1024;
/** Problems of at least this many flops start worker threads. */
export const THREAD_FLOPS = Number(Deno.env.get("TF") ?? 1e9);
/** Products of at least this many flops are split between threads. */
export const SPLIT_FLOPS = 2e6;

const PAGE = 65536;
const MAX_PAGES = 65536; // 4 GiB, all a 32-bit memory can address

interface Compiled {
  module: WebAssembly.Module;
  fused: boolean;
  shared: boolean;
}

let compiled: Compiled | null = null;
let spare: WebAssembly.Memory | null = null;

function newMemory(shared: boolean, pages: number): WebAssembly.Memory {
  return new WebAssembly.Memory({
    initial: pages,
    maximum: MAX_PAGES,
    shared,
  });
}

/**
 * Compiles the kernels once: fused multiply-add where the runtime has relaxed
 * SIMD, on shared memory where it has threads, else the plainer variants.
 */
function compile(): Compiled {
  if (compiled) return compiled;
  for (const shared of [true, false]) {
    for (const fused of [true, false]) {
      const bytes = writeModule([gemmKernel(fused)], {
        initial: 1,
        maximum: MAX_PAGES,
        shared,
      });
      if (!WebAssembly.validate(bytes)) continue;
      try {
        const module = new WebAssembly.Module(bytes);
        new WebAssembly.Instance(module, {
          env: { memory: newMemory(shared, 1) },
        });
        compiled = { module, fused, shared };
        return compiled;
      } catch {
        // This variant does not run here; try the next.
      }
    }
  }
  throw new Error(
    "householderQr needs WebAssembly with SIMD, which this runtime lacks",
  );
}

/**
 * The worker threads' code. It runs from its source text, so it refers to
 * nothing outside itself. The control words: 0 job number, 1 quit, 2 workers
 * ready, 3 workers done with the job, 4 next column, 5 columns per chunk,
 * 8–17 the product's arguments.
 */
function workerMain(scope: {
  onmessage: ((event: MessageEvent) => void) | null;
  close(): void;
}): void {
  scope.onmessage = (event: MessageEvent) => {
    const { module, memory, control } = event.data as {
      module: WebAssembly.Module;
      memory: WebAssembly.Memory;
      control: SharedArrayBuffer;
    };
    const c = new Int32Array(control);
    const instance = new WebAssembly.Instance(module, { env: { memory } });
    const gemm = (instance.exports as { gemm: Gemm }).gemm;
    let seen = Atomics.load(c, 0);
    Atomics.add(c, 2, 1);
    while (Atomics.load(c, 1) === 0) {
      Atomics.wait(c, 0, seen);
      seen = Atomics.load(c, 0);
      if (Atomics.load(c, 1) !== 0) break;
      const [M, N, K, ap, aps, ak, b, ldb, cc, ldc] = c.subarray(8, 18);
      const chunk = c[5];
      for (let j = Atomics.add(c, 4, chunk); j < N; j = Atomics.add(c, 4, chunk)) {
        gemm(M, Math.min(chunk, N - j), K, ap, aps, ak, b + j * ldb, ldb, cc + j * ldc, ldc);
      }
      Atomics.add(c, 3, 1);
      Atomics.notify(c, 3);
    }
    scope.close();
  };
}

const WORKER_URL = "data:application/javascript;base64," +
  btoa(`(${workerMain.toString()})(self);`);

/** Worker threads that share the large products with the calling thread. */
class Pool {
  private readonly c = new Int32Array(new SharedArrayBuffer(32 * 4));
  private readonly threads: Worker[] = [];

  constructor(module: WebAssembly.Module, memory: WebAssembly.Memory, count: number) {
    for (let i = 0; i < count; i++) {
      const worker = new Worker(WORKER_URL, { type: "module" });
      worker.onerror = (event) => event.preventDefault();
      worker.postMessage({ module, memory, control: this.c.buffer });
      this.threads.push(worker);
    }
  }

  /** Whether every worker is up (until then, products run on the calling thread alone). */
  ready(): boolean {
    return Atomics.load(this.c, 2) === this.threads.length;
  }

  /** Runs one product, in chunks of columns taken by whichever thread is free. */
  run(
    gemm: Gemm,
    M: number,
    N: number,
    K: number,
    ap: number,
    aps: number,
    ak: number,
    b: number,
    ldb: number,
    cc: number,
    ldc: number,
  ): void {
    const c = this.c;
    const parts = 4 * (this.threads.length + 1);
    const chunk = 6 * Math.max(1, Math.ceil(N / (6 * parts)));
    c.set([M, N, K, ap, aps, ak, b, ldb, cc, ldc], 8);
    c[5] = chunk;
    Atomics.store(c, 4, 0);
    Atomics.store(c, 3, 0);
    Atomics.add(c, 0, 1);
    Atomics.notify(c, 0);
    for (let j = Atomics.add(c, 4, chunk); j < N; j = Atomics.add(c, 4, chunk)) {
      gemm(M, Math.min(chunk, N - j), K, ap, aps, ak, b + j * ldb, ldb, cc + j * ldc, ldc);
    }
    const n = this.threads.length;
    for (let done = Atomics.load(c, 3); done < n; done = Atomics.load(c, 3)) {
      Atomics.wait(c, 3, done);
    }
  }

  /** Tells the workers to finish, and ends them. */
  close(): void {
    Atomics.store(this.c, 1, 1);
    Atomics.add(this.c, 0, 1);
    Atomics.notify(this.c, 0);
    for (const worker of this.threads) worker.terminate();
  }
}

/** How many worker threads a large problem starts: one per further core, at most 3. */
function workerCount(): number {
  const cores = globalThis.navigator?.hardwareConcurrency ?? 1;
  return Math.max(0, Math.min(3, cores - 1));
}

/**
 * The kernels with at least `bytes` of memory, and worker threads when the
 * problem has at least {@linkcode THREAD_FLOPS} flops. Call
 * {@linkcode Engine.close} when done.
 */
export function openEngine(bytes: number, flops: number): Engine {
  const { module, fused, shared } = compile();
  const pages = Math.ceil(bytes / PAGE);
  if (pages > MAX_PAGES) {
    throw new RangeError(
      `householderQr needs ${bytes} bytes of working memory, more than WebAssembly's 4 GiB`,
    );
  }
  let memory = spare;
  spare = null;
  if (memory && memory.buffer.byteLength / PAGE < pages) {
    const have = memory.buffer.byteLength / PAGE;
    memory.grow(pages - have);
  }
  memory ??= newMemory(shared, pages);
  const instance = new WebAssembly.Instance(module, { env: { memory } });
  const kernel = (instance.exports as { gemm: Gemm }).gemm;
  let pool: Pool | null = null;
  const count = workerCount();
  if (shared && count > 0 && flops >= THREAD_FLOPS) {
    try {
      pool = new Pool(module, memory, count);
    } catch {
      pool = null;
    }
  }
  const gemm: Gemm = pool === null ? kernel : (M, N, K, ap, aps, ak, b, ldb, c, ldc) => {
    if (2 * M * N * K >= SPLIT_FLOPS && N >= 12 && pool!.ready()) {
      pool!.run(kernel, M, N, K, ap, aps, ak, b, ldb, c, ldc);
    } else {
      kernel(M, N, K, ap, aps, ak, b, ldb, c, ldc);
    }
  };
  return {
    f: new Float64Array(memory.buffer),
    gemm,
    fused,
    workers: pool === null ? 0 : count,
    close(): void {
      pool?.close();
      pool = null;
      if (memory !== null && memory.buffer.byteLength <= KEEP_BYTES) spare = memory;
    },
  };
}
