/**
 * WebAssembly SIMD kernels for the band-to-bidiagonal chase: applying one
 * Householder reflector to a block of band storage from the right or the
 * left, on `f64x2` (plain multiply and add, so the rounding is the same
 * everywhere). Emitted with `_wasm_writer.ts` and compiled once, on first
 * use; `null` where WebAssembly SIMD is missing.
 *
 * @module
 */
import {
  F64,
  FunctionWriter,
  I32,
  OP,
  SIMD,
  V128,
  writeModule,
} from "./_wasm_writer.ts";

/**
 * `right(base, stride, rows, len, v, w, tau)`: with C the rows×len block
 * whose column j starts at `base + j·stride` (bytes; each column's rows
 * contiguous), computes w = C·v (rows doubles at `w`) and then
 * C −= τ·w·vᵀ: the reflector I − τ·v·vᵀ applied from the right.
 */
export type RightKernel = (
  base: number,
  stride: number,
  rows: number,
  len: number,
  v: number,
  w: number,
  tau: number,
) => void;

/**
 * `left(base, stride, len, cols, v, tau)`: for each of `cols` columns
 * c (len contiguous doubles at `base + q·stride`), c −= τ·(vᵀc)·v: the
 * reflector applied from the left.
 */
export type LeftKernel = (
  base: number,
  stride: number,
  len: number,
  cols: number,
  v: number,
  tau: number,
) => void;

/** Emits `block { loop { if (cond) break; body; br loop } }`, cond leaving an i32. */
function loopUntil(
  w: FunctionWriter,
  exitCondition: () => void,
  body: () => void,
): void {
  w.block(() =>
    w.loop(() => {
      exitCondition();
      w.brIf(1);
      body();
      w.br(0);
    })
  );
}

/** Emits `local += step`. */
function bump(w: FunctionWriter, local: number, step: number): void {
  w.get(local).i32(step).raw(OP.i32Add).set(local);
}

/**
 * Emits, for i over 0 … n−1 two at a time (then one), `pair(pi)` with `pi`
 * the byte offset 8·i in a local, and `single(pi)` for an odd last one.
 */
function overPairs(
  w: FunctionWriter,
  n: number,
  pi: number,
  end: number,
  pair: () => void,
  single: () => void,
): void {
  // end = 8·n; pi = 0
  w.get(n).i32(3).raw(OP.i32Shl).set(end);
  w.i32(0).set(pi);
  loopUntil(
    w,
    () => w.get(pi).i32(16).raw(OP.i32Add).get(end).raw(OP.i32GtS),
    () => {
      pair();
      bump(w, pi, 16);
    },
  );
  w.get(pi).get(end).raw(OP.i32LtS).if(single);
}

function rightKernel(): FunctionWriter {
  const w = new FunctionWriter("right", [I32, I32, I32, I32, I32, I32, F64]);
  const [BASE, STRIDE, ROWS, LEN, VP, WP, TAU] = [0, 1, 2, 3, 4, 5, 6];
  const j = w.local(I32);
  const col = w.local(I32);
  const pi = w.local(I32);
  const end = w.local(I32);
  const pv = w.local(I32);
  const s = w.local(V128);
  const x = w.local(F64);
  // w = 0
  overPairs(w, ROWS, pi, end, () => {
    w.get(WP).get(pi).raw(OP.i32Add)
      .simd(SIMD.v128Const, ...new Array(16).fill(0))
      .simdMem(SIMD.v128Store, 3, 0);
  }, () => {
    w.get(WP).get(pi).raw(OP.i32Add).f64(0).mem(OP.f64Store, 3, 0);
  });
  // w += v[j]·C[:, j]
  w.i32(0).set(j).get(BASE).set(col).get(VP).set(pv);
  loopUntil(w, () => w.get(j).get(LEN).raw(OP.i32GeS), () => {
    w.get(pv).mem(OP.f64Load, 3, 0).set(x);
    w.get(x).simd(SIMD.f64x2Splat).set(s);
    overPairs(w, ROWS, pi, end, () => {
      // w[i] += s·C[i]
      w.get(WP).get(pi).raw(OP.i32Add);
      w.get(WP).get(pi).raw(OP.i32Add).simdMem(SIMD.v128Load, 3, 0);
      w.get(col).get(pi).raw(OP.i32Add).simdMem(SIMD.v128Load, 3, 0);
      w.get(s).simd(SIMD.f64x2Mul).simd(SIMD.f64x2Add);
      w.simdMem(SIMD.v128Store, 3, 0);
    }, () => {
      w.get(WP).get(pi).raw(OP.i32Add);
      w.get(WP).get(pi).raw(OP.i32Add).mem(OP.f64Load, 3, 0);
      w.get(col).get(pi).raw(OP.i32Add).mem(OP.f64Load, 3, 0);
      w.get(x).raw(OP.f64Mul).raw(OP.f64Add);
      w.mem(OP.f64Store, 3, 0);
    });
    bump(w, j, 1);
    bump(w, pv, 8);
    w.get(col).get(STRIDE).raw(OP.i32Add).set(col);
  });
  // C[:, j] −= (τ·v[j])·w
  w.i32(0).set(j).get(BASE).set(col).get(VP).set(pv);
  loopUntil(w, () => w.get(j).get(LEN).raw(OP.i32GeS), () => {
    w.get(pv).mem(OP.f64Load, 3, 0).get(TAU).raw(OP.f64Mul).set(x);
    w.get(x).simd(SIMD.f64x2Splat).set(s);
    overPairs(w, ROWS, pi, end, () => {
      w.get(col).get(pi).raw(OP.i32Add);
      w.get(col).get(pi).raw(OP.i32Add).simdMem(SIMD.v128Load, 3, 0);
      w.get(WP).get(pi).raw(OP.i32Add).simdMem(SIMD.v128Load, 3, 0);
      w.get(s).simd(SIMD.f64x2Mul).simd(SIMD.f64x2Sub);
      w.simdMem(SIMD.v128Store, 3, 0);
    }, () => {
      w.get(col).get(pi).raw(OP.i32Add);
      w.get(col).get(pi).raw(OP.i32Add).mem(OP.f64Load, 3, 0);
      w.get(WP).get(pi).raw(OP.i32Add).mem(OP.f64Load, 3, 0);
      w.get(x).raw(OP.f64Mul).raw(OP.f64Sub);
      w.mem(OP.f64Store, 3, 0);
    });
    bump(w, j, 1);
    bump(w, pv, 8);
    w.get(col).get(STRIDE).raw(OP.i32Add).set(col);
  });
  return w;
}

function leftKernel(): FunctionWriter {
  const w = new FunctionWriter("left", [I32, I32, I32, I32, I32, F64]);
  const [BASE, STRIDE, LEN, COLS, VP, TAU] = [0, 1, 2, 3, 4, 5];
  const q = w.local(I32);
  const col = w.local(I32);
  const pi = w.local(I32);
  const end = w.local(I32);
  const acc = w.local(V128);
  const s = w.local(V128);
  const x = w.local(F64);
  w.i32(0).set(q).get(BASE).set(col);
  loopUntil(w, () => w.get(q).get(COLS).raw(OP.i32GeS), () => {
    // x = vᵀc
    w.simd(SIMD.v128Const, ...new Array(16).fill(0)).set(acc);
    w.f64(0).set(x);
    overPairs(w, LEN, pi, end, () => {
      w.get(VP).get(pi).raw(OP.i32Add).simdMem(SIMD.v128Load, 3, 0);
      w.get(col).get(pi).raw(OP.i32Add).simdMem(SIMD.v128Load, 3, 0);
      w.simd(SIMD.f64x2Mul).get(acc).simd(SIMD.f64x2Add).set(acc);
    }, () => {
      w.get(VP).get(pi).raw(OP.i32Add).mem(OP.f64Load, 3, 0);
      w.get(col).get(pi).raw(OP.i32Add).mem(OP.f64Load, 3, 0);
      w.raw(OP.f64Mul).set(x);
    });
    w.get(acc).simd(SIMD.f64x2ExtractLane, 0);
    w.get(acc).simd(SIMD.f64x2ExtractLane, 1).raw(OP.f64Add);
    w.get(x).raw(OP.f64Add).get(TAU).raw(OP.f64Mul).set(x);
    w.get(x).simd(SIMD.f64x2Splat).set(s);
    // c −= x·v
    overPairs(w, LEN, pi, end, () => {
      w.get(col).get(pi).raw(OP.i32Add);
      w.get(col).get(pi).raw(OP.i32Add).simdMem(SIMD.v128Load, 3, 0);
      w.get(VP).get(pi).raw(OP.i32Add).simdMem(SIMD.v128Load, 3, 0);
      w.get(s).simd(SIMD.f64x2Mul).simd(SIMD.f64x2Sub);
      w.simdMem(SIMD.v128Store, 3, 0);
    }, () => {
      w.get(col).get(pi).raw(OP.i32Add);
      w.get(col).get(pi).raw(OP.i32Add).mem(OP.f64Load, 3, 0);
      w.get(VP).get(pi).raw(OP.i32Add).mem(OP.f64Load, 3, 0);
      w.get(x).raw(OP.f64Mul).raw(OP.f64Sub);
      w.mem(OP.f64Store, 3, 0);
    });
    bump(w, q, 1);
    w.get(col).get(STRIDE).raw(OP.i32Add).set(col);
  });
  return w;
}

const PAGE = 65536;
const MAX_PAGES = 65536;

let compiled: WebAssembly.Module | null | undefined;

function compile(): WebAssembly.Module | null {
  if (compiled !== undefined) return compiled;
  compiled = null;
  try {
    if (typeof WebAssembly !== "object") return compiled;
    const bytes = writeModule([rightKernel(), leftKernel()], {
      initial: 1,
      maximum: MAX_PAGES,
      shared: false,
    });
    if (!WebAssembly.validate(bytes)) return compiled;
    compiled = new WebAssembly.Module(bytes);
  } catch {
    compiled = null; // No WebAssembly SIMD here.
  }
  return compiled;
}

/** The kernels on a fresh memory of at least `bytes` bytes. */
export interface ChaseKernels {
  /** A view of the whole memory. */
  f: Float64Array;
  right: RightKernel;
  left: LeftKernel;
}

/** The chase kernels on a memory of at least `bytes`, or `null` without WebAssembly SIMD. */
export function chaseKernels(bytes: number): ChaseKernels | null {
  const module = compile();
  if (module === null) return null;
  const pages = Math.max(1, Math.ceil(bytes / PAGE));
  if (pages > MAX_PAGES) return null;
  const memory = new WebAssembly.Memory({ initial: pages, maximum: MAX_PAGES });
  const instance = new WebAssembly.Instance(module, { env: { memory } });
  const exports = instance.exports as { right: RightKernel; left: LeftKernel };
  return {
    f: new Float64Array(memory.buffer),
    right: exports.right,
    left: exports.left,
  };
}
