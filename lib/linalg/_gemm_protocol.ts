/**
 * What the calling thread and the gemm worker threads share: the kernel's
 * signature, the products of a chain, the control words in shared memory
 * that hand the products out, the messages between the threads, and
 * {@linkcode takeChunks}, the loop every thread runs.
 *
 * @module
 */

/**
 * `C += A·B`; every pointer and stride in bytes (see `_gemm_wat.ts`): A is
 * M×K read four rows at a time (A[4p + r, k] at `ap + p·aps + k·ak + r·8`),
 * B is K×N column-major (B[k, j] at `b + k·8 + j·ldb`), C is M×N
 * column-major (C[i, j] at `c + i·8 + j·ldc`).
 */
export type Gemm = (M: number, N: number, ...operands: Operands) => void;

/** {@linkcode Gemm}'s arguments after M and N (bytes). */
type Operands = [
  K: number,
  ap: number,
  aps: number,
  ak: number,
  b: number,
  ldb: number,
  c: number,
  ldc: number,
];

/**
 * One product of a chain: {@linkcode Gemm}'s arguments without N, as
 * `[M, K, ap, aps, ak, b, ldb, c, ldc]` (bytes).
 */
export type Product = [M: number, ...operands: Operands];

/** At most this many products in one chain. */
export const MAX_CHAIN = 3;

/**
 * The control words: indices into an `Int32Array` on a `SharedArrayBuffer`
 * of {@linkcode CONTROL_WORDS} words, read and written with `Atomics`.
 */
export const Control = {
  /** Bumped for every command; the workers wait on it. */
  job: 0,
  /** The command that goes with the latest job: a {@linkcode Command}. */
  command: 1,
  /** Workers that have compiled the kernel and wait for jobs. */
  ready: 2,
  /** Workers done with the current job; the calling thread waits on it. */
  done: 3,
  /** The next column of the chain no thread has taken yet. */
  nextColumn: 4,
  /** Columns per chunk. */
  chunk: 5,
  /** Nonzero once a worker has thrown in a product. */
  failed: 6,
  /** Columns N of the chain. */
  columns: 7,
  /** Products in the chain (at most {@linkcode MAX_CHAIN}). */
  count: 8,
  /** The products, {@linkcode PRODUCT_WORDS} words each, in chain order. */
  products: 16,
} as const;

/** The words of one product in the control words, in {@linkcode Product}'s order. */
export const ProductWord = {
  M: 0,
  K: 1,
  ap: 2,
  aps: 3,
  ak: 4,
  b: 5,
  ldb: 6,
  c: 7,
  ldc: 8,
} as const;

/** Words per product in the control words. */
export const PRODUCT_WORDS = 9;

/** Length of the control words. */
export const CONTROL_WORDS = Control.products + PRODUCT_WORDS * MAX_CHAIN;

/** What a worker is asked to do when {@linkcode Control.job} changes. */
export const Command = {
  /** Take chunks of the chain in the control words until none is left. */
  run: 0,
  /** Finish. */
  quit: 1,
} as const;

/** The message that starts a worker. */
export interface StartMessage {
  /** The compiled kernel (a shared-memory variant). */
  module: WebAssembly.Module;
  /** The memory the calling thread's instance works in. */
  memory: WebAssembly.Memory;
  /** The control words' buffer. */
  control: SharedArrayBuffer;
}

/** A worker's reply: ready for jobs, or it could not start (and why). */
export type WorkerMessage =
  | { type: "ready" }
  | { type: "failed"; message: string };

/** Writes a chain into the control words (`chunk` columns at a time, from column 0). */
export function postChain(
  c: Int32Array,
  N: number,
  products: readonly Product[],
  chunk: number,
): void {
  c[Control.chunk] = chunk;
  c[Control.columns] = N;
  c[Control.count] = products.length;
  products.forEach((p, g) => c.set(p, Control.products + PRODUCT_WORDS * g));
}

/**
 * Runs chunks of the chain in the control words `c` until none is left:
 * takes the next `chunk` columns and runs each product on them, in order.
 * The calling thread and the workers all run it.
 */
export function takeChunks(c: Int32Array, gemm: Gemm): void {
  const n = c[Control.columns];
  const count = c[Control.count];
  const chunk = c[Control.chunk];
  for (
    let j = Atomics.add(c, Control.nextColumn, chunk);
    j < n;
    j = Atomics.add(c, Control.nextColumn, chunk)
  ) {
    const cols = Math.min(chunk, n - j);
    for (let g = 0; g < count; g++) {
      const p = Control.products + PRODUCT_WORDS * g;
      // Pointers are unsigned (memory reaches 4 GiB); `>>> 0` reads them so.
      const ldb = c[p + ProductWord.ldb];
      const ldc = c[p + ProductWord.ldc];
      gemm(
        c[p + ProductWord.M],
        cols,
        c[p + ProductWord.K],
        c[p + ProductWord.ap] >>> 0,
        c[p + ProductWord.aps],
        c[p + ProductWord.ak],
        (c[p + ProductWord.b] >>> 0) + j * ldb,
        ldb,
        (c[p + ProductWord.c] >>> 0) + j * ldc,
        ldc,
      );
    }
  }
}
