/**
 * The engine behind `householderQr`: a register-blocked Float64 matrix
 * product on `f64x2` WebAssembly SIMD, emitted byte by byte with
 * `_wasm_writer.ts` and compiled once, on first use; the memory it works in;
 * and, for large problems, worker threads that take chunks of columns of the
 * products, synchronised through shared memory and `Atomics` so that the
 * calling code stays synchronous. Where WebAssembly SIMD is missing, the same
 * product runs in plain JavaScript.
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
 * C is computed in tiles of 4 rows × `widths[0]` columns held in f64x2
 * registers (6 columns: twelve accumulators, two A vectors and one B splat,
 * the fifteen SIMD registers V8 allocates on x64), then narrower tiles for
 * the last columns. Each C element is read and written once per call and
 * accumulated over k ascending in Float64: with `fused`, each step is one
 * `f64x2.relaxed_madd` (a fused multiply-add where the hardware has one,
 * else a multiply and an add); without it, `f64x2.mul` then `f64x2.add`.
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

/**
 * One product of a {@linkcode Engine.chain}: {@linkcode gemmKernel}'s
 * arguments without N, as `[M, K, ap, aps, ak, b, ldb, c, ldc]` (bytes).
 */
export type Product = [
  M: number,
  K: number,
  ap: number,
  aps: number,
  ak: number,
  b: number,
  ldb: number,
  c: number,
  ldc: number,
];

/** The kernels, their memory, and the threads that share the products. */
export interface Engine {
  /** A view of the whole memory, valid until {@linkcode Engine.close}. */
  readonly f: Float64Array;
  /** `C += A·B` on the calling thread. */
  readonly gemm: Gemm;
  /**
   * Runs `products` (at most {@linkcode MAX_CHAIN}) over the columns
   * `0 .. N-1`, in chunks of at most `chunk` columns: for each chunk, each
   * product in turn on the chunk's columns of its B and C. A product may
   * read the C of an earlier one, since a chunk's products run in order on
   * one thread; chunks are shared with the worker threads when the chain is
   * large.
   */
  chain(N: number, products: readonly Product[], chunk: number): void;
  /** `"wasm-simd-fma"`, `"wasm-simd"` or `"js"`: what runs the products. */
  readonly kind: EngineKind;
  /** Worker threads started (each joins the products once it is ready). */
  readonly workers: number;
  /** Stops the workers, and lets the memory go if it is large. */
  close(): void;
}

/** What runs the products: WebAssembly SIMD with or without fused multiply-add, or plain JavaScript. */
export type EngineKind = "wasm-simd-fma" | "wasm-simd" | "js";

/** At most this many products in one {@linkcode Engine.chain}. */
export const MAX_CHAIN = 3;

/** Memory up to this size is kept for the next call; larger memory is let go. */
export const KEEP_BYTES = 64 * 1024 * 1024;
/** Problems of at least this many flops start worker threads (n ≈ 800 for a square matrix). */
export const THREAD_FLOPS = 1.5e9;
/** Products of at least this many flops are split between threads. */
export const SPLIT_FLOPS = 2e6;
/** At most this many worker threads. */
export const MAX_WORKERS = 3;

const PAGE = 65536;
const MAX_PAGES = 65536; // 4 GiB, all that 32-bit addresses reach

interface Compiled {
  module: WebAssembly.Module;
  kind: "wasm-simd-fma" | "wasm-simd";
  shared: boolean;
}

let compiled: Compiled | null | undefined;
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
 * SIMD, on shared memory where it has threads, else the plainer variants;
 * `null` when it has no WebAssembly SIMD at all.
 */
function compile(): Compiled | null {
  if (compiled !== undefined) return compiled;
  compiled = null;
  if (typeof WebAssembly !== "object") return compiled;
  for (const shared of [true, false]) {
    for (const fused of [true, false]) {
      try {
        const bytes = writeModule([gemmKernel(fused)], {
          initial: 1,
          maximum: MAX_PAGES,
          shared,
        });
        if (!WebAssembly.validate(bytes)) continue;
        const module = new WebAssembly.Module(bytes);
        new WebAssembly.Instance(module, {
          env: { memory: newMemory(shared, 1) },
        });
        compiled = {
          module,
          kind: fused ? "wasm-simd-fma" : "wasm-simd",
          shared,
        };
        return compiled;
      } catch {
        // This variant does not run here; try the next.
      }
    }
  }
  return compiled;
}

/**
 * The same product as {@linkcode gemmKernel} in plain JavaScript, on `f`
 * (pointers in bytes): the fallback where WebAssembly SIMD is missing.
 */
export function gemmJs(f: Float64Array): Gemm {
  return (M, N, K, ap, aps, ak, b, ldb, c, ldc) => {
    const [a0, as, ad, b0, bd, c0, cd] = [ap, aps, ak, b, ldb, c, ldc].map(
      (x) => x / 8,
    );
    for (let j = 0; j < N; j++) {
      const bj = b0 + j * bd;
      const cj = c0 + j * cd;
      for (let p = 0; p < M; p += 4) {
        let s0 = 0, s1 = 0, s2 = 0, s3 = 0;
        for (let k = 0, pa = a0 + (p >> 2) * as; k < K; k++, pa += ad) {
          const bk = f[bj + k];
          s0 += f[pa] * bk;
          s1 += f[pa + 1] * bk;
          s2 += f[pa + 2] * bk;
          s3 += f[pa + 3] * bk;
        }
        f[cj + p] += s0;
        f[cj + p + 1] += s1;
        f[cj + p + 2] += s2;
        f[cj + p + 3] += s3;
      }
    }
  };
}

/**
 * Runs chunks of a chain from the control words `c` until none is left: the
 * loop both the calling thread and the workers run. Kept free of outside
 * references, since the workers run it from its source text.
 */
function takeChunks(c: Int32Array, gemm: Gemm): void {
  const n = c[7], count = c[8], chunk = c[5];
  for (let j = Atomics.add(c, 4, chunk); j < n; j = Atomics.add(c, 4, chunk)) {
    const cols = Math.min(chunk, n - j);
    for (let g = 0, p = 16; g < count; g++, p += 9) {
      // Pointers are unsigned (memory reaches 4 GiB); `>>> 0` reads them so.
      gemm(
        c[p],
        cols,
        c[p + 1],
        c[p + 2] >>> 0,
        c[p + 3],
        c[p + 4],
        (c[p + 5] >>> 0) + j * c[p + 6],
        c[p + 6],
        (c[p + 7] >>> 0) + j * c[p + 8],
        c[p + 8],
      );
    }
  }
}

/**
 * The worker threads' code, run from its source text (with
 * {@linkcode takeChunks} defined beside it). Control words: 0 job number,
 * 1 quit, 2 workers ready, 3 workers done with the job, 4 next column,
 * 5 columns per chunk, 6 a worker failed, 7 columns, 8 products, 16… the
 * products (9 words each).
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
      try {
        takeChunks(c, gemm);
      } catch {
        Atomics.store(c, 6, 1);
      }
      Atomics.add(c, 3, 1);
      Atomics.notify(c, 3);
    }
    scope.close();
  };
}

const WORKER_URL = "data:application/javascript;base64," +
  btoa(`${takeChunks.toString()}\n(${workerMain.toString()})(self);`);

/** Whether this thread may block in `Atomics.wait` (a browser's main thread may not). */
function canBlock(): boolean {
  try {
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 1, 0);
    return true;
  } catch {
    return false;
  }
}

/**
 * Worker threads that share the large chains with the calling thread,
 * through shared memory and `Atomics`; the calling thread blocks until a
 * chain is done, so the API stays synchronous.
 */
class Pool {
  private readonly c = new Int32Array(new SharedArrayBuffer(64 * 4));
  private readonly threads: Worker[] = [];

  constructor(
    module: WebAssembly.Module,
    memory: WebAssembly.Memory,
    count: number,
  ) {
    try {
      for (let i = 0; i < count; i++) {
        const worker = new Worker(WORKER_URL, { type: "module" });
        worker.onerror = (event) => event.preventDefault();
        this.threads.push(worker);
        worker.postMessage({ module, memory, control: this.c.buffer });
      }
    } catch (error) {
      this.close();
      throw error;
    }
  }

  /** Whether every worker is up (until then, chains run on the calling thread alone). */
  ready(): boolean {
    return Atomics.load(this.c, 2) === this.threads.length;
  }

  /** Runs one chain, in chunks of columns taken by whichever thread is free. */
  run(
    gemm: Gemm,
    N: number,
    products: readonly Product[],
    chunk: number,
  ): void {
    const c = this.c;
    c[5] = chunk;
    c[7] = N;
    c[8] = products.length;
    products.forEach((p, g) => c.set(p, 16 + 9 * g));
    Atomics.store(c, 4, 0);
    Atomics.store(c, 3, 0);
    Atomics.add(c, 0, 1);
    Atomics.notify(c, 0);
    takeChunks(c, gemm);
    const n = this.threads.length;
    for (let done = Atomics.load(c, 3); done < n; done = Atomics.load(c, 3)) {
      Atomics.wait(c, 3, done);
    }
    if (Atomics.load(c, 6) !== 0) {
      throw new Error(
        "linear algebra: a worker thread failed in a matrix product",
      );
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

/** Runs a chain on the calling thread alone (`c`: scratch control words). */
function runLocal(
  c: Int32Array,
  gemm: Gemm,
  N: number,
  products: readonly Product[],
  chunk: number,
): void {
  c[4] = 0;
  c[5] = Math.max(1, chunk);
  c[7] = N;
  c[8] = products.length;
  products.forEach((p, g) => c.set(p, 16 + 9 * g));
  takeChunks(c, gemm);
}

/** Worker threads for a large problem: one per further core, at most {@linkcode MAX_WORKERS}. */
function workerCount(): number {
  const cores = globalThis.navigator?.hardwareConcurrency ?? 1;
  return Math.max(0, Math.min(MAX_WORKERS, cores - 1));
}

/** Options of {@linkcode openEngine}. */
export interface EngineOptions {
  /** Use the plain JavaScript product even where WebAssembly SIMD runs (for tests). */
  js?: boolean;
  /** Allow worker threads. Default true. */
  threads?: boolean;
  /** The public function the work is for, named in errors. Default `"householderQr"`. */
  fn?: string;
}

/**
 * The kernels with at least `bytes` of memory, and worker threads when the
 * problem has at least {@linkcode THREAD_FLOPS} flops. Call
 * {@linkcode Engine.close} when done.
 */
export function openEngine(
  bytes: number,
  flops: number,
  options: EngineOptions = {},
): Engine {
  const { js = false, threads = true, fn = "householderQr" } = options;
  const pages = Math.ceil(bytes / PAGE);
  if (pages > MAX_PAGES) {
    throw new RangeError(
      `${fn}: the matrix needs ${bytes} bytes of working memory, more than the 4 GiB WebAssembly can address`,
    );
  }
  const wasm = js ? null : compile();
  if (wasm === null) {
    const f = new Float64Array(pages * PAGE / 8);
    const gemm = gemmJs(f);
    const local = new Int32Array(64);
    return {
      f,
      gemm,
      chain: (N, products, chunk) => runLocal(local, gemm, N, products, chunk),
      kind: "js",
      workers: 0,
      close() {},
    };
  }
  const { module, kind, shared } = wasm;
  let memory = spare;
  spare = null;
  if (memory !== null) {
    const have = memory.buffer.byteLength / PAGE;
    if (have < pages) memory.grow(pages - have);
  }
  memory ??= newMemory(shared, pages);
  const instance = new WebAssembly.Instance(module, { env: { memory } });
  const kernel = (instance.exports as { gemm: Gemm }).gemm;
  const count = workerCount();
  let pool: Pool | null = null;
  if (threads && shared && count > 0 && flops >= THREAD_FLOPS && canBlock()) {
    try {
      pool = new Pool(module, memory, count);
    } catch {
      pool = null; // No workers here: the calling thread does it all.
    }
  }
  const local = new Int32Array(64);
  const chain = (N: number, products: readonly Product[], chunk: number) => {
    if (products.length > MAX_CHAIN) {
      throw new RangeError(`chain: at most ${MAX_CHAIN} products`);
    }
    let flops = 0;
    for (const [M, K] of products) flops += 2 * M * N * K;
    if (pool !== null && flops >= SPLIT_FLOPS && N >= 12 && pool.ready()) {
      // Chunks small enough to share the columns out evenly.
      const parts = 4 * (count + 1);
      const even = 6 * Math.max(1, Math.ceil(N / (6 * parts)));
      pool.run(kernel, N, products, Math.min(chunk, even));
    } else {
      runLocal(local, kernel, N, products, chunk);
    }
  };
  const keep = memory;
  return {
    f: new Float64Array(memory.buffer),
    gemm: kernel,
    chain,
    kind,
    workers: pool === null ? 0 : count,
    close(): void {
      pool?.close();
      pool = null;
      if (keep.buffer.byteLength <= KEEP_BYTES) spare = keep;
    },
  };
}
