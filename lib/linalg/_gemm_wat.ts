/**
 * The WebAssembly text of the matrix product behind `householderQr` and
 * `singularValues`, as a template: `deno task wasm` assembles its variants
 * into `_gemm_wasm.ts`. A template rather than a `.wat` file because the
 * register tiles are unrolled (6, 4 and 1 columns wide) and the module comes
 * in four variants:
 *
 * - `fused_shared`, `fused`: each step of the sum is one
 *   `f64x2.relaxed_madd` (a fused multiply-add where the hardware has one,
 *   else a multiply and an add);
 * - `plain_shared`, `plain`: `f64x2.mul` then `f64x2.add`, for runtimes
 *   without relaxed SIMD;
 * - `_shared`: the memory is a shared one, so that worker threads can run
 *   the same kernel on it; the others import an ordinary memory.
 *
 * The module imports its memory as `env.memory` and exports one function:
 *
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
 * C is computed in tiles of 4 rows × 6 columns held in f64x2 registers
 * (twelve accumulators, two A vectors and one B splat: the fifteen SIMD
 * registers V8 allocates on x64), then tiles of 4 and of 1 column for the
 * last columns. Each C element is read and written once per call, and
 * accumulated over k ascending in Float64.
 *
 * @module
 */

/** Tile widths, widest first: columns of C per register tile. */
const WIDTHS = [6, 4, 1] as const;
const MAX_PAGES = 65536; // 4 GiB, all that 32-bit addresses reach

const range = (n: number) => Array.from({ length: n }, (_, i) => i);

/** Lines joined at one indentation (the first line is placed by the caller). */
const indented = (spaces: number, lines: string[]) =>
  lines.join(`\n${" ".repeat(spaces)}`);

/** `acc += a * b` on f64x2, fused or not. */
function madd(fused: boolean, acc: string, a: string, b: string): string {
  return fused
    ? `(local.set ${acc} (f64x2.relaxed_madd (local.get ${a}) (local.get ${b}) (local.get ${acc})))`
    : `(local.set ${acc} (f64x2.add (f64x2.mul (local.get ${a}) (local.get ${b})) (local.get ${acc})))`;
}

/**
 * One pass over the rows of C for the `cols` columns starting at `$pbj`
 * (B) and `$pcj` (C): a 4×cols tile at a time, with accumulators
 * `$acc0 … $acc(2·cols − 1)` (two per column: rows 0–1 and rows 2–3).
 */
function tile(cols: number, fused: boolean): string {
  const q = range(cols);
  const zero = range(2 * cols).map((i) =>
    `(local.set $acc${i} (v128.const i64x2 0 0))`
  );
  const columnsOfB = q.slice(1).map((i) =>
    `(local.set $pb${i} (i32.add (local.get $pb${i - 1}) (local.get $ldb)))`
  );
  const step = q.flatMap((i) => [
    `(local.set $bv (v128.load64_splat (local.get $pb${i})))`,
    madd(fused, `$acc${2 * i}`, "$a0", "$bv"),
    madd(fused, `$acc${2 * i + 1}`, "$a1", "$bv"),
  ]);
  const nextK = q.map((i) =>
    `(local.set $pb${i} (i32.add (local.get $pb${i}) (i32.const 8)))`
  );
  const store = q.flatMap((i) => [
    `(v128.store (local.get $pa)
              (f64x2.add (v128.load (local.get $pa)) (local.get $acc${
      2 * i
    })))`,
    `(v128.store offset=16 (local.get $pa)
              (f64x2.add (v128.load offset=16 (local.get $pa)) (local.get $acc${
      2 * i + 1
    })))`,
    ...(i + 1 < cols
      ? ["(local.set $pa (i32.add (local.get $pa) (local.get $ldc)))"]
      : []),
  ]);
  return `;; Rows of C four at a time: $panel walks A's micro-panels, $pc C's rows.
        (local.set $panel (local.get $ap))
        (local.set $pc (local.get $pcj))
        (local.set $irem (local.get $M))
        (block $rows_done
          (loop $rows
            (br_if $rows_done (i32.le_s (local.get $irem) (i32.const 0)))
            ;; The tile's accumulators start at zero.
            ${indented(12, zero)}
            ;; $pa: A[4p .. 4p+3, k]; $pb(q): B[k, j + q].
            (local.set $pa (local.get $panel))
            (local.set $pb0 (local.get $pbj))
            ${indented(12, columnsOfB)}
            ;; For k = 0 .. K−1, ascending:
            ;; acc[:, q] += A[4p .. 4p+3, k] · B[k, j + q] for each column q.
            (local.set $k (local.get $K))
            (block $k_done
              (loop $k_loop
                (br_if $k_done (i32.le_s (local.get $k) (i32.const 0)))
                (local.set $a0 (v128.load (local.get $pa)))
                (local.set $a1 (v128.load offset=16 (local.get $pa)))
                ${indented(16, step)}
                (local.set $pa (i32.add (local.get $pa) (local.get $ak)))
                ${indented(16, nextK)}
                (local.set $k (i32.add (local.get $k) (i32.const -1)))
                (br $k_loop)))
            ;; C's tile += acc, column by column ($pa, done with A, walks C).
            (local.set $pa (local.get $pc))
            ${indented(12, store)}
            ;; The next four rows.
            (local.set $panel (i32.add (local.get $panel) (local.get $aps)))
            (local.set $pc (i32.add (local.get $pc) (i32.const 32)))
            (local.set $irem (i32.add (local.get $irem) (i32.const -4)))
            (br $rows)))`;
}

/** The columns of C `width` at a time, while at least `width` are left. */
function columns(width: number, fused: boolean): string {
  const next = range(width).flatMap(() => [
    "(local.set $pbj (i32.add (local.get $pbj) (local.get $ldb)))",
    "(local.set $pcj (i32.add (local.get $pcj) (local.get $ldc)))",
  ]);
  return `;; Columns ${width} at a time while at least ${width} are left.
    (block $cols${width}_done
      (loop $cols${width}
        (br_if $cols${width}_done
          (i32.lt_s (local.get $jrem) (i32.const ${width})))
        ${tile(width, fused)}
        ;; B's and C's next ${width === 1 ? "column" : `${width} columns`}.
        ${indented(8, next)}
        (local.set $jrem (i32.add (local.get $jrem) (i32.const -${width})))
        (br $cols${width})))`;
}

/** The module text of one variant. */
function gemm(fused: boolean, shared: boolean): string {
  const wide = WIDTHS[0];
  return `;; C += A·B on f64x2 (${
    fused ? "each step one f64x2.relaxed_madd" : "f64x2.mul then f64x2.add"
  }), on ${shared ? "a shared" : "an unshared"} memory; see _gemm_wat.ts.
(module
  (import "env" "memory" (memory 1 ${MAX_PAGES}${shared ? " shared" : ""}))
  (func (export "gemm")
    (param $M i32) (param $N i32) (param $K i32)
    (param $ap i32) (param $aps i32) (param $ak i32)
    (param $b i32) (param $ldb i32) (param $c i32) (param $ldc i32)
    ;; Columns and rows of C still to do, and k's countdown.
    (local $jrem i32) (local $irem i32) (local $k i32)
    ;; A in the k loop (then C's tile in its update); the current
    ;; micro-panel of A; B's and C's first column of the tile; C's tile.
    (local $pa i32) (local $panel i32) (local $pbj i32)
    (local $pcj i32) (local $pc i32)
    ;; B[k, j + q] for each column q of the tile.
    ${range(wide).map((i) => `(local $pb${i} i32)`).join(" ")}
    ;; The tile of C: $acc(2q) holds rows 0–1 and $acc(2q+1) rows 2–3 of
    ;; column q.
    ${range(2 * wide).map((i) => `(local $acc${i} v128)`).join(" ")}
    ;; A's four rows at k, and B[k, j + q] in both lanes.
    (local $a0 v128) (local $a1 v128) (local $bv v128)
    (local.set $pbj (local.get $b))
    (local.set $pcj (local.get $c))
    (local.set $jrem (local.get $N))
    ${WIDTHS.map((width) => columns(width, fused)).join("\n    ")}))
`;
}

/** The module text by variant: fused or plain, on shared memory or not. */
export const WAT: Record<string, string> = {
  fused_shared: gemm(true, true),
  plain_shared: gemm(false, true),
  fused: gemm(true, false),
  plain: gemm(false, false),
};
