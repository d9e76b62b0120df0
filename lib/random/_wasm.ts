/**
 * The Philox-4x32-10 kernel as WebAssembly, assembled here from raw bytes
 * (the project has no WebAssembly toolchain yet, so the module is written
 * opcode by opcode), with the float32 transforms that follow it in the hot
 * loops.
 *
 * WebAssembly gives the one thing plain JavaScript lacks for Philox: a
 * 32×32→64-bit multiply (`i64.mul`, or `i64x2.extmul_*_i32x4_u` in SIMD).
 * The kernel computes the same function as the plain JavaScript of
 * `_philox_js.ts`, which stays the reference: the tests compare the two, and
 * both against the Random123 known answers.
 *
 * Memory layout (one exported memory `mem`):
 *
 * | from byte            | contents                                                  |
 * | -------------------- | --------------------------------------------------------- |
 * | `0`                  | the chunk: up to `CHUNK_BLOCKS` Philox blocks (4 words each) |
 * | `FLOAT_BASE`         | one float32 per chunk word, from `normal32` or `uniform32` |
 * | `K_BASE`, `W_BASE`   | the 24-bit Ziggurat tables (512 int32, 512 float64)        |
 * | `SLOW_BASE`          | `normal32`'s slow list: byte addresses of chunk words      |
 * | `EXTRA_BASE`         | `extras`' output: one Philox block per listed element      |
 *
 * Functions:
 *
 * - `blocks(ptr, c0, c1, c2, c3, k0, k1, n)`: Philox of the counters
 *   `[c0 + b, c1, c2, c3]`, `b = 0 … n − 1`, under the key `[k0, k1]`, as 4
 *   words each, block after block, from byte address `ptr` (scalar);
 * - `blocks4(…)`: the same, four blocks per step in SIMD (`n` a multiple of 4);
 * - `normal32(n)`: the Ziggurat's fast path over the first `n` words
 *   (`normal32x4`: the same in SIMD);
 * - `uniform32(n)`: uniform float32 from the first `n` words (SIMD);
 * - `extras(count, jbLo, jbHi, stream, k0, k1)`: the first extra block of
 *   each element on the slow list.
 *
 * In `blocks` and `blocks4` the caller keeps `c0 + n ≤ 2^32` (no carry into
 * `c1` inside one call).
 *
 * @module
 */
import { Z24 } from "./_ziggurat.ts";

/** Blocks (of 4 words) in one chunk: the most one kernel call writes. */
export const CHUNK_BLOCKS = 4096;

/** First Philox-4x32 multiplier (Salmon et al. 2011, Table 2). */
export const PHILOX_M0 = 0xD2511F53;
/** Second Philox-4x32 multiplier. */
export const PHILOX_M1 = 0xCD9E8D57;
/** Key increment for key word 0 (the golden ratio, 2^32·(√5 − 1)/2). */
export const PHILOX_W0 = 0x9E3779B9;
/** Key increment for key word 1 (2^32·(√3 − 1)). */
export const PHILOX_W1 = 0xBB67AE85;

/** The signature of `blocks` and `blocks4`. */
export type BlocksFunction = (
  ptr: number,
  c0: number,
  c1: number,
  c2: number,
  c3: number,
  k0: number,
  k1: number,
  n: number,
) => void;

/** A compiled kernel: views of its memory, and its functions. */
export interface PhiloxKernel {
  /** The chunk as words: a call with `ptr` writes block `b` to `words[ptr/4 + 4b …]`. */
  readonly words: Uint32Array;
  /** The float area: the transforms' result for chunk word `t` is `floats[t]`. */
  readonly floats: Float32Array;
  /** The slow list: entry `q` is the byte address `4t` of a chunk word `t`. */
  readonly slow: Uint32Array;
  /** Where `extras` writes: block `q` at `extraWords[4q …]`. */
  readonly extraWords: Uint32Array;
  /** Scalar Philox blocks. */
  blocks: BlocksFunction;
  /** SIMD Philox blocks, or `null` where the runtime lacks WebAssembly SIMD. */
  blocks4: BlocksFunction | null;
  /**
   * The Ziggurat's fast path over words `0 … n − 1` with the 24-bit tables:
   * `floats[t]` becomes the float32 `m·W[s]` for word `w = words[t]`
   * (`s = w & 511`, `m = (w >>> 8) | 1`); the words with `m ≥ K[s]` also go
   * on the slow list (their floats are to be overwritten). Returns the
   * list's length.
   */
  normal32(n: number): number;
  /** `normal32` four words at a time in SIMD (`n` a multiple of 4), or `null`. */
  normal32x4: ((n: number) => number) | null;
  /** `floats[t] = (words[t] >>> 8) · 2^−24` for `t < n` (SIMD), or `null`. */
  uniform32: ((n: number) => void) | null;
  /**
   * Extra block 0 of element `jb + t` for each of the first `count` entries
   * `4t` on the slow list (`jb = jbHi·2^32 + jbLo`), to `extraWords`.
   */
  extras(
    count: number,
    jbLo: number,
    jbHi: number,
    stream: number,
    k0: number,
    k1: number,
  ): void;
}

// --- encoding helpers --------------------------------------------------------

/** Unsigned LEB128. */
function uleb(n: number): number[] {
  const out: number[] = [];
  do {
    let byte = n & 0x7f;
    n >>>= 7;
    if (n !== 0) byte |= 0x80;
    out.push(byte);
  } while (n !== 0);
  return out;
}

/** Signed LEB128 of a 32-bit integer (given as int32 or uint32). */
function sleb32(n: number): number[] {
  n |= 0;
  const out: number[] = [];
  while (true) {
    const byte = n & 0x7f;
    n >>= 7;
    if ((n === 0 && (byte & 0x40) === 0) || (n === -1 && (byte & 0x40) !== 0)) {
      out.push(byte);
      return out;
    }
    out.push(byte | 0x80);
  }
}

/** Signed LEB128 of a non-negative integer below 2^53 (for i64.const). */
function sleb64(n: number): number[] {
  const out: number[] = [];
  while (true) {
    const byte = n % 128;
    n = Math.floor(n / 128);
    if (n === 0 && (byte & 0x40) === 0) {
      out.push(byte);
      return out;
    }
    out.push(byte | 0x80);
  }
}

function section(id: number, body: number[]): number[] {
  return [id, ...uleb(body.length), ...body];
}

function vec(items: number[][]): number[] {
  return [...uleb(items.length), ...items.flat()];
}

function name(s: string): number[] {
  const bytes = [...new TextEncoder().encode(s)];
  return [...uleb(bytes.length), ...bytes];
}

// Opcodes used below.
const I32 = 0x7f, I64 = 0x7e, V128 = 0x7b;
const LOCAL_GET = 0x20, LOCAL_SET = 0x21, LOCAL_TEE = 0x22;
const I32_CONST = 0x41, I64_CONST = 0x42;
const I32_ADD = 0x6a, I32_XOR = 0x73, I32_SUB = 0x6b;
const I32_STORE = 0x36, I32_EQZ = 0x45;
const I64_MUL = 0x7e, I64_SHR_U = 0x88, I64_EXTEND_I32_U = 0xad;
const I64_SHL = 0x86, I64_OR = 0x84, I64_ADD = 0x7c;
const I32_WRAP_I64 = 0xa7;
const BLOCK = 0x02, LOOP = 0x03, BR_IF = 0x0d, END = 0x0b, VOID = 0x40;
const SIMD = 0xfd;
const simd = (op: number) => [SIMD, ...uleb(op)];
const V128_LOAD = 0x00, V128_STORE = 0x0b, V128_CONST = 0x0c;
const I8X16_SHUFFLE = 0x0d, I32X4_SPLAT = 0x11;
const V128_XOR = 0x51, I32X4_ADD = 0xae;
const I64X2_EXTMUL_LOW_U = 0xde, I64X2_EXTMUL_HIGH_U = 0xdf;

const get = (i: number) => [LOCAL_GET, i];
const set = (i: number) => [LOCAL_SET, i];
const i32c = (n: number) => [I32_CONST, ...sleb32(n)];

// --- the scalar kernel -------------------------------------------------------

/**
 * Emits the ten Philox rounds over the i32 locals `X` (the counter, becoming
 * the output) and `KK0`, `KK1` (the key, bumped between rounds), with two
 * i64 locals `P0`, `P1` for the products.
 */
function philoxRounds(
  code: number[],
  X: number[],
  KK0: number,
  KK1: number,
  P0: number,
  P1: number,
): void {
  for (let round = 0; round < 10; round++) {
    if (round > 0) {
      code.push(...get(KK0), ...i32c(PHILOX_W0), I32_ADD, ...set(KK0));
      code.push(...get(KK1), ...i32c(PHILOX_W1), I32_ADD, ...set(KK1));
    }
    // p0 = x0 * M0, p1 = x2 * M1 (as 64-bit products)
    code.push(...get(X[0]), I64_EXTEND_I32_U, I64_CONST, ...sleb64(PHILOX_M0));
    code.push(I64_MUL, LOCAL_SET, P0);
    code.push(...get(X[2]), I64_EXTEND_I32_U, I64_CONST, ...sleb64(PHILOX_M1));
    code.push(I64_MUL, LOCAL_SET, P1);
    // x0' = hi(p1) ^ x1 ^ kk0 ; x2' = hi(p0) ^ x3 ^ kk1 ; x1' = lo(p1) ; x3' = lo(p0)
    code.push(LOCAL_GET, P1, I64_CONST, 32, I64_SHR_U, I32_WRAP_I64);
    code.push(...get(X[1]), I32_XOR, ...get(KK0), I32_XOR, ...set(X[0]));
    code.push(LOCAL_GET, P0, I64_CONST, 32, I64_SHR_U, I32_WRAP_I64);
    code.push(...get(X[3]), I32_XOR, ...get(KK1), I32_XOR, ...set(X[2]));
    code.push(LOCAL_GET, P1, I32_WRAP_I64, ...set(X[1]));
    code.push(LOCAL_GET, P0, I32_WRAP_I64, ...set(X[3]));
  }
}

/**
 * Body of `blocks(ptr, c0, c1, c2, c3, k0, k1, n)`.
 * Locals: 0 ptr, 1..7 params, 8..11 x0..x3, 12 kk0, 13 kk1, 14 p0 (i64), 15 p1 (i64).
 */
function scalarBody(): number[] {
  const [PTR, C0, C1, C2, C3, K0, K1, N] = [0, 1, 2, 3, 4, 5, 6, 7];
  const X = [8, 9, 10, 11], KK0 = 12, KK1 = 13, P0 = 14, P1 = 15;
  const code: number[] = [];
  const locals = vec([[6, I32], [2, I64]]); // i32 8..13, i64 14..15
  // if n == 0 return
  code.push(BLOCK, VOID, ...get(N), I32_EQZ, BR_IF, 0);
  code.push(LOOP, VOID);
  // x = counter, kk = key
  code.push(...get(C0), ...set(X[0]), ...get(C1), ...set(X[1]));
  code.push(...get(C2), ...set(X[2]), ...get(C3), ...set(X[3]));
  code.push(...get(K0), ...set(KK0), ...get(K1), ...set(KK1));
  philoxRounds(code, X, KK0, KK1, P0, P1);
  for (let l = 0; l < 4; l++) {
    code.push(...get(PTR), ...get(X[l]), I32_STORE, 2, ...uleb(4 * l));
  }
  // ptr += 16; c0 += 1; n -= 1; loop while n != 0
  code.push(...get(PTR), ...i32c(16), I32_ADD, ...set(PTR));
  code.push(...get(C0), ...i32c(1), I32_ADD, ...set(C0));
  code.push(...get(N), ...i32c(1), I32_SUB, LOCAL_TEE, N, BR_IF, 0);
  code.push(END, END, END);
  return [...locals, ...code];
}

// --- the SIMD kernel ---------------------------------------------------------

/** Byte lanes of `i8x16.shuffle` taking 32-bit lanes `lanes` of (a ++ b). */
function lanes32(lanes: number[]): number[] {
  return lanes.flatMap((l) => [4 * l, 4 * l + 1, 4 * l + 2, 4 * l + 3]);
}

/**
 * Body of `blocks4(ptr, c0, c1, c2, c3, k0, k1, n)`: lane j of the vectors
 * X0..X3 holds word 0..3 of block (base + j); after ten rounds a 4×4
 * transpose turns the lanes back into blocks.
 * Locals: 0 ptr, 1..7 params, then v128: 8..11 X, 12..13 the key,
 * 14..15 the multipliers, 16..17 the key increments, 18..19 high product
 * halves, 20..23 low halves and transpose temporaries, 24 the counter
 * lanes, 25 the counter step (4, 4, 4, 4), 26..27 the two 64-bit products.
 */
function simdBody(): number[] {
  const [PTR, C0, C1, C2, C3, K0, K1, N] = [0, 1, 2, 3, 4, 5, 6, 7];
  const X = [8, 9, 10, 11], VK0 = 12, VK1 = 13;
  const VM0 = 14, VM1 = 15, VW0 = 16, VW1 = 17, HI0 = 18, HI1 = 19;
  const T = [20, 21, 22, 23], CTR = 24, STEP = 25, EL = 26, EH = 27;
  const locals = vec([[20, V128]]);
  const code: number[] = [];
  const splat = (src: number[], dst: number) =>
    code.push(...src, ...simd(I32X4_SPLAT), ...set(dst));
  splat(i32c(PHILOX_M0), VM0);
  splat(i32c(PHILOX_M1), VM1);
  splat(i32c(PHILOX_W0), VW0);
  splat(i32c(PHILOX_W1), VW1);
  splat(i32c(4), STEP);
  // CTR = (c0, c0 + 1, c0 + 2, c0 + 3)
  code.push(...get(C0), ...simd(I32X4_SPLAT));
  code.push(
    ...simd(V128_CONST),
    0,
    0,
    0,
    0,
    1,
    0,
    0,
    0,
    2,
    0,
    0,
    0,
    3,
    0,
    0,
    0,
  );
  code.push(...simd(I32X4_ADD), ...set(CTR));
  code.push(BLOCK, VOID, ...get(N), I32_EQZ, BR_IF, 0);
  code.push(LOOP, VOID);
  code.push(...get(CTR), ...set(X[0]));
  splat(get(C1), X[1]);
  splat(get(C2), X[2]);
  splat(get(C3), X[3]);
  splat(get(K0), VK0);
  splat(get(K1), VK1);
  for (let round = 0; round < 10; round++) {
    if (round > 0) {
      code.push(...get(VK0), ...get(VW0), ...simd(I32X4_ADD), ...set(VK0));
      code.push(...get(VK1), ...get(VW1), ...simd(I32X4_ADD), ...set(VK1));
    }
    // HI0:T0 = X0 * M0 and HI1:T1 = X2 * M1, lane by lane, as 64-bit products
    const products = [[X[0], VM0, HI0, T[0]], [X[2], VM1, HI1, T[1]]];
    for (const [src, m, hi, lo] of products) {
      code.push(
        ...get(src),
        ...get(m),
        ...simd(I64X2_EXTMUL_LOW_U),
        ...set(EL),
      );
      code.push(
        ...get(src),
        ...get(m),
        ...simd(I64X2_EXTMUL_HIGH_U),
        ...set(EH),
      );
      code.push(...get(EL), ...get(EH), ...simd(I8X16_SHUFFLE));
      code.push(...lanes32([1, 3, 5, 7]), ...set(hi));
      code.push(...get(EL), ...get(EH), ...simd(I8X16_SHUFFLE));
      code.push(...lanes32([0, 2, 4, 6]), ...set(lo));
    }
    // X0' = HI1 ^ X1 ^ K0 ; X2' = HI0 ^ X3 ^ K1
    code.push(...get(HI1), ...get(X[1]), ...simd(V128_XOR), ...get(VK0));
    code.push(...simd(V128_XOR), ...set(X[0]));
    code.push(...get(HI0), ...get(X[3]), ...simd(V128_XOR), ...get(VK1));
    code.push(...simd(V128_XOR), ...set(X[2]));
    code.push(...get(T[1]), ...set(X[1]), ...get(T[0]), ...set(X[3]));
  }
  // Transpose: rows are blocks.
  const shuffle = (a: number, b: number, ls: number[], dst: number) =>
    code.push(
      ...get(a),
      ...get(b),
      ...simd(I8X16_SHUFFLE),
      ...lanes32(ls),
      ...set(dst),
    );
  shuffle(X[0], X[1], [0, 4, 1, 5], T[0]); // x0_0 x1_0 x0_1 x1_1
  shuffle(X[0], X[1], [2, 6, 3, 7], T[1]); // x0_2 x1_2 x0_3 x1_3
  shuffle(X[2], X[3], [0, 4, 1, 5], T[2]); // x2_0 x3_0 x2_1 x3_1
  shuffle(X[2], X[3], [2, 6, 3, 7], T[3]); // x2_2 x3_2 x2_3 x3_3
  const rows: [number, number, number[]][] = [
    [T[0], T[2], [0, 1, 4, 5]],
    [T[0], T[2], [2, 3, 6, 7]],
    [T[1], T[3], [0, 1, 4, 5]],
    [T[1], T[3], [2, 3, 6, 7]],
  ];
  rows.forEach(([a, b, ls], row) => {
    code.push(...get(PTR), ...get(a), ...get(b), ...simd(I8X16_SHUFFLE));
    code.push(...lanes32(ls), ...simd(V128_STORE), 4, ...uleb(16 * row));
  });
  code.push(...get(PTR), ...i32c(64), I32_ADD, ...set(PTR));
  code.push(...get(CTR), ...get(STEP), ...simd(I32X4_ADD), ...set(CTR));
  code.push(...get(N), ...i32c(4), I32_SUB, LOCAL_TEE, N, BR_IF, 0);
  code.push(END, END, END);
  return [...locals, ...code];
}

// --- float transforms of the chunk ------------------------------------------

const I32_LOAD = 0x28, F64_LOAD = 0x2b, F32_STORE = 0x38;
const I32_AND = 0x71, I32_OR = 0x72, I32_SHL = 0x74, I32_SHR_U = 0x76;
const I32_NE = 0x47, I32_GE_U = 0x4f, I32_GE_S = 0x4e;
const F64_CONVERT_I32_S = 0xb7, F64_MUL = 0xa2, F32_DEMOTE_F64 = 0xb6;
const BR = 0x0c, RETURN = 0x0f;
const I32X4_SHR_U = 0xad, I32X4_SHL = 0xab, I32X4_EXTRACT_LANE = 0x1b;
const I32X4_GE_S = 0x3f, V128_AND = 0x4e, V128_OR = 0x50, V128_ANY_TRUE = 0x53;
const V128_LOAD32_LANE = 0x56, V128_LOAD64_LANE = 0x57;
const V128_LOAD32_ZERO = 0x5c, V128_LOAD64_ZERO = 0x5d;
const F32X4_DEMOTE_F64X2_ZERO = 0x5e, F64X2_CONVERT_LOW_I32X4_S = 0xfe;
const F64X2_MUL = 0xf2, IF = 0x04;
const F32X4_CONVERT_I32X4_S = 0xfa, F32X4_MUL = 0xe6;

/**
 * Body of `normal32(n) → slowCount`: the Ziggurat fast path over words
 * `0 … n − 1`. Word `t` gives the float32 `m · W[s]` at `FLOAT_BASE + 4t`
 * (`s = w & 511`, `m = (w >>> 8) | 1`), the product rounded once to double
 * and then to float32 (`f32.demote_f64`, round to nearest even); when
 * `m ≥ K[s]` its address `4t` goes on the slow list at `SLOW_BASE` too.
 * Locals: 0 n, 1 p (byte address of word t), 2 w, 3 4·s, 4 m, 5 4·count,
 * 6 end address.
 */
function normal32Body(): number[] {
  const N = 0, P = 1, W = 2, S = 3, M = 4, CNT = 5, STOP = 6;
  const locals = vec([[6, I32]]);
  const code: number[] = [];
  // Branch-free: every word's float32 goes to the float area; every word's
  // address is written to the slow list at position `count`, and `count`
  // advances only for slow ones (so the list keeps exactly those).
  code.push(...get(N), ...i32c(2), I32_SHL, ...set(STOP));
  code.push(BLOCK, VOID, ...get(N), I32_EQZ, BR_IF, 0, LOOP, VOID);
  // w = mem32[p]; s = (w & 511) << 2; m = (w >>> 8) | 1
  code.push(...get(P), I32_LOAD, 2, 0, LOCAL_TEE, W);
  code.push(...i32c(511), I32_AND, ...i32c(2), I32_SHL, ...set(S));
  code.push(...get(W), ...i32c(8), I32_SHR_U, ...i32c(1), I32_OR, ...set(M));
  // floats[p] = demote(m · W[s])
  code.push(...get(P), ...get(M), F64_CONVERT_I32_S, ...get(S), ...get(S));
  code.push(I32_ADD, F64_LOAD, 3, ...uleb(W_BASE), F64_MUL, F32_DEMOTE_F64);
  code.push(F32_STORE, 2, ...uleb(FLOAT_BASE));
  // slow[count] = p; count += (m ≥ K[s])
  code.push(...get(CNT), ...get(P), I32_STORE, 2, ...uleb(SLOW_BASE));
  code.push(...get(CNT), ...get(M), ...get(S), I32_LOAD, 2, ...uleb(K_BASE));
  code.push(I32_GE_S, ...i32c(2), I32_SHL, I32_ADD, ...set(CNT));
  code.push(...get(P), ...i32c(4), I32_ADD, LOCAL_TEE, P, ...get(STOP), I32_NE);
  code.push(
    BR_IF,
    0,
    END,
    END,
    ...get(CNT),
    ...i32c(2),
    I32_SHR_U,
    RETURN,
    END,
  );
  return [...locals, ...code];
}

/**
 * Body of `normal32x4(n) → slowCount`: `normal32` four words at a time
 * (`n` a multiple of 4), with the same results. The table entries are
 * gathered lane by lane; products are formed as two f64x2 (the same double
 * roundings as the scalar code) and demoted to float32. A group with a
 * slow word appends its slow words to the list in lane order.
 * Locals: 0 n, 1 p, 2 end, 3 4·count, 4..7 4·s of lanes 0..3; v128:
 * 8 words, 9 4·s, 10 m, 11 K values, 12..13 the W values of lanes 0–1, 2–3.
 */
function normal32x4Body(): number[] {
  const N = 0, P = 1, STOP = 2, CNT = 3, A = [4, 5, 6, 7];
  const VW = 8, VS = 9, VM = 10, VK = 11, W01 = 12, W23 = 13;
  const locals = vec([[7, I32], [6, V128]]);
  const code: number[] = [];
  const const4 = (v: number) => [
    ...simd(V128_CONST),
    ...Array.from({ length: 4 }, () => [v & 255, (v >> 8) & 255, 0, 0]).flat(),
  ];
  code.push(...get(N), ...i32c(2), I32_SHL, ...set(STOP));
  code.push(BLOCK, VOID, LOOP, VOID);
  code.push(...get(P), ...get(STOP), I32_GE_U, BR_IF, 1);
  // words, 4·s = (w & 511) << 2, m = (w >>> 8) | 1
  code.push(...get(P), ...simd(V128_LOAD), 4, 0, LOCAL_TEE, VW);
  code.push(...const4(511), ...simd(V128_AND), ...i32c(2), ...simd(I32X4_SHL));
  code.push(LOCAL_TEE, VS);
  for (let l = 0; l < 4; l++) {
    if (l > 0) code.push(...get(VS));
    code.push(...simd(I32X4_EXTRACT_LANE), l, ...set(A[l]));
  }
  code.push(...get(VW), ...i32c(8), ...simd(I32X4_SHR_U), ...const4(1));
  code.push(...simd(V128_OR), ...set(VM));
  // W values, two lanes per f64x2 (address 8·s = 4·s + 4·s)
  for (const [dst, l0, l1] of [[W01, 0, 1], [W23, 2, 3]]) {
    code.push(...get(A[l0]), ...get(A[l0]), I32_ADD);
    code.push(...simd(V128_LOAD64_ZERO), 3, ...uleb(W_BASE));
    code.push(...set(dst), ...get(A[l1]), ...get(A[l1]), I32_ADD, ...get(dst));
    code.push(...simd(V128_LOAD64_LANE), 3, ...uleb(W_BASE), 1, ...set(dst));
  }
  // floats = demote(m · W), lanes 0–1 and 2–3, packed
  code.push(...get(P));
  code.push(...get(VM), ...simd(F64X2_CONVERT_LOW_I32X4_S), ...get(W01));
  code.push(...simd(F64X2_MUL), ...simd(F32X4_DEMOTE_F64X2_ZERO));
  code.push(...get(VM), ...get(VM), ...simd(I8X16_SHUFFLE));
  code.push(...lanes32([2, 3, 2, 3]), ...simd(F64X2_CONVERT_LOW_I32X4_S));
  code.push(...get(W23), ...simd(F64X2_MUL), ...simd(F32X4_DEMOTE_F64X2_ZERO));
  code.push(...simd(I8X16_SHUFFLE), ...lanes32([0, 1, 4, 5]));
  code.push(...simd(V128_STORE), 4, ...uleb(FLOAT_BASE));
  // K values; any lane with m ≥ K goes on the slow list
  code.push(...get(A[0]), ...simd(V128_LOAD32_ZERO), 2, ...uleb(K_BASE));
  for (let l = 1; l < 4; l++) {
    code.push(...set(VK), ...get(A[l]), ...get(VK));
    code.push(...simd(V128_LOAD32_LANE), 2, ...uleb(K_BASE), l);
  }
  code.push(LOCAL_TEE, VK, ...get(VM), ...get(VK), ...simd(I32X4_GE_S));
  code.push(...simd(V128_ANY_TRUE), IF, VOID);
  for (let l = 0; l < 4; l++) {
    code.push(...get(VM), ...simd(I32X4_EXTRACT_LANE), l);
    code.push(...get(VK), ...simd(I32X4_EXTRACT_LANE), l, I32_GE_S, IF, VOID);
    code.push(...get(CNT), ...get(P), ...i32c(4 * l), I32_ADD);
    code.push(I32_STORE, 2, ...uleb(SLOW_BASE));
    code.push(...get(CNT), ...i32c(4), I32_ADD, ...set(CNT), END);
  }
  code.push(END);
  code.push(...get(P), ...i32c(16), I32_ADD, ...set(P), BR, 0, END, END);
  code.push(...get(CNT), ...i32c(2), I32_SHR_U, END);
  return [...locals, ...code];
}

/**
 * Body of `uniform32(n)`: words `0 … n − 1` (rounded up to a multiple of
 * 4) give the float32 `(w >>> 8) · 2^−24` at `FLOAT_BASE + 4t`, four at a
 * time.
 * Locals: 0 n, 1 p (byte address), 2 end.
 */
function uniform32Body(): number[] {
  const N = 0, P = 1, STOP = 2;
  const locals = vec([[2, I32]]);
  const code: number[] = [];
  const scale = new Uint8Array(
    new Float32Array([2 ** -24, 2 ** -24, 2 ** -24, 2 ** -24]).buffer,
  );
  code.push(...get(N), ...i32c(2), I32_SHL, ...set(STOP));
  code.push(BLOCK, VOID, LOOP, VOID);
  code.push(...get(P), ...get(STOP), I32_GE_U, BR_IF, 1);
  code.push(...get(P), ...get(P), ...simd(V128_LOAD), 4, 0);
  code.push(...i32c(8), ...simd(I32X4_SHR_U), ...simd(F32X4_CONVERT_I32X4_S));
  code.push(...simd(V128_CONST), ...scale, ...simd(F32X4_MUL));
  code.push(...simd(V128_STORE), 4, ...uleb(FLOAT_BASE));
  code.push(...get(P), ...i32c(16), I32_ADD, ...set(P), BR, 0, END, END, END);
  return [...locals, ...code];
}

/**
 * Body of `extras(count, jbLo, jbHi, stream, k0, k1)`: for the first
 * `count` entries `4t` of the slow list, extra block 0 of element `jb + t` (counter
 * `[lo(jb + t), hi(jb + t), stream, 1]`, `jb = jbHi·2^32 + jbLo`), written
 * to `EXTRA_BASE + 16·q`.
 * Locals: 0..5 params, 6 q, 7 t, 8..11 X, 12 KK0, 13 KK1, 14 P0, 15 P1, 16 J (i64).
 */
function extrasBody(): number[] {
  const [COUNT, JB_LO, JB_HI, STREAM, K0, K1] = [0, 1, 2, 3, 4, 5];
  const Q = 6, T = 7, X = [8, 9, 10, 11], KK0 = 12, KK1 = 13;
  const P0 = 14, P1 = 15, J = 16;
  const locals = vec([[8, I32], [3, I64]]);
  const code: number[] = [];
  code.push(BLOCK, VOID, ...get(COUNT), I32_EQZ, BR_IF, 0, LOOP, VOID);
  code.push(...get(Q), ...i32c(2), I32_SHL, I32_LOAD, 2, ...uleb(SLOW_BASE));
  code.push(...i32c(2), I32_SHR_U, ...set(T));
  // J = jb + t (64-bit)
  code.push(...get(JB_HI), I64_EXTEND_I32_U, I64_CONST, 32, I64_SHL);
  code.push(...get(JB_LO), I64_EXTEND_I32_U, I64_OR);
  code.push(...get(T), I64_EXTEND_I32_U, I64_ADD, LOCAL_TEE, J);
  code.push(I32_WRAP_I64, ...set(X[0]));
  code.push(LOCAL_GET, J, I64_CONST, 32, I64_SHR_U, I32_WRAP_I64, ...set(X[1]));
  code.push(...get(STREAM), ...set(X[2]), ...i32c(1), ...set(X[3]));
  code.push(...get(K0), ...set(KK0), ...get(K1), ...set(KK1));
  philoxRounds(code, X, KK0, KK1, P0, P1);
  for (let l = 0; l < 4; l++) {
    code.push(...get(Q), ...i32c(4), I32_SHL, ...get(X[l]));
    code.push(I32_STORE, 2, ...uleb(EXTRA_BASE + 4 * l));
  }
  code.push(...get(Q), ...i32c(1), I32_ADD, LOCAL_TEE, Q, ...get(COUNT));
  code.push(I32_NE, BR_IF, 0, END, END, END);
  return [...locals, ...code];
}

/** Byte address of the float32 results of `normal32` and `uniform32`. */
export const FLOAT_BASE: number = CHUNK_BLOCKS * 16;
/** Byte address of the Ziggurat's `K` table (512 int32) in the kernel memory. */
export const K_BASE: number = FLOAT_BASE + CHUNK_BLOCKS * 16;
/** Byte address of the Ziggurat's `W` table (512 float64). */
export const W_BASE: number = K_BASE + 512 * 4;
/** Byte address of `normal32`'s slow list (up to `4·CHUNK_BLOCKS` byte addresses of words). */
export const SLOW_BASE: number = W_BASE + 512 * 8;
/** Byte address of `extras`' output (up to `4·CHUNK_BLOCKS` blocks). */
export const EXTRA_BASE: number = SLOW_BASE + CHUNK_BLOCKS * 16;
const MEMORY_BYTES = EXTRA_BASE + CHUNK_BLOCKS * 64;

/** Assembles the module; with `withSimd` false, `blocks4` and `uniform32` are left out. */
export function assemble(withSimd: boolean): Uint8Array<ArrayBuffer> {
  const i32s = (k: number) => vec(Array.from({ length: k }, () => [I32]));
  const types = [
    [0x60, ...i32s(8), ...vec([])], // blocks, blocks4
    [0x60, ...i32s(1), ...vec([[I32]])], // normal32
    [0x60, ...i32s(1), ...vec([])], // uniform32
    [0x60, ...i32s(6), ...vec([])], // extras
  ];
  const funcs: [string, number, number[]][] = [
    ["blocks", 0, scalarBody()],
    ["normal32", 1, normal32Body()],
    ["extras", 3, extrasBody()],
    ...(withSimd
      ? [
        ["blocks4", 0, simdBody()],
        ["uniform32", 2, uniform32Body()],
        ["normal32x4", 1, normal32x4Body()],
      ] as [
        string,
        number,
        number[],
      ][]
      : []),
  ];
  const pages = Math.ceil(MEMORY_BYTES / 65536);
  const exports = [
    [...name("mem"), 0x02, 0],
    ...funcs.map(([n], i) => [...name(n), 0x00, i]),
  ];
  return new Uint8Array([
    ...[0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00],
    ...section(1, vec(types)),
    ...section(3, vec(funcs.map(([, t]) => [t]))),
    ...section(5, vec([[0x00, ...uleb(pages)]])),
    ...section(7, vec(exports)),
    ...section(10, vec(funcs.map(([, , b]) => [...uleb(b.length), ...b]))),
  ]);
}

let kernel: PhiloxKernel | null | undefined;

/**
 * The compiled kernel (compiled once, synchronously, with the Ziggurat
 * tables written into its memory), or `null` where the runtime has no
 * WebAssembly; the SIMD functions are included where the runtime validates
 * them.
 */
export function philoxKernel(): PhiloxKernel | null {
  if (kernel !== undefined) return kernel;
  kernel = null;
  if (typeof WebAssembly !== "object") return kernel;
  const simdBytes = assemble(true);
  const withSimd = WebAssembly.validate(simdBytes);
  const bytes = withSimd ? simdBytes : assemble(false);
  const instance = new WebAssembly.Instance(new WebAssembly.Module(bytes));
  const ex = instance.exports as {
    mem: WebAssembly.Memory;
    blocks: BlocksFunction;
    normal32: PhiloxKernel["normal32"];
    extras: PhiloxKernel["extras"];
    blocks4?: BlocksFunction;
    uniform32?: NonNullable<PhiloxKernel["uniform32"]>;
    normal32x4?: PhiloxKernel["normal32"];
  };
  const buffer = ex.mem.buffer;
  new Int32Array(buffer, K_BASE, 512).set(Z24.K);
  new Float64Array(buffer, W_BASE, 512).set(Z24.W);
  kernel = {
    words: new Uint32Array(buffer, 0, CHUNK_BLOCKS * 4),
    floats: new Float32Array(buffer, FLOAT_BASE, CHUNK_BLOCKS * 4),
    slow: new Uint32Array(buffer, SLOW_BASE, CHUNK_BLOCKS * 4),
    blocks: ex.blocks,
    normal32: ex.normal32,
    normal32x4: ex.normal32x4 ?? null,
    extras: ex.extras,
    extraWords: new Uint32Array(buffer, EXTRA_BASE, CHUNK_BLOCKS * 16),
    blocks4: ex.blocks4 ?? null,
    uniform32: ex.uniform32 ?? null,
  };
  return kernel;
}
